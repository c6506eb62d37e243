import Foundation
import FluentKit
import SQLKit
import Platform
import Directory

extension CoursesService {
    /// Makes a draft course. A class course belongs to a class and takes the class's
    /// pupils; a MOOC or SPOC belongs to a school, a university or an education office.
    /// The maker must be able to teach there (the authoring capability at that place).
    public func createCourse(_ input: NewCourse, actor: Actor) async throws -> CourseDTO {
        guard let owner = actor.personID else { throw DomainError.forbidden() }
        var problems: [FieldProblem] = []
        guard let kind = CourseKind(rawValue: input.kind) else {
            throw DomainError.invalid(field: "kind", reason: "course.kind-unknown", arguments: [CourseKind.allCases.map(\.rawValue).joined(separator: ", ")])
        }
        let title = input.title.trimmingCharacters(in: .whitespacesAndNewlines)
        if title.isEmpty { problems.append(FieldProblem(field: "title", reason: "validation.required")) }
        if title.count > 200 { problems.append(FieldProblem(field: "title", reason: "validation.too-long", arguments: ["200"])) }
        if (input.description ?? "").count > 20_000 { problems.append(FieldProblem(field: "description", reason: "validation.too-long", arguments: ["20000"])) }
        guard let org = try await directory.orgBrief(input.orgId), actor.can(.authorAssessments, at: org.path) || actor.can(.contributeResources, at: org.path) else {
            problems.append(FieldProblem(field: "orgId", reason: "course.org-not-yours"))
            throw DomainError.invalid(problems)
        }
        if kind == .class, org.kind != .class { problems.append(FieldProblem(field: "orgId", reason: "course.class-needs-class")) }
        if kind != .class, org.kind == .class { problems.append(FieldProblem(field: "orgId", reason: "course.open-needs-school")) }
        let mode: EnrolmentMode
        if kind == .class {
            mode = .roster
            if let e = input.enrolment, e != EnrolmentMode.roster.rawValue { problems.append(FieldProblem(field: "enrolment", reason: "course.class-roster-only")) }
        } else if let e = input.enrolment {
            mode = EnrolmentMode(rawValue: e) ?? .closed
            if EnrolmentMode(rawValue: e) == nil || mode == .roster {
                problems.append(FieldProblem(field: "enrolment", reason: "course.enrolment-unknown", arguments: ["open, code, invite, closed"]))
            }
        } else {
            mode = kind == .mooc ? .open : .code
        }
        let code = input.joinCode?.trimmingCharacters(in: .whitespaces).uppercased()
        problems += Self.checkSettings(code: code, mode: mode, capacity: input.capacity, startsOn: input.startsOn, endsOn: input.endsOn)
        let language = input.language ?? actor.locale.rawValue
        if !AppLocale.allCases.map(\.rawValue).contains(language) {
            problems.append(FieldProblem(field: "language", reason: "course.language-unknown"))
        }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }
        let c = Course()
        c.id = UUID()
        c.kind = kind.rawValue
        c.title = title
        c.description = input.description ?? ""
        c.subject = Self.clean(input.subject)
        c.grade = Self.clean(input.grade)
        c.term = Self.clean(input.term)
        c.language = language
        c.orgID = org.id
        c.orgPath = org.path
        c.ownerID = owner
        c.status = CourseStatus.draft.rawValue
        c.enrolment = mode.rawValue
        c.joinCode = mode == .code ? (code ?? Self.makeCode()) : code
        c.capacity = input.capacity
        c.learnerCount = 0
        c.startsOn = input.startsOn
        c.endsOn = input.endsOn
        c.outlineRev = 0
        c.createdAt = now
        c.updatedAt = now
        try await db.transaction { tx in
            try await c.create(on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "course.create", entityType: "course", entityID: c.id, orgID: c.orgID,
                                       orgPath: c.orgPath, changes: [AuditChange(field: "title", before: nil, after: title),
                                                                     AuditChange(field: "kind", before: nil, after: kind.rawValue)])
        }
        return dto(c, role: .teacher, enrolled: false)
    }

    /// Settings that must agree with each other, shared by creating and changing a course.
    static func checkSettings(code: String?, mode: EnrolmentMode, capacity: Int?, startsOn: String?, endsOn: String?) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        if let code, !(4...16).contains(code.count) || !code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
            problems.append(FieldProblem(field: "joinCode", reason: "course.code-form"))
        }
        if let capacity, !(1...1_000_000).contains(capacity) { problems.append(FieldProblem(field: "capacity", reason: "course.capacity-range")) }
        let start = startsOn.flatMap(Self.day), end = endsOn.flatMap(Self.day)
        if startsOn != nil, start == nil { problems.append(FieldProblem(field: "startsOn", reason: "validation.date")) }
        if endsOn != nil, end == nil { problems.append(FieldProblem(field: "endsOn", reason: "validation.date")) }
        if let start, let end, end < start { problems.append(FieldProblem(field: "endsOn", reason: "course.ends-before-start")) }
        return problems
    }

    /// `PATCH /api/v1/courses/{id}`: settings, publishing and archiving, audited.
    public func updateCourse(_ id: UUID, _ patch: CoursePatch, actor: Actor) async throws -> CourseDTO {
        let c = try await editable(id, actor: actor)
        var problems: [FieldProblem] = []
        var changes: [AuditChange] = []
        func set(_ field: String, _ old: String?, _ new: String?, _ apply: () -> Void) {
            guard old != new else { return }
            changes.append(AuditChange(field: field, before: old, after: new))
            apply()
        }
        if let t = patch.title?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if t.isEmpty || t.count > 200 { problems.append(FieldProblem(field: "title", reason: t.isEmpty ? "validation.required" : "validation.too-long", arguments: t.isEmpty ? [] : ["200"])) }
            else { set("title", c.title, t) { c.title = t } }
        }
        if let d = patch.description {
            if d.count > 20_000 { problems.append(FieldProblem(field: "description", reason: "validation.too-long", arguments: ["20000"])) }
            else { set("description", nil, nil) { c.description = d } }
        }
        if let s = patch.subject { set("subject", c.subject, Self.clean(s)) { c.subject = Self.clean(s) } }
        if let g = patch.grade { set("grade", c.grade, Self.clean(g)) { c.grade = Self.clean(g) } }
        if let t = patch.term { set("term", c.term, Self.clean(t)) { c.term = Self.clean(t) } }
        if let s = patch.status {
            if let status = CourseStatus(rawValue: s) {
                // A course goes back to draft only while nobody has enrolled: learners must not lose it.
                if status == .draft, c.status != CourseStatus.draft.rawValue, c.learnerCount > 0 {
                    problems.append(FieldProblem(field: "status", reason: "course.draft-with-learners"))
                } else { set("status", c.status, s) { c.status = s } }
            } else { problems.append(FieldProblem(field: "status", reason: "course.status-unknown", arguments: ["draft, published, archived"])) }
        }
        var mode = EnrolmentMode(rawValue: c.enrolment) ?? .closed
        if let e = patch.enrolment {
            if c.kind == CourseKind.class.rawValue {
                if e != EnrolmentMode.roster.rawValue { problems.append(FieldProblem(field: "enrolment", reason: "course.class-roster-only")) }
            } else if let m = EnrolmentMode(rawValue: e), m != .roster {
                mode = m
                set("enrolment", c.enrolment, e) { c.enrolment = e }
            } else { problems.append(FieldProblem(field: "enrolment", reason: "course.enrolment-unknown", arguments: ["open, code, invite, closed"])) }
        }
        let code = patch.joinCode.map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
        problems += Self.checkSettings(code: code, mode: mode, capacity: patch.capacity, startsOn: patch.startsOn ?? c.startsOn, endsOn: patch.endsOn ?? c.endsOn)
        if let code { set("joinCode", nil, nil) { c.joinCode = code } }
        if mode == .code, c.joinCode == nil { c.joinCode = Self.makeCode() }
        if let cap = patch.capacity { set("capacity", c.capacity.map(String.init), String(cap)) { c.capacity = cap } }
        if let s = patch.startsOn { set("startsOn", c.startsOn, s) { c.startsOn = s } }
        if let e = patch.endsOn { set("endsOn", c.endsOn, e) { c.endsOn = e } }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }
        let publishingClass = c.kind == CourseKind.class.rawValue && changes.contains { $0.field == "status" && $0.after == CourseStatus.published.rawValue }
        let audited = changes
        defer { forget(c.id) }
        try await db.transaction { tx in
            c.updatedAt = now
            try await c.save(on: tx)
            if !audited.isEmpty {
                try await ctx.audit.record(on: tx, actor: actor, action: "course.update", entityType: "course", entityID: c.id, orgID: c.orgID,
                                           orgPath: c.orgPath, changes: audited)
            }
        }
        // Publishing a class course enrols the class at once, so the teacher's table is full.
        if publishingClass { try await syncRoster(c) }
        return try await courseDetail(id, actor: actor)
    }

    /// `GET /api/v1/courses/{id}`: the course, its outline, and for a learner their own
    /// progress on each item. Visitors see titles, not pages' text.
    public func courseDetail(_ id: UUID, actor: Actor) async throws -> CourseDTO {
        let c = try await readCourse(id)
        let outline = try await outline(of: c)
        // A learner's page is the platform's busiest read: their standing in the course and
        // their records come in one query; other cases take the general path.
        var fast = try await standingAndRecords(c, actor: actor)
        let r: CourseRole
        if let f = fast { r = f.role } else { r = try await role(in: c, actor: actor) }
        var progress: [UUID: ItemProgressDTO] = [:]
        var out = dto(c, role: r, enrolled: r == .learner)
        if r == .learner, let me = actor.personID {
            // Exam hand-ins are copied in first, so the records are read after that.
            if outline.items.contains(where: { $0.kind == .assessment }) { fast = nil }
            let (records, completedAt) = if let f = fast { (f.records, f.completedAt) } else { try await progressAndCompletion(course: c, outline: outline, person: me) }
            progress = records
            let done = outline.items.filter { progress[$0.id]?.completed == true }.count
            out.progress = CourseProgressSummary(completed: done, total: outline.items.count, percent: Self.percent(done, outline.items.count),
                                                 completedAt: completedAt)
        }
        // The course page shows the next periods: read here, where the role is already known.
        if r != .visitor { out.upcoming = try await upcomingSlots(c) }
        out.units = outline.units.map { u in
            UnitDTO(id: u.id, title: u.title, lessons: u.lessons.map { l in
                LessonDTO(id: l.id, unitId: u.id, title: l.title, items: l.items.map { itemDTO($0, role: r, progress: progress[$0.id]) })
            })
        }
        return out
    }

    /// Courses the caller teaches or learns in, newest first.
    public func myCourses(actor: Actor) async throws -> [CourseDTO] {
        guard let me = actor.personID else { throw DomainError.unauthenticated() }
        let staffOf = try await CourseStaff.query(on: db).filter(\.$personID == me).all().map(\.courseID)
        let taught = try await Course.query(on: db).group(.or) { g in
            g.filter(\.$ownerID == me)
            if !staffOf.isEmpty { g.filter(\.$id ~~ staffOf) }
        }.all()
        // Class courses of the caller's classes count even before the first visit.
        let classIDs = actor.grants.filter { $0.role == .pupil && $0.orgKind == .class }.map(\.orgID)
        if !classIDs.isEmpty {
            for c in try await Course.query(on: db).filter(\.$orgID ~~ classIDs).filter(\.$kind == CourseKind.class.rawValue)
                .filter(\.$status == CourseStatus.published.rawValue).all() {
                _ = try await isEnrolled(c, me)
            }
        }
        let enrolledIDs = try await Enrolment.query(on: db).filter(\.$personID == me).filter(\.$status == "active").all().map(\.courseID)
        let learning = enrolledIDs.isEmpty ? [] : try await Course.query(on: db).filter(\.$id ~~ enrolledIDs).all()
        let taughtIDs = Set(taught.map { $0.id! })
        return (taught.map { dto($0, role: .teacher, enrolled: false) }
                + learning.filter { !taughtIDs.contains($0.id!) && $0.status != CourseStatus.draft.rawValue }.map { dto($0, role: .learner, enrolled: true) })
            .sorted { $0.title.localizedStandardCompare($1.title) == .orderedAscending }
    }

    /// The courses a guardian's child learns in, with the child's progress.
    public func coursesOf(learner: UUID, actor: Actor) async throws -> [CourseDTO] {
        guard let me = actor.personID else { throw DomainError.unauthenticated() }
        if me != learner, !(try await directory.isGuardian(me, of: learner)) { throw DomainError.notFound(entity: "person") }
        let ids = try await Enrolment.query(on: db).filter(\.$personID == learner).filter(\.$status == "active").all().map(\.courseID)
        guard !ids.isEmpty else { return [] }
        return try await Course.query(on: db).filter(\.$id ~~ ids).filter(\.$status != CourseStatus.draft.rawValue).all()
            .map { dto($0, role: me == learner ? .learner : .guardian, enrolled: me == learner) }
    }

    /// `GET /api/v1/catalogue`: published MOOCs, for anyone, with a text filter and facets
    /// by subject and grade, newest first.
    public func catalogue(query: String?, subject: String?, grade: String?, limit: Int?, cursor: String?, actor: Actor) async throws -> ListPage<CourseDTO> {
        let lim = Paging.clamp(limit)
        let offset = try Paging.offset(from: cursor)
        var q = Course.query(on: db).filter(\.$kind == CourseKind.mooc.rawValue).filter(\.$status == CourseStatus.published.rawValue)
        if let subject, !subject.isEmpty { q = q.filter(\.$subject == subject) }
        if let grade, !grade.isEmpty { q = q.filter(\.$grade == grade) }
        let words = TextFolding.fold(query ?? "").split(separator: " ").map(String.init).filter { !$0.isEmpty }
        // Titles are few and short; folding them here makes "toan" find "Toán" on both
        // databases without a search index of their own (the catalogue is MOOCs only).
        let rows = try await q.sort(\.$createdAt, .descending).sort(\.$id).all()
        let hits = words.isEmpty ? rows : rows.filter { c in
            let text = TextFolding.fold(c.title + " " + c.description + " " + (c.subject ?? ""))
            return words.allSatisfy { text.contains($0) }
        }
        let page = hits.dropFirst(offset).prefix(lim)
        return ListPage(items: page.map { dto($0, role: .visitor, enrolled: false) },
                        nextCursor: offset + lim < hits.count ? Paging.cursor(offset: offset + lim) : nil)
    }

    func dto(_ c: Course, role: CourseRole, enrolled: Bool) -> CourseDTO {
        CourseDTO(id: c.id!, kind: c.kind, title: c.title, description: c.description, subject: c.subject, grade: c.grade, term: c.term,
                  language: c.language, orgId: c.orgID, status: c.status, enrolment: c.enrolment,
                  joinCode: role == .teacher ? c.joinCode : nil, capacity: c.capacity, learnerCount: c.learnerCount,
                  startsOn: c.startsOn, endsOn: c.endsOn, role: role.rawValue, enrolled: enrolled, outlineRevision: c.outlineRev,
                  progress: nil, upcoming: nil, units: nil)
    }

    static func clean(_ s: String?) -> String? {
        guard let t = s?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty else { return nil }
        return String(t.prefix(100))
    }

    static func day(_ s: String) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        guard let d = f.date(from: s), f.string(from: d) == s else { return nil }
        return d
    }

    /// Eight letters and digits without the look-alikes (0/O, 1/I/L).
    static func makeCode() -> String {
        let alphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
        return String((0..<8).map { _ in alphabet.randomElement()! })
    }
}

