import Foundation
import FluentKit

/// One append-only audit record: who, acting as what, when, what changed, from where.
/// Corrections never edit a row; a database trigger refuses UPDATE and DELETE.
public final class AuditEvent: Model, @unchecked Sendable {
    // Fluent models are classes with property wrappers; they are only touched inside one
    // task at a time, hence @unchecked Sendable (see vapor/template's Todo model).
    public static let schema = "audit_events"

    // managed fields
    @ID(key: .id) public var id: UUID?
    @Field(key: "at") public var at: Date

    // data fields
    @OptionalField(key: "actor_id") public var actorID: UUID?
    @Field(key: "actor_name") public var actorName: String
    @Field(key: "acting_as") public var actingAs: String
    @Field(key: "action") public var action: String
    @Field(key: "entity_type") public var entityType: String
    @OptionalField(key: "entity_id") public var entityID: UUID?
    @OptionalField(key: "org_id") public var orgID: UUID?
    @Field(key: "org_path") public var orgPath: String
    @Field(key: "changes") public var changes: String
    @OptionalField(key: "ip") public var ip: String?
    @OptionalField(key: "request_id") public var requestID: String?

    public init() {}
}

/// What changed, as before/after pairs, stored as JSON text so it reads the same on both
/// databases. Personal fields are recorded because the law asks who changed a national ID.
public struct AuditChange: Sendable, Codable, Equatable {
    public var field: String
    public var before: String?
    public var after: String?

    public init(field: String, before: String?, after: String?) {
        self.field = field
        self.before = before
        self.after = after
    }

    /// Only the fields that differ.
    public static func diff(_ pairs: [(String, String?, String?)]) -> [AuditChange] {
        pairs.compactMap { $0.1 == $0.2 ? nil : AuditChange(field: $0.0, before: $0.1, after: $0.2) }
    }
}

/// Writes audit events inside the caller's transaction, so a change and its record
/// commit or roll back together.
public struct AuditLog: Sendable {
    public let clock: any PlatformClock

    public init(clock: any PlatformClock = SystemClock()) {
        self.clock = clock
    }

    public func record(on db: any Database, actor: Actor, action: String, entityType: String,
                       entityID: UUID?, orgID: UUID?, orgPath: String, changes: [AuditChange]) async throws {
        try await event(actor: actor, action: action, entityType: entityType, entityID: entityID, orgID: orgID,
                        orgPath: orgPath, changes: changes).create(on: db)
    }

    /// Column order of `values(...)`, for callers that insert thousands of events at once
    /// with one multi-row INSERT (imports) instead of one model save each.
    public static let columns = ["id", "at", "actor_id", "actor_name", "acting_as", "action", "entity_type", "entity_id",
                                 "org_id", "org_path", "changes", "ip", "request_id"]

    public func values(actor: Actor, action: String, entityType: String, entityID: UUID?, orgID: UUID?,
                       orgPath: String, changes: [AuditChange]) throws -> [any Encodable & Sendable] {
        let now = clock.now()
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return [UUIDv7.make(at: now), now, actor.personID, actor.displayName, String(actor.actingAs.prefix(500)), action, entityType,
                entityID, orgID, orgPath, String(decoding: try enc.encode(changes), as: UTF8.self), actor.ipAddress, actor.requestID]
    }

    /// An unsaved event, for callers that insert many in one batch (imports).
    public func event(actor: Actor, action: String, entityType: String, entityID: UUID?, orgID: UUID?,
                      orgPath: String, changes: [AuditChange]) throws -> AuditEvent {
        let e = AuditEvent()
        let now = clock.now()
        e.id = UUIDv7.make(at: now)
        e.at = now
        e.actorID = actor.personID
        e.actorName = actor.displayName
        e.actingAs = String(actor.actingAs.prefix(500))
        e.action = action
        e.entityType = entityType
        e.entityID = entityID
        e.orgID = orgID
        e.orgPath = orgPath
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        e.changes = String(decoding: try enc.encode(changes), as: UTF8.self)
        e.ip = actor.ipAddress
        e.requestID = actor.requestID
        return e
    }
}
