import Foundation
import Vapor
import Platform
import Courses

/// The Learning Record Store at `/xapi/` (xAPI 1.0.3): statements (PUT, POST, GET with
/// the specification's query parameters, voiding) and `about`. Clients authenticate with
/// HTTP Basic (a key and secret from `educommons xapi create-client`).
struct XAPIController {
    static let versionHeader: HTTPHeaders.Name = "X-Experience-API-Version"

    /// Every request but `about` names the xAPI version it speaks (1.0.x).
    func checkVersion(_ req: Request) throws {
        guard let v = req.headers.first(name: Self.versionHeader), v == "1.0" || v.hasPrefix("1.0.") else {
            throw DomainError.badInput([FieldProblem(field: Self.versionHeader.description, reason: "xapi.version-header")])
        }
    }

    func caller(_ req: Request) async throws -> XAPICaller {
        try checkVersion(req)
        guard let basic = req.headers.basicAuthorization else { throw DomainError.unauthenticated(reason: "xapi.credentials") }
        return try await req.xapi.authenticate(key: basic.username, secret: basic.password)
    }

    func respond(_ body: some Encodable, status: HTTPStatus = .ok, extra: HTTPHeaders = [:]) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var headers = extra
        headers.contentType = .json
        headers.replaceOrAdd(name: Self.versionHeader, value: XAPIService.version)
        return Response(status: status, headers: headers, body: .init(data: try encoder.encode(body)))
    }

    func body(_ req: Request) throws -> JSONValue {
        guard req.headers.contentType?.subType == "json" else {
            // Statements with attachment bytes come as multipart/mixed; this LRS takes
            // attachments by fileUrl only, and says so.
            if req.headers.contentType?.type == "multipart" { throw DomainError.badInput([FieldProblem(field: "body", reason: "xapi.multipart")]) }
            throw DomainError.badInput([FieldProblem(field: "Content-Type", reason: "xapi.content-type")])
        }
        guard let data = req.body.data else { throw DomainError.badInput([FieldProblem(field: "body", reason: "xapi.not-json")]) }
        do { return try JSONValue.parse(Data(buffer: data)) } catch { throw DomainError.badInput([FieldProblem(field: "body", reason: "xapi.not-json")]) }
    }

    @Sendable func about(req: Request) async throws -> Response {
        try respond(["version": [XAPIService.version]])
    }

    @Sendable func post(req: Request) async throws -> Response {
        let who = try await caller(req)
        let ids = try await req.xapi.store(try body(req), caller: who)
        return try respond(ids.map { $0.uuidString.lowercased() })
    }

    @Sendable func put(req: Request) async throws -> Response {
        let who = try await caller(req)
        guard let raw = req.query[String.self, at: "statementId"] else { throw DomainError.badInput([FieldProblem(field: "statementId", reason: "xapi.required")]) }
        guard let id = UUID(uuidString: raw) else { throw DomainError.badInput([FieldProblem(field: "statementId", reason: "xapi.uuid")]) }
        try await req.xapi.put(id: id, try body(req), caller: who)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: Self.versionHeader, value: XAPIService.version)
        return Response(status: .noContent, headers: headers)
    }

    static let parameters: Set<String> = ["statementId", "voidedStatementId", "agent", "verb", "activity", "registration", "related_activities",
                                          "related_agents", "since", "until", "limit", "format", "attachments", "ascending", "more"]

    @Sendable func get(req: Request) async throws -> Response {
        let who = try await caller(req)
        let params = Self.query(req)
        if let unknown = params.keys.sorted().first(where: { !Self.parameters.contains($0) }) {
            throw DomainError.badInput([FieldProblem(field: unknown, reason: "xapi.unknown-parameter")])
        }
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: "X-Experience-API-Consistent-Through", value: ISO8601DateFormatter().string(from: Date()))
        func flag(_ name: String) throws -> Bool {
            guard let v = params[name] else { return false }
            guard v == "true" || v == "false" else { throw DomainError.badInput([FieldProblem(field: name, reason: "xapi.boolean")]) }
            return v == "true"
        }
        if try flag("attachments") { throw DomainError.badInput([FieldProblem(field: "attachments", reason: "xapi.multipart")]) }
        for (name, voided) in [("statementId", false), ("voidedStatementId", true)] {
            guard let raw = params[name] else { continue }
            // With one statement asked for, only format and attachments may come along.
            if let other = params.keys.sorted().first(where: { ![name, "format", "attachments"].contains($0) }) {
                throw DomainError.badInput([FieldProblem(field: other, reason: "xapi.single-with-filters")])
            }
            guard let id = UUID(uuidString: raw) else { throw DomainError.badInput([FieldProblem(field: name, reason: "xapi.uuid")]) }
            return try respond(try await req.xapi.statement(id, voided: voided, format: params["format"], caller: who), extra: headers)
        }
        var q: StatementQuery
        if let more = params["more"] {
            guard let data = Data(base64URL: more), let decoded = try? JSONDecoder().decode(StatementQuery.self, from: data) else {
                throw DomainError.badInput([FieldProblem(field: "more", reason: "xapi.more")])
            }
            q = decoded
        } else {
            q = StatementQuery()
            q.agent = params["agent"]
            q.verb = params["verb"]
            q.activity = params["activity"]
            q.registration = params["registration"]
            q.relatedActivities = try flag("related_activities")
            q.relatedAgents = try flag("related_agents")
            q.since = params["since"]
            q.until = params["until"]
            if let l = params["limit"] {
                guard let n = Int(l), n >= 0 else { throw DomainError.badInput([FieldProblem(field: "limit", reason: "xapi.limit")]) }
                q.limit = n
            }
            q.format = params["format"]
            q.ascending = try flag("ascending")
        }
        let page = try await req.xapi.query(q, caller: who)
        var more = ""
        if let next = page.more { more = "/xapi/statements?more=" + (try JSONEncoder().encode(next)).base64URLEncoded() }
        return try respond(StatementResult(statements: page.statements, more: more), extra: headers)
    }

    struct StatementResult: Encodable { var statements: [JSONValue]; var more: String }

    /// The query's parameters; "+" is a space, as form encoding (and Python's urlencode) writes it.
    static func query(_ req: Request) -> [String: String] {
        var out: [String: String] = [:]
        let raw = (req.url.query ?? "").replacingOccurrences(of: "+", with: "%20")
        for item in URLComponents(string: "?" + raw)?.queryItems ?? [] { out[item.name] = item.value ?? "" }
        return out
    }
}

extension Data {
    init?(base64URL s: String) {
        var b = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        self.init(base64Encoded: b)
    }

    func base64URLEncoded() -> String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

extension Request {
    var xapi: XAPIService { XAPIService(db: db, ctx: services.courses) }
}
