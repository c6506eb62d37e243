import Foundation
import Vapor
import Platform

/// Double-submit CSRF protection for page forms: a random token lives in an HttpOnly,
/// SameSite=Lax cookie and in every form; a POST whose form field does not match is
/// refused. The API uses bearer tokens, which browsers never attach by themselves.
struct CSRFMiddleware: AsyncMiddleware {
    static let cookie = "ec_csrf"
    static let field = "_csrf"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.isAPI || request.isProtocol { return try await next.respond(to: request) }
        let existing = request.cookies[Self.cookie].flatMap { (32...64).contains($0.string.count) ? $0.string : nil }
        request.csrfToken = existing ?? Digest.randomToken()
        if request.method == .POST, request.headers.contentType?.type == "multipart",
           request.url.path.hasPrefix("/library/") || request.url.path.hasPrefix("/course-items/") {
            // File uploads stream to disk; collecting them here to read one field would hold
            // a whole video in memory. Their forms carry the token in the action URL instead.
            let sent = request.query[String.self, at: Self.field] ?? request.headers.first(name: "X-CSRF-Token") ?? ""
            guard let existing, Digest.constantTimeEqual(sent, existing) else {
                throw DomainError.forbidden(reason: "error.csrf")
            }
        } else if request.method == .POST {
            // Route-level body collection runs after global middleware, so a large form
            // (a roster upload) is still streaming here: gather it first, within the same
            // limits the routes set.
            if request.body.data == nil {
                let limit = request.url.path.hasPrefix("/imports/") ? 64 * 1024 * 1024 : 2 * 1024 * 1024
                _ = try await request.body.collect(max: limit).get()
            }
            let sent = (try? request.content.get(String.self, at: Self.field)) ?? request.headers.first(name: "X-CSRF-Token") ?? ""
            guard let existing, Digest.constantTimeEqual(sent, existing) else {
                throw DomainError.forbidden(reason: "error.csrf")
            }
        }
        let response = try await next.respond(to: request)
        if existing == nil {
            response.cookies[Self.cookie] = HTTPCookies.Value(string: request.csrfToken, path: "/", isHTTPOnly: true, sameSite: .lax)
        }
        return response
    }
}

extension Request {
    private struct CSRFKey: StorageKey { typealias Value = String }
    var csrfToken: String {
        get { storage[CSRFKey.self] ?? "" }
        set { storage[CSRFKey.self] = newValue }
    }
}
