import Foundation
import Vapor
import Platform
import Assessment

struct ItemEditorPage: Encodable, Sendable {
    var base: PageBase
    var bankId: String
    var bankName: String
    var action: String
    var type: String
    var typeLabel: String
    var types: [Link]
    var version: Int?
    var name: String
    var stem: String
    var formats: [SelectOption]
    var category: String
    var tags: String
    var levels: [SelectOption]
    var difficulty: String
    var generalFeedback: String
    var rows: [Row]
    var correctTrue: Bool
    var feedbackTrue: String
    var feedbackFalse: String
    var caseSensitive: Bool
    var accentSensitive: Bool
    var graderInfo: String
    var errors: FormErrors
    struct Link: Encodable, Sendable { var href: String; var label: String; var current: Bool }
    /// One row of the type's list (choices, answers, numbers, pairs, items, rubric criteria).
    struct Row: Encodable, Sendable {
        var index: Int
        var a: String
        var b: String
        var c: String
        var n: Int { index + 1 }
        enum CodingKeys: String, CodingKey { case index, a, b, c, n }
        func encode(to encoder: any Encoder) throws {
            var k = encoder.container(keyedBy: CodingKeys.self)
            try k.encode(index, forKey: .index)
            try k.encode(a, forKey: .a)
            try k.encode(b, forKey: .b)
            try k.encode(c, forKey: .c)
            try k.encode(n, forKey: .n)
        }
    }
}

/// Writing one question on a page, for every type: the type's parts as rows of fields
/// (three empty rows to add more; an empty row is left out), no scripts needed. Cloze
/// questions are written in Moodle's embedded-answer syntax, which teachers know. Editing
/// makes a new version (attempts keep theirs) and refuses a stale form.
struct ItemEditorPages {
    static let spareRows = 3

    @Sendable func new(req: Request) async throws -> Response {
        let type = ItemType(rawValue: req.query[String.self, at: "type"] ?? "") ?? .singleChoice
        return try await render(req, content: ItemContent(type: type, name: "", stem: RichText("")), bankID: try req.uuid("id"), itemID: nil,
                                version: nil, errors: FormErrors())
    }

    @Sendable func edit(req: Request) async throws -> Response {
        let item = try await req.assessment.item(try req.uuid("id"), actor: try req.requireActor())
        return try await render(req, content: item.content, bankID: item.bankId, itemID: item.id, version: item.version, errors: FormErrors())
    }

