import Foundation
import FluentKit
import SQLKit
import Platform

/// An upload in progress over the tus 1.0 protocol: its bytes grow in a staging file until
/// `offset == length`, then they are hashed into the blob store and the upload can become
/// a resource (or a new version). Only the person who started it may continue it.
final class ResumableUploadRow: Model, @unchecked Sendable {
    static let schema = "resumable_uploads"

    @ID(key: .id) var id: UUID?
    @Field(key: "owner_id") var ownerID: UUID
    @Field(key: "length") var length: Int64
    @Field(key: "upload_offset") var offset: Int64
    @Field(key: "filename") var filename: String
    @Field(key: "metadata") var metadata: String
    @OptionalField(key: "sha256") var sha256: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date

    init() {}
}

struct CreateResumableUploads: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(ResumableUploadRow.schema)
            .id()
            .field("owner_id", .uuid, .required)
            .field("length", .int64, .required)
            .field("upload_offset", .int64, .required)
            .field("filename", .string, .required)
            .field("metadata", .string, .required)
            .field("sha256", .string)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ResumableUploadRow.schema).delete()
    }
}

public struct UploadStatus: Sendable, Codable, Equatable {
    public var id: UUID
    public var length: Int64
    public var offset: Int64
    public var filename: String
    public var metadata: [String: String]
    public var complete: Bool
    public var expiresAt: Date
}

/// Serialises PATCHes of one upload inside this process (a client retrying while its
/// first request still runs). Across processes the offset check in the database refuses
/// the second writer.
final class UploadLocks: @unchecked Sendable {
    private var held = Set<UUID>()
    private let lock = NSLock()

    func acquire(_ id: UUID) -> Bool { lock.withLock { held.insert(id).inserted } }
    func release(_ id: UUID) { _ = lock.withLock { held.remove(id) } }
}

extension LibraryService {
    public static let uploadLifetime: TimeInterval = 24 * 3600

    var stagingFolder: URL { ctx.stagingRoot }

    func stagingFile(_ id: UUID) -> URL { stagingFolder.appendingPathComponent(id.uuidString.lowercased()) }

