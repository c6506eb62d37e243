import Foundation
import FluentKit
import SQLKit
import Platform
import Directory
import Courses

/// Long-lived parts of the Live area: the rooms' hub (connections and live state are per
/// process) and the clock.
public struct LiveContext: Sendable {
    public var clock: any PlatformClock
    public var audit: AuditLog
    public var directory: DirectoryContext
    public var courses: CoursesContext
    public let hub: RoomHub
    /// The operator's BigBlueButton server, when configured.
    public var bbb: BigBlueButtonServer?
    /// Where broadcasts' HLS streams may come from (scheme://host[:port]), set by the operator.
    public var streamOrigins: [String] = []
    /// The platform's public address (BigBlueButton sends people back to the room).
    public var publicBase = "http://127.0.0.1:8080"
    /// Joins and leaves arrive in surges (a broadcast's audience in the first minute): their
    /// attendance rows are committed together.
    let attendance: GroupCommit<AttendanceJob, Void>

    public init(directory: DirectoryContext, courses: CoursesContext, clock: any PlatformClock = SystemClock()) {
        self.attendance = GroupCommit(gate: courses.assessment.writes) { jobs, db in try await LiveService.writeAttendance(jobs, on: db) }
        self.clock = clock
        self.audit = AuditLog(clock: clock)
        self.directory = directory
        self.courses = courses
        self.hub = RoomHub(clock: clock)
    }
}

/// How the caller stands in a room.
public enum LiveRole: String, Sendable, Codable {
    /// Runs the room: polls, slides, answers, moderation.
    case host
    /// A co-host or a teacher of the room's course: what the host may do.
    case cohost
    /// Talks and is heard (interactive rooms).
    case participant
    /// Watches a broadcast; their messages go to the moderators.
    case viewer

    public var moderates: Bool { self == .host || self == .cohost }
}

public struct NewRoom: Sendable, Codable {
    public var title: String
    public var mode: String?
    /// A course the room belongs to (its teachers host, its learners take part)...
    public var courseId: UUID?
    /// ...and the lesson item (kind live) attendance counts for.
    public var itemId: UUID?
    /// For a standing room: the organisation whose people may join.
    public var orgId: UUID?
    public var cohosts: [String]?
    /// `webrtc` (default), `bbb` (the operator's BigBlueButton server) or `stream` (a
    /// broadcast's HLS stream at `streamUrl`, from an origin the operator allows).
    public var video: String?
    public var streamUrl: String?
    /// A network classroom: the pairing it is given under, and the partner school's classes
    /// that take part.
    public var pairingId: UUID?
    public var guestClasses: [GuestClass]?

    public init(title: String) { self.title = title }
}

public struct RoomDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var title: String
    public var mode: String
    public var status: String
    public var courseId: UUID?
    public var itemId: UUID?
    public var orgId: UUID
    public var role: LiveRole
    public var createdAt: Date
    public var endedAt: Date?
    /// People connected now (every process).
    public var present: Int
    public var video: String
    public var streamUrl: String?
    public var pairingId: UUID?
}

/// Who a connection is, as the hub needs it.
public struct RoomMember: Sendable {
    public var roomID: UUID
    public var personID: UUID
    public var name: String
    public var role: LiveRole
    public var broadcast: Bool
    /// The lesson item this person's attendance counts for.
    public var itemID: UUID?
}

/// Live rooms (issue #6): making and ending rooms, who may join in which role, attendance,
/// and the room's record.
public struct LiveService: Sendable {
    public let db: any Database
    public let ctx: LiveContext

    public init(db: any Database, ctx: LiveContext) {
        self.db = db
        self.ctx = ctx
    }

    var courses: CoursesService { CoursesService(db: db, ctx: ctx.courses) }
    var directory: DirectoryService { DirectoryService(db: db, ctx: ctx.directory) }
    var now: Date { ctx.clock.now() }

