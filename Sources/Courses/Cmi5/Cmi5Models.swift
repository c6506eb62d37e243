import Foundation
import FluentKit

/// A learner's cmi5 registration for one lesson item (one AU): kept across sessions, with
/// what the AU has reported so far, so "CompletedAndPassed" can be met over two statements.
final class Cmi5Registration: Model, @unchecked Sendable {
    static let schema = "cmi5_registrations"

    @ID(key: .id) var id: UUID?
    @Field(key: "course_id") var courseID: UUID
    @Field(key: "item_id") var itemID: UUID
    @Field(key: "person_id") var personID: UUID
    @Field(key: "registration") var registration: UUID
    @Field(key: "au_id") var auID: String
    @Field(key: "move_on") var moveOn: String
    @OptionalField(key: "mastery_score") var masteryScore: Double?
    @OptionalField(key: "completed_at") var completedAt: Date?
    @OptionalField(key: "passed_at") var passedAt: Date?
    @OptionalField(key: "failed_at") var failedAt: Date?
    @OptionalField(key: "score") var score: Double?
    @OptionalField(key: "satisfied_at") var satisfiedAt: Date?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// One launch (an AU session): its one-time fetch token and the LRS credentials the AU gets
/// from it, both kept hashed.
final class Cmi5Launch: Model, @unchecked Sendable {
    static let schema = "cmi5_launches"
    static let keyPrefix = "c5_"

    @ID(key: .id) var id: UUID?
    @Field(key: "registration_id") var registrationID: UUID
    @Field(key: "session_id") var sessionID: UUID
    @Field(key: "fetch_hash") var fetchHash: String
    @OptionalField(key: "fetched_at") var fetchedAt: Date?
    @Field(key: "secret_hash") var secretHash: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date

    init() {}
}

struct AddCmi5: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Cmi5Registration.schema)
            .id()
            .field("course_id", .uuid, .required)
            .field("item_id", .uuid, .required)
            .field("person_id", .uuid, .required)
            .field("registration", .uuid, .required)
            .field("au_id", .string, .required)
            .field("move_on", .string, .required)
            .field("mastery_score", .double)
            .field("completed_at", .datetime)
            .field("passed_at", .datetime)
            .field("failed_at", .datetime)
            .field("score", .double)
            .field("satisfied_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "item_id", "person_id")
            .unique(on: "registration")
            .create()
        try await database.schema(Cmi5Launch.schema)
            .id()
            .field("registration_id", .uuid, .required)
            .field("session_id", .uuid, .required)
            .field("fetch_hash", .string, .required)
            .field("fetched_at", .datetime)
            .field("secret_hash", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .unique(on: "fetch_hash")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Cmi5Launch.schema).delete()
        try await database.schema(Cmi5Registration.schema).delete()
    }
}
