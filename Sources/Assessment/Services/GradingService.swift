import Foundation
import FluentKit
import SQLKit
import Platform

/// One answer a person grades: an essay waiting (or graded), shown without the pupil's
/// name (blind marking; attempts are numbered in hand-in order).
public struct GradingTask: Sendable, Codable, Equatable {
    public var attemptId: UUID
    /// "Paper 3": the attempt's place in hand-in order.
    public var paper: Int
    public var slot: Int
    public var itemId: UUID
    public var stem: RichText
    public var graderInfo: RichText?
    public var rubric: [RubricCriterion]?
    public var response: String
    public var maxPoints: Double
    public var points: Double?
    public var rubricLevels: [Int]?
    public var comment: String?
    public var gradedAt: Date?
}

/// A person's mark for one answer: points, or a level per rubric criterion (the points
/// follow from the levels), and a comment for the pupil.
public struct GradeInput: Sendable, Codable {
    public var points: Double?
    public var rubric: [Int]?
    public var comment: String?

    public init(points: Double? = nil, rubric: [Int]? = nil, comment: String? = nil) {
        self.points = points
        self.rubric = rubric
        self.comment = comment
    }
}

public struct GradedAnswer: Sendable, Codable, Equatable {
    public var attemptId: UUID
    public var slot: Int
    public var points: Double
    public var attemptScore: Double
    public var waitingForGrader: Int
}

/// A key correction applied to an exam's handed-in attempts.
public struct RegradeReport: Sendable, Codable, Equatable {
    public var itemId: UUID
    public var fromVersion: Int
    public var toVersion: Int
    /// Answers marked again (answers a person marked keep their mark).
    public var answers: Int
    /// Attempts whose total changed.
    public var attemptsChanged: Int
    public var pointsBefore: Double
    public var pointsAfter: Double
}

/// A question of an exam whose item was edited in the bank since.
public struct CorrectableItem: Sendable, Codable, Equatable {
    public var itemId: UUID
    public var name: String
    public var examVersion: Int
    public var bankVersion: Int
}

/// One question of a handed-in attempt, as its pupil sees it once results are released.
public struct QuestionResult: Sendable, Codable, Equatable {
    public var slot: Int
    public var points: Double?
    public var maxPoints: Double
    public var comment: String?
}

extension AssessmentService {
    /// The exam of an owner; anyone else gets "not found".
    func ownedExam(_ examID: UUID, actor: Actor) async throws -> Exam {
        guard let exam = try await Exam.find(examID, on: db), actor.isSystem || exam.ownerID == actor.personID else {
            throw DomainError.notFound(entity: "exam")
        }
        return exam
    }

    /// The owner's view of one exam (the grading and analysis pages' headings).
    public func exam(_ examID: UUID, actor: Actor) async throws -> ExamDTO {
        let e = try await ownedExam(examID, actor: actor)
        let count = try await ExamSlot.query(on: db).filter(\.$examID == examID).count()
        return examDTO(e, questions: count, actor: actor)
    }

