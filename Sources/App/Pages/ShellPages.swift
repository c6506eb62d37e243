import Foundation
import Vapor
import Platform
import Directory

struct SignInPage: Encodable, Sendable {
    var base: PageBase
    var username: String
    var next: String
    var error: String?
}

struct HomeCard: Encodable, Sendable { var title: String; var body: String; var href: String? }
struct HomeLink: Encodable, Sendable {
    var label: String
    var href: String
    var note: String
    /// A child's id, for the link to their courses (guardians' home).
    var id: String? = nil
}

struct HomePage: Encodable, Sendable {
    var base: PageBase
    var greeting: String
    var roleSummary: [String]
    var cards: [HomeCard]
    var classes: [HomeLink]
    var children: [HomeLink]
    var orgs: [HomeLink]
}

struct ProfilePage: Encodable, Sendable {
    var base: PageBase
    var person: PersonDTO
    var birthDateLabel: String
    var errors: FormErrors
    var saved: Bool
    var passwordChanged: Bool
    var languageOptions: [LanguageLink]
}

/// Sign-in, sign-out, each role's home page and the person's own profile.
struct ShellPages {
    @Sendable func signInForm(req: Request) async throws -> Response {
        if req.actor != nil { return req.redirect(to: req.safeNext(req.query[String.self, at: "next"])) }
        return try await req.page("signin", SignInPage(base: await PageBase.make(req, title: req.t("signin.title")), username: "",
                                                      next: req.safeNext(req.query[String.self, at: "next"]), error: nil))
    }

    @Sendable func signIn(req: Request) async throws -> Response {
        let username = req.field("username") ?? ""
        let next = req.safeNext(req.field("next"))
        do {
            let issued = try await req.auth.signIn(username: username, password: (try? req.content.get(String.self, at: "password")) ?? "",
                                                   kind: .web, ip: req.clientIP)
            let response = req.redirect(to: next, redirectType: .normal)
            response.cookies[SessionCookie.name] = HTTPCookies.Value(string: issued.token, expires: issued.expiresAt, path: "/",
                                                                     isSecure: req.application.environment.isRelease && req.url.scheme == "https",
                                                                     isHTTPOnly: true, sameSite: .lax)
            return response
        } catch let e as DomainError {
            let status = HTTPStatus(statusCode: e.status)
            let page = SignInPage(base: await PageBase.make(req, title: req.t("signin.title")), username: username, next: next,
                                  error: req.t(e.detailKey, e.detailArguments))
            let response = try await req.page("signin", page, status: status)
            if let retry = e.retryAfter { response.headers.replaceOrAdd(name: .retryAfter, value: String(retry)) }
            return response
        }
    }

    @Sendable func signOut(req: Request) async throws -> Response {
        if let raw = req.rawToken { try await req.auth.revoke(token: raw) }
        let response = req.redirect(to: "/signin")
        response.cookies[SessionCookie.name] = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: "/", isHTTPOnly: true, sameSite: .lax)
        return response
    }

    /// One home page whose sections follow the person's roles: classes for pupils and
    /// teachers, children for guardians, organisations for administrators and officials.
    @Sendable func home(req: Request) async throws -> Response {
        guard let actor = req.actor else { return req.redirect(to: "/signin") }
        let me = try await req.directory.person(actor.personID!, actor: actor)
        var classes: [HomeLink] = [], orgs: [HomeLink] = [], children: [HomeLink] = []
        var seen: Set<UUID> = []
        for r in me.roles where seen.insert(r.orgID).inserted || r.orgKind == "class" {
            let roleName = req.t("role.\(r.role)")
            if r.orgKind == "class" {
                if !classes.contains(where: { $0.href == "/orgs/\(r.orgID)" }) {
                    classes.append(HomeLink(label: r.orgName, href: "/orgs/\(r.orgID)", note: roleName))
                }
            } else {
                orgs.append(HomeLink(label: r.orgName, href: "/orgs/\(r.orgID)", note: roleName))
            }
        }
        if me.roles.contains(where: { $0.role == "guardian" }) {
            for link in try await req.directory.guardianLinks(of: me.id, actor: actor) where link.guardianID == me.id {
                children.append(HomeLink(label: link.pupilName, href: "/people/\(link.pupilID)", note: req.t("relationship.\(link.relationship)"),
                                         id: link.pupilID.uuidString.lowercased()))
            }
        }
        var cards: [HomeCard] = []
        if !actor.prefixes(for: .viewPeople).isEmpty && (me.roles.contains { ["administrator", "official", "schoolAdmin", "providerAdmin"].contains($0.role) }) {
            cards.append(HomeCard(title: req.t("home.card.people"), body: req.t("home.card.people.body"), href: "/people"))
        }
        if !actor.prefixes(for: .managePeople).isEmpty {
            cards.append(HomeCard(title: req.t("home.card.import"), body: req.t("home.card.import.body"), href: "/imports/oneroster"))
        }
        let roleSummary = Array(Set(me.roles.map { req.t("role.\($0.role)") })).sorted()
        let page = HomePage(base: await PageBase.make(req, title: req.t("home.title")), greeting: req.t("home.greeting", [me.fullName]),
                            roleSummary: roleSummary, cards: cards, classes: classes, children: children, orgs: orgs)
        return try await req.page("home", page)
    }

    @Sendable func profile(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        return try await renderProfile(req, actor: actor, errors: FormErrors(), saved: req.query[String.self, at: "saved"] != nil,
                                       passwordChanged: req.query[String.self, at: "password"] != nil)
    }

    func renderProfile(_ req: Request, actor: Actor, errors: FormErrors, saved: Bool, passwordChanged: Bool, status: HTTPStatus = .ok) async throws -> Response {
        let me = try await req.directory.person(actor.personID!, actor: actor)
        let options = AppLocale.allCases.map {
            LanguageLink(code: $0.rawValue, label: req.services.localizer.text("language.name", $0), current: $0.rawValue == me.preferredLanguage)
        }
        return try await req.page("profile", ProfilePage(base: await PageBase.make(req, title: req.t("profile.title")), person: me,
                                                         birthDateLabel: LocaleFormat(req.locale).date(me.birthDate),
                                                         errors: errors, saved: saved, passwordChanged: passwordChanged,
                                                         languageOptions: options), status: status)
    }

    /// The person edits their own contact details and language.
    @Sendable func updateProfile(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let patch = PersonPatch(email: req.field("email") ?? "", phone: req.field("phone") ?? "", address: req.field("address") ?? "",
                                preferredLanguage: req.field("preferredLanguage"))
        return try await req.submitForm({
            _ = try await req.directory.updatePerson(actor.personID!, patch, actor: actor)
            return "/profile?saved=1"
        }, orShow: { try await renderProfile(req, actor: actor, errors: $0, saved: false, passwordChanged: false, status: $1) })
    }

    @Sendable func changePassword(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        return try await req.submitForm({
            try await req.auth.changePassword(actor: actor, current: (try? req.content.get(String.self, at: "currentPassword")) ?? "",
                                              new: (try? req.content.get(String.self, at: "newPassword")) ?? "", keepTokenID: req.tokenID)
            return "/profile?password=1"
        }, orShow: { try await renderProfile(req, actor: actor, errors: $0, saved: false, passwordChanged: false, status: $1) })
    }
}
