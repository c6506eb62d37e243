import Foundation
import FluentKit
import SQLKit

/// A strong school paired with a school that lacks teachers (专递课堂, "strong schools teach
/// weak schools' classes"): the lead school's teachers give shared live lessons to the
/// partner's classes on a weekly schedule between two dates. Made by an office above both.
final class LivePairing: Model, @unchecked Sendable {
    static let schema = "live_pairings"

    @ID(key: .id) var id: UUID?
    @Field(key: "title") var title: String
    @Field(key: "lead_id") var leadID: UUID
    @Field(key: "lead_path") var leadPath: String
    @Field(key: "partner_id") var partnerID: UUID
    @Field(key: "partner_path") var partnerPath: String
    @OptionalField(key: "subject") var subject: String?
    /// yyyy-mm-dd, both included.
    @Field(key: "starts_on") var startsOn: String
    @Field(key: "ends_on") var endsOn: String
    /// The weekly shared lessons, JSON: [{"weekday": 1-7 (Monday 1), "start": "HH:MM", "minutes": 45}].
    @Field(key: "schedule") var schedule: String
    @Field(key: "created_by") var createdBy: UUID
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// A class of another school taking part in a room: its pupils join, its teachers assist,
/// and attendance goes to the lesson item of the class's own course.
final class LiveRoomClass: Model, @unchecked Sendable {
    static let schema = "live_room_classes"

    @ID(key: .id) var id: UUID?
    @Field(key: "room_id") var roomID: UUID
    @Field(key: "class_id") var classID: UUID
    @Field(key: "class_path") var classPath: String
    @OptionalField(key: "course_id") var courseID: UUID?
    @OptionalField(key: "item_id") var itemID: UUID?

    init() {}
}

struct AddNetworkClassrooms: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(LivePairing.schema)
            .id()
            .field("title", .string, .required)
            .field("lead_id", .uuid, .required)
            .field("lead_path", .string, .required)
            .field("partner_id", .uuid, .required)
            .field("partner_path", .string, .required)
            .field("subject", .string)
            .field("starts_on", .string, .required)
            .field("ends_on", .string, .required)
            .field("schedule", .string, .required)
            .field("created_by", .uuid, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(LiveRoomClass.schema)
            .id()
            .field("room_id", .uuid, .required)
            .field("class_id", .uuid, .required)
            .field("class_path", .string, .required)
            .field("course_id", .uuid)
            .field("item_id", .uuid)
            .create()
        try await database.schema(LiveRoom.schema).field("pairing_id", .uuid).update()
        for statement in [
            "CREATE INDEX live_room_classes_room ON live_room_classes (room_id)",
            "CREATE INDEX live_rooms_pairing ON live_rooms (pairing_id)",
            "CREATE INDEX live_pairings_lead ON live_pairings (lead_path)",
            "CREATE INDEX live_pairings_partner ON live_pairings (partner_path)",
        ] { try await database.sql.raw("\(unsafeRaw: statement)").run() }
    }

    func revert(on database: any Database) async throws {
        try await database.sql.raw("ALTER TABLE live_rooms DROP COLUMN pairing_id").run()
        for s in [LiveRoomClass.schema, LivePairing.schema] { try await database.schema(s).delete() }
    }
}
