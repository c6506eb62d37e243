import Foundation
import FluentKit
import SQLKit
import Platform

/// How often each choice was picked, and by whom (their mean total).
public struct ChoiceStatistic: Sendable, Codable, Equatable {
    public var text: String
    /// Earns marks (the key, or part of it).
    public var keyed: Bool
    public var count: Int
    public var share: Double
    public var meanScore: Double?
}

public struct ItemAnalysis: Sendable, Codable, Equatable {
    public var itemId: UUID
    public var name: String
    public var type: String
    public var responses: Int
    public var maxPoints: Double
    /// Facility (p): the mean share of the marks earned.
    public var facility: Double?
    /// Item-rest correlation (point-biserial for right/wrong items).
    public var discrimination: Double?
    /// Single and multiple choice, true/false: every option, then "no answer" last.
    public var choices: [ChoiceStatistic]?
    public var unanswered: Int
    /// Rasch difficulty in logits, when the bank was calibrated.
    public var raschDifficulty: Double?
}

public struct ExamAnalysis: Sendable, Codable, Equatable {
    public var examId: UUID
    public var attempts: Int
    public var maxScore: Double
    public var mean: Double
    public var standardDeviation: Double
    public var median: Double
    public var lowest: Double
    public var highest: Double
    /// Cronbach's alpha over attempts with every question marked; `kr20` is the same
    /// figure, given when every question is marked right or wrong.
    public var alpha: Double?
    public var kr20: Double?
    /// Attempts per tenth of the maximum score.
    public var histogram: [Int]
    public var items: [ItemAnalysis]
    /// Attempts left out of alpha because an essay still waits for its grader.
    public var incomplete: Int
}

public struct CalibrationReport: Sendable, Codable, Equatable {
    public struct Entry: Sendable, Codable, Equatable {
        public var itemId: UUID
        public var name: String
        public var estimate: Rasch.ItemEstimate?
    }
    public var bankId: UUID
    public var persons: Int
    public var iterations: Int
    public var converged: Bool
    public var items: [Entry]
}

extension AssessmentService {
    /// `GET /api/v1/exams/{id}/analysis`: item and test statistics over the handed-in
    /// attempts, for the exam's owner.
    public func examAnalysis(_ examID: UUID, actor: Actor) async throws -> ExamAnalysis {
        let exam = try await ownedExam(examID, actor: actor)
        let rows = try await db.sql.raw("""
            SELECT s.attempt_id, s.slot, s.item_id, s.points, s.max_points, a.score, r.response
            FROM attempt_scores s JOIN attempts a ON a.id = s.attempt_id
            LEFT JOIN attempt_answers r ON r.attempt_id = s.attempt_id AND r.slot = s.slot
            WHERE a.exam_id = \(bind: examID) ORDER BY a.id, s.slot
            """).all()
        struct Mark { var attempt: UUID; var slot: Int; var item: UUID; var points: Double?; var max: Double; var total: Double; var response: ItemResponse? }
        let decoder = JSONDecoder()
        let marks: [Mark] = try rows.map { r in
            Mark(attempt: try r.decode(column: "attempt_id", as: UUID.self), slot: try r.decode(column: "slot", as: Int.self),
                 item: try r.decode(column: "item_id", as: UUID.self), points: try r.decode(column: "points", as: Double?.self),
                 max: try r.decode(column: "max_points", as: Double.self), total: try r.decode(column: "score", as: Double?.self) ?? 0,
                 response: try r.decode(column: "response", as: String?.self).flatMap { try? decoder.decode(ItemResponse.self, from: Data($0.utf8)) })
        }
        let byAttempt = Dictionary(grouping: marks, by: \.attempt)
        // Grouped once: a province's exam has 5,000 attempts × 40 questions of marks.
        let byItem = Dictionary(grouping: marks, by: \.item)
        let totals = byAttempt.values.map { $0.first?.total ?? 0 }
        // Alpha by question position over complete attempts (a matrix exam's slot n holds
        // questions of the same cell, which is what its reliability is about).
        let complete = byAttempt.values.filter { $0.allSatisfy { $0.points != nil } }.map { $0.sorted { $0.slot < $1.slot }.map { $0.points! } }
        let sameLength = complete.filter { $0.count == complete.first?.count }
        let alpha = ItemStatistics.alpha(sameLength)
        let dichotomous = marks.allSatisfy { $0.points == nil || $0.points == 0 || $0.points == $0.max }
        let paper = try await self.paper(examID, rev: exam.paperRev)
        let contents = Dictionary(paper.pool.map { ($0.itemID, $0.content) }, uniquingKeysWith: { a, _ in a })
        let poolItems = Array(Set(paper.pool.map(\.itemID)))
        let rasch = poolItems.isEmpty ? [:] : Dictionary(try await db.sql.raw("""
            SELECT id, rasch_difficulty FROM items WHERE id IN (\(binds: poolItems)) AND rasch_difficulty IS NOT NULL
            """).all().map { (try $0.decode(column: "id", as: UUID.self), try $0.decode(column: "rasch_difficulty", as: Double.self)) },
            uniquingKeysWith: { a, _ in a })
        var items: [ItemAnalysis] = []
        var seen = Set<UUID>()
        for slot in paper.pool where seen.insert(slot.itemID).inserted {
            let mine = byItem[slot.itemID] ?? []
            let graded = mine.filter { $0.points != nil }
            let fractions = graded.map { $0.max > 0 ? $0.points! / $0.max : 0 }
            let rest = graded.map { $0.total - $0.points! }
            var analysis = ItemAnalysis(itemId: slot.itemID, name: slot.content.name, type: slot.content.type.rawValue, responses: mine.count,
                                        maxPoints: slot.points, facility: fractions.isEmpty ? nil : ItemStatistics.mean(fractions),
                                        discrimination: ItemStatistics.correlation(fractions, rest),
                                        choices: nil, unanswered: mine.filter { $0.response == nil }.count, raschDifficulty: rasch[slot.itemID])
            let c = slot.content
            if [.singleChoice, .multipleResponse, .trueFalse].contains(c.type) {
                let options: [(String, Bool)] = c.type == .trueFalse
                    ? [("True", c.correct == true), ("False", c.correct == false)]
                    : (c.choices ?? []).map { ($0.text.readable, $0.fraction > 0) }
                analysis.choices = options.enumerated().map { i, o in
                    let pickers = mine.filter { m in
                        c.type == .trueFalse ? m.response?.value == (i == 0) : (m.response?.choices ?? []).contains(i)
                    }
                    return ChoiceStatistic(text: o.0, keyed: o.1, count: pickers.count, share: mine.isEmpty ? 0 : Double(pickers.count) / Double(mine.count),
                                           meanScore: pickers.isEmpty ? nil : ItemStatistics.mean(pickers.map(\.total)))
                }
            }
            items.append(analysis)
        }
        return ExamAnalysis(examId: examID, attempts: byAttempt.count, maxScore: exam.maxScore, mean: ItemStatistics.mean(totals),
                            standardDeviation: ItemStatistics.sd(totals), median: ItemStatistics.median(totals), lowest: totals.min() ?? 0,
                            highest: totals.max() ?? 0, alpha: alpha, kr20: dichotomous ? alpha : nil,
                            histogram: ItemStatistics.histogram(totals, max: exam.maxScore, bins: 10), items: items,
                            incomplete: byAttempt.count - complete.count)
    }

