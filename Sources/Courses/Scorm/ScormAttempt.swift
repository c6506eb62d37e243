import Foundation
import FluentKit

/// One learner's SCORM 1.2 record of one lesson item: the data model values kept between
/// sessions, and the session in progress. A session starts when the player page opens the
/// package and ends at LMSFinish; its commits come in order (`session_seq`).
final class ScormAttempt: Model, @unchecked Sendable {
    static let schema = "scorm_attempts"

    @ID(key: .id) var id: UUID?
    @Field(key: "course_id") var courseID: UUID
    @Field(key: "item_id") var itemID: UUID
    @Field(key: "person_id") var personID: UUID
    /// The kept elements as a JSON object (element name to value).
    @Field(key: "data") var data: String
    @Field(key: "lesson_status") var lessonStatus: String
    @OptionalField(key: "score_raw") var scoreRaw: Double?
    @Field(key: "entry") var entry: String
    @Field(key: "total_cs") var totalCentiseconds: Int
    @Field(key: "session_id") var sessionID: UUID
    @Field(key: "session_seq") var sessionSeq: Int
    @Field(key: "session_open") var sessionOpen: Bool
    /// The open session's time as last committed; added to the total when it ends, or
    /// when a new session replaces an abandoned one (so a closed tab loses nothing committed).
    @Field(key: "session_cs") var sessionCentiseconds: Int
    @Field(key: "sessions") var sessions: Int
    /// The session a new one replaced while it was still open (a closed tab, a lost link),
    /// and the time of it already counted: its last commit, kept in the browser and sent
    /// late, is still taken.
    @OptionalField(key: "prev_session_id") var prevSessionID: UUID?
    @Field(key: "prev_session_cs") var prevSessionCentiseconds: Int
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

struct AddScorm: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(ScormAttempt.schema)
            .id()
            .field("course_id", .uuid, .required)
            .field("item_id", .uuid, .required)
            .field("person_id", .uuid, .required)
            .field("data", .string, .required)
            .field("lesson_status", .string, .required)
            .field("score_raw", .double)
            .field("entry", .string, .required)
            .field("total_cs", .int, .required)
            .field("session_id", .uuid, .required)
            .field("session_seq", .int, .required)
            .field("session_open", .bool, .required)
            .field("session_cs", .int, .required)
            .field("sessions", .int, .required)
            .field("prev_session_id", .uuid)
            .field("prev_session_cs", .int, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "item_id", "person_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ScormAttempt.schema).delete()
    }
}
