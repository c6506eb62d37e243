import Foundation
import Vapor
import Platform
import Directory

struct OrgPage: Encodable, Sendable {
    var base: PageBase
    var org: OrgDTO?
    var kindLabel: String
    var crumbs: [OrgDTO]
    var children: [OrgRow]
    var people: [PersonRow]
    var canManage: Bool
    var childKinds: [SelectOption]
    var errors: FormErrors
    var moves: [OrgMoveDTO]
    var moveTargets: [SelectOption]
}

struct OrgRow: Encodable, Sendable { var id: UUID; var name: String; var kind: String }
struct PersonRow: Encodable, Sendable { var id: UUID; var name: String; var birthDate: String; var roles: String }
struct SelectOption: Encodable, Sendable { var value: String; var label: String; var selected: Bool }

struct PeoplePage: Encodable, Sendable {
    var base: PageBase
    var query: String
    var role: String
    var roles: [SelectOption]
    var people: [PersonRow]
    var nextHref: String?
    var canCreate: Bool
}

struct PersonPage: Encodable, Sendable {
    var base: PageBase
    var person: PersonDTO
    var genderLabel: String
    var birthDateLabel: String
    var roles: [PersonRoleRow]
    var guardians: [GuardianRow]
    var consents: [ConsentRow]
    var consentChoices: [ConsentChoice]
    var needsChildAgreement: Bool
    var canManage: Bool
    var genders: [SelectOption]
    var roleOptions: [SelectOption]
    var orgOptions: [SelectOption]
    var relationships: [SelectOption]
    var isPupil: Bool
    var errors: FormErrors
    var saved: Bool
}

struct PersonRoleRow: Encodable, Sendable { var role: String; var orgName: String; var orgID: UUID }
struct GuardianRow: Encodable, Sendable { var name: String; var href: String; var relationship: String }
struct ConsentRow: Encodable, Sendable { var purpose: String; var state: String; var grantedAt: String }
struct ConsentChoice: Encodable, Sendable { var purpose: String; var label: String; var activeID: String? }

struct NewPersonPage: Encodable, Sendable {
    var base: PageBase
    var orgs: [SelectOption]
    var roles: [SelectOption]
    var genders: [SelectOption]
    var values: [String: String]
    var errors: FormErrors
}

struct AuditPage: Encodable, Sendable {
    var base: PageBase
    var events: [AuditRow]
    var nextHref: String?
}

struct AuditRow: Encodable, Sendable { var at: String; var actor: String; var action: String; var changes: String; var ip: String }

struct ImportPage: Encodable, Sendable {
    var base: PageBase
    var targets: [SelectOption]
    var report: ImportReportView?
    var errors: [ImportProblemRow]
}

struct ImportReportView: Encodable, Sendable { var dryRun: Bool; var lines: [String]; var warnings: [ImportProblemRow] }
struct ImportProblemRow: Encodable, Sendable { var file: String; var line: String; var field: String; var reason: String }

/// Administrators' pages: the organisation tree, people, audit and roster import.
struct DirectoryPages {
    func kindOptions(_ kinds: some Sequence<OrgKind>, _ req: Request) -> [SelectOption] {
        kinds.map { SelectOption(value: $0.rawValue, label: req.t("org.kind.\($0.rawValue)"), selected: false) }.sorted { $0.label < $1.label }
    }

    @Sendable func orgRoots(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let roots = try await req.directory.children(of: nil, actor: actor)
        if roots.count == 1 { return req.redirect(to: "/orgs/\(roots[0].id)") }
        let page = OrgPage(base: await PageBase.make(req, title: req.t("orgs.title")), org: nil, kindLabel: "", crumbs: [],
                           children: roots.map { OrgRow(id: $0.id, name: $0.displayName, kind: req.t("org.kind.\($0.kind)")) },
                           people: [], canManage: false, childKinds: [], errors: FormErrors(), moves: [], moveTargets: [])
        return try await req.page("org", page)
    }

    @Sendable func org(req: Request) async throws -> Response {
        try await renderOrg(req, errors: FormErrors())
    }

