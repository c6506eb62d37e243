import Foundation
import Vapor
import Platform
import Assessment

struct GradingPage: Encodable, Sendable {
    var base: PageBase
    var examId: String
    var title: String
    var waiting: Int
    var tasks: [Task]
    var corrections: [Correction]
    var notice: String?
    var errors: FormErrors
    struct Task: Encodable, Sendable {
        var attemptId: String
        var slot: Int
        var heading: String
        var stem: String
        var graderInfo: String?
        var response: String
        var maxPoints: String
        var points: String
        var graded: String?
        var comment: String
        var criteria: [Criterion]
    }
    struct Criterion: Encodable, Sendable {
        var index: Int
        var name: String
        var levels: [Level]
    }
    struct Level: Encodable, Sendable { var index: Int; var label: String; var checked: Bool }
    struct Correction: Encodable, Sendable { var itemId: String; var label: String }
}

struct AnalysisPage: Encodable, Sendable {
    var base: PageBase
    var examId: String
    var title: String
    var facts: [Fact]
    var reliability: String?
    var bars: [Bar]
    var items: [Item]
    struct Fact: Encodable, Sendable { var label: String; var value: String }
    struct Bar: Encodable, Sendable { var label: String; var count: Int; var width: Int }
    struct Item: Encodable, Sendable {
        var number: Int
        var name: String
        var facility: String
        var facilityWidth: Int
        var discrimination: String
        var flag: String?
        var rasch: String?
        var choices: [Choice]
    }
    struct Choice: Encodable, Sendable { var text: String; var keyed: Bool; var count: Int; var width: Int; var mean: String }
}

/// The exam owner's pages: the grading queue (essays by rubric or points, with comments;
/// applying a corrected key), and item analysis with simple bar charts. Plain HTML and
/// CSS bars: they read on a 360-px phone and need no chart library.
struct ExamOwnerPages {
    @Sendable func grading(req: Request) async throws -> Response {
        try await renderGrading(req, errors: FormErrors())
    }

    func renderGrading(_ req: Request, errors: FormErrors, status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        let exam = try await req.assessment.exam(id, actor: actor)
        let tasks = try await req.assessment.gradingQueue(id, actor: actor)
        let corrections = try await req.assessment.correctableItems(id, actor: actor)
        let rows = tasks.map { t in
            GradingPage.Task(
                attemptId: t.attemptId.uuidString.lowercased(), slot: t.slot,
                heading: req.t("grade.paper-question", [String(t.paper), String(t.slot)]), stem: t.stem.readable,
                graderInfo: t.graderInfo?.readable, response: t.response.isEmpty ? req.t("grade.no-answer") : t.response,
                maxPoints: ExamPages.number(t.maxPoints), points: t.points.map(ExamPages.number) ?? "",
                graded: t.points.map { req.t("grade.graded", [ExamPages.number($0), ExamPages.number(t.maxPoints)]) },
                comment: t.comment ?? "",
                criteria: (t.rubric ?? []).enumerated().map { i, c in
                    GradingPage.Criterion(index: i, name: c.name, levels: c.levels.enumerated().map { j, l in
                        GradingPage.Level(index: j, label: "\(ExamPages.number(l.points)) — \(l.description)", checked: (t.rubricLevels ?? []).indices.contains(i) && t.rubricLevels?[i] == j)
                    })
                })
        }
        var notice: String?
        if let n = req.query[Int.self, at: "regraded"] { notice = req.t("grade.regraded", [String(n)]) }
        let page = GradingPage(base: await PageBase.make(req, title: req.t("grade.title")), examId: id.uuidString.lowercased(), title: exam.title,
                               waiting: tasks.filter { $0.points == nil }.count, tasks: rows,
                               corrections: corrections.map { GradingPage.Correction(itemId: $0.itemId.uuidString.lowercased(),
                                                                                      label: req.t("grade.correction", [$0.name, String($0.examVersion), String($0.bankVersion)])) },
                               notice: notice, errors: errors)
        return try await req.page("exam-grading", page, status: status)
    }

