import Foundation
import FluentKit
import SQLKit
import Platform

extension DirectoryService {
    /// One organisation, if the actor may see it (404 otherwise).
    public func organisation(_ id: UUID, actor: Actor) async throws -> OrgDTO {
        dto(try await visibleOrg(id, actor: actor), locale: actor.locale)
    }

    /// Direct children of an organisation, or the roots the actor can see when `parentID`
    /// is nil, sorted by name in the reader's language.
    public func children(of parentID: UUID?, actor: Actor) async throws -> [OrgDTO] {
        let orgs: [Organisation]
        if let parentID {
            _ = try await visibleOrg(parentID, actor: actor)
            orgs = try await Organisation.query(on: db).filter(\.$parentID == parentID).all()
        } else if actor.isSystem {
            orgs = try await Organisation.query(on: db).filter(\.$parentID == nil).all()
        } else {
            // The top of each subtree the actor can see.
            let ids = actor.grants.filter { $0.capabilities.contains(.viewOrganisations) }.map(\.orgID)
            orgs = try await Organisation.query(on: db).filter(\.$id ~~ ids).all()
                .filter { o in !actor.grants.contains { $0.orgPath != o.path && o.path.hasPrefix($0.orgPath) && $0.capabilities.contains(.viewOrganisations) } }
        }
        return orgs.filter { canView(org: $0, actor: actor) }
            .map { dto($0, locale: actor.locale) }
            .sorted { TextFolding.fold($0.displayName) < TextFolding.fold($1.displayName) }
    }

    /// The chain from the root down to this organisation, for breadcrumbs.
    public func ancestors(of id: UUID, actor: Actor) async throws -> [OrgDTO] {
        let org = try await visibleOrg(id, actor: actor)
        var paths: [String] = []
        var p = "/"
        for seg in org.path.split(separator: "/") { p += seg + "/"; paths.append(p) }
        let all = try await Organisation.query(on: db).filter(\.$path ~~ paths).all()
        return all.sorted { $0.depth < $1.depth }.filter { canView(org: $0, actor: actor) }.map { dto($0, locale: actor.locale) }
    }

    /// Organisations whose name matches `query` (diacritics ignored) inside the actor's view.
    public func searchOrganisations(query: String, limit: Int?, actor: Actor) async throws -> [OrgDTO] {
        if query.count > 100 { throw DomainError.invalid(field: "q", reason: "validation.too-long", arguments: ["100"]) }
        let needle = TextFolding.fold(query).filter { $0 != "%" && $0 != "_" }
        var q = Organisation.query(on: db).sort(\.$depth).sort(\.$nameSearch).limit(Paging.clamp(limit))
        if !needle.isEmpty { q = q.filter(\.$nameSearch ~~ needle) }
        if !actor.isSystem {
            let prefixes = actor.prefixes(for: .viewOrganisations)
            guard !prefixes.isEmpty else { return [] }
            q = q.group(.or) { g in for p in prefixes { g.filter(\.$path =~ p) } }
        }
        return try await q.all().map { dto($0, locale: actor.locale) }
    }

    /// Organisations of the given kinds where the actor holds `capability`, shallowest
    /// first: the choices of a form's organisation picker.
    public func organisations(where capability: Capability, kinds: Set<OrgKind>, limit: Int, actor: Actor) async throws -> [OrgDTO] {
        var q = Organisation.query(on: db).filter(\.$kind ~~ kinds.map(\.rawValue)).sort(\.$depth).sort(\.$path).limit(limit)
        if !actor.isSystem {
            let prefixes = actor.prefixes(for: capability)
            guard !prefixes.isEmpty else { return [] }
            q = q.group(.or) { g in for p in prefixes { g.filter(\.$path =~ p) } }
        }
        return try await q.all().map { dto($0, locale: actor.locale) }
    }

    /// Creates an organisation under a parent where the actor manages organisations.
    public func createOrganisation(_ input: NewOrganisation, actor: Actor, sourcedID: String? = nil) async throws -> OrgDTO {
        var problems: [FieldProblem] = []
        guard let kind = OrgKind(rawValue: input.kind) else {
            throw DomainError.invalid(field: "kind", reason: "validation.org-kind", arguments: [input.kind])
        }
        if !OrgPath.isValidCode(input.code) { problems.append(FieldProblem(field: "code", reason: "validation.org-code")) }
        problems += input.name.problems(field: "name")
        var parent: Organisation?
        if let pid = input.parentID {
            parent = try await Organisation.find(pid, on: db)
            guard let parent, canView(org: parent, actor: actor) else { throw DomainError.notFound(entity: "organisation") }
            if !parent.orgKind.allowedChildren.contains(kind) {
                problems.append(FieldProblem(field: "kind", reason: "validation.org-kind-under", arguments: [kind.rawValue, parent.kind]))
            }
            try actor.require(.manageOrganisations, at: parent.path)
        } else {
            // A new root (a nation) is created only by the platform itself or a root admin.
            guard actor.isSystem || actor.grants.contains(where: { $0.role == .administrator && $0.orgPath.split(separator: "/").count == 1 }) else {
                throw DomainError.forbidden()
            }
        }
        let timeZone = input.timeZone ?? parent?.timeZone ?? ctx.rules.rules(for: input.country ?? parent?.country ?? "VN").timeZone
        if TimeZone(identifier: timeZone) == nil { problems.append(FieldProblem(field: "timeZone", reason: "validation.time-zone")) }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }

