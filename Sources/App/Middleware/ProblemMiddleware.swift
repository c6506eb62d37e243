import Foundation
import Vapor
import Platform
import Courses

/// RFC 9457 problem details, the one error shape of the JSON API.
struct ProblemDetails: Content {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var code: String
    var instance: String?
    var requestId: String
    var errors: [ProblemField]?
}

struct ProblemField: Content, Equatable {
    var field: String
    var line: Int?
    var file: String?
    var reason: String
    var code: String
}

/// Turns every error into a localised answer: problem+json for the API, a friendly page
/// for people. Unknown errors are logged with the request id and shown as a 500 without
/// internals; each such 500 is a bug to fix.
struct ProblemMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            return await render(error, for: request)
        }
    }

    func render(_ error: any Error, for request: Request) async -> Response {
        let domain = Self.domainError(from: error, request: request)
        let status = HTTPResponseStatus(statusCode: domain?.status ?? 500)
        if domain == nil {
            request.logger.error("unhandled error: \(String(reflecting: error))")
        } else if status.code >= 500 {
            request.logger.error("\(error)")
        }
        let code = domain?.code ?? "internal"
        let title = request.t(domain?.titleKey ?? "problem.internal")
        let detail = request.t(domain?.detailKey ?? "error.internal", domain?.detailArguments ?? [])
        let fields = domain?.problems.map {
            ProblemField(field: $0.field, line: $0.line, file: $0.file, reason: request.t($0.reason, $0.arguments), code: $0.reason)
        }
        var headers = HTTPHeaders()
        if let retry = domain?.retryAfter { headers.add(name: .retryAfter, value: String(retry)) }
        if request.url.path.hasPrefix("/api/v1/uploads") {
            // tus clients read these on every answer, errors included.
            headers.add(name: "Tus-Resumable", value: TusAPI.version)
            headers.add(name: "Tus-Version", value: TusAPI.version)
        }

        if request.isXAPI {
            // xAPI clients read the version on every answer; a missing credential asks for Basic.
            headers.add(name: XAPIController.versionHeader, value: XAPIService.version)
            if status == .unauthorized { headers.add(name: .wwwAuthenticate, value: "Basic realm=\"xAPI\"") }
        }
        if request.isAPI || request.isXAPI || request.isLTIService || request.headers.accept.mediaTypes.contains(.json) && !request.headers.accept.mediaTypes.contains(.html) {
            let body = ProblemDetails(type: "urn:educommons:problem:\(code)", title: title, status: Int(status.code), detail: detail,
                                      code: code, instance: request.url.path, requestId: request.requestID,
                                      errors: (fields?.isEmpty ?? true) ? nil : fields)
            headers.contentType = HTTPMediaType(type: "application", subType: "problem+json", parameters: ["charset": "utf-8"])
            let data = (try? JSONEncoder().encode(body)) ?? Data("{}".utf8)
            return Response(status: status, headers: headers, body: .init(data: data))
        }
        // A page that needs sign-in sends the person to the sign-in form instead.
        if domain?.status == 401 {
            // The query comes along: a launch or a search goes on where it was after signing in.
            let path = request.url.path.hasPrefix("/") && !request.url.path.hasPrefix("//") ? request.url.path : "/"
            let next = request.method == .GET ? request.url.query.map { path + "?" + $0 } ?? path : path
            return request.redirect(to: "/signin?next=\(next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/")")
        }
        do {
            let page = ErrorPage(base: await PageBase.make(request, title: title), status: Int(status.code),
                                 title: title, detail: detail, problems: fields ?? [])
            let view = try await request.view.render("error", page)
            let response = try await view.encodeResponse(status: status, for: request)
            for (n, v) in headers { response.headers.replaceOrAdd(name: n, value: v) }
            return response
        } catch {
            request.logger.error("error page failed: \(error)")
            return Response(status: status, body: .init(string: "\(status.code) \(title)\n\(detail)"))
        }
    }

    /// Framework errors are mapped to the same domain cases, so a malformed JSON body or
    /// a bad UUID in the path reads like every other validation error.
    static func domainError(from error: any Error, request: Request) -> DomainError? {
        if let d = error as? DomainError { return d }
        if error is DecodingError { return .malformed(reason: "error.malformed-json") }
        if let abort = error as? any AbortError {
            switch abort.status.code {
            case 400: return .malformed(reason: "error.malformed")
            case 401: return .unauthenticated()
            case 403: return .forbidden()
            case 404: return .notFound(entity: "resource")
            case 413: return .invalid(field: "body", reason: "validation.body-too-large")
            case 415: return .unsupportedMediaType()
            case 422: return .malformed(reason: "error.malformed")
            case 405: return .notFound(entity: "resource")
            default: return nil
            }
        }
        return nil
    }
}
