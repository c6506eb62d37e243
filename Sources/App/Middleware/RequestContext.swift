import Foundation
import Vapor
import Synchronization
import Platform
import Directory

/// Per-request values set by `RequestContextMiddleware`: the request id, the reader's
/// language and, once authenticated, the acting person.
extension Request {
    private struct ActorKey: StorageKey { typealias Value = Actor }
    private struct LocaleKey: StorageKey { typealias Value = AppLocale }
    private struct RequestIDKey: StorageKey { typealias Value = String }
    private struct TokenIDKey: StorageKey { typealias Value = UUID }
    private struct RawTokenKey: StorageKey { typealias Value = String }

    /// The signed-in actor, if any.
    var actor: Actor? {
        get { storage[ActorKey.self] }
        set { storage[ActorKey.self] = newValue }
    }

    /// The signed-in actor, or 401.
    func requireActor() throws -> Actor {
        guard let a = actor else { throw DomainError.unauthenticated() }
        return a
    }

    var locale: AppLocale {
        get { storage[LocaleKey.self] ?? .en }
        set { storage[LocaleKey.self] = newValue }
    }

    var requestID: String {
        get { storage[RequestIDKey.self] ?? "-" }
        set { storage[RequestIDKey.self] = newValue }
    }

    var tokenID: UUID? {
        get { storage[TokenIDKey.self] }
        set { storage[TokenIDKey.self] = newValue }
    }

    var rawToken: String? {
        get { storage[RawTokenKey.self] }
        set { storage[RawTokenKey.self] = newValue }
    }

    var isAPI: Bool { url.path.hasPrefix("/api/") }
    /// Machine protocols with their own rules (OAI-PMH, xAPI): no page sessions, no CSRF.
    /// Requests from other systems, not from a form of ours: no CSRF token. The LTI
    /// endpoints a browser reaches from a tool's page (authorize, deep-link return) are
    /// checked by their signed tokens and launch records instead.
    var isProtocol: Bool { url.path == "/oai" || isXAPI || url.path.hasPrefix("/calendar/") || url.path.hasPrefix("/lti/") || url.path.hasPrefix("/cmi5/") }
    /// LTI calls made by a tool's server; errors are JSON.
    var isLTIService: Bool { url.path.hasPrefix("/lti/ags/") || url.path == "/lti/token" || url.path == "/lti/jwks" }
    var isXAPI: Bool { url.path.hasPrefix("/xapi/") || url.path.hasPrefix("/cmi5/") }

    /// Client address for the audit log: the socket peer, or, when the peer is a proxy the
    /// operator listed in EDUCOMMONS_TRUSTED_PROXIES, the address that proxy reports (the
    /// last entry of X-Forwarded-For, the one the proxy itself appended).
    var clientIP: String? {
        let peer = remoteAddress?.ipAddress
        guard let peer, services.config.trustedProxies.contains(peer),
              let forwarded = headers.first(name: "X-Forwarded-For")?.split(separator: ",").last?.trimmingCharacters(in: .whitespaces),
              !forwarded.isEmpty, forwarded.count <= 45 else { return peer }
        return forwarded
    }
}

enum SessionCookie {
    static let name = "ec_session"
    static let languageCookie = "ec_lang"
}

/// Request ids: a random prefix per process and a counter. Unique and cheap; they need not
/// be unguessable. (Foundation's UUID() opens /dev/urandom on every call on Linux, which an
/// exam storm's profile showed once per request.)
enum RequestIDs {
    private static let prefix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
    private static let counter = Atomic<UInt64>(0)

    static func next() -> String {
        prefix + "-" + String(counter.add(1, ordering: .relaxed).newValue, radix: 36)
    }
}

/// Sets request id, language and actor for every request, and logs one line per request.
/// Authentication here only identifies; each service decides what the actor may do.
struct RequestContextMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let incoming = request.headers.first(name: "X-Request-ID").flatMap { $0.count <= 64 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } ? $0 : nil }
        request.requestID = incoming ?? RequestIDs.next()
        request.logger[metadataKey: "request-id"] = .string(request.requestID)

        // Language before identity, so even a refused token gets its answer in the
        // reader's language; then the person's own preference, unless ?lang= says otherwise.
        // (The query and the cookies are parsed only when the request has them: this runs for every request.)
        let chosen = request.url.query == nil ? nil : request.query[String.self, at: "lang"].flatMap(AppLocale.init(tag:))
        let cookie = request.headers.first(name: .cookie) == nil ? nil
            : request.cookies[SessionCookie.languageCookie].flatMap { AppLocale(tag: $0.string) }
        request.locale = chosen ?? cookie
            ?? AppLocale.negotiate(acceptLanguage: request.headers.first(name: .acceptLanguage))
            ?? request.services.config.defaultLocale
        let identity = try await identify(request)
        if chosen == nil, let preferred = identity?.preferredLocale { request.locale = preferred }
        if let identity {
            request.actor = Actor(personID: identity.personID, displayName: identity.displayName, grants: identity.grants,
                                  ipAddress: request.clientIP, requestID: request.requestID, locale: request.locale)
            request.tokenID = identity.tokenID
        }
        let response = try await next.respond(to: request)
        response.headers.replaceOrAdd(name: "X-Request-ID", value: request.requestID)
        if let q = chosen {
            response.cookies[SessionCookie.languageCookie] = HTTPCookies.Value(string: q.rawValue, maxAge: 365 * 86400, path: "/", isHTTPOnly: true, sameSite: .lax)
        }
        response.headers.replaceOrAdd(name: "Content-Language", value: request.locale.rawValue)
        return response
    }

    /// The file behind a page's viewer (`<video>`, `<iframe>`, `<img>`): the browser sends
    /// the session cookie, not a bearer token. Only reads of resource content, which can
    /// change nothing (and SameSite keeps the cookie off other sites' requests).
    static func isPageMedia(_ request: Request) -> Bool {
        guard request.method == .GET || request.method == .HEAD else { return false }
        let parts = request.url.path.split(separator: "/")
        return parts.count == 5 && parts[0] == "api" && parts[1] == "v1" && parts[2] == "resources" && parts[4] == "content"
    }

    /// Bearer token for the API, session cookie for pages. A bad token on the API is a
    /// 401 (the client must know); a stale cookie on a page just means signed out.
    private func identify(_ request: Request) async throws -> ResolvedIdentity? {
        // An LTI tool's bearer token is the tool's, checked by the LTI services, not a person's.
        if let bearer = request.headers.bearerAuthorization?.token, !request.isLTIService {
            guard let id = try await request.auth.resolve(token: bearer, kind: .api) else {
                throw DomainError.unauthenticated(reason: "error.token-invalid")
            }
            request.rawToken = bearer
            return id
        }
        if let cookie = request.cookies[SessionCookie.name]?.string, !request.isAPI || Self.isPageMedia(request) {
            let id = try await request.auth.resolve(token: cookie, kind: .web)
            if id != nil { request.rawToken = cookie }
            return id
        }
        return nil
    }
}