    func renderOrg(_ req: Request, errors: FormErrors, status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        let org = try await req.directory.organisation(id, actor: actor)
        let crumbs = try await req.directory.ancestors(of: id, actor: actor)
        let children = try await req.directory.children(of: id, actor: actor)
        var people: [PersonRow] = []
        if actor.can(.viewPeople, at: org.path) {
            let page = try await req.directory.searchPeople(query: nil, orgID: id, role: nil, limit: 100, cursor: nil, actor: actor)
            let format = LocaleFormat(req.locale)
            people = page.items.map { rowOf($0, req, format) }
        }
        let canManage = actor.can(.manageOrganisations, at: org.path)
        let kind = OrgKind(rawValue: org.kind) ?? .other
        let kinds = kind.allowedChildren
        // Where this organisation could go: parents of a fitting kind the actor manages,
        // never inside itself.
        let parentKinds = Set(OrgKind.allCases.filter { $0.allowedChildren.contains(kind) })
        let targets = canManage ? try await req.directory.organisations(where: .manageOrganisations, kinds: parentKinds, limit: 300, actor: actor)
            .filter { !$0.path.hasPrefix(org.path) && $0.id != org.parentID }
            .map { SelectOption(value: $0.id.uuidString, label: "\($0.displayName) (\(req.t("org.kind.\($0.kind)")))", selected: false) } : []
        let page = OrgPage(base: await PageBase.make(req, title: org.displayName), org: org, kindLabel: req.t("org.kind.\(org.kind)"),
                           crumbs: Array(crumbs.dropLast()),
                           children: children.map { OrgRow(id: $0.id, name: $0.displayName, kind: req.t("org.kind.\($0.kind)")) },
                           people: people, canManage: canManage, childKinds: kindOptions(kinds, req), errors: errors,
                           moves: try await req.directory.moves(of: id, actor: actor), moveTargets: targets)
        return try await req.page("org", page, status: status)
    }

    @Sendable func createChild(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let parent = try req.uuid("id")
        let name = req.field("name") ?? ""
        return try await req.submitForm({
            let org = try await req.directory.createOrganisation(
                NewOrganisation(kind: req.field("kind") ?? "", code: req.field("code") ?? "", parentID: parent,
                                name: LocalizedText([req.locale.rawValue: name])), actor: actor)
            return "/orgs/\(org.id)"
        }, orShow: { try await renderOrg(req, errors: $0, status: $1) })
    }

    func rowOf(_ p: PersonSummaryDTO, _ req: Request, _ format: LocaleFormat) -> PersonRow {
        PersonRow(id: p.id, name: p.fullName, birthDate: format.date(p.birthDate), roles: p.roles.map { req.t("role.\($0)") }.joined(separator: ", "))
    }

    @Sendable func people(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let q = req.query[String.self, at: "q"] ?? ""
        let role = req.query[String.self, at: "role"].flatMap { Role(rawValue: $0) != nil ? $0 : nil } ?? ""
        let cursor = req.query[String.self, at: "cursor"]
        let page = try await req.directory.searchPeople(query: q, orgID: nil, role: role.isEmpty ? nil : role, limit: 50,
                                                        cursor: cursor, actor: actor)
        var next: String?
        if let c = page.nextCursor {
            var comps = URLComponents()
            comps.path = "/people"
            comps.queryItems = [URLQueryItem(name: "q", value: q), URLQueryItem(name: "role", value: role), URLQueryItem(name: "cursor", value: c)]
            next = comps.string
        }
        let roles = [SelectOption(value: "", label: req.t("people.any-role"), selected: role.isEmpty)]
            + Role.allCases.map { SelectOption(value: $0.rawValue, label: req.t("role.\($0.rawValue)"), selected: $0.rawValue == role) }
        return try await req.page("people", PeoplePage(base: await PageBase.make(req, title: req.t("people.title")), query: q, role: role,
                                                       roles: roles, people: page.items.map { [format = LocaleFormat(req.locale)] in rowOf($0, req, format) }, nextHref: next,
                                                       canCreate: !actor.prefixes(for: .managePeople).isEmpty))
    }

