import Foundation
import Vapor
import Platform
import Assessment

struct ExamsPage: Encodable, Sendable {
    var base: PageBase
    var exams: [Row]
    var errors: FormErrors
    var canCreate: Bool
    struct Row: Encodable, Sendable {
        var id: String
        var title: String
        var when: String
        var facts: String
        var canStart: Bool
        var needsCode: Bool
        var ownerCode: String?
        var canRelease: Bool
        var owned: Bool
    }
}

struct AttemptPage: Encodable, Sendable {
    var base: PageBase
    var attemptId: String
    var deadlineISO: String
    var deadlineText: String
    var questions: [Question]
    /// Adaptive exams: one question at a time, "next" instead of "hand in".
    var adaptive: Bool
    var progress: String?
    var error: String?
    struct Question: Encodable, Sendable {
        var slot: Int
        var number: Int
        var type: String
        var stem: String
        var points: String
        var choices: [Option]
        var prompts: [Option]
        var options: [String]
        var text: String
        var gaps: [Option]
        var multiline: Bool
    }
    struct Option: Encodable, Sendable { var index: Int; var label: String; var checked: Bool; var value: String }
}

struct ResultPage: Encodable, Sendable {
    var base: PageBase
    var summary: String
    var questions: [Line]
    struct Line: Encodable, Sendable { var label: String; var marks: String; var comment: String? }
}

/// A pupil's exams: the list with a start form (and the room's code when one is needed),
/// the attempt page (phone-first; every answer saved as the pupil goes, kept in the browser
/// while the link is down, see exam.js; a plain form hand-in without scripts), the result.
struct ExamPages {
    @Sendable func list(req: Request) async throws -> Response {
        try await renderList(req, errors: FormErrors())
    }

    func renderList(_ req: Request, errors: FormErrors, status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        let exams = try await req.assessment.myExams(actor: actor)
        let f = Self.format(req)
        let now = Date()
        let rows = exams.map { e in
            ExamsPage.Row(id: e.id.uuidString.lowercased(), title: e.title, when: "\(f.dateTime(e.opensAt)) – \(f.dateTime(e.closesAt))",
                          facts: req.t("exam.facts", [String(e.questions), String(e.durationMinutes), req.t("exam.purpose.\(e.purpose)")]),
                          canStart: now >= e.opensAt && now < e.closesAt && !e.owned && actor.grants.contains { $0.role == .pupil },
                          needsCode: e.needsAccessCode, ownerCode: e.accessCode,
                          canRelease: e.owned && e.results == "manual" && !e.resultsReleased, owned: e.owned)
        }
        return try await req.page("exams", ExamsPage(base: await PageBase.make(req, title: req.t("exam.mine")), exams: rows, errors: errors,
                                                     canCreate: actor.grants.contains { $0.capabilities.contains(.authorAssessments) }), status: status)
    }

    /// `POST /exams/{id}/start`: starts or resumes, then the attempt's page.
    @Sendable func start(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        let code = req.field("accessCode").flatMap { $0.isEmpty ? nil : $0 }
        return try await req.submitForm({
            "/attempts/\(try await req.assessment.startAttempt(id, accessCode: code, actor: actor).id.uuidString.lowercased())"
        }, orShow: { errors, status in try await renderList(req, errors: errors, status: status) })
    }

    @Sendable func attempt(req: Request) async throws -> Response {
        try await renderAttempt(req, error: nil)
    }

