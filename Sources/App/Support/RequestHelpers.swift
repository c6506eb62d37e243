import Foundation
import Vapor
import Platform

extension Request {
    /// A UUID path parameter; anything else is an unknown id (404), like a missing row.
    func uuid(_ name: String) throws -> UUID {
        guard let s = parameters.get(name), let id = UUID(uuidString: s) else {
            throw DomainError.notFound(entity: name)
        }
        return id
    }

    /// Decodes a JSON body; a malformed or wrongly-typed body is a 400 with a clear reason.
    func decodeJSON<T: Decodable>(_ type: T.Type) throws -> T {
        try App.decodeJSON(type, from: body.data)
    }

    /// A body that may be left out; when it is sent it must be valid (never ignored).
    func decodeOptionalJSON<T: Decodable>(_ type: T.Type) throws -> T? {
        guard let data = body.data, data.readableBytes > 0 else { return nil }
        return try App.decodeJSON(type, from: data)
    }
}

/// JSON responses with RFC 3339 dates in UTC.
struct JSON<T: Encodable & Sendable>: AsyncResponseEncodable {
    var value: T
    var status: HTTPResponseStatus = .ok

    init(_ value: T, status: HTTPResponseStatus = .ok) {
        self.value = value
        self.status = status
    }

    func encodeResponse(for request: Request) async throws -> Response {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: status, headers: headers, body: .init(data: try encoder.encode(value)))
    }
}