    func genderOptions(_ req: Request, selected: String) -> [SelectOption] {
        Gender.allCases.map { SelectOption(value: $0.rawValue, label: req.t("gender.\($0.rawValue)"), selected: $0.rawValue == selected) }
    }

    /// Organisations where the actor may add people, for the pickers of the forms.
    func manageableOrgs(_ req: Request, actor: Actor, kinds: Set<OrgKind> = Set(OrgKind.allCases)) async throws -> [OrgDTO] {
        try await req.directory.organisations(where: .managePeople, kinds: kinds, limit: 500, actor: actor)
    }

    @Sendable func newPersonForm(req: Request) async throws -> Response {
        try await renderNewPerson(req, values: ["orgId": req.query[String.self, at: "orgId"] ?? ""], errors: FormErrors())
    }

    func renderNewPerson(_ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        guard !actor.prefixes(for: .managePeople).isEmpty else { throw DomainError.forbidden() }
        let orgs = try await manageableOrgs(req, actor: actor).prefix(300).map {
            SelectOption(value: $0.id.uuidString, label: "\($0.displayName) (\(req.t("org.kind.\($0.kind)")))", selected: $0.id.uuidString == values["orgId"])
        }
        let roles = Role.allCases.map { SelectOption(value: $0.rawValue, label: req.t("role.\($0.rawValue)"), selected: $0.rawValue == (values["role"] ?? "pupil")) }
        return try await req.page("person-new", NewPersonPage(base: await PageBase.make(req, title: req.t("person.new.title")), orgs: Array(orgs),
                                                              roles: roles, genders: genderOptions(req, selected: values["gender"] ?? "unspecified"),
                                                              values: values, errors: errors), status: status)
    }

    @Sendable func createPerson(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let keys = ["familyName", "middleName", "givenName", "birthDate", "gender", "nationalId", "email", "phone", "username", "orgId", "role"]
        var values: [String: String] = [:]
        for k in keys { values[k] = req.field(k) ?? "" }
        guard let orgID = UUID(uuidString: values["orgId"] ?? "") else {
            return try await renderNewPerson(req, values: values, errors: FormErrors(.invalid(field: "orgId", reason: "validation.org-unknown"), req), status: .unprocessableEntity)
        }
        let input = NewPerson(familyName: values["familyName"]!, middleName: values["middleName"], givenName: values["givenName"]!,
                              birthDate: values["birthDate"], gender: values["gender"], nationalID: values["nationalId"],
                              email: values["email"], phone: values["phone"], username: values["username"],
                              password: try? req.content.get(String.self, at: "password"), orgID: orgID, role: values["role"]!)
        return try await req.submitForm({
            "/people/\(try await req.directory.createPerson(input, actor: actor).id)"
        }, orShow: { try await renderNewPerson(req, values: values, errors: $0, status: $1) })
    }

    @Sendable func person(req: Request) async throws -> Response {
        try await renderPerson(req, errors: FormErrors(), saved: req.query[String.self, at: "saved"] != nil)
    }