    /// `POST /api/v1/live/rooms`: a course's teachers make its rooms; a standing room is made
    /// by someone who teaches or manages at its organisation.
    public func createRoom(_ input: NewRoom, actor: Actor) async throws -> RoomDTO {
        guard let me = actor.personID else { throw DomainError.unauthenticated() }
        var problems: [FieldProblem] = []
        let title = input.title.trimmingCharacters(in: .whitespacesAndNewlines)
        if title.isEmpty { problems.append(FieldProblem(field: "title", reason: "validation.required")) }
        if title.count > 200 { problems.append(FieldProblem(field: "title", reason: "validation.too-long", arguments: ["200"])) }
        let mode = input.mode ?? "interactive"
        if !["interactive", "broadcast"].contains(mode) { problems.append(FieldProblem(field: "mode", reason: "live.mode")) }
        let video = input.video ?? "webrtc"
        switch video {
        case "webrtc": break
        case "bbb": if ctx.bbb == nil { problems.append(FieldProblem(field: "video", reason: "live.bbb-not-configured")) }
        case "stream":
            if mode != "broadcast" { problems.append(FieldProblem(field: "video", reason: "live.stream-broadcast-only")) }
            if let u = input.streamUrl.flatMap(URL.init(string:)), let origin = Self.origin(u), ctx.streamOrigins.contains(origin), u.path.hasSuffix(".m3u8") {
            } else { problems.append(FieldProblem(field: "streamUrl", reason: "live.stream-origin", arguments: [ctx.streamOrigins.joined(separator: ", ")])) }
        default: problems.append(FieldProblem(field: "video", reason: "live.video"))
        }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }
        let room = LiveRoom()
        room.id = UUID()
        room.title = title
        room.mode = mode
        room.status = "open"
        room.hostID = me
        room.createdAt = now
        room.video = video
        room.streamURL = video == "stream" ? input.streamUrl : nil
        if let courseID = input.courseId {
            let s: CourseStanding
            do { s = try await courses.standing(in: courseID, actor: actor) } catch let e as DomainError where e.status == 404 {
                throw DomainError.invalid(field: "courseId", reason: "live.course-unknown")
            }
            guard s.role == "teacher" else { throw DomainError.forbidden(reason: "live.course-teachers") }
            room.courseID = courseID
            room.itemID = input.itemId
            room.orgID = s.orgID
            room.orgPath = s.orgPath
        } else {
            guard let orgID = input.orgId, let org = try await directory.orgBrief(orgID) else {
                throw DomainError.invalid(field: "orgId", reason: "validation.required")
            }
            // Those who manage the organisation (at it or above), and its teachers (a class
            // of a school teaches in that school), hold meetings there.
            let teaches = actor.grants.contains { g in
                [.teacher, .homeroomTeacher, .schoolAdmin, .official, .administrator].contains(g.role)
                    && (org.path.hasPrefix(g.orgPath) || g.orgPath.hasPrefix(org.path))
            }
            guard teaches || actor.isSystem else { throw DomainError.forbidden(reason: "live.not-a-host") }
            room.orgID = orgID
            room.orgPath = org.path
        }
        let (found, unknown) = try await directory.people(usernames: input.cohosts ?? [])
        if !unknown.isEmpty { throw DomainError.invalid(field: "cohosts", reason: "live.unknown-people", arguments: [unknown.joined(separator: ", ")]) }
        room.cohosts = found.values.map(\.uuidString).joined(separator: ",")
        let guests = try await guestClasses(input, room: room, actor: actor)
        try await db.transaction { tx in
            try await room.create(on: tx)
            for g in guests { try await g.create(on: tx) }
            try await ctx.audit.record(on: tx, actor: actor, action: "live.create-room", entityType: "live-room", entityID: room.id, orgID: room.orgID,
                                       orgPath: room.orgPath, changes: [AuditChange(field: "title", before: nil, after: title)])
        }
        return await dto(room, role: .host)
    }

    /// scheme://host[:port] of an address.
    public static func origin(_ u: URL) -> String? {
        guard let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme), let host = u.host?.lowercased() else { return nil }
        return "\(scheme)://\(host)\(u.port.map { ":\($0)" } ?? "")"
    }

    func room(_ id: UUID) async throws -> LiveRoom {
        guard let r = try await LiveRoom.find(id, on: db) else { throw DomainError.notFound(entity: "room") }
        return r
    }

    /// The caller's role in a room, or 404 when they may not know of it.
    public func role(in room: UUID, actor: Actor) async throws -> LiveRole {
        try await role(try await self.room(room), actor: actor)
    }

    func role(_ r: LiveRoom, actor: Actor) async throws -> LiveRole {
        try await standing(r, actor: actor).role
    }

    /// The caller's role in a room, and the lesson item their attendance counts for (the
    /// room's own, or their class's in a network classroom).
    func standing(_ r: LiveRoom, actor: Actor) async throws -> (role: LiveRole, item: UUID?) {
        guard let me = actor.personID else { throw DomainError.notFound(entity: "room") }
        if r.hostID == me { return (.host, nil) }
        if r.cohostIDs.contains(me) { return (.cohost, nil) }
        let broadcast = r.mode == "broadcast"
        if let courseID = r.courseID {
            // Not in the course: perhaps in one of the room's guest classes.
            switch (try? await courses.standing(in: courseID, actor: actor))?.role {
            case "teacher": return (.cohost, nil)
            case "learner": return (broadcast ? .viewer : .participant, r.itemID)
            // Overseers (a school or office above) may look in; guardians and visitors not.
            case "overseer": return (.viewer, nil)
            default:
                if let guest = try await guestStanding(r, actor: actor) { return guest }
                throw DomainError.notFound(entity: "room")
            }
        }
        // A standing room is a staff meeting: staff of its organisation and below, and the
        // offices above it. Pupils and guardians reach live lessons through their courses.
        let staff = actor.grants.contains { g in
            guard g.role != .pupil, g.role != .guardian else { return false }
            return g.orgPath.hasPrefix(r.orgPath) || (r.orgPath.hasPrefix(g.orgPath) && [.official, .administrator, .inspector].contains(g.role))
        }
        guard staff else {
            if let guest = try await guestStanding(r, actor: actor) { return guest }
            throw DomainError.notFound(entity: "room")
        }
        return (broadcast ? .viewer : .participant, nil)
    }

    func dto(_ r: LiveRoom, role: LiveRole) async -> RoomDTO {
        RoomDTO(id: r.id!, title: r.title, mode: r.mode, status: r.status, courseId: r.courseID, itemId: r.itemID, orgId: r.orgID, role: role,
                createdAt: r.createdAt, endedAt: r.endedAt, present: await ctx.hub.present(in: r.id!), video: r.video, streamUrl: r.streamURL,
                pairingId: r.pairingID)
    }

    public func detail(_ id: UUID, actor: Actor) async throws -> RoomDTO {
        let r = try await room(id)
        return await dto(r, role: try await role(r, actor: actor))
    }

    /// `GET /api/v1/live/rooms`: the open rooms the caller may enter (their courses' rooms,
    /// the meetings of their organisations, the ones they host), newest first.
    /// `mine`: the caller's courses when already read (the rooms page needs them for its form).
    public func openRooms(actor: Actor, mine: [CourseDTO]? = nil) async throws -> [RoomDTO] {
        guard let me = actor.personID else { throw DomainError.unauthenticated() }
        let courseIDs: [UUID]
        if let mine { courseIDs = mine.map(\.id) } else { courseIDs = try await courses.myCourses(actor: actor).map(\.id) }
        var found: [LiveRoom] = []
        if !courseIDs.isEmpty {
            found += try await LiveRoom.query(on: db).filter(\.$status == "open").filter(\.$courseID ~~ courseIDs).sort(\.$createdAt, .descending).limit(100).all()
        }
        // Standing meetings: few are open at once; each is checked as a join would be.
        found += try await LiveRoom.query(on: db).filter(\.$status == "open").filter(\.$courseID == nil).sort(\.$createdAt, .descending).limit(200).all()
        found += try await LiveRoom.query(on: db).filter(\.$status == "open").filter(\.$hostID == me).limit(100).all()
        var seen = Set<UUID>(), out: [RoomDTO] = []
        for r in found where seen.insert(r.id!).inserted {
            guard let role = try? await role(r, actor: actor) else { continue }
            out.append(await dto(r, role: role))
        }
        return out.sorted { $0.createdAt > $1.createdAt }
    }

    /// Who may connect, and as what: the hub's view of the caller. An ended room takes no one.
    public func member(of id: UUID, actor: Actor) async throws -> RoomMember {
        let r = try await room(id)
        let (role, item) = try await standing(r, actor: actor)
        guard r.status == "open" else { throw DomainError.conflict(reason: "live.ended") }
        return RoomMember(roomID: id, personID: actor.personID!, name: actor.displayName, role: role, broadcast: r.mode == "broadcast", itemID: item)
    }

    /// `POST /api/v1/live/rooms/{id}/end`: the host ends the room; everyone is told and
    /// disconnected, attendance closes.
    public func end(_ id: UUID, actor: Actor) async throws -> RoomDTO {
        let r = try await room(id)
        guard try await role(r, actor: actor).moderates else { throw DomainError.forbidden(reason: "live.hosts-only") }
        guard r.status == "open" else { throw DomainError.conflict(reason: "live.ended") }
        r.status = "ended"
        r.endedAt = now
        try await r.save(on: db)
        // Through the bus: every process holding the room tells its people and lets them go.
        try await ctx.hub.publish(end: id, by: nil)
        if r.video == "bbb" { await endBigBlueButton(r) }
        try await LiveAttendance.query(on: db).filter(\.$roomID == id).filter(\.$leftAt == nil).set(\.$leftAt, to: now).update()
        return await dto(r, role: .host)
    }

    // MARK: attendance and the record

    /// A connection opened: its stay starts (committed with the other joins of the moment).
    public func joined(_ m: RoomMember) async throws -> UUID {
        let id = UUID()
        try await ctx.attendance.submit(.joined(id: id, room: m.roomID, person: m.personID, role: m.role.rawValue, at: now), on: db)
        return id
    }

    /// A course's live item counts as attended by a participant or viewer. Called after the
    /// join, off the path of the welcome.
    public func attended(_ m: RoomMember) async throws {
        guard m.role == .participant || m.role == .viewer, let item = m.itemID else { return }
        try await courses.attendedLive(itemID: item, person: m.personID)
    }

    public func left(attendance: UUID) async throws {
        try await ctx.attendance.submit(.left(id: attendance, at: now), on: db)
    }

    static func writeAttendance(_ jobs: [AttendanceJob], on db: any Database) async throws -> [Result<Void, any Error>] {
        try await db.transaction { tx in
            var rows: [LiveAttendance] = []
            for job in jobs {
                switch job {
                case .joined(let id, let room, let person, let role, let at):
                    let a = LiveAttendance()
                    a.id = id
                    a.roomID = room
                    a.personID = person
                    a.role = role
                    a.joinedAt = at
                    rows.append(a)
                case .left: break
                }
            }
            if !rows.isEmpty { try await rows.create(on: tx) }
            for case .left(let id, let at) in jobs {
                try await LiveAttendance.query(on: tx).filter(\.$id == id).filter(\.$leftAt == nil).set(\.$leftAt, to: at).update()
            }
        }
        return jobs.map { _ in .success(()) }
    }

    /// `GET /api/v1/live/rooms/{id}/record`: the room's chat, questions, polls, slides and
    /// attendance with time present, for its hosts (and the course's teachers).
    public func export(_ id: UUID, actor: Actor) async throws -> RoomRecordDTO {
        let r = try await room(id)
        guard try await role(r, actor: actor).moderates else { throw DomainError.forbidden(reason: "live.hosts-only") }
        // The record shows what the room showed: its events replayed through the room's state.
        let events = RoomState.replay(try await LiveEventStore(db: db).history(room: id, after: 0))
        let stays = try await LiveAttendance.query(on: db).filter(\.$roomID == id).all()
        let names = try await directory.briefs(Array(Set(stays.map(\.personID) + events.compactMap(\.event.person))))
        var seconds: [UUID: Double] = [:]
        for s in stays { seconds[s.personID, default: 0] += (s.leftAt ?? r.endedAt ?? now).timeIntervalSince(s.joinedAt) }
        return RoomRecordDTO(
            room: await dto(r, role: .host),
            events: events.map { RoomRecordDTO.Event(at: $0.event.at, kind: $0.kind, name: $0.event.person.flatMap { names[$0]?.fullName }, body: $0.body) },
            attendance: seconds.map { RoomRecordDTO.Stay(personId: $0.key, name: names[$0.key]?.fullName ?? "", seconds: Int($0.value.rounded())) }
                .sorted { $0.name.localizedStandardCompare($1.name) == .orderedAscending })
    }
}

public struct RoomRecordDTO: Sendable, Codable {
    public struct Event: Sendable, Codable { public var at: Date; public var kind: String; public var name: String?; public var body: String }
    public struct Stay: Sendable, Codable { public var personId: UUID; public var name: String; public var seconds: Int }
    public var room: RoomDTO
    public var events: [Event]
    public var attendance: [Stay]
}

/// One write of attendance, for the group commit.
enum AttendanceJob: Sendable {
    case joined(id: UUID, room: UUID, person: UUID, role: String, at: Date)
    case left(id: UUID, at: Date)
}
