import Foundation
import FluentKit
import SQLKit
import Platform
import Directory

public struct NewExam: Sendable, Codable {
    public var bankId: UUID
    public var title: String
    public var orgId: UUID
    public var opensAt: Date
    public var closesAt: Date
    public var durationMinutes: Int
    public var maxAttempts: Int?
    /// The items of the paper, in order; all of the bank's when absent.
    public var itemIds: [UUID]?
    /// What the exam counts as: `practice` (default), `continuous` (a regular/continuous
    /// assessment, ĐĐGtx), `midterm` or `endOfTerm` (the periodic tests of Circular
    /// 22/2021 Art. 7 and China's term tests).
    public var purpose: String?
    /// A code the room's invigilator gives out; a start without it is refused.
    public var accessCode: String?
    /// No first start later than this many minutes after the exam opens.
    public var lateStartMinutes: Int?
    /// `atSubmit` (default): a pupil sees the score on handing in; `manual`: when the teacher releases.
    public var results: String?
    /// More time for named pupils of the exam's class or school.
    public var extraTime: [ExtraTime]?
    /// An exam matrix instead of a fixed paper: each attempt draws its own questions, `count`
    /// from each cell (a topic, i.e. a category prefix, at a cognitive level).
    public var matrix: [MatrixCell]?
    /// An adaptive test instead of a fixed paper: the next question is the most informative
    /// at the pupil's estimated ability, from the bank's Rasch-calibrated questions.
    public var adaptive: AdaptiveSettings?

    public init(bankId: UUID, title: String, orgId: UUID, opensAt: Date, closesAt: Date, durationMinutes: Int) {
        self.bankId = bankId
        self.title = title
        self.orgId = orgId
        self.opensAt = opensAt
        self.closesAt = closesAt
        self.durationMinutes = durationMinutes
    }
}

/// One cell of an exam matrix (ma trận đề): how many questions of a topic at a level, and
/// the points each is worth.
public struct MatrixCell: Sendable, Codable, Equatable {
    public var topic: String?
    public var level: String?
    public var count: Int
    public var points: Double?

    public init(topic: String?, level: String?, count: Int, points: Double? = nil) {
        self.topic = topic
        self.level = level
        self.count = count
        self.points = points
    }
}

public struct ExtraTime: Sendable, Codable, Equatable {
    public var personId: UUID
    public var minutes: Int

    public init(personId: UUID, minutes: Int) {
        self.personId = personId
        self.minutes = minutes
    }
}

/// The kinds of assessment an exam can be marked as (DOMAIN-RULES §3).
public enum ExamPurpose: String, Sendable, Codable, CaseIterable {
    case practice, continuous, midterm, endOfTerm
}

public struct ExamDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var title: String
    public var orgId: UUID
    public var opensAt: Date
    public var closesAt: Date
    public var durationMinutes: Int
    public var maxAttempts: Int
    public var questions: Int
    public var maxScore: Double
    public var purpose: String
    public var lateStartMinutes: Int?
    public var results: String
    public var resultsReleased: Bool
    /// Whether a start needs a code; the code itself only for the exam's owner.
    public var needsAccessCode: Bool
    public var accessCode: String?
    /// The caller made this exam.
    public var owned: Bool
    /// The matrix each attempt's paper is drawn from (absent for a fixed paper).
    public var matrix: [MatrixCell]?
    public var adaptive: AdaptiveSettings?
}

/// A question as the pupil sees it: no keys, no feedback.
public struct QuestionView: Sendable, Codable, Equatable {
    public var slot: Int
    public var type: String
    public var stem: RichText
    public var points: Double
    public var choices: [RichText]?
    public var prompts: [RichText]?
    public var options: [String]?
    public var sequence: [RichText]?
    public var gaps: Int?
}

public struct SavedAnswer: Sendable, Codable, Equatable {
    public var slot: Int
    public var seq: Int64
    public var response: ItemResponse
}

public struct AttemptDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var examId: UUID
    public var number: Int
    public var startedAt: Date
    public var deadline: Date
    public var submitted: Bool
    public var questions: [QuestionView]
    public var answers: [SavedAnswer]
    /// Adaptive exams: questions answered so far and the most there can be (only the
    /// current question is in `questions`).
    public var adaptive: AdaptiveProgress?
}

/// What a save left stored: `applied` is false when a newer save of the same question was
/// already there (a replayed or out-of-order request), which is not an error.
public struct SaveAck: Sendable, Codable, Equatable {
    public var slot: Int
    public var seq: Int64
    public var applied: Bool

    public init(slot: Int, seq: Int64, applied: Bool) {
        self.slot = slot
        self.seq = seq
        self.applied = applied
    }
}

public struct SubmitResult: Sendable, Codable, Equatable {
    public var attemptId: UUID
    public var submittedAt: Date
    /// Absent until the results are released (exams with `results: manual`) or while
    /// questions wait for a person to grade them.
    public var score: Double?
    public var resultsReleased: Bool
    public var maxScore: Double
    public var waitingForGrader: Int
    /// Each question's mark and its grader's comment, once results are released.
    public var questions: [QuestionResult]?
    /// Adaptive exams: the estimated ability (Rasch logits) and its standard error.
    public var ability: Double?
    public var abilityStandardError: Double?
}