        let org = Organisation()
        org.id = UUID()
        org.kind = kind.rawValue
        org.code = input.code
        org.parentID = parent?.id
        org.path = OrgPath.child(of: parent?.path ?? "/", code: input.code)
        org.depth = (parent?.depth ?? -1) + 1
        org.name = input.name
        org.country = (input.country ?? parent?.country ?? "VN").uppercased()
        org.timeZone = timeZone
        org.status = "active"
        org.sourcedID = sourcedID
        org.attributesJSON = "{}"
        if try await Organisation.query(on: db).filter(\.$path == org.path).first() != nil {
            throw DomainError.conflict(reason: "error.org-code-taken", arguments: [input.code])
        }
        try await db.transaction { tx in
            try await org.create(on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "org.create", entityType: "organisation",
                                       entityID: org.id, orgID: org.id, orgPath: org.path,
                                       changes: AuditChange.diff([("name", nil, org.nameJSON), ("kind", nil, org.kind), ("path", nil, org.path)]))
        }
        return dto(org, locale: actor.locale)
    }

    /// Renames an organisation (all languages given replace the old names).
    public func renameOrganisation(_ id: UUID, name: LocalizedText, actor: Actor) async throws -> OrgDTO {
        let org = try await visibleOrg(id, actor: actor)
        try actor.require(.manageOrganisations, at: org.path)
        let problems = name.problems(field: "name")
        guard problems.isEmpty else { throw DomainError.invalid(problems) }
        let before = org.nameJSON
        org.name = name
        guard before != org.nameJSON else { return dto(org, locale: actor.locale) }
        try await db.transaction { tx in
            try await org.save(on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "org.rename", entityType: "organisation",
                                       entityID: org.id, orgID: org.id, orgPath: org.path,
                                       changes: [AuditChange(field: "name", before: before, after: org.nameJSON)])
        }
        return dto(org, locale: actor.locale)
    }

    /// Moves an organisation (a school to another district). Its id stays, so its people,
    /// classes and records follow; the paths of its whole subtree are rewritten in one
    /// transaction and the move is kept in `org_moves` for historical roll-ups.
    public func moveOrganisation(_ id: UUID, to newParentID: UUID, actor: Actor) async throws -> OrgDTO {
        let org = try await visibleOrg(id, actor: actor)
        let newParent = try await visibleOrg(newParentID, actor: actor)
        try actor.require(.manageOrganisations, at: org.path)
        try actor.require(.manageOrganisations, at: newParent.path)
        if newParent.path.hasPrefix(org.path) {
            throw DomainError.invalid(field: "parentId", reason: "validation.org-move-cycle")
        }
        if !newParent.orgKind.allowedChildren.contains(org.orgKind) {
            throw DomainError.invalid(field: "parentId", reason: "validation.org-kind-under", arguments: [org.kind, newParent.kind])
        }
        let oldPath = org.path
        let newPath = OrgPath.child(of: newParent.path, code: org.code)
        if oldPath == newPath { return dto(org, locale: actor.locale) }
        if try await Organisation.query(on: db).filter(\.$path == newPath).first() != nil {
            throw DomainError.conflict(reason: "error.org-code-taken", arguments: [org.code])
        }
        let depthDelta = newParent.depth + 1 - org.depth
        let oldParent = org.parentID
        let now = ctx.clock.now()
        try await db.transaction { tx in
            let subtree = try await Organisation.query(on: tx).filter(\.$path =~ oldPath).all()
            for o in subtree {
                o.path = newPath + o.path.dropFirst(oldPath.count)
                o.depth += depthDelta
                if o.id == org.id { o.parentID = newParent.id }
                try await o.save(on: tx)
            }
            let move = OrgMove()
            move.orgID = org.id!
            move.fromParentID = oldParent
            move.toParentID = newParent.id!
            move.fromPath = oldPath
            move.toPath = newPath
            move.movedAt = now
            move.movedBy = actor.personID
            try await move.create(on: tx)
            for hook in ctx.orgMoveHooks { try await hook(tx, oldPath, newPath) }
            try await ctx.audit.record(on: tx, actor: actor, action: "org.move", entityType: "organisation",
                                       entityID: org.id, orgID: org.id, orgPath: newPath,
                                       changes: [AuditChange(field: "path", before: oldPath, after: newPath),
                                                 AuditChange(field: "parentId", before: oldParent?.uuidString, after: newParent.id?.uuidString)])
        }
        return try await organisation(id, actor: actor)
    }

    /// Earlier positions of an organisation in the tree, newest first.
    public func moves(of id: UUID, actor: Actor) async throws -> [OrgMoveDTO] {
        _ = try await visibleOrg(id, actor: actor)
        return try await OrgMove.query(on: db).filter(\.$orgID == id).sort(\.$movedAt, .descending).all()
            .map { OrgMoveDTO(fromPath: $0.fromPath, toPath: $0.toPath, movedAt: $0.movedAt) }
    }

    /// Looks an organisation up by its path or code path, for the command line.
    public func organisation(path: String, actor: Actor) async throws -> OrgDTO {
        guard let org = try await Organisation.query(on: db).filter(\.$path == path).first(), canView(org: org, actor: actor) else {
            throw DomainError.notFound(entity: "organisation")
        }
        return dto(org, locale: actor.locale)
    }
}

public struct OrgMoveDTO: Sendable, Codable, Equatable {
    public var fromPath: String
    public var toPath: String
    public var movedAt: Date
}