    /// tus "creation": announces a file of `length` bytes with its metadata.
    public func startUpload(length: Int64, metadata: [String: String], actor: Actor) async throws -> UploadStatus {
        guard let me = actor.personID, actor.grants.contains(where: { $0.capabilities.contains(.contributeResources) }) else {
            throw DomainError.forbidden()
        }
        let max = ctx.rules.limits.values.max() ?? .max
        guard length >= 0 else { throw DomainError.invalid(field: "Upload-Length", reason: "validation.type") }
        guard length <= max else { throw DomainError.invalid(field: "Upload-Length", reason: "validation.file-too-large", arguments: [String(max / 1_048_576)]) }
        let now = ctx.clock.now()
        let row = ResumableUploadRow()
        row.id = UUIDv7.make(at: now)
        row.ownerID = me
        row.length = length
        row.offset = 0
        row.filename = String((metadata["filename"] ?? "upload").prefix(200))
        row.metadata = String(decoding: try JSONEncoder().encode(metadata), as: UTF8.self)
        row.createdAt = now
        row.expiresAt = now.addingTimeInterval(Self.uploadLifetime)
        try FileManager.default.createDirectory(at: stagingFolder, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: stagingFile(row.id!).path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        do {
            try await row.create(on: db)
        } catch {
            // The sweep walks rows: a file without its row would stay forever.
            try? FileManager.default.removeItem(at: stagingFile(row.id!))
            throw error
        }
        return status(row)
    }

    /// tus HEAD: where the upload stands (only its owner may ask).
    public func uploadStatus(_ id: UUID, actor: Actor) async throws -> UploadStatus {
        status(try await ownUpload(id, actor: actor))
    }

    /// tus PATCH: appends the chunks at `offset`, which must be where the upload stands.
    /// Bytes are written as they arrive and the offset is saved when the request ends, so
    /// a dropped connection keeps what arrived; the client asks HEAD and resumes there.
    public func appendUpload<S: AsyncSequence & Sendable>(_ id: UUID, offset: Int64, chunks: S, actor: Actor) async throws -> UploadStatus
        where S.Element == Data {
        let row = try await ownUpload(id, actor: actor)
        guard ctx.uploadLocks.acquire(id) else { throw DomainError.conflict(reason: "error.upload-busy") }
        defer { ctx.uploadLocks.release(id) }
        guard row.sha256 == nil else { throw DomainError.conflict(reason: "error.upload-complete") }
        guard offset == row.offset else { throw DomainError.conflict(reason: "error.upload-offset", arguments: [String(row.offset)]) }
        let handle = try FileHandle(forWritingTo: stagingFile(id))
        // A crash between writing and saving the offset leaves bytes past it: cut them.
        try handle.truncate(atOffset: UInt64(row.offset))
        try handle.seek(toOffset: UInt64(row.offset))
        var written = row.offset
        var failure: (any Error)?
        do {
            for try await chunk in chunks {
                if written + Int64(chunk.count) > row.length {
                    failure = DomainError.invalid(field: "Upload-Offset", reason: "validation.upload-past-length")
                    break
                }
                try handle.write(contentsOf: chunk)
                written += Int64(chunk.count)
            }
        } catch {
            // The connection dropped: keep what arrived.
            failure = error
        }
        try handle.synchronize()
        try handle.close()
        let moved = try await db.sql.raw("""
            UPDATE resumable_uploads SET upload_offset = \(bind: written) WHERE id = \(bind: id) AND upload_offset = \(bind: row.offset) RETURNING id
            """).first()
        guard moved != nil else { throw DomainError.conflict(reason: "error.upload-offset", arguments: [String(row.offset)]) }
        row.offset = written
        if let failure { throw failure }
        if written == row.length { try await finishUpload(row) }
        return status(row)
    }

    /// tus termination: the owner drops an upload and its bytes.
    public func cancelUpload(_ id: UUID, actor: Actor) async throws {
        let row = try await ownUpload(id, actor: actor)
        try? FileManager.default.removeItem(at: stagingFile(id))
        try await row.delete(on: db)
    }

    /// The finished upload as a file for `createResource` / `addVersion`; the upload
    /// record goes once the resource holds the file.
    public func uploadedFile(_ id: UUID, actor: Actor) async throws -> UploadedFile {
        let row = try await ownUpload(id, actor: actor)
        guard let sha = row.sha256 else { throw DomainError.conflict(reason: "error.upload-unfinished", arguments: [String(row.offset), String(row.length)]) }
        return UploadedFile(blob: StoredBlob(sha256: sha, size: row.length, isNew: false), filename: row.filename)
    }

    public func forgetUpload(_ id: UUID) async throws {
        try await ResumableUploadRow.query(on: db).filter(\.$id == id).delete()
    }

    /// Removes expired uploads and their bytes (run at start-up and now and then).
    public func sweepUploads() async throws -> Int {
        let expired = try await ResumableUploadRow.query(on: db).filter(\.$expiresAt < ctx.clock.now()).all()
        for row in expired {
            try? FileManager.default.removeItem(at: stagingFile(row.id!))
            // A finished upload nobody turned into a resource: its blob goes too.
            if let sha = row.sha256 { try? await discardIfUnreferenced(StoredBlob(sha256: sha, size: row.length, isNew: true)) }
            try await row.delete(on: db)
        }
        return expired.count
    }

    func finishUpload(_ row: ResumableUploadRow) async throws {
        let blob = try ctx.blobs.storeFile(at: stagingFile(row.id!), limit: row.length)
        row.sha256 = blob.sha256
        try await row.save(on: db)
        try? FileManager.default.removeItem(at: stagingFile(row.id!))
    }

    func ownUpload(_ id: UUID, actor: Actor) async throws -> ResumableUploadRow {
        guard let row = try await ResumableUploadRow.find(id, on: db), row.ownerID == actor.personID, row.expiresAt > ctx.clock.now() else {
            throw DomainError.notFound(entity: "upload")
        }
        return row
    }

    func status(_ row: ResumableUploadRow) -> UploadStatus {
        let meta = (try? JSONDecoder().decode([String: String].self, from: Data(row.metadata.utf8))) ?? [:]
        return UploadStatus(id: row.id!, length: row.length, offset: row.offset, filename: row.filename, metadata: meta,
                            complete: row.sha256 != nil, expiresAt: row.expiresAt)
    }
}