    /// `GET /api/v1/exams/{id}/grading`: the essays of handed-in attempts, ungraded first.
    public func gradingQueue(_ examID: UUID, actor: Actor) async throws -> [GradingTask] {
        let exam = try await ownedExam(examID, actor: actor)
        let rows = try await db.sql.raw("""
            SELECT s.attempt_id, s.slot, s.item_id, s.version, s.points, s.max_points, s.rubric, s.comment, s.graded_at, a.submitted_at, r.response
            FROM attempt_scores s JOIN attempts a ON a.id = s.attempt_id JOIN items i ON i.id = s.item_id
            LEFT JOIN attempt_answers r ON r.attempt_id = s.attempt_id AND r.slot = s.slot
            WHERE a.exam_id = \(bind: examID) AND i.type = 'essay'
            ORDER BY a.submitted_at, a.id, s.slot
            """).all()
        let paper = try await self.paper(examID, rev: exam.paperRev)
        let contents = Dictionary(paper.pool.map { ("\($0.itemID)#\($0.version)", $0.content) }, uniquingKeysWith: { a, _ in a })
        var order: [UUID: Int] = [:]
        var out: [GradingTask] = []
        let decoder = JSONDecoder()
        for r in rows {
            let attempt = try r.decode(column: "attempt_id", as: UUID.self)
            if order[attempt] == nil { order[attempt] = order.count + 1 }
            let item = try r.decode(column: "item_id", as: UUID.self)
            let version = try r.decode(column: "version", as: Int.self)
            var content = contents["\(item)#\(version)"]
            if content == nil { content = try await itemContent(item, version: version) }
            guard let content else { continue }
            let response = try r.decode(column: "response", as: String?.self)
                .flatMap { try? decoder.decode(ItemResponse.self, from: Data($0.utf8)) }?.text ?? ""
            out.append(GradingTask(attemptId: attempt, paper: order[attempt]!, slot: try r.decode(column: "slot", as: Int.self), itemId: item,
                                   stem: content.stem, graderInfo: content.graderInfo, rubric: content.rubric, response: response,
                                   maxPoints: try r.decode(column: "max_points", as: Double.self),
                                   points: try r.decode(column: "points", as: Double?.self),
                                   rubricLevels: try r.decode(column: "rubric", as: String?.self).flatMap { try? decoder.decode([Int].self, from: Data($0.utf8)) },
                                   comment: try r.decode(column: "comment", as: String?.self),
                                   gradedAt: try r.decode(column: "graded_at", as: Date?.self)))
        }
        return out.filter { $0.points == nil } + out.filter { $0.points != nil }
    }

    func itemContent(_ itemID: UUID, version: Int) async throws -> ItemContent {
        guard let raw = try await db.sql.raw("SELECT content FROM item_versions WHERE item_id = \(bind: itemID) AND number = \(bind: version)")
            .first()?.decode(column: "content", as: String.self) else { throw DomainError.notFound(entity: "item") }
        return try JSONDecoder().decode(ItemContent.self, from: Data(raw.utf8))
    }

    /// `PUT /api/v1/attempts/{id}/grades/{slot}`: the exam's owner marks one answer of a
    /// handed-in attempt (an essay, or overriding an automatic mark), by points or by
    /// rubric levels, with a comment. Marking again replaces the mark; every mark is audited
    /// with what it replaced. A mark a person gave is kept by later key corrections.
    public func gradeAnswer(_ attemptID: UUID, slot: Int, _ input: GradeInput, actor: Actor) async throws -> GradedAnswer {
        guard let a = try await Attempt.find(attemptID, on: db), a.submittedAt != nil else { throw DomainError.notFound(entity: "attempt") }
        let exam = try await ownedExam(a.examID, actor: actor)
        guard let row = try await db.sql.raw("""
            SELECT item_id, version, points, max_points FROM attempt_scores WHERE attempt_id = \(bind: attemptID) AND slot = \(bind: slot)
            """).first() else { throw DomainError.notFound(entity: "answer") }
        let maxPoints = try row.decode(column: "max_points", as: Double.self)
        let before = try row.decode(column: "points", as: Double?.self)
        let content = try await itemContent(try row.decode(column: "item_id", as: UUID.self), version: try row.decode(column: "version", as: Int.self))
        var points: Double
        var levels: String?
        if let chosen = input.rubric {
            guard let rubric = content.rubric, !rubric.isEmpty else { throw DomainError.invalid(field: "rubric", reason: "grade.no-rubric") }
            guard chosen.count == rubric.count, zip(chosen, rubric).allSatisfy({ $1.levels.indices.contains($0) }) else {
                throw DomainError.invalid(field: "rubric", reason: "grade.rubric-levels", arguments: [String(rubric.count)])
            }
            let best = rubric.map { $0.levels.map(\.points).max() ?? 0 }.reduce(0, +)
            let got = zip(chosen, rubric).map { $1.levels[$0].points }.reduce(0, +)
            points = best > 0 ? (got / best * maxPoints * 100).rounded() / 100 : 0
            levels = String(decoding: try JSONEncoder().encode(chosen), as: UTF8.self)
        } else if let p = input.points {
            guard p.isFinite, p >= 0, p <= maxPoints else {
                throw DomainError.invalid(field: "points", reason: "grade.points-range", arguments: [ClozeSyntax.num(maxPoints)])
            }
            points = p
        } else {
            throw DomainError.invalid(field: "points", reason: "validation.required")
        }
        let comment = input.comment?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let comment, comment.count > 5000 { throw DomainError.invalid(field: "comment", reason: "validation.too-long", arguments: ["5000"]) }
        let now = ctx.clock.now()
        let (finalPoints, rubricJSON) = (points, levels)
        let total: Double = try await db.transaction { tx in
            try await tx.sql.raw("""
                UPDATE attempt_scores SET points = \(bind: finalPoints), rubric = \(bind: rubricJSON), comment = \(bind: comment?.isEmpty == false ? comment : nil),
                graded_by = \(bind: actor.personID), graded_at = \(bind: now) WHERE attempt_id = \(bind: attemptID) AND slot = \(bind: slot)
                """).run()
            let total = try await Self.retotal([attemptID], on: tx).first ?? 0
            try await ctx.audit.record(on: tx, actor: actor, action: "attempt.grade", entityType: "attempt", entityID: attemptID, orgID: exam.orgID,
                                       orgPath: exam.orgPath,
                                       changes: [AuditChange(field: "slot \(slot)", before: before.map(ClozeSyntax.num), after: ClozeSyntax.num(finalPoints))])
            return total
        }
        let waiting = try await db.sql.raw("SELECT COUNT(*) AS n FROM attempt_scores WHERE attempt_id = \(bind: attemptID) AND points IS NULL")
            .first()?.decode(column: "n", as: Int.self) ?? 0
        return GradedAnswer(attemptId: attemptID, slot: slot, points: points, attemptScore: total, waitingForGrader: waiting)
    }

