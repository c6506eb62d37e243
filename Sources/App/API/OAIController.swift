import Foundation
import Vapor
import Platform
import Library

/// `GET|POST /oai`: the OAI-PMH 2.0 endpoint. Protocol errors are answered in the
/// protocol's own form (HTTP 200 with an `<error code=...>` element), as harvesters expect.
struct OAIController {
    @Sendable func handle(req: Request) async throws -> Response {
        let config = req.services.config
        let provider = OAIProvider(library: req.library, repositoryIdentifier: config.oaiRepositoryID,
                                   repositoryName: config.repositoryName, adminEmail: config.adminEmail)
        let base = req.publicBaseURL
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/xml; charset=utf-8")
        var raw = req.url.query ?? ""
        if req.method == .POST {
            // A harvester reads XML, not our HTML error page: the refusal is in the
            // protocol's form, with the HTTP status that names the problem.
            guard req.headers.contentType == .urlEncodedForm else {
                let xml = provider.refusal(code: "badArgument", message: "POST requests must be application/x-www-form-urlencoded.",
                                           baseURL: base + "/oai")
                return Response(status: .unsupportedMediaType, headers: headers, body: .init(string: xml))
            }
            raw = req.body.data.map { String(buffer: $0) } ?? ""
        }
        let xml = try await provider.respond(arguments: Self.arguments(raw), baseURL: base + "/oai",
                                             resourceURL: { base + "/library/\($0.uuidString.lowercased())" })
        return Response(status: .ok, headers: headers, body: .init(string: xml))
    }

    /// Form-encoded pairs in order, repeats kept (the protocol must see them to refuse them).
    static func arguments(_ raw: String) -> [(String, String)] {
        raw.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }
}

extension Request {
    /// The address this server is reached at, from the Host header (the front proxy sets
    /// it), for links in protocol responses.
    var publicBaseURL: String {
        let host = headers.first(name: .host) ?? "127.0.0.1:\(application.http.server.configuration.port)"
        let scheme = headers.first(name: "X-Forwarded-Proto") == "https" ? "https" : "http"
        return "\(scheme)://\(host)"
    }
}
