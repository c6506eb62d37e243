import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
import Library
@testable import App

@Suite("Library: resumable uploads over tus 1.0", .serialized)
struct ResumableUploadTests {
    func tus(_ h: HTTPHeaders, _ extra: [(String, String)] = []) -> HTTPHeaders {
        var out = h
        out.replaceOrAdd(name: "Tus-Resumable", value: "1.0.0")
        for (k, v) in extra { out.replaceOrAdd(name: k, value: v) }
        return out
    }

    @Test func anInterruptedUploadResumesAndBecomesAResource() async throws {
        try await withTestApp { app in
            _ = try await LibraryWorld.build(app)
            let teacher = try await app.bearer("teacher1")
            let file = TestFiles.pdf
            try await app.testing().test(.OPTIONS, "api/v1/uploads", headers: teacher) { res in
                #expect(res.status == .noContent)
                #expect(res.headers.first(name: "Tus-Version") == "1.0.0")
                #expect(res.headers.first(name: "Tus-Extension")?.contains("creation") == true)
            }
            // Another protocol version: 412 with the version we speak.
            try await app.testing().test(.POST, "api/v1/uploads", headers: tus(teacher, [("Tus-Resumable", "0.2.2"), ("Upload-Length", "10")])) { res in
                #expect(res.status == .preconditionFailed)
                #expect(res.headers.first(name: "Tus-Version") == "1.0.0")
            }
            var location = ""
            let meta = "filename " + Data("bài-1.pdf".utf8).base64EncodedString()
            try await app.testing().test(.POST, "api/v1/uploads", headers: tus(teacher, [("Upload-Length", String(file.count)), ("Upload-Metadata", meta)])) { res in
                #expect(res.status == .created)
                location = res.headers.first(name: .location) ?? ""
            }
            #expect(location.hasPrefix("/api/v1/uploads/"))
            let path = String(location.dropFirst())
            let half = file.count / 2
            let octets: (Int64) -> HTTPHeaders = { tus(teacher, [("Content-Type", "application/offset+octet-stream"), ("Upload-Offset", String($0))]) }
            try await app.testing().test(.PATCH, path, headers: octets(0), body: ByteBuffer(data: file.prefix(half))) { res in
                #expect(res.status == .noContent)
                #expect(res.headers.first(name: "Upload-Offset") == String(half))
            }
            // The client lost track and sends from 0 again: told where the upload stands.
            try await app.testing().test(.PATCH, path, headers: octets(0), body: ByteBuffer(data: file.prefix(10))) { res in
                #expect(res.status == .conflict)
            }
            try await app.testing().test(.HEAD, path, headers: tus(teacher)) { res in
                #expect(res.status == .ok)
                #expect(res.headers.first(name: "Upload-Offset") == String(half))
                #expect(res.headers.first(name: "Upload-Length") == String(file.count))
            }
            // Not JSON bytes, and not someone else's upload.
            try await app.testing().test(.PATCH, path, headers: tus(teacher, [("Content-Type", "application/json"), ("Upload-Offset", String(half))]),
                                         body: ByteBuffer(string: "{}")) { res in #expect(res.status == .unsupportedMediaType) }
            try await app.testing().test(.HEAD, path, headers: tus(try await app.bearer("teacher2"))) { res in #expect(res.status == .notFound) }
            // More than announced is refused and keeps the offset.
            try await app.testing().test(.PATCH, path, headers: octets(Int64(half)), body: ByteBuffer(data: file.suffix(from: half) + Data("extra".utf8))) { res in
                #expect(res.status == .unprocessableEntity)
            }
            // Creating the resource before the end is a clear conflict.
            var meta2 = lessonMetadata
            meta2["uploadId"] = String(path.split(separator: "/").last!)
            var resumeFrom = -1
            try await app.testing().test(.HEAD, path, headers: tus(teacher)) { res in
                // Resume from wherever the refused request left it.
                resumeFrom = Int(res.headers.first(name: "Upload-Offset") ?? "") ?? -1
            }
            #expect(resumeFrom >= half && resumeFrom < file.count)
            try await app.postJSON("api/v1/resources", teacher, meta2) { res in
                #expect(res.status == .conflict, "unfinished upload: \(res.body.string)")
            }
            try await app.testing().test(.PATCH, path, headers: octets(Int64(resumeFrom)), body: ByteBuffer(data: file.suffix(from: resumeFrom))) { res in
                #expect(res.status == .noContent)
                #expect(res.headers.first(name: "Upload-Offset") == String(file.count))
            }
            try await app.postJSON("api/v1/resources", teacher, meta2) { res in
                #expect(res.status == .created, "\(res.body.string)")
                let r = res.decoded(ResourceDTO.self)
                #expect(r?.versions.first?.sha256 == Digest.sha256Hex(String(decoding: file, as: UTF8.self)))
                #expect(r?.versions.first?.filename == "bài-1.pdf")
            }
            // The upload is used up.
            try await app.testing().test(.HEAD, path, headers: tus(teacher)) { res in #expect(res.status == .notFound) }
            #expect(try await app.rowCount("resumable_uploads") == 0)
        }
    }

    @Test func anUploadCanBeDroppedAndPupilsCannotStartOne() async throws {
        try await withTestApp { app in
            _ = try await LibraryWorld.build(app)
            let teacher = try await app.bearer("teacher1")
            var location = ""
            try await app.testing().test(.POST, "api/v1/uploads", headers: tus(teacher, [("Upload-Length", "100")])) { res in
                location = res.headers.first(name: .location) ?? ""
            }
            let staged = app.services.config.dataDirectory + "/uploads/" + String(location.split(separator: "/").last!)
            #expect(FileManager.default.fileExists(atPath: staged))
            try await app.testing().test(.DELETE, String(location.dropFirst()), headers: tus(teacher)) { res in #expect(res.status == .noContent) }
            #expect(!FileManager.default.fileExists(atPath: staged))
            try await app.testing().test(.POST, "api/v1/uploads", headers: tus(try await app.bearer("pupil1"), [("Upload-Length", "100")])) { res in
                #expect(res.status == .forbidden)
            }
            try await app.testing().test(.POST, "api/v1/uploads", headers: tus(teacher, [("Upload-Length", "999999999999999")])) { res in
                #expect(res.status == .unprocessableEntity)
            }
            try await app.testing().test(.POST, "api/v1/uploads", headers: tus(teacher)) { res in #expect(res.status == .unprocessableEntity) }
        }
    }
}
