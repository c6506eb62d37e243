import Foundation
import Crypto

/// A stored file, named by the SHA-256 of its bytes.
public struct StoredBlob: Sendable, Equatable, Codable {
    public var sha256: String
    public var size: Int64
    /// False when identical bytes were already stored (nothing new was written).
    public var isNew: Bool
}

public enum BlobStoreError: Error, Equatable {
    /// The upload grew past its limit; nothing was kept.
    case tooLarge(limit: Int64)
    /// A digest that is not 64 lower-case hex characters.
    case badDigest
}

/// Content-addressed file storage (see ARCHITECTURE.md, "blob storage"). Identical bytes
/// are stored once. The local disk implements it today; an S3-compatible store can later
/// implement the same protocol.
public protocol BlobStore: Sendable {
    /// Streams chunks to storage with constant memory, hashing as it goes. Throws
    /// `tooLarge` (keeping nothing) once more than `limit` bytes arrive.
    func store<S: AsyncSequence & Sendable>(_ chunks: S, limit: Int64) async throws -> StoredBlob where S.Element == Data
    /// Bytes `range` of a blob (all when nil), or nil when absent.
    func read(_ sha256: String, range: Range<Int64>?) throws -> Data?
    func size(_ sha256: String) throws -> Int64?
    /// Removes a blob nobody references any more.
    func delete(_ sha256: String) throws
}

/// Blobs under a folder as `ab/cd/<64 hex>`: two levels keep any one directory small
/// even with millions of files. Writes go to `tmp/` first and are renamed into place, so a
/// crash never leaves a half-written blob under its final name.
public struct LocalBlobStore: BlobStore {
    public let root: URL

    public init(root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root.appendingPathComponent("tmp"), withIntermediateDirectories: true)
    }

    public func path(_ sha256: String) throws -> URL {
        guard sha256.count == 64, sha256.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { throw BlobStoreError.badDigest }
        return root.appendingPathComponent(String(sha256.prefix(2))).appendingPathComponent(String(sha256.dropFirst(2).prefix(2)))
            .appendingPathComponent(sha256)
    }

    public func store<S: AsyncSequence & Sendable>(_ chunks: S, limit: Int64) async throws -> StoredBlob where S.Element == Data {
        let fm = FileManager.default
        let temp = root.appendingPathComponent("tmp").appendingPathComponent(UUID().uuidString)
        guard fm.createFile(atPath: temp.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        let handle = try FileHandle(forWritingTo: temp)
        var hasher = SHA256()
        var size: Int64 = 0
        do {
            for try await chunk in chunks {
                size += Int64(chunk.count)
                if size > limit { throw BlobStoreError.tooLarge(limit: limit) }
                hasher.update(data: chunk)
                try handle.write(contentsOf: chunk)
            }
            try handle.close()
        } catch {
            try? handle.close()
            try? fm.removeItem(at: temp)
            throw error
        }
        let digest = Digest.hex(hasher.finalize())
        let final = try path(digest)
        if fm.fileExists(atPath: final.path) {
            try fm.removeItem(at: temp)
            return StoredBlob(sha256: digest, size: size, isNew: false)
        }
        try fm.createDirectory(at: final.deletingLastPathComponent(), withIntermediateDirectories: true)
        do {
            try fm.moveItem(at: temp, to: final)
        } catch where fm.fileExists(atPath: final.path) {
            // Another upload of the same bytes won the race: theirs is identical.
            try? fm.removeItem(at: temp)
            return StoredBlob(sha256: digest, size: size, isNew: false)
        }
        return StoredBlob(sha256: digest, size: size, isNew: true)
    }

    public func read(_ sha256: String, range: Range<Int64>?) throws -> Data? {
        let url = try path(sha256)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        guard let range else { return try handle.readToEnd() ?? Data() }
        try handle.seek(toOffset: UInt64(max(0, range.lowerBound)))
        return try handle.read(upToCount: Int(range.upperBound - range.lowerBound)) ?? Data()
    }

    public func size(_ sha256: String) throws -> Int64? {
        let url = try path(sha256)
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: url.path) else { return nil }
        return (attrs[.size] as? NSNumber)?.int64Value
    }

    public func delete(_ sha256: String) throws {
        let url = try path(sha256)
        if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
    }
}
