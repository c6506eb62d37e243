import Foundation
import FluentKit
import SQLKit
import Platform

/// A person as another area lists them: enough for a roster or a progress table.
public struct PersonBrief: Sendable, Codable, Equatable {
    public var id: UUID
    public var fullName: String
    /// The local collation key (Vietnamese lists sort by given name first).
    public var sortKey: String
    public var username: String?
}

/// An organisation as another area needs it to scope a row: id, path and kind.
public struct OrgBrief: Sendable, Equatable {
    public var id: UUID
    public var path: String
    public var kind: OrgKind
    public var name: LocalizedText
}

/// Lookups other areas build on (Courses enrols a class's pupils, shows names in progress
/// tables, lets guardians follow their child). They answer facts without an actor: the
/// calling service has already decided that its caller may know them, and this keeps
/// those areas off the directory's tables.
extension DirectoryService {
    /// Everyone holding `role` at the organisation itself (a class's pupils), by name.
    public func roster(of orgID: UUID, role: Role) async throws -> [PersonBrief] {
        let rows = try await db.sql.raw("""
            SELECT p.id, p.full_name, p.sort_key, a.username FROM role_grants g JOIN people p ON p.id = g.person_id
            LEFT JOIN accounts a ON a.person_id = p.id
            WHERE g.org_id = \(bind: orgID) AND g.role = \(bind: role.rawValue) ORDER BY p.sort_key
            """).all()
        return try rows.map(Self.brief)
    }

    /// Names of these people (any order; unknown ids are left out).
    public func briefs(_ ids: [UUID]) async throws -> [UUID: PersonBrief] {
        guard !ids.isEmpty else { return [:] }
        var out: [UUID: PersonBrief] = [:]
        // Chunks keep the statement under SQLite's bound-parameter limit.
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
            let rows = try await db.sql.raw("""
                SELECT p.id, p.full_name, p.sort_key, a.username FROM people p LEFT JOIN accounts a ON a.person_id = p.id
                WHERE p.id IN (\(binds: chunk))
                """).all()
            for r in rows { let b = try Self.brief(r); out[b.id] = b }
        }
        return out
    }

    /// People by username (lower-cased); the unknown ones are named back.
    public func people(usernames: [String]) async throws -> (found: [String: UUID], unknown: [String]) {
        let names = Array(Set(usernames.map { AccountRules.normaliseUsername($0) }.filter { !$0.isEmpty }))
        guard !names.isEmpty else { return ([:], []) }
        let rows = try await db.sql.raw("SELECT username, person_id FROM accounts WHERE username IN (\(binds: names))").all()
        var found: [String: UUID] = [:]
        for r in rows { found[try r.decode(column: "username", as: String.self)] = try r.decode(column: "person_id", as: UUID.self) }
        return (found, names.filter { found[$0] == nil }.sorted())
    }

    /// Is `guardianID` recorded as a guardian of `pupilID`?
    public func isGuardian(_ guardianID: UUID, of pupilID: UUID) async throws -> Bool {
        try await Scope.isGuardian(guardianID, of: pupilID, on: db)
    }

    /// The children a guardian is recorded for.
    public func wards(of guardianID: UUID) async throws -> [UUID] {
        try await Guardianship.query(on: db).filter(\.$guardianID == guardianID).all().map(\.pupilID)
    }

    /// An organisation's id, path and kind, or nil when there is none with that id.
    public func orgBrief(_ id: UUID) async throws -> OrgBrief? {
        guard let o = try await Organisation.find(id, on: db), let kind = OrgKind(rawValue: o.kind) else { return nil }
        return OrgBrief(id: id, path: o.path, kind: kind, name: LocalizedText.fromJSON(o.nameJSON))
    }

    static func brief(_ r: any SQLRow) throws -> PersonBrief {
        PersonBrief(id: try r.decode(column: "id", as: UUID.self), fullName: try r.decode(column: "full_name", as: String.self),
                    sortKey: try r.decode(column: "sort_key", as: String.self),
                    username: try r.decodeNil(column: "username") ? nil : try r.decode(column: "username", as: String.self))
    }
}
