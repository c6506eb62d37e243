import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
import Library
@testable import App
#if canImport(Glibc)
import Glibc
#endif

/// A reader that leaves in the middle of a file (a video player that wanted only the
/// header, a phone that lost its link) must not hurt the server. It once did: the file
/// handle was left open and NIO stopped the process.
@Suite("Library: an abandoned download", .serialized)
struct AbortedDownloadTests {
    /// Sends a GET over a plain socket, reads `keep` bytes, and hangs up.
    static func readThenHangUp(port: Int, path: String, authorization: String = "", keep: Int) throws -> Data {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        let auth = authorization.isEmpty ? "" : "Authorization: \(authorization)\r\n"
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(auth)\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while received.count < keep {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            received.append(contentsOf: buffer[0..<n])
        }
        return received
    }

    @Test func aReaderWhoLeavesHalfwayLeavesTheServerServing() async throws {
        try await withTestApp { app in
            _ = try await LibraryWorld.build(app)
            // 16 MB: far more than the socket buffers hold, so the server is still sending
            // when the reader goes.
            let big = TestFiles.pdf + Data(repeating: 0x20, count: 16 * 1_048_576)
            let lib = LibraryService(db: app.db, ctx: app.services.library)
            let teacher = try await app.actorFor("teacher1")
            let blob = try app.services.library.blobs.store(big)
            let r = try await lib.createResource(NewResource(kind: "document", title: LocalizedText(["en": "Big"]), language: "en", licence: "CC-BY-4.0"),
                                                 file: UploadedFile(blob: blob, filename: "big.pdf"), actor: teacher)
            let auth = try #require(try await app.bearer("teacher1").first(name: .authorization))
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try #require(app.http.server.shared.localAddress?.port)
            for _ in 0..<3 {
                let head = try Self.readThenHangUp(port: port, path: "/api/v1/resources/\(r.id)/content", authorization: auth, keep: 100_000)
                #expect(String(decoding: head.prefix(12), as: UTF8.self) == "HTTP/1.1 200")
            }
            // Give the server a moment to notice the hang-ups; it still answers.
            try await Task.sleep(nanoseconds: 300_000_000)
            let again = try Self.readThenHangUp(port: port, path: "/healthz", keep: 12)
            #expect(String(decoding: again.prefix(12), as: UTF8.self) == "HTTP/1.1 200")
            await app.server.shutdown()
        }
    }
}
