import Foundation
import Vapor
import Platform
import Directory

struct RoleRequest: Decodable { var orgId: UUID; var role: String }
struct CorrectionRequest: Decodable { var nationalId: String; var reason: String }
struct GuardianRequest: Decodable { var guardianId: UUID; var relationship: String }

/// People: search, read, create, edit, roles, guardians, consent. Each handler decodes,
/// calls one service method, and returns its DTO; the service checks permission.
struct PeopleAPI {
    /// `GET /api/v1/people?q=&orgId=&role=&limit=&cursor=`
    @Sendable func search(req: Request) async throws -> JSON<ListPage<PersonSummaryDTO>> {
        let actor = try req.requireActor()
        let orgID = try req.query[String.self, at: "orgId"].map { s -> UUID in
            guard let id = UUID(uuidString: s) else { throw DomainError.invalid(field: "orgId", reason: "validation.uuid") }
            return id
        }
        let page = try await req.directory.searchPeople(query: req.query[String.self, at: "q"], orgID: orgID,
                                                        role: req.query[String.self, at: "role"],
                                                        limit: req.query[Int.self, at: "limit"],
                                                        cursor: req.query[String.self, at: "cursor"], actor: actor)
        return JSON(page)
    }

    /// `GET /api/v1/people/{id}`
    @Sendable func show(req: Request) async throws -> JSON<PersonDTO> {
        JSON(try await req.directory.person(try req.uuid("id"), actor: try req.requireActor()))
    }

    /// `POST /api/v1/people`
    @Sendable func create(req: Request) async throws -> JSON<PersonDTO> {
        let actor = try req.requireActor()
        let input = try req.decodeJSON(NewPerson.self)
        return JSON(try await req.directory.createPerson(input, actor: actor), status: .created)
    }

    /// `PATCH /api/v1/people/{id}`
    @Sendable func update(req: Request) async throws -> JSON<PersonDTO> {
        let actor = try req.requireActor()
        let patch = try req.decodeJSON(PersonPatch.self)
        return JSON(try await req.directory.updatePerson(try req.uuid("id"), patch, actor: actor))
    }

    /// `POST /api/v1/people/{id}/national-id-corrections`
    @Sendable func correctNationalID(req: Request) async throws -> JSON<PersonDTO> {
        let actor = try req.requireActor()
        let body = try req.decodeJSON(CorrectionRequest.self)
        return JSON(try await req.directory.correctNationalID(try req.uuid("id"), newID: body.nationalId, reason: body.reason, actor: actor))
    }

    /// `POST /api/v1/people/{id}/roles`
    @Sendable func assignRole(req: Request) async throws -> JSON<PersonDTO> {
        let actor = try req.requireActor()
        let body = try req.decodeJSON(RoleRequest.self)
        return JSON(try await req.directory.assignRole(personID: try req.uuid("id"), orgID: body.orgId, role: body.role, actor: actor))
    }

    /// `DELETE /api/v1/people/{id}/roles/{orgId}/{role}`
    @Sendable func revokeRole(req: Request) async throws -> JSON<PersonDTO> {
        let actor = try req.requireActor()
        return JSON(try await req.directory.revokeRole(personID: try req.uuid("id"), orgID: try req.uuid("orgId"),
                                                       role: req.parameters.get("role") ?? "", actor: actor))
    }

    /// `GET /api/v1/people/{id}/guardians`
    @Sendable func guardians(req: Request) async throws -> JSON<[GuardianLinkDTO]> {
        JSON(try await req.directory.guardianLinks(of: try req.uuid("id"), actor: try req.requireActor()))
    }

    /// `POST /api/v1/people/{id}/guardians`
    @Sendable func linkGuardian(req: Request) async throws -> JSON<GuardianLinkDTO> {
        let actor = try req.requireActor()
        let body = try req.decodeJSON(GuardianRequest.self)
        return JSON(try await req.directory.linkGuardian(guardianID: body.guardianId, pupilID: try req.uuid("id"),
                                                         relationship: body.relationship, actor: actor), status: .created)
    }

    /// `GET /api/v1/people/{id}/consents`
    @Sendable func consents(req: Request) async throws -> JSON<[ConsentDTO]> {
        JSON(try await req.directory.consents(of: try req.uuid("id"), actor: try req.requireActor()))
    }

    /// `POST /api/v1/people/{id}/consents`
    @Sendable func recordConsent(req: Request) async throws -> JSON<ConsentDTO> {
        let actor = try req.requireActor()
        let body = try req.decodeJSON(ConsentInput.self)
        return JSON(try await req.directory.recordConsent(subjectID: try req.uuid("id"), body, actor: actor), status: .created)
    }

    /// `POST /api/v1/people/{id}/consents/{consentId}/withdraw`
    @Sendable func withdrawConsent(req: Request) async throws -> JSON<ConsentDTO> {
        let actor = try req.requireActor()
        return JSON(try await req.directory.withdrawConsent(subjectID: try req.uuid("id"), consentID: try req.uuid("consentId"), actor: actor))
    }
}
