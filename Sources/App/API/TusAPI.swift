import Foundation
import Vapor
import Platform
import Library

/// Resumable uploads over tus 1.0 (core protocol plus the creation and termination
/// extensions) at `/api/v1/uploads`, for teachers on weak connections: a dropped upload
/// continues from the last byte that arrived. A finished upload becomes a resource with
/// `POST /api/v1/resources` `{"uploadId": ..., ...metadata}` or a version with
/// `POST /api/v1/resources/{id}/versions` `{"uploadId": ...}`.
struct TusAPI {
    static let version = "1.0.0"

    func headers(_ extra: [(String, String)] = []) -> HTTPHeaders {
        var h = HTTPHeaders([("Tus-Resumable", Self.version), ("Cache-Control", "no-store")])
        for (k, v) in extra { h.replaceOrAdd(name: k, value: v) }
        return h
    }

    /// Refuses requests speaking another protocol version (tus: 412, and the error
    /// middleware adds Tus-Version to every answer under /api/v1/uploads).
    func checkVersion(_ req: Request) throws {
        guard req.headers.first(name: "Tus-Resumable") == Self.version else {
            throw DomainError.preconditionFailed(reason: "error.tus-version")
        }
    }

    @Sendable func options(req: Request) async throws -> Response {
        let max = req.library.ctx.rules.limits.values.max() ?? 0
        return Response(status: .noContent, headers: headers([("Tus-Version", Self.version), ("Tus-Extension", "creation,termination"),
                                                              ("Tus-Max-Size", String(max))]))
    }

    @Sendable func create(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        try checkVersion(req)
        guard let raw = req.headers.first(name: "Upload-Length"), let length = Int64(raw) else {
            throw DomainError.invalid(field: "Upload-Length", reason: "validation.required")
        }
        let status = try await req.library.startUpload(length: length, metadata: Self.metadata(req.headers.first(name: "Upload-Metadata")), actor: actor)
        return Response(status: .created, headers: headers([("Location", "/api/v1/uploads/\(status.id.uuidString.lowercased())"),
                                                            ("Upload-Offset", "0")]))
    }

    @Sendable func head(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        try checkVersion(req)
        let s = try await req.library.uploadStatus(try req.uuid("id"), actor: actor)
        return Response(status: .ok, headers: headers([("Upload-Offset", String(s.offset)), ("Upload-Length", String(s.length))]))
    }

    @Sendable func patch(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        try checkVersion(req)
        guard req.headers.first(name: .contentType) == "application/offset+octet-stream" else {
            throw DomainError.unsupportedMediaType(reason: "error.tus-content-type")
        }
        guard let raw = req.headers.first(name: "Upload-Offset"), let offset = Int64(raw), offset >= 0 else {
            throw DomainError.invalid(field: "Upload-Offset", reason: "validation.required")
        }
        let chunks = req.body.map { Data(buffer: $0) }
        let s = try await req.library.appendUpload(try req.uuid("id"), offset: offset, chunks: chunks, actor: actor)
        return Response(status: .noContent, headers: headers([("Upload-Offset", String(s.offset))]))
    }

    @Sendable func delete(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        try checkVersion(req)
        try await req.library.cancelUpload(try req.uuid("id"), actor: actor)
        return Response(status: .noContent, headers: headers())
    }

    /// `filename ZmlsZS5wZGY=,kind ZG9jdW1lbnQ=`: keys with base64 values (a key may have none).
    static func metadata(_ header: String?) -> [String: String] {
        var out: [String: String] = [:]
        for pair in (header ?? "").split(separator: ",") {
            let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
            guard let key = parts.first, !key.isEmpty else { continue }
            let value = parts.count > 1 ? Data(base64Encoded: String(parts[1])).map { String(decoding: $0, as: UTF8.self) } ?? "" : ""
            out[String(key)] = String(value.prefix(500))
        }
        return out
    }
}