    func renderAttempt(_ req: Request, error: String?, status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        let a = try await req.assessment.attemptView(try req.uuid("id"), actor: actor)
        if a.submitted { return req.redirect(to: "/attempts/\(a.id.uuidString.lowercased())/result", redirectType: .normal) }
        let saved = Dictionary(a.answers.map { ($0.slot, $0.response) }, uniquingKeysWith: { x, _ in x })
        let f = Self.format(req)
        let questions = a.questions.enumerated().map { n, q in
            let r = saved[q.slot]
            func opts(_ xs: [String], checked: (Int) -> Bool, value: (Int) -> String = { _ in "" }) -> [AttemptPage.Option] {
                xs.enumerated().map { AttemptPage.Option(index: $0.offset, label: $0.element, checked: checked($0.offset), value: value($0.offset)) }
            }
            var choices = opts((q.choices ?? []).map(\.readable), checked: { r?.choices?.contains($0) == true })
            if q.type == "trueFalse" {
                choices = [AttemptPage.Option(index: 1, label: req.t("exam.true"), checked: r?.value == true, value: "true"),
                           AttemptPage.Option(index: 0, label: req.t("exam.false"), checked: r?.value == false, value: "false")]
            }
            let prompts: [AttemptPage.Option]
            if q.type == "ordering" {
                prompts = opts((q.sequence ?? []).map(\.readable), checked: { _ in false }, value: { i in
                    r?.order?.firstIndex(of: i).map { String($0 + 1) } ?? "" })
            } else {
                prompts = opts((q.prompts ?? []).map(\.readable), checked: { _ in false }, value: { i in
                    (r?.matches?.indices.contains(i) == true ? r?.matches?[i] : nil) ?? "" })
            }
            return AttemptPage.Question(
                slot: q.slot, number: n + 1, type: q.type, stem: q.stem.readable, points: req.t("exam.points", [Self.number(q.points)]),
                choices: choices, prompts: prompts, options: q.options ?? [], text: r?.text ?? "",
                gaps: (0..<(q.gaps ?? 0)).map { g in AttemptPage.Option(index: g, label: req.t("exam.gap", [String(g + 1)]), checked: false,
                                                                         value: r?.gaps.flatMap { $0.indices.contains(g) ? $0[g] : nil } ?? "") },
                multiline: q.type == "essay")
        }
        let iso = ISO8601DateFormatter()
        return try await req.page("attempt", AttemptPage(base: await PageBase.make(req, title: req.t("exam.attempt")), attemptId: a.id.uuidString.lowercased(),
                                                         deadlineISO: iso.string(from: a.deadline), deadlineText: req.t("exam.ends-at", [f.time(a.deadline)]),
                                                         questions: questions, adaptive: a.adaptive != nil,
                                                         progress: a.adaptive.map { req.t("exam.adaptive-progress", [String($0.answered + 1), String($0.maxItems)]) },
                                                         error: error), status: status)
    }

    /// Dates and times in the reader's language, on the wall clock of their school's country
    /// (exam rooms read the wall clock).
    static func format(_ req: Request) -> LocaleFormat {
        LocaleFormat(req.locale, timeZone: ExamSetupPages.zone(req))
    }