extension AssessmentService {
    /// Makes an exam from a bank the teacher keeps, for an organisation they work in. The
    /// paper (item versions, points) is fixed here so starting an attempt does no work.
    public func createExam(_ input: NewExam, actor: Actor) async throws -> ExamDTO {
        // An exam belongs to a person (the system keeps banks, not exams).
        guard let owner = actor.personID else { throw DomainError.forbidden() }
        _ = try await readableBank(input.bankId, actor: actor)
        var problems: [FieldProblem] = []
        let title = input.title.trimmingCharacters(in: .whitespacesAndNewlines)
        if title.isEmpty { problems.append(FieldProblem(field: "title", reason: "validation.required")) }
        if input.closesAt <= input.opensAt { problems.append(FieldProblem(field: "closesAt", reason: "exam.closes-before-opening")) }
        if !(1...600).contains(input.durationMinutes) { problems.append(FieldProblem(field: "durationMinutes", reason: "exam.duration-range")) }
        if !(1...20).contains(input.maxAttempts ?? 1) { problems.append(FieldProblem(field: "maxAttempts", reason: "exam.attempts-range")) }
        guard let orgRow = try await db.sql.raw("SELECT path FROM organisations WHERE id = \(bind: input.orgId)").first(),
              let orgPath = try? orgRow.decode(column: "path", as: String.self),
              actor.grants.contains(where: { $0.capabilities.contains(.authorAssessments) && orgPath.hasPrefix($0.orgPath) }) else {
            problems.append(FieldProblem(field: "orgId", reason: "exam.org-not-yours"))
            throw DomainError.invalid(problems)
        }
        var items = try await Item.query(on: db).filter(\.$bankID == input.bankId).sort(\.$position).all()
        if let chosen = input.itemIds {
            let byID = Dictionary(uniqueKeysWithValues: items.map { ($0.id!, $0) })
            if let missing = chosen.first(where: { byID[$0] == nil }) {
                problems.append(FieldProblem(field: "itemIds", reason: "exam.item-not-in-bank", arguments: [missing.uuidString]))
            }
            items = chosen.compactMap { byID[$0] }
        }
        // A matrix: the pool of each cell, every pool item in one cell only.
        var pool: [(item: Item, cell: Int?, points: Double, difficulty: Double?)] = []
        if let matrix = input.matrix {
            if input.itemIds != nil { problems.append(FieldProblem(field: "matrix", reason: "exam.matrix-or-items")) }
            let contents = try await currentContents(bank: input.bankId)
            var used = Set<UUID>()
            for (c, cell) in matrix.enumerated() {
                let level = cell.level.map { CognitiveLevel(rawValue: $0) ?? CognitiveLevel.from(label: $0) }
                if let level, level == nil {
                    problems.append(FieldProblem(field: "matrix[\(c)].level", reason: "exam.level-unknown")); continue
                }
                guard (1...200).contains(cell.count) else { problems.append(FieldProblem(field: "matrix[\(c)].count", reason: "exam.matrix-count")); continue }
                if let p = cell.points, !(p > 0 && p <= 100) { problems.append(FieldProblem(field: "matrix[\(c)].points", reason: "exam.points-range")) }
                let topic = cell.topic?.trimmingCharacters(in: .whitespaces) ?? ""
                let fits = items.filter { item in
                    guard !used.contains(item.id!), let content = contents[item.id!] else { return false }
                    return (topic.isEmpty || item.category.hasPrefix(topic)) && (level == nil || content.effectiveLevel == level!)
                }
                if fits.count < cell.count {
                    problems.append(FieldProblem(field: "matrix[\(c)]", reason: "exam.matrix-short",
                                                 arguments: [topic.isEmpty ? "*" : topic, cell.level ?? "*", String(cell.count), String(fits.count)]))
                }
                for item in fits {
                    used.insert(item.id!)
                    pool.append((item, c, cell.points ?? 1, nil))
                }
            }
            if matrix.isEmpty { problems.append(FieldProblem(field: "matrix", reason: "exam.no-items")) }
        } else if let adaptive = input.adaptive {
            problems += Self.check(adaptive)
            pool = try await adaptivePool(items, settings: adaptive, bank: input.bankId)
            if pool.count < adaptive.minItemsOrDefault {
                problems.append(FieldProblem(field: "adaptive", reason: "exam.adaptive-pool", arguments: [String(pool.count), String(adaptive.minItemsOrDefault)]))
            }
        } else if items.isEmpty { problems.append(FieldProblem(field: "itemIds", reason: "exam.no-items")) }
        let purpose = input.purpose ?? ExamPurpose.practice.rawValue
        if ExamPurpose(rawValue: purpose) == nil {
            problems.append(FieldProblem(field: "purpose", reason: "exam.purpose-unknown", arguments: [ExamPurpose.allCases.map(\.rawValue).joined(separator: ", ")]))
        }
        let results = input.results ?? "atSubmit"
        if !["atSubmit", "manual"].contains(results) { problems.append(FieldProblem(field: "results", reason: "exam.results-unknown")) }
        let code = input.accessCode?.trimmingCharacters(in: .whitespaces)
        if let code, !(4...32).contains(code.count) || !code.allSatisfy({ $0.isLetter || $0.isNumber }) {
            problems.append(FieldProblem(field: "accessCode", reason: "exam.access-code-form"))
        }
        if let late = input.lateStartMinutes, !(0...600).contains(late) {
            problems.append(FieldProblem(field: "lateStartMinutes", reason: "exam.late-start-range"))
        }
        var extra: [UUID: Int] = [:]
        for (i, e) in (input.extraTime ?? []).enumerated() {
            guard (1...600).contains(e.minutes) else {
                problems.append(FieldProblem(field: "extraTime[\(i)].minutes", reason: "exam.duration-range")); continue
            }
            // Only pupils who may take this exam (the class or school chosen).
            let taker = try await db.sql.raw("""
                SELECT 1 AS ok FROM role_grants g JOIN organisations o ON o.id = g.org_id
                WHERE g.person_id = \(bind: e.personId) AND g.role = 'pupil' AND o.path LIKE \(bind: orgPath + "%")
                """).first()
            if taker == nil { problems.append(FieldProblem(field: "extraTime[\(i)].personId", reason: "exam.extra-time-not-a-taker")) }
            extra[e.personId] = e.minutes * 60
        }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }
        let now = ctx.clock.now()
        let exam = Exam()
        exam.id = UUIDv7.make(at: now)
        exam.ownerID = owner
        exam.bankID = input.bankId
        exam.title = title
        exam.orgID = input.orgId
        exam.orgPath = orgPath
        exam.opensAt = input.opensAt
        exam.closesAt = input.closesAt
        exam.durationSeconds = input.durationMinutes * 60
        exam.maxAttempts = input.maxAttempts ?? 1
        exam.maxScore = input.adaptive.map { Double($0.maxItems) }
            ?? input.matrix.map { $0.reduce(0) { $0 + Double($1.count) * ($1.points ?? 1) } } ?? Double(items.count)
        exam.adaptive = try input.adaptive.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        exam.matrix = try input.matrix.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        exam.paperRev = 0
        exam.createdAt = now
        exam.purpose = purpose
        exam.accessCode = code
        exam.lateStartSeconds = input.lateStartMinutes.map { $0 * 60 }
        exam.results = results
        let slots: [[any Encodable & Sendable]] = input.matrix == nil && input.adaptive == nil
            ? items.enumerated().map { i, item in [UUIDv7.make(at: now), exam.id!, i + 1, item.id!, item.currentVersion, 1.0, Int?.none, Double?.none] }
            : pool.enumerated().map { i, p in [UUIDv7.make(at: now), exam.id!, i + 1, p.item.id!, p.item.currentVersion, p.points, p.cell, p.difficulty] }
        let extraRows: [[any Encodable & Sendable]] = extra.map { [UUIDv7.make(at: now), exam.id!, $0.key, $0.value] }
        try await db.transaction { tx in
            try await exam.create(on: tx)
            try await tx.sql.bulkInsert(into: ExamSlot.schema, columns: ["id", "exam_id", "slot", "item_id", "version", "points", "cell", "difficulty"], rows: slots)
            try await tx.sql.bulkInsert(into: ExamExtraTime.schema, columns: ["id", "exam_id", "person_id", "seconds"],
                                        rows: extraRows)
            try await ctx.audit.record(on: tx, actor: actor, action: "exam.create", entityType: "exam", entityID: exam.id, orgID: input.orgId,
                                       orgPath: orgPath, changes: [AuditChange(field: "title", before: nil, after: title)])
        }
        return examDTO(exam, questions: input.adaptive == nil ? items.count : pool.count, actor: actor)
    }

    /// Pupils of an organisation (or below it) by their usernames, for giving named pupils
    /// extra time from a form; only someone who may set exams there may ask. Answers the
    /// ids found and the usernames that are not pupils there.
    public func pupils(usernames: [String], orgID: UUID, actor: Actor) async throws -> (found: [String: UUID], unknown: [String]) {
        guard let orgPath = try await db.sql.raw("SELECT path FROM organisations WHERE id = \(bind: orgID)").first()?.decode(column: "path", as: String.self),
              actor.grants.contains(where: { $0.capabilities.contains(.authorAssessments) && orgPath.hasPrefix($0.orgPath) }) else {
            throw DomainError.invalid(field: "orgId", reason: "exam.org-not-yours")
        }
        let names = Array(Set(usernames.map { $0.lowercased() }))
        guard !names.isEmpty else { return ([:], []) }
        let rows = try await db.sql.raw("""
            SELECT DISTINCT a.username, a.person_id FROM accounts a JOIN role_grants g ON g.person_id = a.person_id AND g.role = 'pupil'
            JOIN organisations o ON o.id = g.org_id WHERE a.username IN (\(binds: names)) AND o.path LIKE \(bind: orgPath + "%")
            """).all()
        var found: [String: UUID] = [:]
        for r in rows { found[try r.decode(column: "username", as: String.self)] = try r.decode(column: "person_id", as: UUID.self) }
        return (found, names.filter { found[$0] == nil }.sorted())
    }

    /// The current content of every item of a bank, for choosing a matrix's pools.
    func currentContents(bank: UUID) async throws -> [UUID: ItemContent] {
        let rows = try await db.sql.raw("""
            SELECT i.id, v.content FROM items i JOIN item_versions v ON v.item_id = i.id AND v.number = i.current_version WHERE i.bank_id = \(bind: bank)
            """).all()
        let decoder = JSONDecoder()
        var out: [UUID: ItemContent] = [:]
        for r in rows {
            out[try r.decode(column: "id", as: UUID.self)] = try decoder.decode(ItemContent.self, from: Data(try r.decode(column: "content", as: String.self).utf8))
        }
        return out
    }

    static func matrix(of e: Exam) -> [MatrixCell]? {
        e.matrix.flatMap { try? JSONDecoder().decode([MatrixCell].self, from: Data($0.utf8)) }
    }

    func examDTO(_ e: Exam, questions slotCount: Int, actor: Actor) -> ExamDTO {
        let matrix = Self.matrix(of: e)
        // A matrix exam's paper has the matrix's number of questions, not the pool's.
        let questions = Self.adaptive(of: e)?.maxItems ?? matrix.map { $0.reduce(0) { $0 + $1.count } } ?? slotCount
        return ExamDTO(id: e.id!, title: e.title, orgId: e.orgID, opensAt: e.opensAt, closesAt: e.closesAt, durationMinutes: e.durationSeconds / 60,
                maxAttempts: e.maxAttempts, questions: questions, maxScore: e.maxScore, purpose: e.purpose,
                lateStartMinutes: e.lateStartSeconds.map { $0 / 60 }, results: e.results, resultsReleased: released(e),
                needsAccessCode: e.accessCode != nil, accessCode: e.ownerID == actor.personID ? e.accessCode : nil, owned: e.ownerID == actor.personID,
                matrix: matrix, adaptive: Self.adaptive(of: e))
    }

    func released(_ e: Exam) -> Bool { e.results == "atSubmit" || e.resultsReleasedAt != nil }

    /// `POST /api/v1/exams/{id}/release`: the owner lets pupils see their scores.
    public func releaseResults(_ examID: UUID, actor: Actor) async throws -> ExamDTO {
        guard let exam = try await Exam.find(examID, on: db), exam.ownerID == actor.personID else { throw DomainError.notFound(entity: "exam") }
        if exam.resultsReleasedAt == nil {
            let now = ctx.clock.now()
            try await db.transaction { tx in
                try await tx.sql.raw("UPDATE exams SET results_released_at = \(bind: now) WHERE id = \(bind: examID) AND results_released_at IS NULL").run()
                try await ctx.audit.record(on: tx, actor: actor, action: "exam.release-results", entityType: "exam", entityID: examID, orgID: exam.orgID,
                                           orgPath: exam.orgPath, changes: [AuditChange(field: "resultsReleased", before: "false", after: "true")])
            }
            exam.resultsReleasedAt = now
        }
        let n = try await ExamSlot.query(on: db).filter(\.$examID == examID).count()
        return examDTO(exam, questions: n, actor: actor)
    }

    /// The exam and its extra times as a start needs them, kept per process for a few
    /// seconds: in a start storm every pupil of the exam asks for the same row, and a start
    /// is then two statements (the pupil's attempts, the insert) instead of four. Nothing a
    /// start reads changes after the exam is made (window, limits, code, extra time); the
    /// few seconds bound how stale anything else could be.
    func examForStart(_ examID: UUID) async throws -> (Exam, [UUID: Int])? {
        let key = examID.uuidString
        let now = ctx.clock.now()
        if let hit = ctx.startExams.get(key), now.timeIntervalSince(hit.fetchedAt) < 10 { return (hit.exam, hit.extra) }
        guard let exam = try await Exam.find(examID, on: db) else { return nil }
        let extra = Dictionary(try await ExamExtraTime.query(on: db).filter(\.$examID == examID).all().map { ($0.personID, $0.seconds) },
                               uniquingKeysWith: { a, _ in a })
        ctx.startExams.put(key, StartExam(exam: exam, extra: extra, fetchedAt: now))
        return (exam, extra)
    }

    /// Pupils of the exam's organisation (or below) may take it.
    func canTake(_ e: Exam, actor: Actor) -> Bool {
        actor.grants.contains { $0.role == .pupil && $0.orgPath.hasPrefix(e.orgPath) }
    }

    /// Starts an attempt, or resumes the open one: reload, another device or a dropped link
    /// come back to the same attempt with every saved answer. A second start while one is
    /// open is that resume, never a second attempt.
    public func startAttempt(_ examID: UUID, accessCode: String? = nil, actor: Actor) async throws -> AttemptDTO {
        guard let me = actor.personID, let (exam, extraTimes) = try await examForStart(examID), canTake(exam, actor: actor) else {
            throw DomainError.notFound(entity: "exam")
        }
        let now = ctx.clock.now()
        let mine = try await Attempt.query(on: db).filter(\.$examID == examID).filter(\.$personID == me).sort(\.$number).all()
        if let open = mine.last, open.submittedAt == nil {
            if open.deadlineAt > now { return try await attemptDTO(open, exam: exam) }
            try await submit(open, exam: exam, at: open.deadlineAt)
        }
        guard now >= exam.opensAt else { throw DomainError.conflict(reason: "exam.not-open-yet") }
        guard now < exam.closesAt else { throw DomainError.conflict(reason: "exam.closed") }
        guard mine.count < exam.maxAttempts else { throw DomainError.conflict(reason: "exam.no-attempts-left") }
        // The room's code is asked for a new attempt only: a pupil resuming on another
        // device was already let in.
        if let code = exam.accessCode, accessCode?.trimmingCharacters(in: .whitespaces) != code {
            throw DomainError.invalid(field: "accessCode", reason: accessCode == nil ? "exam.access-code-needed" : "exam.access-code-wrong")
        }
        if let late = exam.lateStartSeconds, mine.isEmpty, now > exam.opensAt.addingTimeInterval(TimeInterval(late)) {
            throw DomainError.conflict(reason: "exam.too-late-to-start", arguments: [String(late / 60)])
        }
        // Extra time moves the pupil's own end, the window's end included.
        let extra = TimeInterval(extraTimes[me] ?? 0)
        let attempt = Attempt()
        attempt.id = UUIDv7.make(at: now)
        attempt.examID = examID
        attempt.personID = me
        attempt.number = mine.count + 1
        attempt.startedAt = now
        // The window's end is a hard stop even for a late start.
        attempt.deadlineAt = min(now.addingTimeInterval(TimeInterval(exam.durationSeconds) + extra), exam.closesAt.addingTimeInterval(extra))
        // One row and nothing else, committed with the storm's other writes (AttemptWriter):
        // the hand-in at the deadline is the deadline sweep's (AssessmentJobs.sweeps), so it
        // happens even if the pupil never comes back.
        let begun = try await ctx.attemptWriter.start(PendingStart(id: attempt.id!, examID: examID, personID: me, number: attempt.number,
                                                                   startedAt: attempt.startedAt, deadlineAt: attempt.deadlineAt), on: db)
        if !begun {
            // Two starts at once: the unique (exam, person, number) lets one win; the other resumes it.
            guard let winner = try await Attempt.query(on: db).filter(\.$examID == examID).filter(\.$personID == me)
                .filter(\.$number == attempt.number).first() else { throw DomainError.conflict(reason: "exam.no-attempts-left") }
            return try await attemptDTO(winner, exam: exam)
        }
        ctx.attempts.put(attempt.id!.uuidString, AttemptState(personID: me, examID: examID, deadline: attempt.deadlineAt, submitted: false))
        let paper = try await self.paper(examID)
        if paper.adaptive != nil { try await startAdaptive(attempt.id!, paper: paper) }
        return try await attemptDTO(attempt, exam: exam, new: true)
    }

    func attemptDTO(_ a: Attempt, exam: Exam, new: Bool = false) async throws -> AttemptDTO {
        let paper = try await attemptPaper(exam.id!, attempt: a.id!)
        let contents = Dictionary(uniqueKeysWithValues: paper.map { ($0.slot, $0.content) })
        let adaptive = Self.adaptive(of: exam)
        // Questions in the attempt's own order too; slots keep their numbers. An adaptive
        // attempt shows only its current question.
        let order = adaptive != nil ? Array(paper.indices.suffix(1)) : Shuffle.permutation(paper.count, attempt: a.id!, key: "q")
        let questions = order.map { i in Self.view(slot: paper[i].slot, points: paper[i].points, paper[i].content, attempt: a.id!) }
        // A new attempt has no answers yet: no query in the start storm.
        let answers: [SavedAnswer] = new ? [] : try await db.sql.raw("SELECT slot, seq, response FROM attempt_answers WHERE attempt_id = \(bind: a.id!) ORDER BY slot").all().map { row in
            let slot = try row.decode(column: "slot", as: Int.self)
            let stored = try JSONDecoder().decode(ItemResponse.self, from: Data(try row.decode(column: "response", as: String.self).utf8))
            return SavedAnswer(slot: slot, seq: try row.decode(column: "seq", as: Int64.self),
                               response: contents[slot].map { Self.toDisplay(stored, $0, slot: slot, attempt: a.id!) } ?? stored)
        }
        let shown = Set(questions.map(\.slot))
        return AttemptDTO(id: a.id!, examId: exam.id!, number: a.number, startedAt: a.startedAt, deadline: a.deadlineAt,
                          submitted: a.submittedAt != nil, questions: questions, answers: answers.filter { shown.contains($0.slot) },
                          adaptive: adaptive.map { AdaptiveProgress(answered: max(0, paper.count - 1), maxItems: $0.maxItems) })
    }

    /// The exam's questions with their content, in order (slot n at index n - 1): the fixed
    /// paper, or a matrix exam's pool. Read from the database once per process and revision:
    /// only a key correction (`regrade`) changes a paper, and it raises the revision. Saves
    /// and pages take whichever revision the process has (a correction keeps every item's
    /// shape, see `regrade`); grading names the revision it must use.
    func paper(_ examID: UUID, rev: Int? = nil) async throws -> Paper {
        let latest = examID.uuidString
        if let rev {
            if let hit = ctx.papers.get("\(latest)#\(rev)") { return hit }
        } else if let hit = ctx.papers.get(latest) {
            return hit
        }
        let rows = try await db.sql.raw("""
            SELECT s.slot, s.points, s.cell, s.item_id, s.version, s.difficulty, v.content FROM exam_slots s
            JOIN item_versions v ON v.item_id = s.item_id AND v.number = s.version
            WHERE s.exam_id = \(bind: examID) ORDER BY s.slot
            """).all().map {
            PaperSlot(slot: try $0.decode(column: "slot", as: Int.self), points: try $0.decode(column: "points", as: Double.self),
                      content: try JSONDecoder().decode(ItemContent.self, from: Data(try $0.decode(column: "content", as: String.self).utf8)),
                      cell: try $0.decode(column: "cell", as: Int?.self), itemID: try $0.decode(column: "item_id", as: UUID.self),
                      version: try $0.decode(column: "version", as: Int.self), difficulty: try $0.decode(column: "difficulty", as: Double?.self))
        }
        guard let head = try await db.sql.raw("SELECT matrix, paper_rev, adaptive FROM exams WHERE id = \(bind: examID)").first() else {
            return Paper(pool: [], draws: [])
        }
        var draws: [Int] = []
        if let m = try head.decode(column: "matrix", as: String?.self) {
            draws = try JSONDecoder().decode([MatrixCell].self, from: Data(m.utf8)).map(\.count)
        }
        let adaptive = try head.decode(column: "adaptive", as: String?.self).flatMap { try? JSONDecoder().decode(AdaptiveSettings.self, from: Data($0.utf8)) }
        let paper = Paper(pool: rows, draws: draws, adaptive: adaptive)
        // The revision read with the rows may be newer than the one asked for (a correction
        // in between): then the caller's exam row is stale, and the newer paper is the right one.
        let current = try head.decode(column: "paper_rev", as: Int.self)
        if !rows.isEmpty {
            ctx.papers.put(latest, paper)
            ctx.papers.put("\(latest)#\(current)", paper)
        }
        return paper
    }

    /// The questions of one attempt, slots 1…n: the fixed paper, or for a matrix exam the
    /// attempt's own draw from each cell's pool, derived from the attempt id (the same on
    /// every device and after a restart; nothing stored).
    func attemptPaper(_ examID: UUID, attempt: UUID, rev: Int? = nil) async throws -> [PaperSlot] {
        let paper = try await self.paper(examID, rev: rev)
        if paper.adaptive != nil { return try await adaptivePaper(paper, attempt: attempt) }
        guard !paper.draws.isEmpty else { return paper.pool }
        if rev != nil { return Self.draw(paper, attempt: attempt) }
        let key = attempt.uuidString
        if let hit = ctx.attemptPapers.get(key) { return hit }
        let drawn = Self.draw(paper, attempt: attempt)
        ctx.attemptPapers.put(key, drawn)
        return drawn
    }

    static func draw(_ paper: Paper, attempt: UUID) -> [PaperSlot] {
        var out: [PaperSlot] = []
        for (cell, n) in paper.draws.enumerated() {
            let candidates = paper.pool.filter { $0.cell == cell }
            for i in Shuffle.permutation(candidates.count, attempt: attempt, key: "m\(cell)").prefix(n) {
                var q = candidates[i]
                q.slot = out.count + 1
                out.append(q)
            }
        }
        return out
    }

    /// The question as this attempt shows it: choices in the attempt's own order, an
    /// ordering question's items always mixed.
    static func view(slot: Int, points: Double, _ c: ItemContent, attempt: UUID) -> QuestionView {
        var q = QuestionView(slot: slot, type: c.type.rawValue, stem: c.stem, points: points)
        switch c.type {
        case .singleChoice, .multipleResponse:
            let choices = c.choices ?? []
            q.choices = Shuffle.permutation(choices.count, attempt: attempt, key: "c\(slot)").map { choices[$0].text }
        case .matching:
            q.prompts = c.pairs?.compactMap(\.prompt)
            q.options = Array(Set(c.pairs?.map(\.answer) ?? [])).sorted()
        case .ordering:
            let items = c.sequence ?? []
            q.sequence = Shuffle.permutation(items.count, attempt: attempt, key: "o\(slot)").map { items[$0] }
        case .cloze: q.gaps = c.gaps?.count
        default: break
        }
        return q
    }

    /// Pupil's indices (as shown) to the item's own, before storing; and back when showing.
    static func toItem(_ r: ItemResponse, _ c: ItemContent, slot: Int, attempt: UUID) -> ItemResponse {
        remap(r, c, slot: slot, attempt: attempt, toDisplay: false)
    }

    static func toDisplay(_ r: ItemResponse, _ c: ItemContent, slot: Int, attempt: UUID) -> ItemResponse {
        remap(r, c, slot: slot, attempt: attempt, toDisplay: true)
    }

    private static func remap(_ r: ItemResponse, _ c: ItemContent, slot: Int, attempt: UUID, toDisplay: Bool) -> ItemResponse {
        func table(_ count: Int, _ key: String) -> [Int] {
            let p = Shuffle.permutation(count, attempt: attempt, key: key)
            return toDisplay ? Shuffle.inverse(p) : p
        }
        func apply(_ t: [Int], _ xs: [Int]?) -> [Int]? { xs?.map { t.indices.contains($0) ? t[$0] : -1 } }
        var out = r
        switch c.type {
        case .singleChoice, .multipleResponse: out.choices = apply(table(c.choices?.count ?? 0, "c\(slot)"), r.choices)
        case .ordering: out.order = apply(table(c.sequence?.count ?? 0, "o\(slot)"), r.order)
        default: break
        }
        return out
    }

    /// Saves one answer. Idempotent and ordered by the client's sequence number: a replay
    /// or an older save arriving late changes nothing and is acknowledged with what is
    /// stored. The acknowledgement is sent only after the database has committed it (see
    /// `AttemptWriter`, which stores the saves of many pupils with one statement).
    public func saveAnswer(_ attemptID: UUID, slot: Int, seq: Int64, response: ItemResponse, actor: Actor) async throws -> SaveAck {
        guard let me = actor.personID, var a = try await attemptState(attemptID), a.personID == me else {
            throw DomainError.notFound(entity: "attempt")
        }
        let now = ctx.clock.now()
        if a.submitted || now >= a.deadline {
            // The remembered state may be old (extra time given by another process): ask the database before refusing.
            a = try await attemptState(attemptID, fresh: true) ?? a
            guard !a.submitted else { throw DomainError.conflict(reason: "exam.attempt-submitted") }
            guard now < a.deadline else { throw DomainError.conflict(reason: "exam.deadline-passed") }
        }
        guard seq >= 0 else { throw DomainError.invalid(field: "seq", reason: "validation.type") }
        let paper = try await attemptPaper(a.examID, attempt: attemptID)
        guard paper.indices.contains(slot - 1), paper[slot - 1].slot == slot else { throw DomainError.notFound(entity: "question") }
        // An adaptive attempt's earlier answers chose what came next: they stay as given.
        if slot < paper.count, try await self.paper(a.examID).adaptive != nil { throw DomainError.conflict(reason: "exam.question-done") }
        // Stored in the item's own terms, so grading and regrading need no attempt context.
        let body = String(decoding: try JSONEncoder().encode(Self.toItem(response, paper[slot - 1].content, slot: slot, attempt: attemptID)), as: UTF8.self)
        guard body.utf8.count <= 100_000 else { throw DomainError.invalid(field: "response", reason: "exam.answer-too-long", arguments: ["100000"]) }
        let pending = PendingAnswer(attemptID: attemptID, slot: slot, seq: seq, body: body, savedAt: now.timeIntervalSince1970)
        if try await ctx.attemptWriter.save(pending, on: db) { return SaveAck(slot: slot, seq: seq, applied: true) }
        // Not stored: a newer save of this question is there, or the attempt was closed
        // meanwhile (by another process, or the deadline passed while it waited).
        let fresh = try await attemptState(attemptID, fresh: true)
        if fresh?.submitted ?? true { throw DomainError.conflict(reason: "exam.attempt-submitted") }
        if let f = fresh, f.deadline.timeIntervalSince1970 <= pending.savedAt { throw DomainError.conflict(reason: "exam.deadline-passed") }
        let current = try await db.sql.raw("SELECT seq FROM attempt_answers WHERE attempt_id = \(bind: attemptID) AND slot = \(bind: slot)").first()?
            .decode(column: "seq", as: Int64.self) ?? seq
        return SaveAck(slot: slot, seq: current, applied: false)
    }

    /// Who an attempt belongs to and whether it is open, remembered per process: the save
    /// path reads it for every answer. Changes made here update the memory; a change made by
    /// another process is caught by the save statement itself, which re-checks the row.
    func attemptState(_ id: UUID, fresh: Bool = false) async throws -> AttemptState? {
        let key = id.uuidString
        if !fresh, let hit = ctx.attempts.get(key) { return hit }
        guard let row = try await db.sql.raw("""
            SELECT person_id, exam_id, deadline_at, submitted_at FROM attempts WHERE id = \(bind: id)
            """).first() else { return nil }
        let state = AttemptState(personID: try row.decode(column: "person_id", as: UUID.self), examID: try row.decode(column: "exam_id", as: UUID.self),
                                 deadline: try row.decode(column: "deadline_at", as: Date.self),
                                 submitted: try row.decode(column: "submitted_at", as: Date?.self) != nil)
        ctx.attempts.put(key, state)
        return state
    }

    /// Hands the attempt in and grades what can be graded.
    public func submitAttempt(_ attemptID: UUID, actor: Actor) async throws -> SubmitResult {
        guard let me = actor.personID, let a = try await Attempt.find(attemptID, on: db), a.personID == me,
              let exam = try await Exam.find(a.examID, on: db) else { throw DomainError.notFound(entity: "attempt") }
        if a.submittedAt == nil { try await submit(a, exam: exam, at: min(ctx.clock.now(), a.deadlineAt)) }
        return try await result(attemptID, exam: exam)
    }

    /// Hands in, with what was saved by then, every attempt still open past its deadline;
    /// answers how many. Safe to run from several processes at once (the hand-in is
    /// conditional).
    public func closeOverdueAttempts(limit: Int = 500) async throws -> Int {
        let due = try await db.sql.raw("""
            SELECT id FROM attempts WHERE submitted_at IS NULL AND deadline_at <= \(bind: ctx.clock.now()) ORDER BY deadline_at LIMIT \(literal: limit)
            """).all().map { try $0.decode(column: "id", as: UUID.self) }
        for id in due { try await closeAtDeadline(id) }
        return due.count
    }

    /// The deadline job: an attempt still open at its deadline is handed in with what was
    /// saved by then.
    func closeAtDeadline(_ attemptID: UUID) async throws {
        guard let a = try await Attempt.find(attemptID, on: db), a.submittedAt == nil,
              let exam = try await Exam.find(a.examID, on: db) else { return }
        guard ctx.clock.now() >= a.deadlineAt else {
            throw JobFailure("attempt \(attemptID) is not due until \(a.deadlineAt)", retryable: true)
        }
        try await submit(a, exam: exam, at: a.deadlineAt)
    }

    /// Hands the attempt in: every question's mark is stored (an essay's stays empty for
    /// its grader) with the item version it was marked by, and the attempt's total. The
    /// hand-in is conditional (a deadline sweep and the pupil's own submit cannot both
    /// count) and names the paper revision it graded with, so a key correction committed
    /// in between makes it grade again with the corrected key.
    func submit(_ a: Attempt, exam: Exam, at: Date) async throws {
        let answers = Dictionary(try await db.sql.raw("SELECT slot, response FROM attempt_answers WHERE attempt_id = \(bind: a.id!)").all().map {
            (try $0.decode(column: "slot", as: Int.self),
             try JSONDecoder().decode(ItemResponse.self, from: Data(try $0.decode(column: "response", as: String.self).utf8)))
        }, uniquingKeysWith: { x, _ in x })
        var rev = exam.paperRev
        for _ in 0..<3 {
            let paper = try await attemptPaper(exam.id!, attempt: a.id!, rev: rev)
            var score = 0.0
            var rows: [[any Encodable & Sendable]] = []
            for q in paper {
                let points = Grader.grade(q.content, answers[q.slot] ?? ItemResponse()).fraction.map { $0 * q.points }
                score += points ?? 0
                rows.append([a.id!, q.slot, q.itemID, q.version, points, q.points])
            }
            var ability: (theta: Double, se: Double)?
            if try await self.paper(exam.id!, rev: rev).adaptive != nil {
                let answered = try await adaptiveAnswers(paper, attempt: a.id!)
                if !answered.isEmpty {
                    let est = Rasch.ability(answered)
                    ability = (est.theta, est.se.isFinite ? est.se : 99)
                }
            }
            let (total, scoreRows, usedRev, theta, se) = (score, rows, rev, ability?.theta, ability?.se)
            let done: Bool = try await ctx.writes.run(on: db) { try await db.transaction { tx in
                let closed = try await tx.sql.raw("""
                    UPDATE attempts SET submitted_at = \(bind: at), score = \(bind: total), ability = \(bind: theta), ability_se = \(bind: se)
                    WHERE id = \(bind: a.id!) AND submitted_at IS NULL
                    AND (SELECT paper_rev FROM exams WHERE id = \(bind: exam.id!)) = \(bind: usedRev) RETURNING id
                    """).all()
                guard !closed.isEmpty else { return false }
                if !scoreRows.isEmpty {
                    try await tx.sql.bulkInsert(into: "attempt_scores", columns: ["attempt_id", "slot", "item_id", "version", "points", "max_points"],
                                                rows: scoreRows)
                }
                return true
            } }
            if done { break }
            // Handed in meanwhile (nothing to do), or the key was corrected: grade again.
            guard let row = try await db.sql.raw("""
                SELECT a.submitted_at, e.paper_rev FROM attempts a JOIN exams e ON e.id = a.exam_id WHERE a.id = \(bind: a.id!)
                """).first(), try row.decode(column: "submitted_at", as: Date?.self) == nil else { break }
            rev = try row.decode(column: "paper_rev", as: Int.self)
        }
        ctx.attempts.remove(a.id!.uuidString)
    }

    func result(_ attemptID: UUID, exam: Exam) async throws -> SubmitResult {
        guard let a = try await Attempt.find(attemptID, on: db), let at = a.submittedAt else { throw DomainError.notFound(entity: "attempt") }
        let waiting = try await db.sql.raw("""
            SELECT COUNT(*) AS n FROM attempt_scores WHERE attempt_id = \(bind: attemptID) AND points IS NULL
            """).first()?.decode(column: "n", as: Int.self) ?? 0
        let shown = released(exam)
        return SubmitResult(attemptId: attemptID, submittedAt: at, score: shown ? a.score : nil, resultsReleased: shown,
                            maxScore: exam.maxScore, waitingForGrader: waiting, questions: shown ? try await questionResults(attemptID) : nil,
                            ability: shown ? a.ability : nil, abilityStandardError: shown ? a.abilitySE : nil)
    }

    /// The pupil's own attempt as its page shows it (open or handed in), without starting anything.
    public func attemptView(_ attemptID: UUID, actor: Actor) async throws -> AttemptDTO {
        guard let me = actor.personID, let a = try await Attempt.find(attemptID, on: db), a.personID == me,
              let exam = try await Exam.find(a.examID, on: db) else { throw DomainError.notFound(entity: "attempt") }
        return try await attemptDTO(a, exam: exam)
    }

    /// `GET /api/v1/attempts/{id}/result`: the pupil's own handed-in attempt (score once released).
    public func attemptResult(_ attemptID: UUID, actor: Actor) async throws -> SubmitResult {
        guard let me = actor.personID, let a = try await Attempt.find(attemptID, on: db), a.personID == me,
              let exam = try await Exam.find(a.examID, on: db) else { throw DomainError.notFound(entity: "attempt") }
        guard a.submittedAt != nil else { throw DomainError.conflict(reason: "exam.attempt-open") }
        return try await result(attemptID, exam: exam)
    }
}