    /// `POST /exams/{id}/grading/{attempt}/{slot}`: one mark from the queue.
    @Sendable func grade(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        let attempt = try req.uuid("attempt")
        guard let slot = req.parameters.get("slot").flatMap(Int.init) else { throw DomainError.notFound(entity: "answer") }
        var input = GradeInput(comment: req.field("comment"))
        let levels = (0..<50).map { req.field("rubric_\($0)") }.prefix { $0 != nil }.compactMap { $0 }
        if !levels.isEmpty {
            input.rubric = levels.map { Int($0) ?? -1 }
        } else if let raw = req.field("points"), !raw.isEmpty {
            // Decimal commas, as Vietnamese and many others write them.
            guard let p = Double(raw.replacingOccurrences(of: ",", with: ".")) else {
                return try await renderGrading(req, errors: FormErrors(DomainError.invalid(field: "points", reason: "validation.number"), req),
                                               status: .unprocessableEntity)
            }
            input.points = p
        }
        return try await req.submitForm({
            _ = try await req.assessment.gradeAnswer(attempt, slot: slot, input, actor: actor)
            return "/exams/\(id.uuidString.lowercased())/grading#a-\(attempt.uuidString.lowercased())-\(slot)"
        }, orShow: { errors, status in try await renderGrading(req, errors: errors, status: status) })
    }

    /// `POST /exams/{id}/regrade`: apply a corrected key from the grading page.
    @Sendable func regrade(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        guard let item = req.field("itemId").flatMap(UUID.init(uuidString:)) else {
            return try await renderGrading(req, errors: FormErrors(DomainError.invalid(field: "itemId", reason: "exam.item-not-in-exam"), req),
                                           status: .unprocessableEntity)
        }
        return try await req.submitForm({
            let r = try await req.assessment.regrade(id, itemID: item, actor: actor)
            return "/exams/\(id.uuidString.lowercased())/grading?regraded=\(r.attemptsChanged)"
        }, orShow: { errors, status in try await renderGrading(req, errors: errors, status: status) })
    }

    @Sendable func analysis(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        let exam = try await req.assessment.exam(id, actor: actor)
        let a = try await req.assessment.examAnalysis(id, actor: actor)
        let n = ExamPages.number
        func two(_ x: Double?) -> String { x.map { String(format: "%.2f", $0) } ?? "—" }
        var facts = [AnalysisPage.Fact(label: req.t("analysis.attempts"), value: String(a.attempts)),
                     AnalysisPage.Fact(label: req.t("analysis.mean"), value: "\(two(a.mean)) / \(n(a.maxScore))"),
                     AnalysisPage.Fact(label: req.t("analysis.sd"), value: two(a.standardDeviation)),
                     AnalysisPage.Fact(label: req.t("analysis.median"), value: two(a.median)),
                     AnalysisPage.Fact(label: req.t("analysis.range"), value: "\(n(a.lowest)) – \(n(a.highest))")]
        facts.append(AnalysisPage.Fact(label: req.t(a.kr20 != nil ? "analysis.kr20" : "analysis.alpha"), value: two(a.alpha)))
        var reliability: String?
        if let alpha = a.alpha {
            reliability = req.t(alpha >= 0.8 ? "analysis.reliability-good" : alpha >= 0.6 ? "analysis.reliability-fair" : "analysis.reliability-low")
        } else if a.attempts > 0 {
            reliability = req.t("analysis.reliability-none")
        }
        if a.incomplete > 0 { reliability = (reliability ?? "") + " " + req.t("analysis.incomplete", [String(a.incomplete)]) }
        let most = max(1, a.histogram.max() ?? 1)
        let bars = a.histogram.enumerated().map { i, c in
            AnalysisPage.Bar(label: "\(n(a.maxScore * Double(i) / 10))–\(n(a.maxScore * Double(i + 1) / 10))", count: c, width: c * 100 / most)
        }
        let items = a.items.enumerated().map { i, it in
            var flag: String?
            if let d = it.discrimination, d < 0.2 { flag = req.t("analysis.flag-discrimination") }
            if let p = it.facility, p < 0.2 || p > 0.95 { flag = (flag.map { $0 + " " } ?? "") + req.t(p < 0.2 ? "analysis.flag-hard" : "analysis.flag-easy") }
            return AnalysisPage.Item(number: i + 1, name: it.name, facility: it.facility.map { String(format: "%.2f", $0) } ?? "—",
                                     facilityWidth: Int(((it.facility ?? 0) * 100).rounded()), discrimination: two(it.discrimination), flag: flag,
                                     rasch: it.raschDifficulty.map { req.t("analysis.rasch", [String(format: "%.2f", $0)]) },
                                     choices: (it.choices ?? []).map { c in
                                         AnalysisPage.Choice(text: c.text, keyed: c.keyed, count: c.count, width: Int((c.share * 100).rounded()),
                                                             mean: c.meanScore.map { req.t("analysis.choice-mean", [two($0)]) } ?? "")
                                     })
        }
        return try await req.page("exam-analysis", AnalysisPage(base: await PageBase.make(req, title: req.t("analysis.title")), examId: id.uuidString.lowercased(),
                                                                title: exam.title, facts: facts, reliability: reliability, bars: bars, items: items))
    }
}
