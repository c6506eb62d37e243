import Foundation

/// A role held at an organisation, resolved once per request with the organisation's
/// materialised path so scope checks are prefix comparisons with no query.
public struct Grant: Sendable, Equatable, Codable {
    public var role: Role
    public var orgID: UUID
    public var orgPath: String
    public var orgKind: OrgKind
    /// The organisation's names, so pages and `/me` need no second lookup.
    public var orgName: LocalizedText

    public init(role: Role, orgID: UUID, orgPath: String, orgKind: OrgKind, orgName: LocalizedText = LocalizedText([:])) {
        self.role = role
        self.orgID = orgID
        self.orgPath = orgPath
        self.orgKind = orgKind
        self.orgName = orgName
    }

    public var capabilities: Set<Capability> { role.capabilities(atKind: orgKind) }
}

/// Who is acting: the person, their grants, and where the request came from (for audit).
/// Every service method takes one; the CLI and jobs act as `.system`.
public struct Actor: Sendable {
    public var personID: UUID?
    public var displayName: String
    public var grants: [Grant]
    public var isSystem: Bool
    public var ipAddress: String?
    public var requestID: String?
    public var locale: AppLocale

    public init(personID: UUID?, displayName: String, grants: [Grant], isSystem: Bool = false,
                ipAddress: String? = nil, requestID: String? = nil, locale: AppLocale = .en) {
        self.personID = personID
        self.displayName = displayName
        self.grants = grants
        self.isSystem = isSystem
        self.ipAddress = ipAddress
        self.requestID = requestID
        self.locale = locale
    }

    /// The platform itself (migrations, demo seeding, command-line import).
    public static func system(_ name: String = "system") -> Actor {
        Actor(personID: nil, displayName: name, grants: [], isSystem: true)
    }

    /// Path prefixes where this actor has `capability`. Empty means nowhere.
    public func prefixes(for capability: Capability) -> [String] {
        OrgPath.minimalPrefixes(grants.filter { $0.capabilities.contains(capability) }.map(\.orgPath))
    }

    /// True when the actor may use `capability` on the organisation at `path`.
    public func can(_ capability: Capability, at path: String) -> Bool {
        if isSystem { return true }
        return grants.contains { $0.capabilities.contains(capability) && path.hasPrefix($0.orgPath) }
    }

    /// Throws 403 unless allowed; callers that must hide existence use `notFound` instead.
    public func require(_ capability: Capability, at path: String) throws {
        guard can(capability, at: path) else { throw DomainError.forbidden() }
    }

    /// Role names with the organisation they are held at, for the audit's "acting as".
    public var actingAs: String {
        if isSystem { return "system" }
        return grants.map { "\($0.role.rawValue)@\($0.orgPath)" }.sorted().joined(separator: ",")
    }
}
