import Foundation
import Vapor
import Platform
import Assessment
import Library

struct BanksPage: Encodable, Sendable {
    var base: PageBase
    var banks: [Row]
    var shared: [Row]
    var reviews: [Row]
    var owners: [SelectOption]
    var errors: FormErrors
    var name: String
    struct Row: Encodable, Sendable { var href: String; var name: String; var count: String; var status: String }
}

struct BankPage: Encodable, Sendable {
    var base: PageBase
    var bank: BankDTO
    var items: [Item]
    var nextHref: String?
    var formats: [SelectOption]
    var report: Report?
    var errors: FormErrors
    var exports: [Link]
    var action: String
    var status: String
    var canEdit: Bool
    var canReview: Bool
    var canWithdraw: Bool
    var scopes: [SelectOption]
    var history: [HistoryRow]
    struct HistoryRow: Encodable, Sendable { var action: String; var who: String; var when: String; var comment: String }
    struct Item: Encodable, Sendable { var name: String; var type: String; var category: String; var id: String }
    struct Link: Encodable, Sendable { var href: String; var label: String }
    struct Report: Encodable, Sendable { var summary: String; var duplicates: String?; var problems: [String] }
}

/// Question banks for teachers: list and create, look inside, import a file with its
/// report (every problem with its line or item), export.
struct AssessmentPages {
    @Sendable func banks(req: Request) async throws -> Response {
        try await renderBanks(req, errors: FormErrors(), name: "")
    }

    func renderBanks(_ req: Request, errors: FormErrors, name: String, status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        guard actor.grants.contains(where: { $0.capabilities.contains(.authorAssessments) }) else { throw DomainError.forbidden() }
        func row(_ b: BankDTO) -> BanksPage.Row {
            BanksPage.Row(href: "/assessment/banks/\(b.id)", name: b.name, count: req.t("assessment.items-count", [String(b.itemCount)]),
                          status: b.orgId == nil && b.status == "draft" ? "" : req.t("library.status.\(b.status)"))
        }
        // Who may own a new bank: the teacher, or an organisation where they author (not a class).
        var seen = Set<UUID>()
        let orgs = actor.grants.filter { $0.capabilities.contains(.authorAssessments) && $0.orgKind != .class && seen.insert($0.orgID).inserted }
        let owners = [SelectOption(value: "", label: req.t("bank.owner-me"), selected: true)]
            + orgs.map { SelectOption(value: $0.orgID.uuidString, label: $0.orgName.pick(req.locale), selected: false) }
        let page = BanksPage(base: await PageBase.make(req, title: req.t("assessment.banks")),
                             banks: try await req.assessment.myBanks(actor: actor).map(row),
                             shared: try await req.assessment.sharedBanks(actor: actor).map(row),
                             reviews: try await req.assessment.bankReviewQueue(actor: actor).map(row),
                             owners: owners, errors: errors, name: name)
        return try await req.page("assessment-banks", page, status: status)
    }

    @Sendable func createBank(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let name = req.field("name") ?? ""
        let owner = req.field("owner").flatMap(UUID.init(uuidString:))
        return try await req.submitForm({
            let org = try await owner.asyncMap { try await AssessmentAPI.orgRef($0, req: req, actor: actor) }
            return "/assessment/banks/\(try await req.assessment.createBank(name: name, org: org, actor: actor).id)"
        }, orShow: { errors, status in try await renderBanks(req, errors: errors, name: name, status: status) })
    }

    @Sendable func bank(req: Request) async throws -> Response {
        try await renderBank(req, report: nil, errors: FormErrors())
    }

    func renderBank(_ req: Request, report: BankPage.Report?, errors: FormErrors, status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        let bank = try await req.assessment.bank(id, actor: actor)
        let page = try await req.assessment.items(id, actor: actor, limit: 100, cursor: req.query[String.self, at: "cursor"])
        let formats: [(String, String)] = [("gift", "GIFT"), ("moodlexml", "Moodle XML"), ("aiken", "Aiken"), ("qti3", "QTI 3.0")]
        var scopes: [SelectOption] = []
        if bank.canEdit, ["draft", "changesRequested", "published", "withdrawn"].contains(bank.status) {
            // Where it may be published: its organisation (or the teacher's) and everything above.
            let home = bank.orgId.map { [$0] } ?? actor.grants.filter { $0.capabilities.contains(.authorAssessments) && $0.orgKind != .class }.map(\.orgID)
            var seen = Set<UUID>()
            for org in home {
                let chain = (try? await req.directory.ancestors(of: org, actor: actor)) ?? []
                for o in chain.reversed() where seen.insert(o.id).inserted && OrgKind(rawValue: o.kind).flatMap(PublishLevel.init(kind:)) != nil {
                    scopes.append(SelectOption(value: o.id.uuidString, label: "\(o.displayName) (\(req.t("org.kind.\(o.kind)")))", selected: false))
                }
            }
        }
        let format = ExamPages.format(req)
        let history = (try? await req.assessment.bankHistory(id, actor: actor))?.reversed().map {
            BankPage.HistoryRow(action: req.t("library.action.\($0.action)"), who: $0.actorName, when: format.dateTime($0.at), comment: $0.comment ?? "")
        } ?? []
        let view = BankPage(
            base: await PageBase.make(req, title: bank.name), bank: bank,
            items: page.items.map { .init(name: $0.name, type: req.t("assessment.type.\($0.type)"), category: $0.category, id: $0.id.uuidString) },
            nextHref: page.nextCursor.map { "/assessment/banks/\(id)?cursor=\($0)" },
            formats: formats.map { SelectOption(value: $0.0, label: $0.1, selected: $0.0 == (req.field("format") ?? "gift")) },
            report: report, errors: errors,
            exports: formats.map { .init(href: "/assessment/banks/\(id)/export?format=\($0.0)", label: $0.1) },
            action: "/assessment/banks/\(id)/import",
            status: req.t("library.status.\(bank.status)") + (bank.scopeLevel.map { " · " + req.t("bank.scope.\($0)") } ?? ""),
            canEdit: bank.canEdit, canReview: bank.canReview && ["submitted", "inReview"].contains(bank.status),
            canWithdraw: (bank.canEdit || bank.canReview) && ["submitted", "inReview", "changesRequested", "published"].contains(bank.status),
            scopes: scopes, history: history)
        return try await req.page("assessment-bank", view, status: status)
    }

