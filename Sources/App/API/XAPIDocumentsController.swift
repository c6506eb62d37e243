import Foundation
import Vapor
import Platform
import Courses

/// The LRS's document resources: activity state, agent profiles, activity profiles
/// (xAPI 1.0.3 Part Three §2.3-2.6). cmi5 AUs read LMS.LaunchData from the state resource.
struct XAPIDocumentsController {
    let x = XAPIController()

    /// Which document a request names, from its query.
    func key(_ req: Request, kind: String) throws -> DocumentKey {
        let p = XAPIController.query(req)
        func required(_ name: String) throws -> String {
            guard let v = p[name], !v.isEmpty else { throw DomainError.badInput([FieldProblem(field: name, reason: "xapi.required")]) }
            return v
        }
        switch kind {
        case "state":
            if let r = p["registration"], UUID(uuidString: r) == nil { throw DomainError.badInput([FieldProblem(field: "registration", reason: "xapi.uuid")]) }
            return DocumentKey(kind: kind, activityID: try required("activityId"), agentKey: try XAPIService.documentAgent(p["agent"]),
                               registration: p["registration"]?.lowercased() ?? "", docID: p["stateId"])
        case "agentProfile":
            return DocumentKey(kind: kind, activityID: "", agentKey: try XAPIService.documentAgent(p["agent"]), registration: "", docID: p["profileId"])
        default:
            return DocumentKey(kind: kind, activityID: try required("activityId"), agentKey: "", registration: "", docID: p["profileId"])
        }
    }

    func handler(_ kind: String) -> @Sendable (Request) async throws -> Response {
        { req in try await self.handle(req, kind: kind) }
    }

    func handle(_ req: Request, kind: String) async throws -> Response {
        let who = try await x.caller(req)
        let k = try key(req, kind: kind)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: XAPIController.versionHeader, value: XAPIService.version)
        switch req.method {
        case .GET:
            if k.docID != nil {
                guard let d = try await req.xapi.document(k, caller: who) else { throw DomainError.notFound(entity: "document") }
                headers.replaceOrAdd(name: .contentType, value: d.contentType)
                headers.replaceOrAdd(name: .eTag, value: "\"\(d.etag)\"")
                headers.replaceOrAdd(name: .lastModified, value: ISO8601DateFormatter().string(from: d.updated))
                return Response(status: .ok, headers: headers, body: .init(data: d.content))
            }
            var since: Date?
            if let s = XAPIController.query(req)["since"] {
                guard let t = ISO8601DateFormatter().date(from: s) else { throw DomainError.badInput([FieldProblem(field: "since", reason: "xapi.timestamp")]) }
                since = t
            }
            return try x.respond(try await req.xapi.documentIDs(k, since: since, caller: who), extra: headers)
        case .PUT, .POST:
            let body = req.body.data.map { Data(buffer: $0) } ?? Data()
            try await req.xapi.saveDocument(k, content: body, contentType: req.headers.contentType?.description ?? "application/octet-stream",
                                            merge: req.method == .POST, ifMatch: req.headers.first(name: .ifMatch),
                                            ifNoneMatch: req.headers.first(name: .ifNoneMatch), caller: who)
            return Response(status: .noContent, headers: headers)
        case .DELETE:
            try await req.xapi.deleteDocuments(k, caller: who)
            return Response(status: .noContent, headers: headers)
        default:
            throw DomainError.badInput([FieldProblem(field: "method", reason: "xapi.method")])
        }
    }
}

/// `POST /cmi5/fetch/{token}`: a cmi5 AU's one-time request for its LRS credentials.
struct Cmi5Controller {
    @Sendable func fetch(req: Request) async throws -> Response {
        let body = try await req.courses.cmi5Fetch(token: req.parameters.get("token") ?? "")
        var headers = HTTPHeaders()
        headers.contentType = .json
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return Response(status: .ok, headers: headers, body: .init(string: body))
    }
}

/// Cross-origin access to the LRS and the cmi5 fetch URL (xAPI 1.0.3 §1.3 asks LRSs for
/// CORS): AUs run in other origins (a sandboxed package is an opaque one). Credentials
/// travel in the Authorization header, never cookies, so any origin may call.
struct CORSForLRS: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let path = request.url.path
        guard path.hasPrefix("/xapi/") || path.hasPrefix("/cmi5/") else { return try await next.respond(to: request) }
        if request.method == .OPTIONS {
            let r = Response(status: .noContent)
            Self.decorate(r)
            r.headers.replaceOrAdd(name: .accessControlAllowMethods, value: "GET, PUT, POST, DELETE, HEAD, OPTIONS")
            r.headers.replaceOrAdd(name: .accessControlAllowHeaders,
                                   value: "Authorization, Content-Type, X-Experience-API-Version, If-Match, If-None-Match")
            r.headers.replaceOrAdd(name: .accessControlMaxAge, value: "86400")
            return r
        }
        let r = try await next.respond(to: request)
        Self.decorate(r)
        return r
    }

    static func decorate(_ r: Response) {
        r.headers.replaceOrAdd(name: .accessControlAllowOrigin, value: "*")
        r.headers.replaceOrAdd(name: .accessControlExpose, value: "X-Experience-API-Version, X-Experience-API-Consistent-Through, ETag, Last-Modified")
    }
}