extension AssessmentService {
    /// Exams the actor deals with: those they made, and those their classes and schools
    /// may take, newest first.
    public func myExams(actor: Actor) async throws -> [ExamDTO] {
        guard let me = actor.personID else { throw DomainError.unauthenticated() }
        var exams = try await Exam.query(on: db).filter(\.$ownerID == me).all()
        let pupilPaths = actor.grants.filter { $0.role == .pupil }.map(\.orgPath)
        if !pupilPaths.isEmpty {
            // An exam set for a school reaches its classes: match every ancestor of the pupil's places.
            let candidates = Set(pupilPaths.flatMap { OrgPath.selfAndAncestors($0) })
            exams += try await Exam.query(on: db).filter(\.$orgPath ~~ Array(candidates)).all()
        }
        let unique = Dictionary(exams.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a }).values.sorted { $0.opensAt > $1.opensAt }
        guard !unique.isEmpty else { return [] }
        // Question counts for all of them in one query, not one per exam.
        let counts = Dictionary(try await db.sql.raw("""
            SELECT exam_id, COUNT(*) AS n FROM exam_slots WHERE exam_id IN (\(binds: unique.map { $0.id! })) GROUP BY exam_id
            """).all().map { (try $0.decode(column: "exam_id", as: UUID.self), try $0.decode(column: "n", as: Int.self)) },
            uniquingKeysWith: { a, _ in a })
        return unique.map { examDTO($0, questions: counts[$0.id!] ?? 0, actor: actor) }
    }
}
