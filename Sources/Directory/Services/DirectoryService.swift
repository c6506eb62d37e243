import Foundation
import FluentKit
import SQLKit
import Platform

/// The directory's public face: organisations, people, roles, guardians and consent.
/// Every method takes the acting `Actor` and checks permission itself, so the API, the
/// pages, the command line and the importer all get the same answer.
public struct DirectoryService: Sendable {
    public let db: any Database
    public let ctx: DirectoryContext

    public init(db: any Database, ctx: DirectoryContext) {
        self.db = db
        self.ctx = ctx
    }

    // MARK: visibility

    /// May `actor` see this person? Themselves, their wards, or anyone holding a role
    /// inside an organisation where the actor may view people.
    public func canView(personID: UUID, actor: Actor) async throws -> Bool {
        if actor.isSystem || actor.personID == personID { return true }
        if let me = actor.personID, try await Scope.isGuardian(me, of: personID, on: db) { return true }
        return try await Scope.personIsUnder(personID, prefixes: actor.prefixes(for: .viewPeople), on: db)
    }

    /// May `actor` change this person? Only through a managing role over one of the
    /// person's organisations; nobody manages themselves past their own profile fields.
    public func canManage(personID: UUID, actor: Actor) async throws -> Bool {
        if actor.isSystem { return true }
        return try await Scope.personIsUnder(personID, prefixes: actor.prefixes(for: .managePeople), on: db)
    }

    /// Loads a person the actor may see, or answers 404 so ids of other schools' pupils
    /// do not even confirm that they exist.
    func visiblePerson(_ id: UUID, actor: Actor) async throws -> Person {
        guard try await canView(personID: id, actor: actor), let p = try await Person.find(id, on: db) else {
            throw DomainError.notFound(entity: "person")
        }
        return p
    }

    func visibleOrg(_ id: UUID, actor: Actor) async throws -> Organisation {
        guard let org = try await Organisation.find(id, on: db), canView(org: org, actor: actor) else {
            throw DomainError.notFound(entity: "organisation")
        }
        return org
    }

    /// Organisations are visible inside a viewing grant's subtree, and the ancestors of
    /// any organisation where the actor holds a role (a pupil sees their district's name).
    func canView(org: Organisation, actor: Actor) -> Bool {
        if actor.isSystem { return true }
        return actor.grants.contains { g in
            (org.path.hasPrefix(g.orgPath) && g.capabilities.contains(.viewOrganisations)) || g.orgPath.hasPrefix(org.path)
        }
    }

    // MARK: DTOs

    func dto(_ org: Organisation, locale: AppLocale) -> OrgDTO {
        OrgDTO(id: org.id!, kind: org.kind, code: org.code, parentID: org.parentID, path: org.path, name: org.name,
               displayName: org.name.pick(locale), country: org.country, timeZone: org.timeZone, status: org.status)
    }

    func roles(of personIDs: [UUID], locale: AppLocale) async throws -> [UUID: [RoleDTO]] {
        guard !personIDs.isEmpty else { return [:] }
        let grants = try await RoleGrant.query(on: db).filter(\.$personID ~~ personIDs).all()
        let orgIDs = Array(Set(grants.map(\.orgID)))
        let orgs = try await Organisation.query(on: db).filter(\.$id ~~ orgIDs).all()
        let byID = Dictionary(uniqueKeysWithValues: orgs.map { ($0.id!, $0) })
        var out: [UUID: [RoleDTO]] = [:]
        for g in grants {
            guard let o = byID[g.orgID] else { continue }
            out[g.personID, default: []].append(RoleDTO(role: g.role, orgID: o.id!, orgName: o.name.pick(locale), orgKind: o.kind))
        }
        for k in out.keys { out[k]!.sort { ($0.orgKind, $0.role) < ($1.orgKind, $1.role) } }
        return out
    }

    func dto(_ p: Person, roles: [RoleDTO], username: String?) -> PersonDTO {
        PersonDTO(id: p.id!, fullName: p.fullName, familyName: p.familyName, middleName: p.middleName,
                  givenName: p.givenName, birthDate: p.birthDate, gender: p.gender, country: p.country,
                  nationalID: p.nationalID, email: p.email, phone: p.phone, address: p.address,
                  preferredLanguage: p.preferredLocale, username: username, orgID: p.orgID, roles: roles, status: p.status)
    }

    func personDTO(_ p: Person, locale: AppLocale) async throws -> PersonDTO {
        let r = try await roles(of: [p.id!], locale: locale)[p.id!] ?? []
        let account = try await Account.query(on: db).filter(\.$personID == p.id!).first()
        return dto(p, roles: r, username: account?.username)
    }
}
