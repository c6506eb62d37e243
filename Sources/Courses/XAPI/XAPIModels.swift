import Foundation
import FluentKit
import SQLKit
import Platform

/// One stored statement: the full JSON plus the keys the query parameters filter on.
final class XAPIStatement: Model, @unchecked Sendable {
    static let schema = "xapi_statements"

    @ID(key: .id) var id: UUID?
    /// Microseconds since 1970, unique within a process: the order of `stored`.
    @Field(key: "stored_us") var storedMicros: Int64
    @OptionalField(key: "client_id") var clientID: UUID?
    @Field(key: "actor_key") var actorKey: String
    @Field(key: "verb_id") var verbID: String
    @Field(key: "object_key") var objectKey: String
    @OptionalField(key: "registration") var registration: UUID?
    /// " id1 id2 " of every activity the statement names (related_activities).
    @Field(key: "activities") var activities: String
    /// " key1 key2 " of every agent the statement names (related_agents).
    @Field(key: "agents") var agents: String
    @Field(key: "voided") var voided: Bool
    @OptionalField(key: "voids") var voids: UUID?
    @Field(key: "statement") var statement: String
    /// SHA-256 of the statement as received, to tell a repeat from a conflict.
    @Field(key: "received_hash") var receivedHash: String

    init() {}
}

/// A client allowed to send and read statements (HTTP Basic: key and secret).
final class XAPIClient: Model, @unchecked Sendable {
    static let schema = "xapi_clients"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "key") var key: String
    @Field(key: "secret_hash") var secretHash: String
    /// Reads every statement; otherwise only the ones it stored.
    @Field(key: "read_all") var readAll: Bool
    @Field(key: "enabled") var enabled: Bool
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

struct AddXAPI: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(XAPIStatement.schema)
            .id()
            .field("stored_us", .int64, .required)
            .field("client_id", .uuid)
            .field("actor_key", .string, .required)
            .field("verb_id", .string, .required)
            .field("object_key", .string, .required)
            .field("registration", .uuid)
            .field("activities", .string, .required)
            .field("agents", .string, .required)
            .field("voided", .bool, .required)
            .field("voids", .uuid)
            .field("statement", .string, .required)
            .field("received_hash", .string, .required)
            .create()
        try await database.schema(XAPIClient.schema)
            .id()
            .field("name", .string, .required)
            .field("key", .string, .required)
            .field("secret_hash", .string, .required)
            .field("read_all", .bool, .required)
            .field("enabled", .bool, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "key")
            .create()
        let sql = database.sql
        for statement in [
            "CREATE INDEX xapi_statements_stored ON xapi_statements (stored_us, id)",
            "CREATE INDEX xapi_statements_verb ON xapi_statements (verb_id, stored_us)",
            "CREATE INDEX xapi_statements_actor ON xapi_statements (actor_key, stored_us)",
            "CREATE INDEX xapi_statements_object ON xapi_statements (object_key, stored_us)",
            "CREATE INDEX xapi_statements_registration ON xapi_statements (registration)",
            "CREATE INDEX xapi_statements_client ON xapi_statements (client_id, stored_us)",
        ] { try await sql.raw("\(unsafeRaw: statement)").run() }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(XAPIClient.schema).delete()
        try await database.schema(XAPIStatement.schema).delete()
    }
}
