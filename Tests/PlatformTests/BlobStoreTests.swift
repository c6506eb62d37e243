import Foundation
import Testing
@testable import Platform

@Suite("Content-addressed blob storage")
struct BlobStoreTests {
    func store() throws -> LocalBlobStore {
        try LocalBlobStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("ec-blobs-\(UUID().uuidString)"))
    }

    func chunks(_ parts: [String]) -> AsyncStream<Data> {
        AsyncStream { c in
            for p in parts { c.yield(Data(p.utf8)) }
            c.finish()
        }
    }

    @Test func identicalBytesAreStoredOnceUnderTheirSHA256() async throws {
        let s = try store()
        defer { try? FileManager.default.removeItem(at: s.root) }
        let a = try await s.store(chunks(["học ", "liệu"]), limit: 1_000)
        let b = try await s.store(chunks(["học liệu"]), limit: 1_000)
        #expect(a.sha256 == Digest.sha256Hex("học liệu"))
        #expect(a.isNew && !b.isNew && a.sha256 == b.sha256)
        #expect(try s.path(a.sha256).path.hasSuffix("/\(a.sha256.prefix(2))/\(a.sha256.dropFirst(2).prefix(2))/\(a.sha256)"))
        #expect(try s.read(a.sha256, range: nil) == Data("học liệu".utf8))
        #expect(try s.read(a.sha256, range: 0..<Int64(Data("học".utf8).count)) == Data("học".utf8))
        #expect(try s.size(a.sha256) == Int64(Data("học liệu".utf8).count))
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.root.appendingPathComponent("tmp").path).isEmpty)
    }

    @Test func anOversizedUploadKeepsNothing() async throws {
        let s = try store()
        defer { try? FileManager.default.removeItem(at: s.root) }
        await #expect(throws: BlobStoreError.tooLarge(limit: 5)) {
            try await s.store(chunks(["abc", "def"]), limit: 5)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.root.appendingPathComponent("tmp").path).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.root.path) == ["tmp"])
    }

    @Test func digestsThatAreNotHexAreRefusedBeforeTouchingTheDisk() throws {
        let s = try store()
        defer { try? FileManager.default.removeItem(at: s.root) }
        #expect(throws: BlobStoreError.badDigest) { try s.read("../../etc/passwd", range: nil) }
        #expect(throws: BlobStoreError.badDigest) { try s.size(String(repeating: "A", count: 64)) }
        #expect(try s.read(String(repeating: "a", count: 64), range: nil) == nil)
    }

    @Test func zipDirectoriesAreReadOnceAndTheOldestLeaveFirst() throws {
        let s = try store()
        defer { try? FileManager.default.removeItem(at: s.root) }
        let cache = ZipDirectoryCache(capacity: 2)
        var hashes: [String] = []
        for n in 0..<3 {
            var w = ZipWriter()
            w.add("index.html", Data("<p>\(n)</p>".utf8))
            w.add("js/app.js", Data("let n = \(n)".utf8))
            hashes.append(try s.store(w.finish()).sha256)
        }
        let first = try s.zip(hashes[0], cache: cache)
        #expect(cache.count == 1)
        // From the cache: the same entries, and the bytes still come from the blob.
        let again = try s.zip(hashes[0], cache: cache)
        #expect(again.entries == first.entries)
        #expect(try again.data(of: #require(again.entry(named: "js/app.js"))) == Data("let n = 0".utf8))
        #expect(again.entry(named: "missing.js") == nil)
        _ = try s.zip(hashes[1], cache: cache)
        _ = try s.zip(hashes[0], cache: cache)  // used again: now the newest
        _ = try s.zip(hashes[2], cache: cache)  // evicts hashes[1], the least recently used
        #expect(cache.count == 2)
        #expect(cache.get(hashes[1]) == nil)
        #expect(cache.get(hashes[0]) != nil && cache.get(hashes[2]) != nil)
    }
}
