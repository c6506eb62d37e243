import Foundation
import Vapor
import Platform
import Assessment

struct ExamSetupPage: Encodable, Sendable {
    var base: PageBase
    var banks: [SelectOption]
    var orgs: [SelectOption]
    var purposes: [SelectOption]
    var levels: [String]
    var f: Fields
    var rows: [Row]
    var errors: FormErrors
    var timeZone: String

    /// What the teacher typed, given back as typed when something is refused.
    struct Fields: Encodable, Sendable {
        var title = ""
        var opensAt = ""
        var closesAt = ""
        var duration = "45"
        var attempts = "1"
        var accessCode = ""
        var lateStart = ""
        var manual = false
        var mode = "all"
        var maxItems = "20"
        var minItems = ""
        var targetSE = "0.45"
        var extraTime = ""
    }
    struct Row: Encodable, Sendable {
        var index: Int
        var topic: String
        var level: String
        var count: String
        var points: String
        var levels: [SelectOption]
    }
}

/// The teacher's exam set-up: a bank (theirs, their organisation's or one shared with
/// them), the class or school, the window in the school's own clock, and the paper: every
/// question of the bank, an exam matrix (topic × level rows, no scripts needed) or an
/// adaptive test.
struct ExamSetupPages {
    static let matrixRows = 8

    @Sendable func form(req: Request) async throws -> Response {
        let zone = Self.zone(req)
        var f = ExamSetupPage.Fields()
        let start = Date().addingTimeInterval(3600)
        f.opensAt = Self.local(start, zone)
        f.closesAt = Self.local(start.addingTimeInterval(3600), zone)
        return try await render(req, f, rows: [], errors: FormErrors())
    }