    static func number(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%.2f", x) }

    /// Saves the answers a form carries (the page without scripts); false when the attempt
    /// is already handed in. A refused save (a locked adaptive question) is not an error
    /// here: what follows reports the state.
    static func saveForm(_ id: UUID, req: Request, actor: Actor) async throws -> Bool {
        let a = try await req.assessment.attemptView(id, actor: actor)
        guard !a.submitted else { return false }
        let seq = Int64(Date().timeIntervalSince1970 * 1000)
        for q in a.questions {
            guard let response = Self.response(q, req) else { continue }
            _ = try? await req.assessment.saveAnswer(id, slot: q.slot, seq: seq, response: response, actor: actor)
        }
        return true
    }

    /// `POST /attempts/{id}/submit`: the hand-in form. Answers in the form are saved first,
    /// so the page works without scripts too.
    @Sendable func submit(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        if try await Self.saveForm(id, req: req, actor: actor) {
            _ = try await req.assessment.submitAttempt(id, actor: actor)
        }
        return req.redirect(to: "/attempts/\(id.uuidString.lowercased())/result", redirectType: .normal)
    }

    /// `POST /attempts/{id}/next`: adaptive exams. The form's answer is saved, then the next
    /// question (or the result, when the test has measured enough).
    @Sendable func next(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        if try await Self.saveForm(id, req: req, actor: actor) {
            do {
                let after = try await req.assessment.nextQuestion(id, actor: actor)
                if !after.submitted { return req.redirect(to: "/attempts/\(id.uuidString.lowercased())", redirectType: .normal) }
            } catch let e as DomainError where e.status == 409 && e.detailKey == "exam.answer-first" {
                return try await renderAttempt(req, error: req.t("exam.answer-first"), status: .conflict)
            }
        }
        return req.redirect(to: "/attempts/\(id.uuidString.lowercased())/result", redirectType: .normal)
    }

    /// A question's answer from the form fields (`q<slot>`, `q<slot>_<i>`), or nil when none was given.
    static func response(_ q: QuestionView, _ req: Request) -> ItemResponse? {
        let name = "q\(q.slot)"
        func part(_ i: Int) -> String? { req.field("\(name)_\(i)").flatMap { $0.isEmpty ? nil : $0 } }
        switch q.type {
        case "singleChoice": return req.field(name).flatMap(Int.init).map { ItemResponse(choices: [$0]) }
        case "multipleResponse":
            let picked = ((try? req.content.get([String].self, at: name)) ?? req.field(name).map { [$0] } ?? []).compactMap(Int.init)
            return picked.isEmpty ? nil : ItemResponse(choices: picked.sorted())
        case "trueFalse": return req.field(name).map { ItemResponse(value: $0 == "true") }
        case "matching":
            let m = (0..<(q.prompts?.count ?? 0)).map(part)
            return m.allSatisfy { $0 == nil } ? nil : ItemResponse(matches: m)
        case "ordering":
            let n = q.sequence?.count ?? 0
            let positions = (0..<n).map { part($0).flatMap(Int.init) ?? Int.max }
            guard positions.contains(where: { $0 != Int.max }) else { return nil }
            return ItemResponse(order: (0..<n).sorted { positions[$0] < positions[$1] })
        case "cloze":
            let g = (0..<(q.gaps ?? 0)).map { part($0) ?? "" }
            return g.allSatisfy(\.isEmpty) ? nil : ItemResponse(gaps: g)
        default: return req.field(name).flatMap { $0.isEmpty ? nil : ItemResponse(text: $0) }
        }
    }

    @Sendable func result(req: Request) async throws -> Response {
        let r = try await req.assessment.attemptResult(try req.uuid("id"), actor: try req.requireActor())
        var summary: String
        if let score = r.score {
            summary = req.t("exam.scored", [Self.number(score), Self.number(r.maxScore)]) + (r.waitingForGrader > 0 ? " " + req.t("exam.waiting-grader", [String(r.waitingForGrader)]) : "")
            if let ability = r.ability {
                summary += " " + req.t("exam.ability", [String(format: "%.2f", ability), String(format: "%.2f", r.abilityStandardError ?? 0)])
            }
        } else {
            summary = req.t("exam.results-later")
        }
        let lines = (r.questions ?? []).map { q in
            ResultPage.Line(label: req.t("exam.question-n", [String(q.slot)]),
                            marks: q.points.map { req.t("grade.marks", [Self.number($0), Self.number(q.maxPoints)]) } ?? req.t("grade.waiting-one"),
                            comment: q.comment)
        }
        return try await req.page("attempt-result", ResultPage(base: await PageBase.make(req, title: req.t("exam.handed-in")), summary: summary,
                                                               questions: lines))
    }

    /// `POST /exams/{id}/release`: the owner's button on the list.
    @Sendable func release(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        return try await req.submitForm({
            _ = try await req.assessment.releaseResults(id, actor: actor)
            return "/exams"
        }, orShow: { errors, status in try await renderList(req, errors: errors, status: status) })
    }
}