    /// Attempts' totals from their marks; answers the new totals in the order given.
    static func retotal(_ attempts: [UUID], on db: any Database) async throws -> [Double] {
        guard !attempts.isEmpty else { return [] }
        try await db.sql.raw("""
            UPDATE attempts SET score = (SELECT COALESCE(SUM(points), 0) FROM attempt_scores WHERE attempt_id = attempts.id)
            WHERE id IN (\(binds: attempts))
            """).run()
        let rows = Dictionary(try await db.sql.raw("SELECT id, score FROM attempts WHERE id IN (\(binds: attempts))").all().map {
            (try $0.decode(column: "id", as: UUID.self), try $0.decode(column: "score", as: Double?.self) ?? 0)
        }, uniquingKeysWith: { a, _ in a })
        return attempts.map { rows[$0] ?? 0 }
    }

    /// `POST /api/v1/exams/{id}/regrade {itemId}`: after an item's key was corrected (a new
    /// version in the bank), the exam uses that version from now on and every handed-in
    /// answer to it that was marked automatically is marked again; marks a person gave stay.
    /// The correction may change keys, marks and wording, not the item's shape (the number
    /// of choices, pairs, items or gaps), which pupils' saved answers refer to.
    public func regrade(_ examID: UUID, itemID: UUID, actor: Actor) async throws -> RegradeReport {
        let exam = try await ownedExam(examID, actor: actor)
        guard let slotVersion = try await db.sql.raw("""
            SELECT MIN(version) AS v FROM exam_slots WHERE exam_id = \(bind: examID) AND item_id = \(bind: itemID)
            """).first()?.decode(column: "v", as: Int?.self) else {
            throw DomainError.invalid(field: "itemId", reason: "exam.item-not-in-exam")
        }
        guard let current = try await Item.find(itemID, on: db)?.currentVersion else { throw DomainError.notFound(entity: "item") }
        let old = try await itemContent(itemID, version: slotVersion)
        let new = try await itemContent(itemID, version: current)
        guard Self.shape(old) == Self.shape(new) else { throw DomainError.conflict(reason: "exam.regrade-shape-changed") }
        let rows = try await db.sql.raw("""
            SELECT s.attempt_id, s.slot, s.points, s.max_points, r.response FROM attempt_scores s
            JOIN attempts a ON a.id = s.attempt_id
            LEFT JOIN attempt_answers r ON r.attempt_id = s.attempt_id AND r.slot = s.slot
            WHERE a.exam_id = \(bind: examID) AND s.item_id = \(bind: itemID) AND s.graded_by IS NULL
            """).all()
        let decoder = JSONDecoder()
        var changes: [(attempt: UUID, slot: Int, points: Double?)] = []
        var before = 0.0, after = 0.0
        for r in rows {
            let response = try r.decode(column: "response", as: String?.self).flatMap { try? decoder.decode(ItemResponse.self, from: Data($0.utf8)) }
            let maxPoints = try r.decode(column: "max_points", as: Double.self)
            let points = Grader.grade(new, response ?? ItemResponse()).fraction.map { $0 * maxPoints }
            let was = try r.decode(column: "points", as: Double?.self)
            before += was ?? 0
            after += points ?? 0
            changes.append((try r.decode(column: "attempt_id", as: UUID.self), try r.decode(column: "slot", as: Int.self), points))
        }
        let changed = Array(Set(zip(rows, changes).compactMap { row, c -> UUID? in
            (try? row.decode(column: "points", as: Double?.self)) == c.points ? nil : c.attempt
        }))
        let work = changes
        let (b, a) = (before, after)
        try await db.transaction { tx in
            try await tx.sql.raw("""
                UPDATE exam_slots SET version = \(bind: current) WHERE exam_id = \(bind: examID) AND item_id = \(bind: itemID)
                """).run()
            try await tx.sql.raw("UPDATE exams SET paper_rev = paper_rev + 1 WHERE id = \(bind: examID)").run()
            for c in work {
                try await tx.sql.raw("""
                    UPDATE attempt_scores SET points = \(bind: c.points), version = \(bind: current)
                    WHERE attempt_id = \(bind: c.attempt) AND slot = \(bind: c.slot) AND graded_by IS NULL
                    """).run()
            }
            _ = try await Self.retotal(changed, on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "exam.regrade", entityType: "exam", entityID: examID, orgID: exam.orgID,
                                       orgPath: exam.orgPath,
                                       changes: [AuditChange(field: "item \(itemID.uuidString.lowercased())", before: "v\(slotVersion)", after: "v\(current)"),
                                                 AuditChange(field: "points", before: ClozeSyntax.num(b), after: ClozeSyntax.num(a)),
                                                 AuditChange(field: "attempts", before: nil, after: String(changed.count))])
        }
        ctx.papers.remove(examID.uuidString)
        return RegradeReport(itemId: itemID, fromVersion: slotVersion, toVersion: current, answers: work.count, attemptsChanged: changed.count,
                             pointsBefore: before, pointsAfter: after)
    }

