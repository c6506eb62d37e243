import Foundation
import FluentKit
import SQLKit
import Platform
import Directory

extension CoursesService {
    /// `POST /api/v1/courses/{id}/enrolments`. Without usernames: the caller enrols
    /// themselves (a MOOC that is open, a SPOC with its code). With usernames: a teacher
    /// enrols those people (a SPOC's cohort, invited learners).
    public func enrol(_ courseID: UUID, _ request: EnrolRequest, actor: Actor) async throws -> EnrolResultDTO {
        let c = try await course(courseID)
        let r = try await role(in: c, actor: actor)
        if let names = request.usernames {
            guard r == .teacher || actor.can(.manageOrganisations, at: c.orgPath) else { throw DomainError.forbidden() }
            return try await enrolByName(c, names, actor: actor)
        }
        guard let me = actor.personID else { throw DomainError.unauthenticated() }
        if r == .learner { throw DomainError.conflict(reason: "course.already-enrolled") }
        if r == .teacher { throw DomainError.conflict(reason: "course.teacher-not-learner") }
        try checkOpen(c)
        switch EnrolmentMode(rawValue: c.enrolment) ?? .closed {
        case .open: break
        case .code:
            guard let code = request.code?.trimmingCharacters(in: .whitespaces).uppercased(), !code.isEmpty else {
                throw DomainError.invalid(field: "code", reason: "validation.required")
            }
            guard code == c.joinCode else { throw DomainError.invalid(field: "code", reason: "course.code-wrong") }
        case .roster: throw DomainError.conflict(reason: "course.roster-managed")
        case .invite, .closed: throw DomainError.conflict(reason: "course.enrolment-closed")
        }
        try await admit(c, people: [me], source: request.code == nil ? "self" : "code")
        try await ctx.audit.record(on: db, actor: actor, action: "course.enrol", entityType: "course", entityID: c.id, orgID: c.orgID,
                                   orgPath: c.orgPath, changes: [AuditChange(field: "learner", before: nil, after: me.uuidString)])
        let fresh = try await course(courseID)
        return EnrolResultDTO(enrolled: [actor.displayName], already: [], unknown: [], course: dto(fresh, role: .learner, enrolled: true))
    }

    func enrolByName(_ c: Course, _ names: [String], actor: Actor) async throws -> EnrolResultDTO {
        if c.kind == CourseKind.class.rawValue { throw DomainError.conflict(reason: "course.roster-managed") }
        guard names.count <= 1000 else { throw DomainError.invalid(field: "usernames", reason: "course.too-many-names", arguments: ["1000"]) }
        guard c.status != CourseStatus.archived.rawValue else { throw DomainError.conflict(reason: "course.enrolment-closed") }
        let (found, unknown) = try await directory.people(usernames: names)
        let existing = try await Enrolment.query(on: db).filter(\.$courseID == c.id!).all()
        let active = Set(existing.filter { $0.status == "active" }.map(\.personID))
        let staff = Set(try await CourseStaff.query(on: db).filter(\.$courseID == c.id!).all().map(\.personID) + [c.ownerID])
        let fresh = found.filter { !active.contains($0.value) && !staff.contains($0.value) }
        try await admit(c, people: fresh.map(\.value).sorted { $0.uuidString < $1.uuidString }, source: "invite")
        if !fresh.isEmpty {
            try await ctx.audit.record(on: db, actor: actor, action: "course.enrol", entityType: "course", entityID: c.id, orgID: c.orgID,
                                       orgPath: c.orgPath, changes: fresh.keys.sorted().map { AuditChange(field: "learner", before: nil, after: $0) })
        }
        let after = try await course(c.id!)
        return EnrolResultDTO(enrolled: fresh.keys.sorted(), already: found.keys.filter { fresh[$0] == nil }.sorted(), unknown: unknown,
                              course: try await courseDetail(after.id!, actor: actor))
    }

    /// A course takes no new learners once archived or past its end date.
    func checkOpen(_ c: Course) throws {
        if c.status != CourseStatus.published.rawValue { throw DomainError.conflict(reason: "course.enrolment-closed") }
        if let end = c.endsOn.flatMap(Self.day), end.addingTimeInterval(86_400) <= now { throw DomainError.conflict(reason: "course.ended") }
    }

