import Foundation
import FluentKit
import SQLKit
import Platform

/// How an adaptive exam runs: at most `maxItems` questions, at least `minItems`, stopping
/// once the ability's standard error is at or below `targetStandardError`; questions from
/// the bank's Rasch-calibrated ones (optionally one topic, a category prefix).
public struct AdaptiveSettings: Sendable, Codable, Equatable {
    public var maxItems: Int
    public var minItems: Int?
    public var targetStandardError: Double?
    public var topic: String?

    public init(maxItems: Int, minItems: Int? = nil, targetStandardError: Double? = nil, topic: String? = nil) {
        self.maxItems = maxItems
        self.minItems = minItems
        self.targetStandardError = targetStandardError
        self.topic = topic
    }

    var minItemsOrDefault: Int { min(minItems ?? 5, maxItems) }
    var target: Double { targetStandardError ?? 0.45 }
}

public struct AdaptiveProgress: Sendable, Codable, Equatable {
    /// Questions answered before the current one.
    public var answered: Int
    public var maxItems: Int
}

/// Adaptive tests (issue #4, part 7): each attempt starts at the middle of the pool, and
/// after every answer its ability is estimated again (Rasch, maximum likelihood) and the
/// next question is the most informative one not yet given; among the three most
/// informative one is taken by the attempt's own draw, so pupils sitting side by side do
/// not all see the same sequence and no single question is shown to everyone. Earlier
/// questions cannot be changed once the next is asked for.
extension AssessmentService {
    static func adaptive(of e: Exam) -> AdaptiveSettings? {
        e.adaptive.flatMap { try? JSONDecoder().decode(AdaptiveSettings.self, from: Data($0.utf8)) }
    }

    static func check(_ a: AdaptiveSettings) -> [FieldProblem] {
        var out: [FieldProblem] = []
        if !(1...100).contains(a.maxItems) { out.append(FieldProblem(field: "adaptive.maxItems", reason: "exam.adaptive-max")) }
        if let m = a.minItems, !(1...a.maxItems).contains(m) { out.append(FieldProblem(field: "adaptive.minItems", reason: "exam.adaptive-min")) }
        if let t = a.targetStandardError, !(0.1...2).contains(t) { out.append(FieldProblem(field: "adaptive.targetStandardError", reason: "exam.adaptive-se")) }
        return out
    }

    /// The calibrated, automatically marked items of the bank (of the topic, if any).
    func adaptivePool(_ items: [Item], settings: AdaptiveSettings, bank: UUID) async throws -> [(item: Item, cell: Int?, points: Double, difficulty: Double?)] {
        let difficulties = Dictionary(try await db.sql.raw("""
            SELECT id, rasch_difficulty FROM items WHERE bank_id = \(bind: bank) AND rasch_difficulty IS NOT NULL AND type <> 'essay'
            """).all().map { (try $0.decode(column: "id", as: UUID.self), try $0.decode(column: "rasch_difficulty", as: Double.self)) },
            uniquingKeysWith: { a, _ in a })
        let topic = settings.topic?.trimmingCharacters(in: .whitespaces) ?? ""
        return items.compactMap { item in
            guard let d = difficulties[item.id!], topic.isEmpty || item.category.hasPrefix(topic) else { return nil }
            return (item, nil, 1, d)
        }
    }

    /// An adaptive attempt's questions so far, position 1…n (the last is the current one).
    func adaptivePaper(_ paper: Paper, attempt: UUID) async throws -> [PaperSlot] {
        try await db.sql.raw("SELECT position, pool_slot FROM attempt_items WHERE attempt_id = \(bind: attempt) ORDER BY position").all().compactMap { row in
            let poolSlot = try row.decode(column: "pool_slot", as: Int.self)
            guard paper.pool.indices.contains(poolSlot - 1) else { return nil }
            var q = paper.pool[poolSlot - 1]
            q.slot = try row.decode(column: "position", as: Int.self)
            return q
        }
    }