    func render(_ req: Request, content c: ItemContent, bankID: UUID, itemID: UUID?, version: Int?, errors: FormErrors,
                status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        let bank = try await req.assessment.bank(bankID, actor: actor)
        guard bank.canEdit else { throw DomainError.forbidden() }
        func pct(_ f: Double) -> String { ExamPages.number(f * 100) }
        var rows: [ItemEditorPage.Row] = []
        switch c.type {
        case .singleChoice, .multipleResponse:
            rows = (c.choices ?? []).map { .init(index: 0, a: $0.text.text, b: pct($0.fraction), c: $0.feedback?.text ?? "") }
        case .shortAnswer:
            rows = (c.answers ?? []).map { .init(index: 0, a: $0.pattern, b: pct($0.fraction), c: $0.feedback?.text ?? "") }
        case .numeric:
            rows = (c.numeric ?? []).map { .init(index: 0, a: ClozeSyntax.num($0.value), b: ClozeSyntax.num($0.tolerance), c: pct($0.fraction)) }
        case .matching:
            rows = (c.pairs ?? []).map { .init(index: 0, a: $0.prompt?.text ?? "", b: $0.answer, c: "") }
        case .ordering:
            rows = (c.sequence ?? []).map { .init(index: 0, a: $0.text, b: "", c: "") }
        case .essay:
            rows = (c.rubric ?? []).map { crit in
                .init(index: 0, a: crit.name, b: crit.levels.map { "\(ClozeSyntax.num($0.points)) \($0.description)" }.joined(separator: "; "), c: "")
            }
        case .trueFalse, .cloze:
            break
        }
        if ![.trueFalse, .cloze].contains(c.type) { rows += Array(repeating: .init(index: 0, a: "", b: "", c: ""), count: Self.spareRows) }
        for i in rows.indices { rows[i].index = i }
        let stem = c.type == .cloze ? ClozeSyntax.write(stem: c.stem.text, gaps: c.gaps ?? []) : c.stem.text
        let base = "/assessment/banks/\(bankID)/items/new"
        let page = ItemEditorPage(
            base: await PageBase.make(req, title: req.t(itemID == nil ? "editor.new" : "editor.edit")), bankId: bankID.uuidString, bankName: bank.name,
            action: itemID.map { "/assessment/items/\($0)/edit" } ?? base + "?type=\(c.type.rawValue)",
            type: c.type.rawValue, typeLabel: req.t("assessment.type.\(c.type.rawValue)"),
            types: itemID == nil ? ItemType.allCases.map { .init(href: base + "?type=\($0.rawValue)", label: req.t("assessment.type.\($0.rawValue)"), current: $0 == c.type) } : [],
            version: version, name: c.name, stem: stem,
            formats: [TextFormat.plain, .html, .markdown].map { SelectOption(value: $0.rawValue, label: req.t("editor.format.\($0.rawValue)"), selected: $0 == c.stem.format) },
            category: c.category ?? "", tags: (c.tags ?? []).joined(separator: ", "),
            levels: ([""] + CognitiveLevel.allCases.map(\.rawValue)).map {
                SelectOption(value: $0, label: $0.isEmpty ? req.t("editor.level-none") : req.t("level.\($0)"), selected: $0 == (c.level?.rawValue ?? ""))
            },
            difficulty: c.difficulty.map { ClozeSyntax.num($0) } ?? "", generalFeedback: c.generalFeedback?.text ?? "", rows: rows,
            correctTrue: c.correct ?? true, feedbackTrue: c.feedbackTrue?.text ?? "", feedbackFalse: c.feedbackFalse?.text ?? "",
            caseSensitive: c.caseSensitive ?? false, accentSensitive: c.accentSensitive ?? false, graderInfo: c.graderInfo?.text ?? "", errors: errors)
        return try await req.page("item-editor", page, status: status)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let bankID = try req.uuid("id")
        let type = ItemType(rawValue: req.query[String.self, at: "type"] ?? req.field("type") ?? "") ?? .singleChoice
        return try await save(req, ItemContent(type: type, name: "", stem: RichText("")), bankID: bankID, itemID: nil, version: nil) { content in
            _ = try await req.assessment.createItem(bankID, content, actor: actor)
        }
    }

    @Sendable func update(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        let current = try await req.assessment.item(id, actor: actor)
        // The form's parts replace the item's; parts the form does not show (units, gap
        // feedback) stay as they were.
        let expected = req.field("version").flatMap(Int.init)
        return try await save(req, current.content, bankID: current.bankId, itemID: id, version: current.version) { content in
            _ = try await req.assessment.updateItem(id, content, expectedVersion: expected, actor: actor)
        }
    }

    func save(_ req: Request, _ start: ItemContent, bankID: UUID, itemID: UUID?, version: Int?,
              write: @Sendable (ItemContent) async throws -> Void) async throws -> Response {
        var content = start
        let problems = Self.read(req, into: &content)
        let snapshot = content
        if !problems.isEmpty {
            return try await render(req, content: snapshot, bankID: bankID, itemID: itemID, version: version,
                                    errors: FormErrors(DomainError.invalid(problems), req), status: .unprocessableEntity)
        }
        return try await req.submitForm({
            try await write(snapshot)
            return "/assessment/banks/\(bankID)"
        }, orShow: { errors, status in
            try await render(req, content: snapshot, bankID: bankID, itemID: itemID, version: version, errors: errors, status: status)
        })
    }