    func renderPerson(_ req: Request, errors: FormErrors, saved: Bool, status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        let p = try await req.directory.person(id, actor: actor)
        let canManage = try await req.directory.canManage(personID: id, actor: actor)
        let links = try await req.directory.guardianLinks(of: id, actor: actor)
        let guardians = links.map { l in
            l.pupilID == id
                ? GuardianRow(name: l.guardianName, href: "/people/\(l.guardianID)", relationship: req.t("relationship.\(l.relationship)"))
                : GuardianRow(name: l.pupilName, href: "/people/\(l.pupilID)", relationship: req.t("relationship.ward"))
        }
        let format = LocaleFormat(req.locale)
        let consents = try await req.directory.consents(of: id, actor: actor).map {
            ConsentRow(purpose: req.t("consent.\($0.purpose)"), state: req.t($0.active ? "consent.active" : "consent.withdrawn"),
                       grantedAt: format.dateTime($0.grantedAt))
        }
        let panel = try await req.directory.consentPanel(subjectID: id, actor: actor)
        let choices = panel.grantorID == nil ? [] : panel.purposes.map {
            ConsentChoice(purpose: $0.purpose, label: req.t("consent.\($0.purpose)"), activeID: $0.activeConsentID?.uuidString)
        }
        let roleOptions = Role.allCases.map { SelectOption(value: $0.rawValue, label: req.t("role.\($0.rawValue)"), selected: false) }
        let orgOptions = canManage ? try await manageableOrgs(req, actor: actor).prefix(300).map {
            SelectOption(value: $0.id.uuidString, label: "\($0.displayName) (\(req.t("org.kind.\($0.kind)")))", selected: false)
        } : []
        return try await req.page("person", PersonPage(base: await PageBase.make(req, title: p.fullName), person: p, genderLabel: req.t("gender.\(p.gender)"),
                                                       birthDateLabel: LocaleFormat(req.locale).date(p.birthDate),
                                                       roles: p.roles.map { PersonRoleRow(role: req.t("role.\($0.role)"), orgName: $0.orgName, orgID: $0.orgID) },
                                                       guardians: guardians, consents: consents, consentChoices: choices,
                                                       needsChildAgreement: panel.needsChildAgreement, canManage: canManage,
                                                       genders: genderOptions(req, selected: p.gender), roleOptions: roleOptions, orgOptions: Array(orgOptions),
                                                       relationships: GuardianRelationship.allCases.map {
                                                           SelectOption(value: $0.rawValue, label: req.t("relationship.\($0.rawValue)"), selected: false)
                                                       },
                                                       isPupil: p.roles.contains { $0.role == "pupil" },
                                                       errors: errors, saved: saved), status: status)
    }

    @Sendable func updatePerson(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        let patch = PersonPatch(familyName: req.field("familyName"), middleName: req.field("middleName"), givenName: req.field("givenName"),
                                birthDate: req.field("birthDate"), gender: req.field("gender"), email: req.field("email"),
                                phone: req.field("phone"), address: req.field("address"))
        return try await req.submitForm({
            _ = try await req.directory.updatePerson(id, patch, actor: actor)
            return "/people/\(id)?saved=1"
        }, orShow: { try await renderPerson(req, errors: $0, saved: false, status: $1) })
    }

    @Sendable func assignRole(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        return try await req.submitForm({
            guard let orgID = UUID(uuidString: req.field("orgId") ?? "") else {
                throw DomainError.invalid(field: "orgId", reason: "validation.org-unknown")
            }
            _ = try await req.directory.assignRole(personID: id, orgID: orgID, role: req.field("role") ?? "", actor: actor)
            return "/people/\(id)?saved=1"
        }, orShow: { try await renderPerson(req, errors: $0, saved: false, status: $1) })
    }

    /// An administrator links a guardian, named by username or national ID, to a pupil.
    @Sendable func linkGuardian(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        return try await req.submitForm({
            _ = try await req.directory.linkGuardian(identifiedBy: req.field("guardian") ?? "", pupilID: id,
                                                     relationship: req.field("relationship") ?? "", actor: actor)
            return "/people/\(id)?saved=1"
        }, orShow: { try await renderPerson(req, errors: $0, saved: false, status: $1) })
    }

    /// A guardian (or an adult for themselves) gives consent from the person page.
    @Sendable func giveConsent(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        guard let me = actor.personID else { throw DomainError.unauthenticated() }
        return try await req.submitForm({
            _ = try await req.directory.recordConsent(subjectID: id, ConsentInput(purpose: req.field("purpose") ?? "", grantedByID: me,
                                                                                  childAgreed: req.field("childAgreed") == "on"), actor: actor)
            return "/people/\(id)?saved=1"
        }, orShow: { try await renderPerson(req, errors: $0, saved: false, status: $1) })
    }

    @Sendable func withdrawConsent(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        _ = try await req.directory.withdrawConsent(subjectID: id, consentID: try req.uuid("consentId"), actor: actor)
        return req.redirect(to: "/people/\(id)?saved=1")
    }

