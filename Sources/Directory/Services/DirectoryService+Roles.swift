import Foundation
import FluentKit
import Platform

extension DirectoryService {
    /// Which kinds of organisation a role may be held at.
    static func allowedKinds(for role: Role) -> Set<OrgKind> {
        switch role {
        case .administrator: Set(OrgKind.allCases)
        case .official, .inspector: [.nation, .province, .district]
        case .schoolAdmin: [.school, .university]
        case .teacher, .homeroomTeacher: [.school, .class, .university, .provider, .department]
        case .pupil: [.school, .class, .university, .provider]
        case .guardian: [.school, .class]
        case .providerAdmin: [.provider]
        case .curator: [.nation, .province, .district, .school, .university, .provider]
        }
    }

    /// Stops privilege escalation: only administrators hand out administrator, official
    /// and inspector roles; a school or provider administrator hands out the rest.
    func checkGrantable(role: Role, at org: Organisation, actor: Actor) throws {
        if !Self.allowedKinds(for: role).contains(org.orgKind) {
            throw DomainError.invalid(field: "role", reason: "validation.role-at-kind", arguments: [role.rawValue, org.kind])
        }
        if actor.isSystem { return }
        let elevated: Set<Role> = [.administrator, .official, .inspector, .curator]
        if elevated.contains(role) {
            guard actor.grants.contains(where: { $0.role == .administrator && org.path.hasPrefix($0.orgPath) }) else {
                throw DomainError.forbidden(reason: "error.role-not-grantable")
            }
        }
    }

    /// Gives a person a role at an organisation (a teacher to a class, a pupil to a school).
    public func assignRole(personID: UUID, orgID: UUID, role roleName: String, actor: Actor) async throws -> PersonDTO {
        let p = try await visiblePerson(personID, actor: actor)
        guard let role = Role(rawValue: roleName) else {
            throw DomainError.invalid(field: "role", reason: "validation.role-unknown", arguments: [roleName])
        }
        let org = try await visibleOrg(orgID, actor: actor)
        try actor.require(.managePeople, at: org.path)
        try checkGrantable(role: role, at: org, actor: actor)
        if try await RoleGrant.query(on: db).filter(\.$personID == personID).filter(\.$orgID == orgID)
            .filter(\.$role == role.rawValue).first() != nil {
            return try await personDTO(p, locale: actor.locale)
        }
        try await db.transaction { tx in
            let g = RoleGrant()
            g.personID = personID
            g.orgID = orgID
            g.role = role.rawValue
            try await g.create(on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "role.assign", entityType: "person", entityID: personID,
                                       orgID: orgID, orgPath: org.path,
                                       changes: [AuditChange(field: "role", before: nil, after: "\(role.rawValue)@\(org.path)")])
        }
        ctx.identities.invalidate(personID: personID)
        return try await personDTO(p, locale: actor.locale)
    }

    /// Takes a role away. The last role of a person can be removed; the person stays.
    public func revokeRole(personID: UUID, orgID: UUID, role roleName: String, actor: Actor) async throws -> PersonDTO {
        let p = try await visiblePerson(personID, actor: actor)
        let org = try await visibleOrg(orgID, actor: actor)
        try actor.require(.managePeople, at: org.path)
        if let role = Role(rawValue: roleName) { try checkGrantable(role: role, at: org, actor: actor) }
        guard let g = try await RoleGrant.query(on: db).filter(\.$personID == personID).filter(\.$orgID == orgID)
            .filter(\.$role == roleName).first() else {
            throw DomainError.notFound(entity: "role")
        }
        try await db.transaction { tx in
            try await g.delete(on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "role.revoke", entityType: "person", entityID: personID,
                                       orgID: orgID, orgPath: org.path,
                                       changes: [AuditChange(field: "role", before: "\(roleName)@\(org.path)", after: nil)])
        }
        ctx.identities.invalidate(personID: personID)
        return try await personDTO(p, locale: actor.locale)
    }
}
