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
        guard let buffer = body.data, buffer.readableBytes > 0 else { throw DomainError.malformed(reason: "error.body-missing") }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(T.self, from: buffer)
        } catch let e as DecodingError {
            switch e {
            case .keyNotFound(let key, _):
                throw DomainError.invalid(field: key.stringValue, reason: "validation.required")
            case .typeMismatch(_, let c), .valueNotFound(_, let c):
                throw DomainError.invalid(field: c.codingPath.map(\.stringValue).joined(separator: "."), reason: "validation.type")
            default:
                throw DomainError.malformed(reason: "error.malformed-json")
            }
        }
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
