import Foundation
import FluentKit
import SQLKit
import Platform
import Directory
import Library
import Assessment

/// Long-lived dependencies of the Courses area.
public struct CoursesContext: Sendable {
    public var clock: any PlatformClock
    public var audit: AuditLog
    public var directory: DirectoryContext
    public var library: LibraryContext
    public var assessment: AssessmentContext
    /// Course outlines keyed by course and outline revision: a MOOC's page is read by
    /// thousands of learners between two edits of its outline.
    let outlines = LRUCache<Outline>(capacity: 1024)
    /// Course rows for reads (see `readCourse`), kept this many seconds.
    let courseRows = LRUCache<CachedCourse>(capacity: 2048)
    public var courseRowSeconds: TimeInterval = 5
    /// Each course's next periods for its page, kept as long as the course row.
    let upcoming = LRUCache<CachedSlots>(capacity: 2048)
    /// Called after a learner completes a course (credentials listen here). A listener's
    /// failure is logged by the caller's audit trail, never undoes the completion.
    /// A learner counts as behind after this many days without activity...
    public var inactiveDays: Double = 14
    /// ...or when their share done is this many points under the share of the course's
    /// dates already gone.
    public var paceMargin: Double = 25
    /// The share of teaching each country expects online (Resources/Rules/online-teaching.json).
    public var onlineRules: [String: OnlineTeachingRules] = [:]
    public var completionListeners: [@Sendable (CourseCompletionEvent) async -> Void] = []

    /// The LRS: the `homePage` of its own accounts (the platform, clients), clients by key,
    /// stored times, and the group commit of statements.
    public var xapiHomePage = "https://educommons.local"
    let xapiClients = LRUCache<CachedClient>(capacity: 1024)
    let xapiClock = MicroClock()
    let xapiWriter: GroupCommit<StatementJob, Void>

    /// LTI 1.3: the platform's issuer (its public base URL, no trailing slash), the signing
    /// keys, tools' key sets, and how a tool's key-set URL is fetched (given by the app,
    /// which has the HTTP client; this area has none).
    public var ltiIssuer = "http://127.0.0.1:8080"
    public var ltiFetch: @Sendable (String) async throws -> Data = { _ in throw DomainError.conflict(reason: "lti.keys-unreachable") }
    let ltiKeys = LTIKeyRing()
    let ltiToolKeys = LRUCache<CachedToolKeys>(capacity: 256)
    /// A launch must be completed (the tool's authentication request) within this time.
    public var ltiLaunchSeconds: TimeInterval = 600

    public init(directory: DirectoryContext, library: LibraryContext, assessment: AssessmentContext, clock: any PlatformClock = SystemClock()) {
        self.xapiWriter = GroupCommit(gate: assessment.writes) { jobs, db in try await XAPIService.write(jobs, on: db) }
        self.clock = clock
        self.audit = AuditLog(clock: clock)
        self.directory = directory
        self.library = library
        self.assessment = assessment
    }
}

struct CachedCourse: Sendable {
    let course: Course
    let at: Date
}

/// A course's units, lessons and items as read from the database once per revision.
struct Outline: Sendable {
    struct Item: Sendable {
        var id: UUID
        var lessonID: UUID
        var unitID: UUID
        var kind: ItemKind
        var title: String
        var refID: UUID?
        var refKind: String?
        var url: String?
        var body: String?
        var rule: CompletionRule
        var dueAt: Date?
        var acceptLate: Bool
        var maxPoints: Double?
    }
    struct LessonRow: Sendable { var id: UUID; var unitID: UUID; var title: String; var items: [Item] }
    struct UnitRow: Sendable { var id: UUID; var title: String; var lessons: [LessonRow] }

    var units: [UnitRow]
    var items: [Item] { units.flatMap { $0.lessons.flatMap(\.items) } }
}

/// How the caller stands to a course; decides what they may see and do.
enum CourseRole: String, Sendable {
    /// Owner or co-teacher: builds the course and sees every learner.
    case teacher
    /// A school or education office above the course: sees it and its learners' progress.
    case overseer
    case learner
    /// A guardian of one of its learners: sees the outline and that child's progress.
    case guardian
    /// Anyone else allowed to see its catalogue page (published MOOCs and SPOCs).
    case visitor
}

/// Courses, lessons, enrolment, progress and assignments (issue #5).
public struct CoursesService: Sendable {
    public let db: any Database
    public let ctx: CoursesContext

    public init(db: any Database, ctx: CoursesContext) {
        self.db = db
        self.ctx = ctx
    }