    /// Enrols people in one transaction. The seat count goes up by one guarded update, so
    /// two learners racing for the last seat cannot both get it, on either database.
    func admit(_ c: Course, people: [UUID], source: String) async throws {
        guard !people.isEmpty else { return }
        defer { forget(c.id) }
        let n = people.count
        try await db.transaction { tx in
            let row = try await tx.sql.raw("""
                UPDATE courses SET learner_count = learner_count + \(bind: n)
                WHERE id = \(bind: c.id!) AND (capacity IS NULL OR learner_count + \(bind: n) <= capacity) RETURNING learner_count
                """).first()
            guard row != nil else { throw DomainError.conflict(reason: "course.full") }
            let existing = Dictionary(try await Enrolment.query(on: tx).filter(\.$courseID == c.id!).filter(\.$personID ~~ people).all().map { ($0.personID, $0) },
                                      uniquingKeysWith: { a, _ in a })
            for p in people {
                if let e = existing[p] {
                    guard e.status != "active" else { throw DomainError.conflict(reason: "course.already-enrolled") }
                    e.status = "active"
                    e.source = source
                    e.leftAt = nil
                    e.enrolledAt = now
                    try await e.save(on: tx)
                } else {
                    let e = Enrolment()
                    e.id = UUIDv7.make(at: now)
                    e.courseID = c.id!
                    e.personID = p
                    e.source = source
                    e.status = "active"
                    e.orgID = c.orgID
                    e.enrolledAt = now
                    do { try await e.create(on: tx) } catch {
                        // Another request enrolled the same person between our read and this insert.
                        throw DomainError.conflict(reason: "course.already-enrolled")
                    }
                }
            }
        }
    }

    /// `DELETE /api/v1/courses/{id}/enrolment`: a learner leaves a MOOC or SPOC. Their
    /// progress and hand-ins stay, and come back if they enrol again.
    public func leave(_ courseID: UUID, actor: Actor) async throws {
        let c = try await course(courseID)
        guard let me = actor.personID, try await role(in: c, actor: actor) == .learner,
              let e = try await Enrolment.query(on: db).filter(\.$courseID == courseID).filter(\.$personID == me).first() else {
            throw DomainError.conflict(reason: "course.not-enrolled")
        }
        if c.kind == CourseKind.class.rawValue { throw DomainError.conflict(reason: "course.roster-managed") }
        defer { forget(c.id) }
        try await db.transaction { tx in
            e.status = "left"
            e.leftAt = now
            try await e.save(on: tx)
            try await tx.sql.raw("UPDATE courses SET learner_count = learner_count - 1 WHERE id = \(bind: courseID) AND learner_count > 0").run()
            try await ctx.audit.record(on: tx, actor: actor, action: "course.leave", entityType: "course", entityID: c.id, orgID: c.orgID,
                                       orgPath: c.orgPath, changes: [AuditChange(field: "learner", before: me.uuidString, after: nil)])
        }
    }

    /// Keeps a class course's learners equal to the class's pupils: newcomers enrolled,
    /// pupils who left the class marked as left (their records stay).
    func syncRoster(_ c: Course) async throws {
        guard c.kind == CourseKind.class.rawValue, c.status != CourseStatus.draft.rawValue else { return }
        let pupils = Set(try await directory.roster(of: c.orgID, role: .pupil).map(\.id))
        // A class opening the course at once syncs from many requests; one that loses the
        // race on an insert finds the rows made by the winner on its next try.
        var tries = 0
        while true {
            do { return try await syncRoster(c, pupils: pupils) } catch where tries < 3 && !(error is DomainError) {
                tries += 1
                try await Task.sleep(nanoseconds: UInt64(tries) * 20_000_000)
            }
        }
    }

    private func syncRoster(_ c: Course, pupils: Set<UUID>) async throws {
        defer { forget(c.id) }
        try await db.transaction { tx in
            let rows = try await Enrolment.query(on: tx).filter(\.$courseID == c.id!).all()
            let known = Dictionary(rows.map { ($0.personID, $0) }, uniquingKeysWith: { a, _ in a })
            var changed = false
            for p in pupils {
                if let e = known[p] {
                    if e.status != "active", e.source == "roster" {
                        e.status = "active"; e.leftAt = nil
                        try await e.save(on: tx); changed = true
                    }
                } else {
                    let e = Enrolment()
                    e.id = UUIDv7.make(at: now)
                    e.courseID = c.id!
                    e.personID = p
                    e.source = "roster"
                    e.status = "active"
                    e.orgID = c.orgID
                    e.enrolledAt = now
                    try await e.create(on: tx); changed = true
                }
            }
            for e in rows where e.status == "active" && !pupils.contains(e.personID) {
                e.status = "left"; e.leftAt = now
                try await e.save(on: tx); changed = true
            }
            if changed {
                try await tx.sql.raw("""
                    UPDATE courses SET learner_count = (SELECT COUNT(*) FROM enrolments WHERE course_id = \(bind: c.id!) AND status = 'active') WHERE id = \(bind: c.id!)
                    """).run()
            }
        }
    }
}
