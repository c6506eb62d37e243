import Foundation
import Vapor
import Platform
import Directory

struct TokenRequest: Decodable { var username: String; var password: String }
struct PasswordChangeRequest: Decodable { var currentPassword: String; var newPassword: String }
struct MeResponse: Codable, Sendable { var person: PersonDTO; var language: String }

/// Sign-in for API clients, the caller's identity, password change and the API document.
struct AuthAPI {
    /// `POST /api/v1/auth/token`: username and password for a bearer token.
    @Sendable func token(req: Request) async throws -> JSON<IssuedToken> {
        let body = try req.decodeJSON(TokenRequest.self)
        let issued = try await req.auth.signIn(username: body.username, password: body.password, kind: .api, ip: req.clientIP)
        return JSON(issued, status: .created)
    }

    /// `DELETE /api/v1/auth/token`: revokes the token that made the request.
    @Sendable func revoke(req: Request) async throws -> HTTPStatus {
        _ = try req.requireActor()
        if let raw = req.rawToken { try await req.auth.revoke(token: raw) }
        return .noContent
    }

    /// `POST /api/v1/auth/password`: changes the caller's password; other tokens are revoked.
    @Sendable func changePassword(req: Request) async throws -> HTTPStatus {
        let actor = try req.requireActor()
        let body = try req.decodeJSON(PasswordChangeRequest.self)
        try await req.auth.changePassword(actor: actor, current: body.currentPassword, new: body.newPassword, keepTokenID: req.tokenID)
        return .noContent
    }

    /// `GET /api/v1/me`: the caller and their roles.
    @Sendable func me(req: Request) async throws -> JSON<MeResponse> {
        let actor = try req.requireActor()
        let person = try await req.directory.me(actor: actor)
        return JSON(MeResponse(person: person, language: req.locale.rawValue))
    }

    /// `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of this API.
    @Sendable func openAPI(req: Request) async throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .json
        headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=300")
        return Response(status: .ok, headers: headers, body: .init(buffer: req.services.openAPI))
    }
}