    /// `POST /assessment/banks/{id}/submit`: for review at a scope.
    @Sendable func submit(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        return try await req.submitForm({
            guard let scopeID = req.field("scope").flatMap(UUID.init(uuidString:)) else {
                throw DomainError.invalid(field: "scope", reason: "validation.required")
            }
            _ = try await req.assessment.submitBank(id, scope: try await AssessmentAPI.orgRef(scopeID, req: req, actor: actor),
                                                    comment: req.field("comment"), actor: actor)
            return "/assessment/banks/\(id)"
        }, orShow: { errors, status in try await renderBank(req, report: nil, errors: errors, status: status) })
    }

    /// `POST /assessment/banks/{id}/review`: a curator's claim, approval or request for changes.
    @Sendable func review(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        let comment = req.field("comment")
        return try await req.submitForm({
            switch req.field("decision") {
            case "claim": _ = try await req.assessment.claimBank(id, actor: actor)
            case "approve": _ = try await req.assessment.approveBank(id, comment: comment, actor: actor)
            case "changes": _ = try await req.assessment.requestBankChanges(id, comment: comment ?? "", actor: actor)
            default: throw DomainError.invalid(field: "decision", reason: "validation.required")
            }
            return "/assessment/banks/\(id)"
        }, orShow: { errors, status in try await renderBank(req, report: nil, errors: errors, status: status) })
    }

    @Sendable func withdraw(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        return try await req.submitForm({
            _ = try await req.assessment.withdrawBank(id, reason: req.field("comment"), actor: actor)
            return "/assessment/banks/\(id)"
        }, orShow: { errors, status in try await renderBank(req, report: nil, errors: errors, status: status) })
    }

    struct ImportForm: Content {
        var file: File?
        var format: String?
        var skipInvalid: String?
    }

    /// The import form: the report is shown on the bank's page, in the reader's language.
    @Sendable func importFile(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        let form = try req.content.decode(ImportForm.self)
        guard let file = form.file, file.data.readableBytes > 0 else {
            return try await renderBank(req, report: nil, errors: FormErrors(DomainError.invalid(field: "file", reason: "validation.file-required"), req),
                                        status: .unprocessableEntity)
        }
        guard let format = ItemFormat(rawValue: form.format ?? "") else {
            return try await renderBank(req, report: nil, errors: FormErrors(DomainError.invalid(field: "format", reason: "validation.format-unknown",
                                                                                          arguments: ["GIFT, Moodle XML, Aiken"]), req), status: .unprocessableEntity)
        }
        do {
            let r = try await req.assessment.importItems(id, format: format, data: Data(buffer: file.data), fileName: file.filename,
                                                         skipInvalid: form.skipInvalid != nil, actor: actor)
            let report = BankPage.Report(
                summary: req.t("assessment.imported", [String(r.imported), String(r.duplicates.count), String(r.skipped.count)]),
                duplicates: r.duplicates.isEmpty ? nil : r.duplicates.prefix(20).joined(separator: ", "),
                problems: r.skipped.map { Self.describe($0.line, $0.item, req.t($0.reason, [$0.detail]), req) })
            return try await renderBank(req, report: report, errors: FormErrors())
        } catch let e as DomainError where e.status == 422 {
            // Every problem with where it is, so the teacher can fix the file in one go.
            var errors = FormErrors()
            errors.summary = e.problems.map { Self.describe($0.line, $0.field == "file" ? nil : $0.field, req.t($0.reason, $0.arguments), req) }
            return try await renderBank(req, report: nil, errors: errors, status: .unprocessableEntity)
        }
    }

    /// `POST /assessment/banks/{id}/calibrate`: Rasch difficulties from the answers so far.
    @Sendable func calibrate(req: Request) async throws -> Response {
        let r = try await req.assessment.calibrateBank(try req.uuid("id"), actor: try req.requireActor())
        let done = r.items.filter { $0.estimate != nil }.count
        return try await renderBank(req, report: BankPage.Report(summary: req.t("calibrate.done", [String(done), String(r.items.count), String(r.persons)]),
                                                                 duplicates: nil, problems: []), errors: FormErrors())
    }

    static func describe(_ line: Int?, _ item: String?, _ message: String, _ req: Request) -> String {
        var place: [String] = []
        if let line { place.append(req.t("assessment.at-line", [String(line)])) }
        if let item, !item.isEmpty { place.append("“\(item)”") }
        return place.isEmpty ? message : place.joined(separator: " ") + ": " + message
    }
}
