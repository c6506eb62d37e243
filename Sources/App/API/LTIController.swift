import Foundation
import Vapor
import Platform
import Courses

/// LTI 1.3 platform endpoints: the key set, the OIDC authentication request, the token
/// endpoint, the deep-linking return and Assignment and Grade Services (issue #5 §6).
struct LTIController {
    /// `GET /lti/jwks`: public, stable, cached briefly by tools.
    @Sendable func jwks(req: Request) async throws -> Response {
        let body = try await req.courses.platformJWKS()
        var headers = HTTPHeaders()
        headers.contentType = .json
        headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=300")
        return Response(status: .ok, headers: headers, body: .init(string: body))
    }

    /// `GET|POST /lti/authorize`: the tool sends the browser here; the answer is a page
    /// that posts the signed id_token to the tool.
    @Sendable func authorize(req: Request) async throws -> Response {
        var params = Self.form(req.url.query)
        if req.method == .POST { params.merge(Self.form(req.body.string)) { _, posted in posted } }
        guard let actor = req.actor else {
            // Signing in first, then back here with the same request (as a GET).
            var c = URLComponents()
            c.queryItems = params.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
            let next = "/lti/authorize?" + (c.percentEncodedQuery ?? "")
            return req.redirect(to: "/signin?next=\(next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/")")
        }
        let answer = try await req.courses.authorize(params, actor: actor)
        var fields = [LTILoginInitiation.Field(name: "id_token", value: answer.idToken)]
        if let s = answer.state { fields.append(.init(name: "state", value: s)) }
        return try await Self.handOver(req, to: answer.redirectUri, fields: fields, heading: req.t("lti.opening"), message: req.t("lti.opening-help"))
    }

