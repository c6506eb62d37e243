import Foundation
import Vapor
import Platform

struct NavItem: Encodable, Sendable { var href: String; var label: String; var current: Bool }
struct LanguageLink: Encodable, Sendable { var code: String; var label: String; var current: Bool }

/// What every page's layout needs: language, title, the signed-in person, navigation and
/// the CSRF token for forms.
struct PageBase: Encodable, Sendable {
    var lang: String
    var title: String
    var signedIn: Bool
    var userName: String
    var csrf: String
    var nav: [NavItem]
    var languages: [LanguageLink]
    var path: String

    static func make(_ req: Request, title: String) async -> PageBase {
        let actor = req.actor
        var nav: [NavItem] = []
        let path = req.url.path
        func add(_ href: String, _ key: String) {
            nav.append(NavItem(href: href, label: req.t(key), current: href == "/" ? path == "/" : path.hasPrefix(href)))
        }
        if let actor {
            add("/", "nav.home")
            add("/library", "nav.library")
            add("/courses", "nav.courses")
            add("/live", "nav.live")
            if !actor.prefixes(for: .reviewResources).isEmpty { add("/library/review", "nav.review") }
            if !actor.prefixes(for: .authorAssessments).isEmpty { add("/assessment/banks", "nav.banks") }
            if actor.grants.contains(where: { $0.role == .pupil }) || !actor.prefixes(for: .authorAssessments).isEmpty { add("/exams", "nav.exams") }
            if !actor.prefixes(for: .viewPeople).isEmpty {
                add("/orgs", "nav.organisations")
                add("/people", "nav.people")
            }
            if !actor.prefixes(for: .viewAudit).isEmpty { add("/audit", "nav.audit") }
            if !actor.prefixes(for: .managePeople).isEmpty { add("/imports/oneroster", "nav.import") }
            if actor.grants.contains(where: { $0.role == .administrator }) {
                add("/xapi-clients", "nav.xapi")
                add("/lti-tools", "nav.lti")
            }
            add("/profile", "nav.profile")
        } else {
            add("/library", "nav.library")
            add("/catalogue", "nav.catalogue")
            add("/signin", "signin.title")
        }
        let languages = AppLocale.allCases.map {
            LanguageLink(code: $0.rawValue, label: req.services.localizer.text("language.name", $0), current: $0 == req.locale)
        }
        return PageBase(lang: req.locale.rawValue, title: title, signedIn: actor != nil, userName: actor?.displayName ?? "",
                        csrf: req.csrfToken, nav: nav, languages: languages, path: path)
    }
}

struct ErrorPage: Encodable, Sendable {
    var base: PageBase
    var status: Int
    var title: String
    var detail: String
    var problems: [ProblemField]
}

/// Field errors of a form, by field name, in the reader's language.
struct FormErrors: Encodable, Sendable {
    var messages: [String: String] = [:]
    var summary: [String] = []

    init() {}

    init(_ error: DomainError, _ req: Request) {
        for p in error.problems {
            let text = req.t(p.reason, p.arguments)
            messages[p.field] = text
            summary.append(text)
        }
        if error.problems.isEmpty { summary.append(req.t(error.detailKey, error.detailArguments)) }
    }
}

extension Request {
    /// Renders a page with a status; pages are never cached (they hold personal data).
    func page(_ template: String, _ context: some Encodable & Sendable, status: HTTPStatus = .ok) async throws -> Response {
        let view = try await self.view.render(template, context)
        return try await view.encodeResponse(status: status, for: self)
    }

    /// Runs a form's action and follows it to the page it names; a correctable refusal
    /// (422, 409) shows the same form again with the messages, keeping what was typed.
    func submitForm(_ action: () async throws -> String,
                    orShow form: (FormErrors, HTTPStatus) async throws -> Response) async throws -> Response {
        do {
            return redirect(to: try await action())
        } catch let e as DomainError where e.status == 422 || e.status == 409 {
            return try await form(FormErrors(e, self), HTTPStatus(statusCode: e.status))
        }
    }

    /// A form's posted field, trimmed; nil when absent.
    func field(_ name: String) -> String? {
        (try? content.get(String.self, at: name))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Only local redirects after sign-in, never to another site.
    func safeNext(_ raw: String?) -> String {
        guard let raw, raw.hasPrefix("/"), !raw.hasPrefix("//"), !raw.contains("\\") else { return "/" }
        return raw
    }
}