extension CoursesService {
    struct Standing {
        var role: CourseRole
        var records: [UUID: ItemProgressDTO]
        var completedAt: Date?
    }

    /// The caller's staff and enrolment rows, course completion and item records in one
    /// round trip. Nil when the answer needs more than these rows (the system, the owner,
    /// no enrolment row yet, someone who is neither staff nor learner): `role(in:)` decides.
    func standingAndRecords(_ c: Course, actor: Actor) async throws -> Standing? {
        guard !actor.isSystem, let me = actor.personID, c.ownerID != me else { return nil }
        let rows = try await db.sql.raw("""
            SELECT s.staff, s.enrolment, s.course_done, p.item_id, p.viewed_at, p.percent, p.position, p.submitted_at, p.score, p.completed_at
            FROM (SELECT (SELECT COUNT(*) FROM course_staff WHERE course_id = \(bind: c.id!) AND person_id = \(bind: me)) AS staff,
                         (SELECT status FROM enrolments WHERE course_id = \(bind: c.id!) AND person_id = \(bind: me)) AS enrolment,
                         (SELECT completed_at FROM course_completions WHERE course_id = \(bind: c.id!) AND person_id = \(bind: me)) AS course_done) s
            LEFT JOIN item_progress p ON p.course_id = \(bind: c.id!) AND p.person_id = \(bind: me)
            """).all()
        guard let first = rows.first else { return nil }
        if try first.decode(column: "staff", as: Int.self) > 0 { return Standing(role: .teacher, records: [:], completedAt: nil) }
        guard try !first.decodeNil(column: "enrolment"), try first.decode(column: "enrolment", as: String.self) == "active" else { return nil }
        var out: [UUID: ItemProgressDTO] = [:]
        for r in rows where try !r.decodeNil(column: "item_id") {
            let p = try Self.progressDTO(row: r)
            out[p.itemId] = p
        }
        return Standing(role: .learner, records: out, completedAt: try first.decode(column: "course_done", as: Date?.self))
    }

    /// The course's next periods (the same for every reader), kept as long as the course
    /// row (`courseRowSeconds`) and dropped by this process's timetable changes.
    func upcomingSlots(_ c: Course) async throws -> [SlotDTO] {
        let key = c.id!.uuidString
        if let hit = ctx.upcoming.get(key), now.timeIntervalSince(hit.at) < ctx.courseRowSeconds { return hit.slots }
        let slots = Array(try await slotRows(courses: [c], from: now.addingTimeInterval(-3600), to: nil).prefix(10))
        ctx.upcoming.put(key, CachedSlots(slots: slots, at: now))
        return slots
    }
}

struct CachedSlots: Sendable {
    let slots: [SlotDTO]
    let at: Date
}
