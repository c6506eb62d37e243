import Foundation
import Testing
import VaporTesting
@testable import App

@Suite("The OpenAPI document stays true")
struct OpenAPITests {
    struct Operation: Hashable { var method: String; var path: String }

    func documented() throws -> [Operation: [String]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/Resources/openapi.json"))
        let doc = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        #expect(doc["openapi"] as? String == "3.1.0")
        var ops: [Operation: [String]] = [:]
        for (path, item) in doc["paths"] as! [String: [String: Any]] {
            for (method, op) in item {
                let responses = ((op as? [String: Any])?["responses"] as? [String: Any])?.keys.map { $0 } ?? []
                ops[Operation(method: method.uppercased(), path: path)] = responses
            }
        }
        return ops
    }

    @Test func everyAPIRouteIsDocumentedAndEveryDocumentedPathIsARoute() async throws {
        try await withTestApp { app in
            let routes = Set(app.routes.all.compactMap { route -> Operation? in
                let path = "/" + route.path.map { c -> String in
                    if case .parameter(let name) = c { return "{\(name)}" }
                    if case .catchall = c { return "{path}" }
                    return c.description
                }.joined(separator: "/")
                return path.hasPrefix("/api/") ? Operation(method: route.method.rawValue, path: path) : nil
            })
            let docs = Set(try documented().keys)
            #expect(routes.subtracting(docs).isEmpty, "undocumented: \(routes.subtracting(docs))")
            #expect(docs.subtracting(routes).isEmpty, "documented but missing: \(docs.subtracting(routes))")
        }
    }

    /// Calls every documented operation as an administrator with an empty or minimal
    /// request and checks the answer is one of the statuses the document lists.
    @Test func everyDocumentedOperationAnswersADocumentedStatus() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let ops = try documented()
            for (op, statuses) in ops.sorted(by: { $0.key.path + $0.key.method < $1.key.path + $1.key.method }) {
                if op.path.hasSuffix("/auth/token") && op.method == "DELETE" { continue } // would sign the caller out
                let path = op.path.replacingOccurrences(of: "{id}", with: w.pupilA1.id.uuidString)
                    .replacingOccurrences(of: "{orgId}", with: w.classA1.id.uuidString)
                    .replacingOccurrences(of: "{role}", with: "pupil")
                    .replacingOccurrences(of: "{consentId}", with: UUID().uuidString)
                    .replacingOccurrences(of: "{version}", with: "1")
                    .replacingOccurrences(of: "{path}", with: "index.html")
                    .replacingOccurrences(of: "{token}", with: "not-a-token")
                let h = try await app.bearer("admin")
                var headers = h
                headers.contentType = .json
                try await app.testing().test(HTTPMethod(rawValue: op.method), String(path.dropFirst()), headers: headers,
                                             body: op.method == "GET" || op.method == "DELETE" ? nil : .init(string: "{}")) { res in
                    #expect(statuses.contains(String(res.status.code)), "\(op.method) \(op.path) answered \(res.status.code): \(res.body.string.prefix(200))")
                }
            }
        }
    }

    @Test func theDocumentIsServed() async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, "api/v1/openapi.json") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("\"openapi\""))
            }
        }
    }
}