    /// The pool slot to ask next at ability `theta`: among the three most informative not
    /// yet given, the attempt's own pick.
    static func nextItem(_ paper: Paper, given: Set<Int>, theta: Double, attempt: UUID, position: Int) -> Int? {
        let candidates = paper.pool.filter { !given.contains($0.slot) && $0.difficulty != nil }
        let ranked = candidates.sorted {
            let p0 = Rasch.probability(ability: theta, difficulty: $0.difficulty!), p1 = Rasch.probability(ability: theta, difficulty: $1.difficulty!)
            return p0 * (1 - p0) > p1 * (1 - p1)
        }.prefix(3)
        guard !ranked.isEmpty else { return nil }
        let pick = Shuffle.permutation(ranked.count, attempt: attempt, key: "a\(position)").first ?? 0
        return Array(ranked)[pick].slot
    }

    /// Right or wrong for each answered question of an adaptive attempt, with its difficulty.
    func adaptiveAnswers(_ questions: [PaperSlot], attempt: UUID) async throws -> [(difficulty: Double, right: Bool)] {
        let answers = Dictionary(try await db.sql.raw("SELECT slot, response FROM attempt_answers WHERE attempt_id = \(bind: attempt)").all().map {
            (try $0.decode(column: "slot", as: Int.self), try JSONDecoder().decode(ItemResponse.self, from: Data(try $0.decode(column: "response", as: String.self).utf8)))
        }, uniquingKeysWith: { a, _ in a })
        return questions.compactMap { q in
            guard let r = answers[q.slot], let d = q.difficulty else { return nil }
            return (d, (Grader.grade(q.content, r).fraction ?? 0) >= 1 - 1e-9)
        }
    }

    /// The first question of a new adaptive attempt (one insert; a repeated start finds it there).
    func startAdaptive(_ attempt: UUID, paper: Paper) async throws {
        guard let first = Self.nextItem(paper, given: [], theta: 0, attempt: attempt, position: 1) else { return }
        try await ctx.writes.run(on: db) {
            try await db.sql.raw("INSERT INTO attempt_items (attempt_id, position, pool_slot) VALUES (\(bind: attempt), 1, \(bind: first)) ON CONFLICT DO NOTHING").run()
        }
    }

    /// `POST /api/v1/attempts/{id}/next`: the current question must be answered; then either
    /// the next question, or, when the ability is measured precisely enough, the pool is
    /// used up or the most questions were asked, the attempt is handed in.
    public func nextQuestion(_ attemptID: UUID, actor: Actor) async throws -> AttemptDTO {
        guard let me = actor.personID, let a = try await Attempt.find(attemptID, on: db), a.personID == me,
              let exam = try await Exam.find(a.examID, on: db) else { throw DomainError.notFound(entity: "attempt") }
        let paper = try await self.paper(exam.id!, rev: exam.paperRev)
        guard let settings = paper.adaptive else { throw DomainError.conflict(reason: "exam.not-adaptive") }
        guard a.submittedAt == nil else { throw DomainError.conflict(reason: "exam.attempt-submitted") }
        let now = ctx.clock.now()
        guard now < a.deadlineAt else {
            try await submit(a, exam: exam, at: a.deadlineAt)
            throw DomainError.conflict(reason: "exam.deadline-passed")
        }
        let asked = try await adaptivePaper(paper, attempt: attemptID)
        let answers = try await adaptiveAnswers(asked, attempt: attemptID)
        guard let current = asked.last, answers.count >= asked.count else { throw DomainError.conflict(reason: "exam.answer-first") }
        let (theta, se) = Rasch.ability(answers)
        let givenRows = try await db.sql.raw("SELECT pool_slot FROM attempt_items WHERE attempt_id = \(bind: attemptID)").all()
        let given = Set(try givenRows.map { try $0.decode(column: "pool_slot", as: Int.self) })
        let done = asked.count >= settings.maxItems || (asked.count >= settings.minItemsOrDefault && se <= settings.target)
        if !done, let next = Self.nextItem(paper, given: given, theta: theta, attempt: attemptID, position: current.slot + 1) {
            // A second click for the same position changes nothing: the first one's question stays.
            try await db.sql.raw("""
                INSERT INTO attempt_items (attempt_id, position, pool_slot) VALUES (\(bind: attemptID), \(bind: current.slot + 1), \(bind: next))
                ON CONFLICT DO NOTHING
                """).run()
        } else {
            try await submit(a, exam: exam, at: now)
        }
        guard let fresh = try await Attempt.find(attemptID, on: db) else { throw DomainError.notFound(entity: "attempt") }
        return try await attemptDTO(fresh, exam: exam)
    }
}