    var directory: DirectoryService { DirectoryService(db: db, ctx: ctx.directory) }
    var library: LibraryService { LibraryService(db: db, ctx: ctx.library) }
    var assessment: AssessmentService { AssessmentService(db: db, ctx: ctx.assessment) }
    var now: Date { ctx.clock.now() }

    // MARK: access

    /// The caller's role in a course, or 404 when they may not know it exists.
    func role(in c: Course, actor: Actor) async throws -> CourseRole {
        if actor.isSystem { return .teacher }
        if let me = actor.personID {
            if c.ownerID == me { return .teacher }
            // Staff and enrolment in one round trip: every page of a course asks.
            let row = try await db.sql.raw("""
                SELECT (SELECT COUNT(*) FROM course_staff WHERE course_id = \(bind: c.id!) AND person_id = \(bind: me)) AS staff,
                       (SELECT status FROM enrolments WHERE course_id = \(bind: c.id!) AND person_id = \(bind: me)) AS enrolment
                """).first()
            if (try row?.decode(column: "staff", as: Int.self) ?? 0) > 0 { return .teacher }
            let status = try row?.decodeNil(column: "enrolment") == false ? try row?.decode(column: "enrolment", as: String.self) : nil
            if status == "active" { return .learner }
            if status == nil, try await isEnrolled(c, me) { return .learner }
            if c.status != CourseStatus.draft.rawValue {
                if actor.can(.viewPeople, at: c.orgPath) || actor.can(.manageOrganisations, at: c.orgPath) { return .overseer }
                if actor.grants.contains(where: { $0.role == .guardian }), try await guardsALearner(c, me) { return .guardian }
            }
        }
        // An archived MOOC keeps its page (links to it live on), closed to new learners.
        if c.status != CourseStatus.draft.rawValue {
            if c.kind == CourseKind.mooc.rawValue { return .visitor }
            if c.kind == CourseKind.spoc.rawValue, actor.personID != nil { return .visitor }
        }
        throw DomainError.notFound(entity: "course")
    }

    /// Active enrolment; a class course's pupil is enrolled on first sight, so a pupil who
    /// joined the class after the course was made finds it as their classmates do.
    func isEnrolled(_ c: Course, _ person: UUID) async throws -> Bool {
        if let e = try await Enrolment.query(on: db).filter(\.$courseID == c.id!).filter(\.$personID == person).first() {
            return e.status == "active"
        }
        guard c.kind == CourseKind.class.rawValue, c.status == CourseStatus.published.rawValue else { return false }
        let pupils = try await directory.roster(of: c.orgID, role: .pupil)
        guard pupils.contains(where: { $0.id == person }) else { return false }
        try await syncRoster(c)
        return true
    }

    func guardsALearner(_ c: Course, _ guardian: UUID) async throws -> Bool {
        let wards = try await directory.wards(of: guardian)
        guard !wards.isEmpty else { return false }
        return try await Enrolment.query(on: db).filter(\.$courseID == c.id!).filter(\.$personID ~~ wards)
            .filter(\.$status == "active").first() != nil
    }

    func course(_ id: UUID) async throws -> Course {
        guard let c = try await Course.find(id, on: db) else { throw DomainError.notFound(entity: "course") }
        return c
    }

    /// The course for a read (its page, a learner's progress): a copy at most a few seconds
    /// old, dropped at once by this process's writes. A MOOC's page is read by thousands of
    /// learners between two changes; Fluent's decoding of the row was a tenth of the cost of
    /// answering one. Never saved back.
    func readCourse(_ id: UUID) async throws -> Course {
        let key = id.uuidString
        if let hit = ctx.courseRows.get(key), now.timeIntervalSince(hit.at) < ctx.courseRowSeconds { return hit.course }
        let c = try await course(id)
        ctx.courseRows.put(key, CachedCourse(course: c, at: now))
        return c
    }

    func forget(_ courseID: UUID?) {
        if let courseID { ctx.courseRows.remove(courseID.uuidString) }
    }

    /// A course the caller may change: its teachers, or whoever manages the organisation.
    func editable(_ id: UUID, actor: Actor) async throws -> Course {
        let c = try await course(id)
        let r = try await role(in: c, actor: actor)
        guard r == .teacher || actor.can(.manageOrganisations, at: c.orgPath) else {
            throw DomainError.forbidden()
        }
        return c
    }

    /// Marks the outline changed: the cached copy is dropped by key.
    func bumpOutline(_ c: Course, on tx: any Database) async throws {
        c.outlineRev += 1
        c.updatedAt = now
        try await c.save(on: tx)
        forget(c.id)
    }
}
