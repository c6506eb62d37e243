import Foundation
import FluentKit
import SQLKit

/// A live room: a course's scheduled lesson or a standing meeting. `interactive` rooms are
/// for a class (everyone talks); `broadcast` rooms have a stage and an audience whose
/// messages go to the moderators.
final class LiveRoom: Model, @unchecked Sendable {
    static let schema = "live_rooms"

    @ID(key: .id) var id: UUID?
    @Field(key: "title") var title: String
    @Field(key: "mode") var mode: String
    @Field(key: "status") var status: String
    @Field(key: "org_id") var orgID: UUID
    @Field(key: "org_path") var orgPath: String
    @OptionalField(key: "course_id") var courseID: UUID?
    /// The course's lesson item (kind live) that attendance counts for.
    @OptionalField(key: "item_id") var itemID: UUID?
    @Field(key: "host_id") var hostID: UUID
    /// Co-hosts by person id, comma-separated (a few at most).
    @Field(key: "cohosts") var cohosts: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "ended_at") var endedAt: Date?
    /// How people see and hear each other: `webrtc` (between browsers), `bbb` (the
    /// operator's BigBlueButton server) or `stream` (a broadcast's HLS stream).
    @Field(key: "video") var video: String
    @OptionalField(key: "stream_url") var streamURL: String?
    /// The pairing of schools this shared lesson is given under.
    @OptionalField(key: "pairing_id") var pairingID: UUID?

    init() {}

    var cohostIDs: Set<UUID> { Set(cohosts.split(separator: ",").compactMap { UUID(uuidString: String($0)) }) }
}

/// One stay of one person in a room, from join to leave.
final class LiveAttendance: Model, @unchecked Sendable {
    static let schema = "live_attendance"

    @ID(key: .id) var id: UUID?
    @Field(key: "room_id") var roomID: UUID
    @Field(key: "person_id") var personID: UUID
    @Field(key: "role") var role: String
    @Field(key: "joined_at") var joinedAt: Date
    @OptionalField(key: "left_at") var leftAt: Date?

    init() {}
}

/// The room's record: every state event (chat, hands, questions, polls and votes, slides,
/// the end) in the room's order.
final class LiveEvent: Model, @unchecked Sendable {
    static let schema = "live_events"

    @ID(key: .id) var id: UUID?
    @Field(key: "room_id") var roomID: UUID
    @OptionalField(key: "person_id") var personID: UUID?
    @Field(key: "kind") var kind: String
    /// The room's order of its state events; none for a relayed passing event.
    @OptionalField(key: "seq") var seq: Int?
    /// The event (RoomEvent's JSON).
    @Field(key: "body") var body: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

public enum LiveMigrations {
    public static var all: [any Migration] { [CreateLive(), AddLiveOrder(), AddLiveVideo(), AddNetworkClassrooms()] }
}

struct CreateLive: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(LiveRoom.schema)
            .id()
            .field("title", .string, .required)
            .field("mode", .string, .required)
            .field("status", .string, .required)
            .field("org_id", .uuid, .required)
            .field("org_path", .string, .required)
            .field("course_id", .uuid)
            .field("item_id", .uuid)
            .field("host_id", .uuid, .required)
            .field("cohosts", .string, .required)
            .field("created_at", .datetime, .required)
            .field("ended_at", .datetime)
            .create()
        try await database.schema(LiveAttendance.schema)
            .id()
            .field("room_id", .uuid, .required)
            .field("person_id", .uuid, .required)
            .field("role", .string, .required)
            .field("joined_at", .datetime, .required)
            .field("left_at", .datetime)
            .create()
        try await database.schema(LiveEvent.schema)
            .id()
            .field("room_id", .uuid, .required)
            .field("person_id", .uuid)
            .field("kind", .string, .required)
            .field("body", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        for statement in [
            "CREATE INDEX live_attendance_room ON live_attendance (room_id, person_id)",
            "CREATE INDEX live_events_room ON live_events (room_id, created_at)",
            "CREATE INDEX live_rooms_course ON live_rooms (course_id)",
        ] { try await database.sql.raw("\(unsafeRaw: statement)").run() }
    }

    func revert(on database: any Database) async throws {
        for s in [LiveEvent.schema, LiveAttendance.schema, LiveRoom.schema] { try await database.schema(s).delete() }
    }
}

/// Rooms number their events, so that every app process applies them in one order and a
/// process joining late rebuilds the room from its record.
struct AddLiveOrder: AsyncMigration {
    func prepare(on database: any Database) async throws {
        for statement in [
            "ALTER TABLE live_rooms ADD COLUMN seq INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE live_events ADD COLUMN seq INTEGER",
            "CREATE INDEX live_events_seq ON live_events (room_id, seq)",
        ] { try await database.sql.raw("\(unsafeRaw: statement)").run() }
    }

    func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX live_events_seq").run()
        try await database.sql.raw("ALTER TABLE live_events DROP COLUMN seq").run()
        try await database.sql.raw("ALTER TABLE live_rooms DROP COLUMN seq").run()
    }
}

/// Rooms say how their audio and video go: between browsers, through BigBlueButton, or a stream.
struct AddLiveVideo: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.sql.raw("ALTER TABLE live_rooms ADD COLUMN video TEXT NOT NULL DEFAULT 'webrtc'").run()
        try await database.sql.raw("ALTER TABLE live_rooms ADD COLUMN stream_url TEXT").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql.raw("ALTER TABLE live_rooms DROP COLUMN stream_url").run()
        try await database.sql.raw("ALTER TABLE live_rooms DROP COLUMN video").run()
    }
}
