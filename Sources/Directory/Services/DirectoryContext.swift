import Foundation
import FluentKit
import SQLKit
import Platform

/// Long-lived, shared dependencies of the directory services; built once at start-up.
public struct DirectoryContext: Sendable {
    public var rules: RuleBook
    public var hasher: any PasswordHasher
    public var clock: any PlatformClock
    public var audit: AuditLog
    public var lockout: LockoutPolicy
    public var tokenLifetime: TimeInterval
    public var sessionLifetime: TimeInterval
    /// Token -> identity, kept for a few seconds so the hot path skips two queries.
    public let identities: IdentityCache
    /// Other areas that copy organisation paths into their own rows (the Library's
    /// resources) rewrite them here, inside the move's transaction, so a moved school's
    /// resources move with it. Directory cannot import those areas; they register.
    public var orgMoveHooks: [OrgMoveHook] = []

    public init(rules: RuleBook, hasher: any PasswordHasher, clock: any PlatformClock = SystemClock(),
                lockout: LockoutPolicy = LockoutPolicy(), tokenLifetime: TimeInterval = 12 * 3600,
                sessionLifetime: TimeInterval = 8 * 3600, identityCacheSeconds: TimeInterval = 5) {
        self.rules = rules
        self.hasher = hasher
        self.clock = clock
        self.audit = AuditLog(clock: clock)
        self.lockout = lockout
        self.tokenLifetime = tokenLifetime
        self.sessionLifetime = sessionLifetime
        self.identities = IdentityCache(ttl: identityCacheSeconds)
    }
}

/// Called with the transaction, the old path prefix and the new one.
public typealias OrgMoveHook = @Sendable (_ db: any Database, _ oldPrefix: String, _ newPrefix: String) async throws -> Void

/// After `maxFailures` wrong passwords in a row the account is locked for `lockSeconds`.
public struct LockoutPolicy: Sendable {
    public var maxFailures: Int
    public var lockSeconds: Int

    public init(maxFailures: Int = 5, lockSeconds: Int = 15 * 60) {
        self.maxFailures = maxFailures
        self.lockSeconds = lockSeconds
    }
}


/// The scope queries every directory service shares: who holds which grants, and
/// whether a person sits inside a set of organisation-path prefixes.
enum Scope {
    /// Grants of a person with their organisations' paths, in one query.
    static func grants(of personID: UUID, on db: any Database) async throws -> [Grant] {
        let rows = try await db.sql.raw("""
            SELECT g.role, o.id AS org_id, o.path, o.kind, o.name FROM role_grants g
            JOIN organisations o ON o.id = g.org_id WHERE g.person_id = \(bind: personID)
            """).all()
        return rows.compactMap { row in
            guard let role = Role(rawValue: (try? row.decode(column: "role", as: String.self)) ?? ""),
                  let orgID = try? row.decode(column: "org_id", as: UUID.self),
                  let path = try? row.decode(column: "path", as: String.self),
                  let kind = OrgKind(rawValue: (try? row.decode(column: "kind", as: String.self)) ?? "") else { return nil }
            let name = LocalizedText.fromJSON((try? row.decode(column: "name", as: String.self)) ?? "{}")
            return Grant(role: role, orgID: orgID, orgPath: path, orgKind: kind, orgName: name)
        }
    }

    /// `(o.path LIKE 'a%' OR o.path LIKE 'b%')`; paths never contain LIKE wildcards.
    static func pathFilter(_ prefixes: [String], column: String = "o.path") -> SQLQueryString {
        let parts = prefixes.map { SQLQueryString("\(unsafeRaw: column) LIKE \(bind: $0 + "%")") }
        return "(" + parts.joined(separator: " OR ") + ")"
    }

    /// True when the person holds any grant under one of `prefixes`.
    static func personIsUnder(_ personID: UUID, prefixes: [String], on db: any Database) async throws -> Bool {
        guard !prefixes.isEmpty else { return false }
        let q: SQLQueryString = "SELECT 1 AS hit FROM role_grants g JOIN organisations o ON o.id = g.org_id WHERE g.person_id = \(bind: personID) AND " + pathFilter(prefixes) + " LIMIT 1"
        return try await db.sql.raw(q).first() != nil
    }

    static func isGuardian(_ guardianID: UUID, of pupilID: UUID, on db: any Database) async throws -> Bool {
        try await Guardianship.query(on: db).filter(\.$guardianID == guardianID).filter(\.$pupilID == pupilID).first() != nil
    }
}
