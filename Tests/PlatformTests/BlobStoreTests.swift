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
}