    /// A page whose form carries a launch's fields to another site. Its policy lets forms
    /// go to that site alone.
    static func handOver(_ req: Request, to action: String, fields: [LTILoginInitiation.Field], heading: String, message: String) async throws -> Response {
        struct Page: Encodable, Sendable { var base: PageBase; var heading: String; var message: String; var action: String; var fields: [LTILoginInitiation.Field] }
        let page = Page(base: await PageBase.make(req, title: heading), heading: heading, message: message, action: action, fields: fields)
        let response = try await req.page("lti-post", page)
        let origin = URL(string: action).flatMap { u in u.scheme.map { "\($0)://\(u.host ?? "")\(u.port.map { ":\($0)" } ?? "")" } } ?? "'none'"
        response.headers.replaceOrAdd(name: "Content-Security-Policy",
                                      value: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self' \(origin)")
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    /// `POST /lti/token`: OAuth 2 errors are answered the OAuth way.
    @Sendable func token(req: Request) async throws -> Response {
        let form = Self.form(req.body.string)
        do {
            let t = try await req.courses.token(form)
            let response = try await t.encodeResponse(status: .ok, for: req)
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
            return response
        } catch let e as LTIOAuthError {
            struct OAuthError: Content { var error: String; var error_description: String }
            return try await OAuthError(error: e.code, error_description: e.description).encodeResponse(status: HTTPStatus(statusCode: e.status), for: req)
        }
    }

    /// `POST /lti/deep-link-return`: the tool's content for a lesson, shown as a page.
    @Sendable func deepLinkReturn(req: Request) async throws -> Response {
        let jwt = Self.form(req.body.string)["JWT"]
        guard let jwt, !jwt.isEmpty else { throw DomainError.invalid(field: "JWT", reason: "validation.required") }
        let result = try await req.courses.deepLinkReturn(jwt: jwt)
        struct Page: Encodable, Sendable {
            var base: PageBase; var courseId: String; var added: [String]; var count: String; var skipped: [String]; var message: String?; var toolError: String?
        }
        let page = Page(base: await PageBase.make(req, title: req.t("lti.added.title")), courseId: result.courseId.uuidString,
                        added: result.added.map(\.title), count: String(result.added.count), skipped: result.skipped,
                        message: result.message, toolError: result.toolError)
        return try await req.page("lti-added", page, status: result.added.isEmpty ? .ok : .created)
    }

    // MARK: Assignment and Grade Services

    func caller(_ req: Request) async throws -> LTIServiceCaller {
        try await req.courses.serviceCaller(bearer: req.headers.bearerAuthorization?.token)
    }

    static let lineItemType = HTTPMediaType(type: "application", subType: "vnd.ims.lis.v2.lineitem+json")
    static let containerType = HTTPMediaType(type: "application", subType: "vnd.ims.lis.v2.lineitemcontainer+json")
    static let resultsType = HTTPMediaType(type: "application", subType: "vnd.ims.lis.v2.resultcontainer+json")

    static func json(_ value: some Encodable, _ type: HTTPMediaType, status: HTTPStatus = .ok) throws -> Response {
        let data = try JSONEncoder().encode(value)
        var headers = HTTPHeaders()
        headers.contentType = type
        return Response(status: status, headers: headers, body: .init(data: data))
    }

    static func decode<T: Decodable>(_ req: Request, _ type: T.Type) throws -> T {
        guard let body = req.body.data, body.readableBytes > 0 else { throw DomainError.malformed(reason: "error.body-missing") }
        do { return try JSONDecoder().decode(T.self, from: body) } catch { throw DomainError.malformed(reason: "error.malformed-json") }
    }

    @Sendable func lineItems(req: Request) async throws -> Response {
        let c = try await caller(req)
        let items = try await req.courses.lineItems(courseID: try req.uuid("id"), resourceLinkID: req.query["resource_link_id"],
                                                    resourceID: req.query["resource_id"], tag: req.query["tag"], limit: req.query["limit"], caller: c)
        return try Self.json(items, Self.containerType)
    }

    @Sendable func createLineItem(req: Request) async throws -> Response {
        let c = try await caller(req)
        let made = try await req.courses.createLineItem(courseID: try req.uuid("id"), try Self.decode(req, NewLineItem.self), caller: c)
        return try Self.json(made, Self.lineItemType, status: .created)
    }

    @Sendable func lineItem(req: Request) async throws -> Response {
        try Self.json(try await req.courses.lineItem(try req.uuid("id"), caller: try await caller(req)), Self.lineItemType)
    }

    @Sendable func updateLineItem(req: Request) async throws -> Response {
        let c = try await caller(req)
        return try Self.json(try await req.courses.updateLineItem(try req.uuid("id"), try Self.decode(req, NewLineItem.self), caller: c), Self.lineItemType)
    }

    @Sendable func deleteLineItem(req: Request) async throws -> Response {
        try await req.courses.deleteLineItem(try req.uuid("id"), caller: try await caller(req))
        return Response(status: .noContent)
    }

    @Sendable func score(req: Request) async throws -> Response {
        let c = try await caller(req)
        try await req.courses.postScore(lineItemID: try req.uuid("id"), try Self.decode(req, ScoreInput.self), caller: c)
        return Response(status: .noContent)
    }

    @Sendable func results(req: Request) async throws -> Response {
        let c = try await caller(req)
        let list = try await req.courses.results(lineItemID: try req.uuid("id"), userID: req.query["user_id"], limit: req.query["limit"], caller: c)
        return try Self.json(list, Self.resultsType)
    }

    // MARK: registration API

    @Sendable func tools(req: Request) async throws -> [LTIToolDTO] {
        try await req.courses.tools(actor: try req.requireActor())
    }

    @Sendable func register(req: Request) async throws -> Response {
        let made = try await req.courses.registerTool(try req.content.decode(NewLTITool.self), actor: try req.requireActor())
        return try await made.encodeResponse(status: .created, for: req)
    }

    @Sendable func setEnabled(req: Request) async throws -> LTIToolDTO {
        struct Body: Content { var enabled: Bool }
        return try await req.courses.setToolEnabled(try req.uuid("id"), try req.content.decode(Body.self).enabled, actor: try req.requireActor())
    }

    /// An `application/x-www-form-urlencoded` text (a body or a query) read by Vapor's own
    /// decoder; what it cannot read is an empty form, and the checks after it say what is missing.
    static func form(_ text: String?) -> [String: String] {
        guard let text, !text.isEmpty else { return [:] }
        return (try? URLEncodedFormDecoder().decode([String: String].self, from: text)) ?? [:]
    }
}

extension LTIToolDTO: Content {}
extension LTITokenDTO: Content {}