    /// The form into the item; problems only for what the form itself cannot say (a
    /// percentage that is not a number, a cloze the syntax reader refuses). Whether the
    /// item can be marked is the service's check.
    static func read(_ req: Request, into c: inout ItemContent) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        func text(_ name: String) -> String { req.field(name) ?? "" }
        func rich(_ name: String, format: TextFormat = .plain) -> RichText? { text(name).isEmpty ? nil : RichText(text(name), format: format) }
        func number(_ s: String, _ field: String) -> Double? {
            guard !s.isEmpty else { return nil }
            guard let v = Double(s.replacingOccurrences(of: ",", with: ".").replacingOccurrences(of: "%", with: "")) else {
                problems.append(FieldProblem(field: field, reason: "validation.number"))
                return nil
            }
            return v
        }
        let rowCount = (0..<200).first { req.field("a_\($0)") == nil && req.field("b_\($0)") == nil } ?? 200
        let rows = (0..<rowCount).map { (text("a_\($0)"), text("b_\($0)"), text("c_\($0)")) }
        c.name = text("name")
        let format = TextFormat(rawValue: text("format")) ?? .plain
        c.stem = RichText(text("stem"), format: format)
        c.category = text("category").isEmpty ? nil : text("category")
        let tags = text("tags").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        c.tags = tags.isEmpty ? nil : tags
        c.level = CognitiveLevel(rawValue: text("level"))
        c.difficulty = number(text("difficulty"), "difficulty").map { min(1, max(0, $0)) }
        c.generalFeedback = rich("generalFeedback")
        switch c.type {
        case .singleChoice, .multipleResponse:
            c.choices = rows.enumerated().compactMap { i, r in
                guard !r.0.isEmpty else { return nil }
                return Choice(text: RichText(r.0), fraction: (number(r.1, "choices[\(i)]") ?? 0) / 100, feedback: r.2.isEmpty ? nil : RichText(r.2))
            }
        case .trueFalse:
            c.correct = text("correct") != "false"
            c.feedbackTrue = rich("feedbackTrue")
            c.feedbackFalse = rich("feedbackFalse")
        case .shortAnswer:
            c.answers = rows.enumerated().compactMap { i, r in
                guard !r.0.isEmpty else { return nil }
                return TextAnswer(pattern: r.0, fraction: (number(r.1, "answers[\(i)]") ?? 100) / 100, feedback: r.2.isEmpty ? nil : RichText(r.2))
            }
            c.caseSensitive = req.field("caseSensitive") != nil
            c.accentSensitive = req.field("accentSensitive") != nil ? true : nil
        case .numeric:
            c.numeric = rows.enumerated().compactMap { i, r in
                guard let value = number(r.0, "numeric[\(i)]") else { return nil }
                return NumericAnswer(value: value, tolerance: number(r.1, "numeric[\(i)]") ?? 0, fraction: (number(r.2, "numeric[\(i)]") ?? 100) / 100)
            }
        case .matching:
            c.pairs = rows.compactMap { r in
                guard !r.1.isEmpty else { return nil }
                return MatchPair(prompt: r.0.isEmpty ? nil : RichText(r.0), answer: r.1)
            }
        case .ordering:
            c.sequence = rows.compactMap { $0.0.isEmpty ? nil : RichText($0.0) }
        case .essay:
            c.graderInfo = rich("graderInfo")
            let rubric = rows.enumerated().compactMap { i, r -> RubricCriterion? in
                guard !r.0.isEmpty else { return nil }
                // "0 Lạc đề; 2 Đủ ý": points, then what earns them.
                let levels = r.1.split(separator: ";").compactMap { part -> RubricCriterion.Level? in
                    let words = part.trimmingCharacters(in: .whitespaces)
                    let head = String(words.prefix { !$0.isWhitespace })
                    guard let points = number(head, "rubric[\(i)]") else { return nil }
                    return RubricCriterion.Level(points: points, description: String(words.dropFirst(head.count)).trimmingCharacters(in: .whitespaces))
                }
                return RubricCriterion(name: r.0, levels: levels)
            }
            c.rubric = rubric.isEmpty ? nil : rubric
        case .cloze:
            switch ClozeSyntax.parse(text("stem")) {
            case .success(let parsed):
                c.stem = RichText(parsed.stem, format: format)
                c.gaps = parsed.gaps
            case .failure(let p):
                problems.append(FieldProblem(field: "stem", reason: p.reason, arguments: [p.detail]))
            }
        }
        return problems
    }
}
