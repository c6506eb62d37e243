import Foundation
import FluentKit
import Platform

/// Browsing the audit log, limited to the actor's own scope.
public struct AuditService: Sendable {
    public let db: any Database

    public init(db: any Database) { self.db = db }

    /// Events under the actor's viewing scope, newest first, optionally for one person
    /// or organisation subtree.
    public func events(orgID: UUID?, entityID: UUID?, limit: Int?, cursor: String?, actor: Actor) async throws -> ListPage<AuditEventDTO> {
        let limit = Paging.clamp(limit)
        let offset = try Paging.offset(from: cursor)
        var prefixes = actor.isSystem ? ["/"] : actor.prefixes(for: .viewAudit)
        guard !prefixes.isEmpty else { throw DomainError.forbidden() }
        if let orgID {
            guard let org = try await Organisation.find(orgID, on: db) else { throw DomainError.notFound(entity: "organisation") }
            prefixes = prefixes.compactMap { org.path.hasPrefix($0) ? org.path : ($0.hasPrefix(org.path) ? $0 : nil) }
            guard !prefixes.isEmpty else { throw DomainError.notFound(entity: "organisation") }
        }
        var q = AuditEvent.query(on: db).group(.or) { g in for p in prefixes { g.filter(\.$orgPath =~ p) } }
        if let entityID { q = q.filter(\.$entityID == entityID) }
        let rows = try await q.sort(\.$at, .descending).sort(\.$id, .descending).range(offset..<(offset + limit + 1)).all()
        let dec = JSONDecoder()
        let items = rows.prefix(limit).map { e in
            AuditEventDTO(id: e.id!, at: e.at, actorID: e.actorID, actorName: e.actorName, actingAs: e.actingAs,
                          action: e.action, entityType: e.entityType, entityID: e.entityID, orgPath: e.orgPath,
                          changes: (try? dec.decode([AuditChange].self, from: Data(e.changes.utf8))) ?? [],
                          ip: e.ip, requestID: e.requestID)
        }
        return ListPage(items: Array(items), nextCursor: rows.count > limit ? Paging.cursor(offset: offset + limit) : nil)
    }
}