    func render(_ req: Request, _ f: ExamSetupPage.Fields, rows: [(String, String, String, String)], errors: FormErrors,
                bank: String? = nil, org: String? = nil, purpose: String? = nil, status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        guard actor.grants.contains(where: { $0.capabilities.contains(.authorAssessments) }) else { throw DomainError.forbidden() }
        let mine = try await req.assessment.myBanks(actor: actor)
        let shared = try await req.assessment.sharedBanks(actor: actor)
        let banks = (mine + shared).map { b in
            SelectOption(value: b.id.uuidString, label: "\(b.name) (\(req.t("assessment.items-count", [String(b.itemCount)])))", selected: b.id.uuidString == bank)
        }
        var seen = Set<UUID>()
        let orgs = actor.grants.filter { $0.capabilities.contains(.authorAssessments) && seen.insert($0.orgID).inserted }
            .sorted { $0.orgPath < $1.orgPath }
            .map { SelectOption(value: $0.orgID.uuidString, label: $0.orgName.pick(req.locale), selected: $0.orgID.uuidString == org) }
        let purposes = ExamPurpose.allCases.map { SelectOption(value: $0.rawValue, label: req.t("exam.purpose.\($0.rawValue)"), selected: $0.rawValue == (purpose ?? "practice")) }
        let levelCodes = ["", "recognition", "comprehension", "application", "highApplication"]
        let padded = rows + Array(repeating: ("", "", "", ""), count: max(0, Self.matrixRows - rows.count))
        let rowViews = padded.enumerated().map { i, r in
            ExamSetupPage.Row(index: i, topic: r.0, level: r.1, count: r.2, points: r.3,
                              levels: levelCodes.map { SelectOption(value: $0, label: $0.isEmpty ? req.t("setup.any-level") : req.t("level.\($0)"), selected: $0 == r.1) })
        }
        let page = ExamSetupPage(base: await PageBase.make(req, title: req.t("setup.title")), banks: banks, orgs: orgs, purposes: purposes,
                                 levels: levelCodes, f: f, rows: rowViews, errors: errors, timeZone: Self.zone(req).identifier)
        return try await req.page("exam-setup", page, status: status)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let zone = Self.zone(req)
        var f = ExamSetupPage.Fields()
        f.title = req.field("title") ?? ""
        f.opensAt = req.field("opensAt") ?? ""
        f.closesAt = req.field("closesAt") ?? ""
        f.duration = req.field("duration") ?? ""
        f.attempts = req.field("attempts") ?? ""
        f.accessCode = req.field("accessCode") ?? ""
        f.lateStart = req.field("lateStart") ?? ""
        f.manual = req.field("manual") != nil
        f.mode = req.field("mode") ?? "all"
        f.maxItems = req.field("maxItems") ?? ""
        f.minItems = req.field("minItems") ?? ""
        f.targetSE = req.field("targetSE") ?? ""
        f.extraTime = req.field("extraTime") ?? ""
        let rows = (0..<Self.matrixRows).map { i in
            (req.field("topic_\(i)") ?? "", req.field("level_\(i)") ?? "", req.field("count_\(i)") ?? "", req.field("points_\(i)") ?? "")
        }
        let bank = req.field("bank")
        let org = req.field("org")
        let purpose = req.field("purpose")
        func number(_ s: String) -> Double? { Double(s.replacingOccurrences(of: ",", with: ".")) }
        return try await req.submitForm({
            var problems: [FieldProblem] = []
            let opens = Self.parse(f.opensAt, zone), closes = Self.parse(f.closesAt, zone)
            if opens == nil { problems.append(FieldProblem(field: "opensAt", reason: "validation.date")) }
            if closes == nil { problems.append(FieldProblem(field: "closesAt", reason: "validation.date")) }
            guard let bankID = bank.flatMap(UUID.init(uuidString:)) else { throw DomainError.invalid(field: "bank", reason: "validation.required") }
            guard let orgID = org.flatMap(UUID.init(uuidString:)) else { throw DomainError.invalid(field: "org", reason: "validation.required") }
            guard let duration = Int(f.duration) else { throw DomainError.invalid(field: "durationMinutes", reason: "validation.number") }
            guard problems.isEmpty, let opens, let closes else { throw DomainError.invalid(problems) }
            var input = NewExam(bankId: bankID, title: f.title, orgId: orgID, opensAt: opens, closesAt: closes, durationMinutes: duration)
            input.maxAttempts = Int(f.attempts) ?? 1
            input.purpose = purpose
            input.accessCode = f.accessCode.isEmpty ? nil : f.accessCode
            input.lateStartMinutes = Int(f.lateStart)
            input.results = f.manual ? "manual" : "atSubmit"
            // Extra time: one pupil a line, "username minutes" (a colon is fine too).
            var wanted: [(String, Int)] = []
            for line in f.extraTime.split(whereSeparator: \.isNewline) {
                let parts = line.split(whereSeparator: { $0 == " " || $0 == ":" || $0 == "\t" }).map(String.init)
                guard parts.count == 2, let minutes = Int(parts[1]) else {
                    throw DomainError.invalid(field: "extraTime", reason: "setup.extra-line", arguments: [String(line)])
                }
                wanted.append((parts[0].lowercased(), minutes))
            }
            if !wanted.isEmpty {
                let (found, unknown) = try await req.assessment.pupils(usernames: wanted.map(\.0), orgID: orgID, actor: actor)
                if !unknown.isEmpty {
                    throw DomainError.invalid(field: "extraTime", reason: "setup.extra-unknown", arguments: [unknown.joined(separator: ", ")])
                }
                input.extraTime = wanted.compactMap { w in found[w.0].map { ExtraTime(personId: $0, minutes: w.1) } }
            }
            switch f.mode {
            case "matrix":
                input.matrix = rows.compactMap { r in
                    guard let count = Int(r.2) else { return nil }
                    return MatrixCell(topic: r.0.isEmpty ? nil : r.0, level: r.1.isEmpty ? nil : r.1, count: count, points: number(r.3))
                }
            case "adaptive":
                guard let maxItems = Int(f.maxItems) else { throw DomainError.invalid(field: "adaptive.maxItems", reason: "validation.number") }
                input.adaptive = AdaptiveSettings(maxItems: maxItems, minItems: Int(f.minItems), targetStandardError: number(f.targetSE))
            default:
                break
            }
            let exam = try await req.assessment.createExam(input, actor: actor)
            return "/exams?made=\(exam.id.uuidString.lowercased())"
        }, orShow: { errors, status in
            try await render(req, f, rows: rows.filter { !($0.0.isEmpty && $0.2.isEmpty) }, errors: errors, bank: bank, org: org, purpose: purpose, status: status)
        })
    }

    /// The wall clock of the teacher's country: exam rooms read it.
    static func zone(_ req: Request) -> TimeZone {
        let country = req.actor?.grants.first?.orgPath.split(separator: "/").first.map(String.init) ?? "vn"
        return TimeZone(identifier: req.services.directory.rules.rules(for: country).timeZone) ?? .current
    }

    static func formatter(_ zone: TimeZone) -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = "yyyy-MM-dd'T'HH:mm"
        return f
    }

    static func local(_ d: Date, _ zone: TimeZone) -> String { formatter(zone).string(from: d) }
    static func parse(_ s: String, _ zone: TimeZone) -> Date? { formatter(zone).date(from: s) }
}
