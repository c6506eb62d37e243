import Foundation
import Vapor
import Platform
import Directory

struct RenameRequest: Decodable { var name: LocalizedText }
struct MoveRequest: Decodable { var parentId: UUID }

/// Organisations: search, read, create, rename, move, children, move history.
struct OrgsAPI {
    /// `GET /api/v1/orgs?q=&limit=`: without `q`, the top organisations the caller sees.
    @Sendable func search(req: Request) async throws -> JSON<ListPage<OrgDTO>> {
        let actor = try req.requireActor()
        if let q = req.query[String.self, at: "q"] {
            return JSON(ListPage(items: try await req.directory.searchOrganisations(query: q, limit: req.query[Int.self, at: "limit"], actor: actor), nextCursor: nil))
        }
        return JSON(ListPage(items: try await req.directory.children(of: nil, actor: actor), nextCursor: nil))
    }

    /// `GET /api/v1/orgs/{id}`
    @Sendable func show(req: Request) async throws -> JSON<OrgDTO> {
        JSON(try await req.directory.organisation(try req.uuid("id"), actor: try req.requireActor()))
    }

    /// `POST /api/v1/orgs`
    @Sendable func create(req: Request) async throws -> JSON<OrgDTO> {
        let actor = try req.requireActor()
        return JSON(try await req.directory.createOrganisation(try req.decodeJSON(NewOrganisation.self), actor: actor), status: .created)
    }

    /// `PATCH /api/v1/orgs/{id}`: renames.
    @Sendable func rename(req: Request) async throws -> JSON<OrgDTO> {
        let actor = try req.requireActor()
        return JSON(try await req.directory.renameOrganisation(try req.uuid("id"), name: try req.decodeJSON(RenameRequest.self).name, actor: actor))
    }

    /// `GET /api/v1/orgs/{id}/children`
    @Sendable func children(req: Request) async throws -> JSON<ListPage<OrgDTO>> {
        JSON(ListPage(items: try await req.directory.children(of: try req.uuid("id"), actor: try req.requireActor()), nextCursor: nil))
    }

    /// `POST /api/v1/orgs/{id}/move`
    @Sendable func move(req: Request) async throws -> JSON<OrgDTO> {
        let actor = try req.requireActor()
        return JSON(try await req.directory.moveOrganisation(try req.uuid("id"), to: try req.decodeJSON(MoveRequest.self).parentId, actor: actor))
    }

    /// `GET /api/v1/orgs/{id}/moves`
    @Sendable func moves(req: Request) async throws -> JSON<[OrgMoveDTO]> {
        JSON(try await req.directory.moves(of: try req.uuid("id"), actor: try req.requireActor()))
    }
}

/// `GET /api/v1/audit-events?orgId=&entityId=&limit=&cursor=`
struct AuditAPI {
    @Sendable func list(req: Request) async throws -> JSON<ListPage<AuditEventDTO>> {
        let actor = try req.requireActor()
        func id(_ name: String) throws -> UUID? {
            try req.query[String.self, at: name].map { s in
                guard let u = UUID(uuidString: s) else { throw DomainError.invalid(field: name, reason: "validation.uuid") }
                return u
            }
        }
        return JSON(try await req.auditLog.events(orgID: try id("orgId"), entityID: try id("entityId"),
                                                  limit: req.query[Int.self, at: "limit"], cursor: req.query[String.self, at: "cursor"], actor: actor))
    }
}
