import Foundation
import FluentKit
import SQLKit
import Platform
import Directory
import Assessment

extension CoursesService {
    /// `POST /api/v1/course-items/{id}/progress`: the player reports a view, or how far a
    /// video or audio has played and where it stopped. Shares only grow; the position is
    /// kept as reported so the next visit resumes there.
    public func recordProgress(_ itemID: UUID, _ event: ProgressEvent, actor: Actor) async throws -> ItemProgressDTO {
        guard let i = try await LessonItem.find(itemID, on: db) else { throw DomainError.notFound(entity: "item") }
        let c = try await course(i.courseID)
        let r = try await role(in: c, actor: actor)
        guard r == .learner, let me = actor.personID else {
            throw r == .visitor ? DomainError.conflict(reason: "course.not-enrolled") : DomainError.forbidden(reason: "course.learners-only")
        }
        let rule = CompletionRule(kind: RuleKind(rawValue: i.rule) ?? .viewed, threshold: i.threshold)
        var problems: [FieldProblem] = []
        switch event.event {
        case "viewed":
            if event.percent != nil { problems.append(FieldProblem(field: "percent", reason: "course.percent-for-watched")) }
        case "watched":
            guard CompletionRule.playable(i.refKind) else { throw DomainError.invalid(field: "event", reason: "course.not-playable") }
            if !(0...100).contains(event.percent ?? -1) { problems.append(FieldProblem(field: "percent", reason: "course.percent-range")) }
            if let p = event.position, !(p >= 0 && p < 1_000_000) { problems.append(FieldProblem(field: "position", reason: "course.position-range")) }
        default:
            problems.append(FieldProblem(field: "event", reason: "course.event-unknown", arguments: ["viewed, watched"]))
        }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }
        let row = try await upsertProgress(item: i, person: me) { p in
            p.viewedAt = p.viewedAt ?? now
            if let pct = event.percent { p.percent = max(p.percent, pct) }
            if let pos = event.position { p.position = pos }
        } rule: { rule }
        if row.completedAt != nil { try await checkCompletion(c, people: [me]) }
        return Self.progressDTO(row)
    }

    /// Reads, changes and saves one learner's record of one item, and stamps it complete
    /// the first time its rule is met. Two reports racing to create the record: the loser
    /// reads the winner's row and applies its change there.
    @discardableResult
    func upsertProgress(item i: LessonItem, person: UUID, _ change: @Sendable (ItemProgress) -> Void,
                        rule: @Sendable () -> CompletionRule) async throws -> ItemProgress {
        for attempt in 0..<3 {
            let found = try await ItemProgress.query(on: db).filter(\.$itemID == i.id!).filter(\.$personID == person).first()
            let before = (viewed: found?.viewedAt != nil, submitted: found?.submittedAt != nil, score: found?.score, completed: found?.completedAt != nil)
            let row = found ?? {
                let p = ItemProgress()
                p.id = UUIDv7.make(at: now)
                p.courseID = i.courseID
                p.itemID = i.id!
                p.personID = person
                p.percent = 0
                return p
            }()
            change(row)
            if row.completedAt == nil, rule().isMet(viewed: row.viewedAt != nil, percent: row.percent, submitted: row.submittedAt != nil, score: row.score) {
                row.completedAt = now
            }
            row.updatedAt = now
            do {
                try await row.save(on: db)
                // Each first (a first view, a new score, a first completion) is a learning event.
                let c = try await readCourse(i.courseID)
                if !before.viewed, row.viewedAt != nil { try await emit(XAPIVerbs.launched, "launched", person: person, course: c, item: i) }
                if let score = row.score, score != before.score {
                    try await emit(XAPIVerbs.scored, "scored", person: person, course: c, item: i,
                                   result: Self.scoreResult(score, completed: row.completedAt != nil))
                }
                if !before.completed, row.completedAt != nil { try await emit(XAPIVerbs.completed, "completed", person: person, course: c, item: i) }
                return row
            } catch where attempt < 2 && !row.$id.exists {
                continue
            }
        }
        throw DomainError.conflict(reason: "course.progress-busy")
    }

    /// One learner's records of every item, with exam hand-ins brought in from the
    /// Assessment area first (a pupil who sat the exam sees the item done).
    func progressRecords(course c: Course, outline: Outline, person: UUID) async throws -> [UUID: ItemProgressDTO] {
        try await progressAndCompletion(course: c, outline: outline, person: person).records
    }

    /// A learner's records and when they completed the course, in one query (a course is
    /// only completed by doing items, so without records there is no completion either).
    func progressAndCompletion(course c: Course, outline: Outline, person: UUID) async throws -> (records: [UUID: ItemProgressDTO], completedAt: Date?) {
        try await syncExamOutcomes(c, outline: outline, people: [person])
        // Read with explicit columns, not through Fluent: this runs on every page view of
        // every learner, and model decoding cost more than the query.
        let rows = try await db.sql.raw("""
            SELECT item_id, viewed_at, percent, position, submitted_at, score, completed_at,
              (SELECT completed_at FROM course_completions WHERE course_id = \(bind: c.id!) AND person_id = \(bind: person)) AS course_done
            FROM item_progress WHERE course_id = \(bind: c.id!) AND person_id = \(bind: person)
            """).all()
        var done: Date?
        var out: [UUID: ItemProgressDTO] = [:]
        for r in rows {
            let p = try Self.progressDTO(row: r)
            out[p.itemId] = p
            done = try r.decode(column: "course_done", as: Date?.self)
        }
        return (out, done)
    }

    /// One item record from a row with the item_progress columns (read without Fluent).
    static func progressDTO(row r: any SQLRow) throws -> ItemProgressDTO {
        let item = try r.decode(column: "item_id", as: UUID.self)
        let completed = try r.decode(column: "completed_at", as: Date?.self)
        return ItemProgressDTO(itemId: item, viewed: try !r.decodeNil(column: "viewed_at"), percent: try r.decode(column: "percent", as: Int.self),
                               position: try r.decode(column: "position", as: Double?.self), submitted: try !r.decodeNil(column: "submitted_at"),
                               score: try r.decode(column: "score", as: Double?.self), completed: completed != nil, completedAt: completed)
    }

    func completedAt(_ course: UUID, _ person: UUID) async throws -> Date? {
        try await db.sql.raw("SELECT completed_at FROM course_completions WHERE course_id = \(bind: course) AND person_id = \(bind: person)")
            .first()?.decode(column: "completed_at", as: Date.self)
    }

    /// Copies exam hand-ins and released scores into the course's records of these people.
    func syncExamOutcomes(_ c: Course, outline: Outline, people: [UUID]) async throws {
        let exams = outline.items.filter { $0.kind == .assessment && $0.refID != nil }
        guard !exams.isEmpty, !people.isEmpty else { return }
        let outcomes = try await assessment.outcomes(examIDs: exams.compactMap(\.refID), personIDs: people)
        guard !outcomes.isEmpty else { return }
        let existing = try await ItemProgress.query(on: db).filter(\.$itemID ~~ exams.map(\.id)).filter(\.$personID ~~ people).all()
        let known = Dictionary(existing.map { ("\($0.itemID)\($0.personID)", $0) }, uniquingKeysWith: { a, _ in a })
        var finished: Set<UUID> = []
        for o in outcomes {
            for item in exams where item.refID == o.examID {
                let old = known["\(item.id)\(o.personID)"]
                if let old, old.submittedAt != nil, old.score == o.percent { continue }
                guard let row = try await LessonItem.find(item.id, on: db) else { continue }
                let saved = try await upsertProgress(item: row, person: o.personID) { p in
                    p.submittedAt = p.submittedAt ?? o.submittedAt
                    if let pct = o.percent { p.score = max(p.score ?? 0, pct) }
                } rule: { item.rule }
                if saved.completedAt != nil { finished.insert(o.personID) }
            }
        }
        if !finished.isEmpty { try await checkCompletion(c, people: Array(finished)) }
    }

    /// Writes a course completion for each of these learners who has now done every item,
    /// once, and tells the listeners (credentials).
    func checkCompletion(_ c: Course, people: [UUID]) async throws {
        let outline = try await outline(of: c)
        let total = outline.items.count
        guard total > 0 else { return }
        let done = try await db.sql.raw("""
            SELECT person_id, COUNT(*) AS n FROM item_progress WHERE course_id = \(bind: c.id!) AND person_id IN (\(binds: people))
            AND completed_at IS NOT NULL AND item_id IN (\(binds: outline.items.map(\.id))) GROUP BY person_id
            """).all()
        for r in done where try r.decode(column: "n", as: Int.self) >= total {
            let person = try r.decode(column: "person_id", as: UUID.self)
            guard try await CourseCompletion.query(on: db).filter(\.$courseID == c.id!).filter(\.$personID == person).first() == nil else { continue }
            let done = CourseCompletion()
            done.id = UUIDv7.make(at: now)
            done.courseID = c.id!
            done.personID = person
            done.orgID = c.orgID
            done.completedAt = now
            do {
                try await db.transaction { tx in
                    try await done.create(on: tx)
                    try await ctx.audit.record(on: tx, actor: .system("courses"), action: "course.complete", entityType: "course", entityID: c.id,
                                               orgID: c.orgID, orgPath: c.orgPath, changes: [AuditChange(field: "learner", before: nil, after: person.uuidString)])
                }
            } catch {
                // Written by a concurrent report of the same learner: completed once, as wanted.
                if try await CourseCompletion.query(on: db).filter(\.$courseID == c.id!).filter(\.$personID == person).first() != nil { continue }
                throw error
            }
            try await emit(XAPIVerbs.completed, "completed", person: person, course: c, item: nil, result: .object(["completion": .bool(true)]))
            let event = CourseCompletionEvent(courseId: c.id!, personId: person, orgId: c.orgID, completedAt: done.completedAt)
            for listener in ctx.completionListeners { await listener(event) }
        }
    }

    /// `GET /api/v1/courses/{id}/progress[/{personId}]`: one learner's progress, for the
    /// learner, the course's teachers and overseers, and the learner's guardians.
    public func progress(_ courseID: UUID, of person: UUID?, actor: Actor) async throws -> CourseProgressDTO {
        let c = try await readCourse(courseID)
        let r = try await role(in: c, actor: actor)
        guard let me = actor.personID else { throw DomainError.unauthenticated() }
        let learner = person ?? me
        let allowed = switch r {
        case .learner: learner == me
        case .teacher, .overseer: true
        case .guardian: try await directory.isGuardian(me, of: learner)
        case .visitor: false
        }
        guard allowed else { throw DomainError.notFound(entity: "person") }
        guard try await Enrolment.query(on: db).filter(\.$courseID == courseID).filter(\.$personID == learner).first() != nil else {
            throw DomainError.notFound(entity: "person")
        }
        let outline = try await outline(of: c)
        let records = try await progressRecords(course: c, outline: outline, person: learner)
        let completion = try await completedAt(courseID, learner)
        let items = outline.items
        let done = items.filter { records[$0.id]?.completed == true }.count
        return CourseProgressDTO(courseId: courseID, personId: learner, completed: done, total: items.count,
                                 percent: Self.percent(done, items.count),
                                 units: outline.units.map { u in
                                     let unitItems = u.lessons.flatMap(\.items)
                                     return UnitProgressDTO(unitId: u.id, completed: unitItems.filter { records[$0.id]?.completed == true }.count, total: unitItems.count)
                                 },
                                 items: items.compactMap { records[$0.id] }, completedAt: completion)
    }

    /// `GET /api/v1/courses/{id}/learners`: the teacher's table of who is where, paged in
    /// enrolment order; with `behindOnly` just those behind, and why.
    public func learners(_ courseID: UUID, behindOnly: Bool, limit: Int?, cursor: String?, actor: Actor) async throws -> ListPage<LearnerRowDTO> {
        let c = try await readCourse(courseID)
        let r = try await role(in: c, actor: actor)
        guard r == .teacher || r == .overseer else { throw DomainError.forbidden() }
        try await syncRoster(c)
        let lim = Paging.clamp(limit)
        let offset = try Paging.offset(from: cursor)
        let outline = try await outline(of: c)
        var out: [(row: LearnerRowDTO, sortKey: String)] = []
        var next: Int?
        var position = offset
        // With the filter most rows may be skipped, so it scans in chunks until the page is full.
        scan: while true {
            let chunk = behindOnly ? 500 : lim
            let rows = try await Enrolment.query(on: db).filter(\.$courseID == courseID).filter(\.$status == "active")
                .sort(\.$id).range(position..<(position + chunk)).all()
            for (n, row) in try await learnerRows(c, outline: outline, enrolments: rows).enumerated() where !behindOnly || row.row.behind {
                out.append(row)
                if out.count == lim { next = position + n + 1; break scan }
            }
            if rows.count < chunk { break }
            position += rows.count
        }
        // A whole roster on one page (a class) reads in the class list's order.
        if offset == 0, next == nil { out.sort { $0.sortKey < $1.sortKey } }
        return ListPage(items: out.map(\.row), nextCursor: next.map { Paging.cursor(offset: $0) })
    }

    /// Rows in the order of `enrolments`, with each learner's sort key.
    func learnerRows(_ c: Course, outline: Outline, enrolments: [Enrolment]) async throws -> [(row: LearnerRowDTO, sortKey: String)] {
        guard !enrolments.isEmpty else { return [] }
        let people = enrolments.map(\.personID)
        try await syncExamOutcomes(c, outline: outline, people: people)
        let names = try await directory.briefs(people)
        let items = outline.items
        let due = items.filter { ($0.dueAt ?? .distantFuture) < now }.map(\.id)
        var stats: [UUID: (done: Int, dueDone: Int, last: Date?)] = [:]
        if !items.isEmpty {
            let dueList: SQLQueryString = due.isEmpty ? "0" : "CASE WHEN item_id IN (\(binds: due)) AND completed_at IS NOT NULL THEN 1 ELSE 0 END"
            let rows = try await db.sql.raw("""
                SELECT person_id, SUM(CASE WHEN completed_at IS NOT NULL THEN 1 ELSE 0 END) AS done, SUM(\(dueList)) AS due_done,
                MAX(updated_at) AS last FROM item_progress WHERE course_id = \(bind: c.id!) AND person_id IN (\(binds: people)) GROUP BY person_id
                """).all()
            for row in rows {
                stats[try row.decode(column: "person_id", as: UUID.self)] = (try row.decode(column: "done", as: Int.self),
                                                                            try row.decode(column: "due_done", as: Int.self),
                                                                            try? row.decode(column: "last", as: Date.self))
            }
        }
        let completions = Dictionary(try await CourseCompletion.query(on: db).filter(\.$courseID == c.id!).filter(\.$personID ~~ people).all()
            .map { ($0.personID, $0.completedAt) }, uniquingKeysWith: { a, _ in a })
        let expected = expectedShare(c)
        return enrolments.map { e in
            let s = stats[e.personID] ?? (0, 0, nil)
            let pct = Self.percent(s.done, items.count)
            var reasons: [String] = []
            let overdue = due.count - s.dueDone
            if completions[e.personID] == nil {
                if overdue > 0 { reasons.append("overdue") }
                if let expected, Double(pct) + ctx.paceMargin < expected { reasons.append("pace") }
                let last = s.last ?? e.enrolledAt
                if now.timeIntervalSince(last) > ctx.inactiveDays * 86_400 { reasons.append("inactive") }
            }
            let who = names[e.personID]
            return (LearnerRowDTO(personId: e.personID, name: who?.fullName ?? "", username: who?.username, completed: s.done, total: items.count,
                                  percent: pct, overdue: max(0, overdue), lastActivity: s.last, behind: !reasons.isEmpty, reasons: reasons,
                                  completedAt: completions[e.personID]), who?.sortKey ?? "")
        }
    }

    /// The share (0-100) of the course's dates already gone, or nil without both dates.
    func expectedShare(_ c: Course) -> Double? {
        guard let start = c.startsOn.flatMap(Self.day), let end = c.endsOn.flatMap(Self.day) else { return nil }
        let length = end.addingTimeInterval(86_400).timeIntervalSince(start)
        guard length > 0 else { return nil }
        return min(100, max(0, now.timeIntervalSince(start) / length * 100))
    }

    static func percent(_ done: Int, _ total: Int) -> Int {
        total == 0 ? 0 : Int((Double(done) / Double(total) * 100).rounded(.down))
    }

    static func progressDTO(_ p: ItemProgress) -> ItemProgressDTO {
        ItemProgressDTO(itemId: p.itemID, viewed: p.viewedAt != nil, percent: p.percent, position: p.position, submitted: p.submittedAt != nil,
                        score: p.score, completed: p.completedAt != nil, completedAt: p.completedAt)
    }
}