    /// The exam's questions whose item has a newer version in the bank than the exam uses:
    /// the corrections a teacher may apply with `regrade`.
    public func correctableItems(_ examID: UUID, actor: Actor) async throws -> [CorrectableItem] {
        _ = try await ownedExam(examID, actor: actor)
        return try await db.sql.raw("""
            SELECT DISTINCT s.item_id, s.version, i.current_version, i.name FROM exam_slots s JOIN items i ON i.id = s.item_id
            WHERE s.exam_id = \(bind: examID) AND i.current_version > s.version ORDER BY i.name
            """).all().map {
            CorrectableItem(itemId: try $0.decode(column: "item_id", as: UUID.self), name: try $0.decode(column: "name", as: String.self),
                            examVersion: try $0.decode(column: "version", as: Int.self), bankVersion: try $0.decode(column: "current_version", as: Int.self))
        }
    }

    /// What a pupil's saved answer refers to: the type and how many of each part.
    static func shape(_ c: ItemContent) -> [Int] {
        [ItemType.allCases.firstIndex(of: c.type) ?? -1, c.choices?.count ?? 0, c.pairs?.filter { $0.prompt != nil }.count ?? 0,
         c.sequence?.count ?? 0, c.gaps?.count ?? 0] + (c.gaps ?? []).map { [ClozeGap.Kind.choice, .text, .numeric].firstIndex(of: $0.kind)! * 1000 + ($0.choices?.count ?? 0) }
    }

    /// `GET /api/v1/attempts/{id}/result` details: each question's mark and the grader's
    /// comment, once results are released.
    func questionResults(_ attemptID: UUID) async throws -> [QuestionResult] {
        try await db.sql.raw("SELECT slot, points, max_points, comment FROM attempt_scores WHERE attempt_id = \(bind: attemptID) ORDER BY slot").all().map {
            QuestionResult(slot: try $0.decode(column: "slot", as: Int.self), points: try $0.decode(column: "points", as: Double?.self),
                           maxPoints: try $0.decode(column: "max_points", as: Double.self), comment: try $0.decode(column: "comment", as: String?.self))
        }
    }
}
