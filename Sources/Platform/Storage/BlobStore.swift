import Foundation
import Crypto

/// A stored file, named by the SHA-256 of its bytes.
public struct StoredBlob: Sendable, Equatable, Codable {
    public var sha256: String
    public var size: Int64
    /// False when identical bytes were already stored (nothing new was written).
    public var isNew: Bool

    public init(sha256: String, size: Int64, isNew: Bool) {
        self.sha256 = sha256
        self.size = size
        self.isNew = isNew
    }
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
    /// A writer that takes bytes as they arrive (a request body, a multipart part) and
    /// stores them under their hash on `finish()`. Callers push; memory stays constant.
    func writer(limit: Int64) throws -> any BlobWriter
    /// Bytes `range` of a blob (all when nil), or nil when absent.
    func read(_ sha256: String, range: Range<Int64>?) throws -> Data?
    func size(_ sha256: String) throws -> Int64?
    /// Where the blob sits on this machine's disk, for zero-copy streaming; nil for a
    /// remote store (which would answer a signed URL instead).
    func localURL(_ sha256: String) throws -> URL?
    /// Removes a blob nobody references any more.
    func delete(_ sha256: String) throws
}

/// Bytes being written to a blob store. `abort()` leaves nothing behind.
public protocol BlobWriter: AnyObject, Sendable {
    func write(_ chunk: Data) throws
    func finish() throws -> StoredBlob
    func abort()
    var bytesWritten: Int64 { get }
}

extension BlobStore {
    /// Streams chunks to storage with constant memory, hashing as it goes. Throws
    /// `tooLarge` (keeping nothing) once more than `limit` bytes arrive.
    public func store<S: AsyncSequence & Sendable>(_ chunks: S, limit: Int64) async throws -> StoredBlob where S.Element == Data {
        let w = try writer(limit: limit)
        do {
            for try await chunk in chunks { try w.write(chunk) }
            return try w.finish()
        } catch {
            w.abort()
            throw error
        }
    }

    /// Stores a file from this machine's disk, read in 1 MiB chunks (imports, finished
    /// resumable uploads, transcoder output).
    public func storeFile(at url: URL, limit: Int64 = .max) throws -> StoredBlob {
        let w = try writer(limit: limit)
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { try w.write(chunk) }
            return try w.finish()
        } catch {
            w.abort()
            throw error
        }
    }

    /// Stores bytes already in memory (small files: demo data, generated posters).
    public func store(_ data: Data, limit: Int64 = .max) throws -> StoredBlob {
        let w = try writer(limit: limit)
        do {
            try w.write(data)
            return try w.finish()
        } catch {
            w.abort()
            throw error
        }
    }
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

    public func writer(limit: Int64) throws -> any BlobWriter {
        try LocalBlobWriter(store: self, limit: limit)
    }

    /// Moves a finished temporary file into place under its digest (or drops it when the
    /// same bytes are already stored).
    func place(temp: URL, digest: String, size: Int64) throws -> StoredBlob {
        let fm = FileManager.default
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

    public func localURL(_ sha256: String) throws -> URL? {
        let url = try path(sha256)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    public func delete(_ sha256: String) throws {
        let url = try path(sha256)
        if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
    }
}

/// One upload in progress: a temporary file and a running SHA-256. Used by one task at a
/// time (the request reading the body), hence the lock only guards against misuse.
final class LocalBlobWriter: BlobWriter, @unchecked Sendable {
    private let store: LocalBlobStore
    private let limit: Int64
    private let temp: URL
    private let handle: FileHandle
    private var hasher = SHA256()
    private var size: Int64 = 0
    private var closed = false
    private let lock = NSLock()

    init(store: LocalBlobStore, limit: Int64) throws {
        self.store = store
        self.limit = limit
        temp = store.root.appendingPathComponent("tmp").appendingPathComponent(UUID().uuidString)
        guard FileManager.default.createFile(atPath: temp.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        handle = try FileHandle(forWritingTo: temp)
    }

    var bytesWritten: Int64 { lock.withLock { size } }

    func write(_ chunk: Data) throws {
        try lock.withLock {
            precondition(!closed, "write after finish or abort")
            size += Int64(chunk.count)
            if size > limit { throw BlobStoreError.tooLarge(limit: limit) }
            hasher.update(data: chunk)
            try handle.write(contentsOf: chunk)
        }
    }

    func finish() throws -> StoredBlob {
        let (digest, total) = try lock.withLock { () throws -> (String, Int64) in
            closed = true
            try handle.close()
            return (Digest.hex(hasher.finalize()), self.size)
        }
        return try store.place(temp: temp, digest: digest, size: total)
    }

    func abort() {
        lock.withLock {
            if !closed { try? handle.close() }
            closed = true
        }
        try? FileManager.default.removeItem(at: temp)
    }

    deinit {
        // A writer dropped without finish or abort (a cancelled request) cleans up.
        if !closed {
            try? handle.close()
            try? FileManager.default.removeItem(at: temp)
        }
    }
}