    /// Renames an organisation in the reader's language, keeping its other names.
    @Sendable func renameOrg(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        return try await req.submitForm({
            var names = try await req.directory.organisation(id, actor: actor).name.values
            names[req.locale.rawValue] = req.field("name") ?? ""
            _ = try await req.directory.renameOrganisation(id, name: LocalizedText(names), actor: actor)
            return "/orgs/\(id)"
        }, orShow: { try await renderOrg(req, errors: $0, status: $1) })
    }

    /// Moves an organisation under another parent (a school to another district).
    @Sendable func moveOrg(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        return try await req.submitForm({
            guard let parent = UUID(uuidString: req.field("parentId") ?? "") else {
                throw DomainError.invalid(field: "parentId", reason: "validation.org-unknown")
            }
            _ = try await req.directory.moveOrganisation(id, to: parent, actor: actor)
            return "/orgs/\(id)"
        }, orShow: { try await renderOrg(req, errors: $0, status: $1) })
    }

    @Sendable func audit(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let page = try await req.auditLog.events(orgID: nil, entityID: nil, limit: 50, cursor: req.query[String.self, at: "cursor"], actor: actor)
        let format = LocaleFormat(req.locale)
        let rows = page.items.map { e in
            AuditRow(at: format.dateTime(e.at), actor: e.actorName, action: e.action,
                     changes: e.changes.map { "\($0.field): \($0.before ?? "∅") → \($0.after ?? "∅")" }.joined(separator: "; "),
                     ip: e.ip ?? "")
        }
        return try await req.page("audit", AuditPage(base: await PageBase.make(req, title: req.t("audit.title")), events: rows,
                                                     nextHref: page.nextCursor.map { "/audit?cursor=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }))
    }

    func importTargets(_ req: Request, actor: Actor) async throws -> [SelectOption] {
        try await manageableOrgs(req, actor: actor, kinds: [.nation, .province, .district, .school]).map {
            SelectOption(value: $0.id.uuidString, label: "\($0.displayName) (\(req.t("org.kind.\($0.kind)")))", selected: false)
        }
    }

    @Sendable func importForm(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        guard !actor.prefixes(for: .managePeople).isEmpty else { throw DomainError.forbidden() }
        return try await req.page("import", ImportPage(base: await PageBase.make(req, title: req.t("import.title")),
                                                       targets: try await importTargets(req, actor: actor), report: nil, errors: []))
    }

    @Sendable func importUpload(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        guard !actor.prefixes(for: .managePeople).isEmpty else { throw DomainError.forbidden() }
        let targets = try await importTargets(req, actor: actor)
        func row(_ p: FieldProblem) -> ImportProblemRow {
            ImportProblemRow(file: p.file ?? "", line: p.line.map(String.init) ?? "", field: p.field, reason: req.t(p.reason, p.arguments))
        }
        do {
            let files = try req.rosterFiles()
            let dryRun = req.field("dryRun") == "on" || req.field("dryRun") == "true"
            let report = try await OneRosterImporter(db: req.db, ctx: req.services.directory)
                .run(files: files, into: req.field("into").flatMap(UUID.init(uuidString:)), dryRun: dryRun, actor: actor)
            let lines = report.summaryLines(req.services.localizer, req.locale)
            return try await req.page("import", ImportPage(base: await PageBase.make(req, title: req.t("import.title")), targets: targets,
                                                           report: ImportReportView(dryRun: dryRun, lines: lines, warnings: report.warnings.map(row)),
                                                           errors: []))
        } catch let e as DomainError where e.status == 422 || e.status == 400 {
            let rows = e.problems.isEmpty ? [ImportProblemRow(file: "", line: "", field: "", reason: req.t(e.detailKey, e.detailArguments))] : e.problems.map(row)
            return try await req.page("import", ImportPage(base: await PageBase.make(req, title: req.t("import.title")), targets: targets,
                                                           report: nil, errors: rows), status: .unprocessableEntity)
        }
    }
}
