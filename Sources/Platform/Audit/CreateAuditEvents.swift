import FluentKit
import SQLKit

public struct CreateAuditEvents: AsyncMigration {
    public init() {}

    public func prepare(on database: any Database) async throws {
        try await database.schema(AuditEvent.schema)
            .id()
            .field("at", .datetime, .required)
            .field("actor_id", .uuid)
            .field("actor_name", .string, .required)
            .field("acting_as", .string, .required)
            .field("action", .string, .required)
            .field("entity_type", .string, .required)
            .field("entity_id", .uuid)
            .field("org_id", .uuid)
            .field("org_path", .string, .required)
            .field("changes", .string, .required)
            .field("ip", .string)
            .field("request_id", .string)
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("CREATE INDEX audit_events_org_path_at ON audit_events (org_path, at)").run()
        try await sql.raw("CREATE INDEX audit_events_entity ON audit_events (entity_id)").run()
        try await AppendOnly.protect(table: AuditEvent.schema, on: sql)
    }

    public func revert(on database: any Database) async throws {
        try await database.schema(AuditEvent.schema).delete()
    }
}