    /// `POST /api/v1/question-banks/{id}/calibrate`: Rasch difficulties of the bank's items
    /// from every handed-in answer to them in any exam (full marks count as right), stored
    /// on the items for adaptive tests and shown in item analysis.
    public func calibrateBank(_ bankID: UUID, actor: Actor) async throws -> CalibrationReport {
        _ = try await editableBank(bankID, actor: actor)
        let items = try await Item.query(on: db).filter(\.$bankID == bankID).sort(\.$position).all()
        let index = Dictionary(items.enumerated().map { ($1.id!, $0) }, uniquingKeysWith: { a, _ in a })
        let rows = try await db.sql.raw("""
            SELECT s.attempt_id, s.item_id, s.points, s.max_points FROM attempt_scores s JOIN items i ON i.id = s.item_id
            WHERE i.bank_id = \(bind: bankID) AND s.points IS NOT NULL
            """).all()
        var persons: [UUID: Int] = [:]
        var matrix: [[Bool?]] = []
        for r in rows {
            let attempt = try r.decode(column: "attempt_id", as: UUID.self)
            guard let j = index[try r.decode(column: "item_id", as: UUID.self)] else { continue }
            let p = persons[attempt] ?? {
                persons[attempt] = matrix.count
                matrix.append(Array(repeating: nil, count: items.count))
                return matrix.count - 1
            }()
            matrix[p][j] = try r.decode(column: "points", as: Double.self) >= (try r.decode(column: "max_points", as: Double.self)) - 1e-9
        }
        let grid = matrix
        let calibration = try await BlockingWork.run { Rasch.calibrate(grid) }
        let now = ctx.clock.now()
        let estimates = calibration.items
        try await db.transaction { tx in
            for (i, item) in items.enumerated() {
                let e = estimates[i]
                try await tx.sql.raw("""
                    UPDATE items SET rasch_difficulty = \(bind: e?.difficulty), rasch_se = \(bind: e?.standardError), rasch_n = \(bind: e?.responses),
                    rasch_at = \(bind: e == nil ? nil : now) WHERE id = \(bind: item.id!)
                    """).run()
            }
            try await ctx.audit.record(on: tx, actor: actor, action: "bank.calibrate", entityType: "question_bank", entityID: bankID, orgID: nil,
                                       orgPath: Self.auditPath(actor),
                                       changes: [AuditChange(field: "calibrated", before: nil, after: String(estimates.compactMap { $0 }.count))])
        }
        return CalibrationReport(bankId: bankID, persons: matrix.count, iterations: calibration.iterations, converged: calibration.converged,
                                 items: items.enumerated().map { CalibrationReport.Entry(itemId: $1.id!, name: $1.name, estimate: estimates[$0]) })
    }
}
