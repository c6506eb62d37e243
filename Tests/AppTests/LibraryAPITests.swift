import Foundation
import Testing
import Vapor
import VaporTesting
import Fluent
import SQLKit
import Platform
import Directory
import Library
@testable import App

/// A curator at school A and one at the province, on top of the shared small world.
struct LibraryWorld {
    var world: World
    var curatorA: PersonDTO
    var curatorProvince: PersonDTO

    static func build(_ app: Application) async throws -> LibraryWorld {
        let w = try await World.build(app)
        let s = DirectoryService(db: app.db, ctx: app.services.directory)
        let sys = Actor.system("test")
        let ca = try await s.createPerson(NewPerson(familyName: "Lý", givenName: "Duyệt", birthDate: "1980-02-03", username: "curatora",
                                                    password: testPassword, orgID: w.schoolA.id, role: "curator"), actor: sys)
        let cp = try await s.createPerson(NewPerson(familyName: "Mai", givenName: "Thẩm", birthDate: "1979-02-03", username: "curatorp",
                                                    password: testPassword, orgID: w.province.id, role: "curator"), actor: sys)
        return LibraryWorld(world: w, curatorA: ca, curatorProvince: cp)
    }
}

extension Application {
    /// Uploads a file resource through the API as `user`; answers the response.
    func upload(_ user: HTTPHeaders, metadata: [String: Any], filename: String, data: Data,
                check: (TestingHTTPResponse) throws -> Void) async throws {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: metadata), as: UTF8.self)
        let (body, headers) = TestFiles.multipart(fields: [("metadata", json)], file: ("file", filename, data))
        var all = user
        all.add(contentsOf: headers)
        try await testing().test(.POST, "api/v1/resources", headers: all, body: body, afterResponse: check)
    }

    func postJSON(_ path: String, _ headers: HTTPHeaders, _ body: [String: Any] = [:], check: (TestingHTTPResponse) throws -> Void) async throws {
        var h = headers
        h.contentType = .json
        try await testing().test(.POST, path, headers: h, body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)), afterResponse: check)
    }

    /// Files in the blob store, temporary ones included.
    func blobFiles() -> [String] {
        let root = services.config.blobDirectory
        return (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? [])
            .filter { !$0.hasSuffix("/") && (try? FileManager.default.attributesOfItem(atPath: root + "/" + $0)[.type] as? FileAttributeType) == .typeRegular }
    }
}

nonisolated(unsafe) let lessonMetadata: [String: Any] = [
    "kind": "document", "title": ["vi": "Phương trình bậc hai", "en": "Quadratic equations"], "language": "vi",
    "licence": "CC-BY-4.0", "subjects": ["math"], "grades": ["9"], "keywords": ["đại số"], "authors": ["Phạm Giáo"],
]

@Suite("Library: resources over the API", .serialized)
struct LibraryAPITests {
    @Test func aTeacherUploadsAPDFAndReadsItBack() async throws {
        try await withTestApp { app in
            _ = try await LibraryWorld.build(app)
            let teacher = try await app.bearer("teacher1")
            var id: UUID?
            try await app.upload(teacher, metadata: lessonMetadata, filename: "bai-1.pdf", data: TestFiles.pdf) { res in
                #expect(res.status == .created, "\(res.body.string)")
                let r = res.decoded(ResourceDTO.self)
                id = r?.id
                #expect(r?.status == "draft")
                #expect(r?.versions.first?.fileKind == "pdf")
                #expect(r?.versions.first?.sha256 == Digest.sha256Hex(String(decoding: TestFiles.pdf, as: UTF8.self)))
                #expect(r?.versions.first?.filename == "bai-1.pdf")
                #expect(r?.can.submit == true)
            }
            try await app.testing().test(.GET, "api/v1/resources/\(id!)", headers: teacher) { res in
                #expect(res.status == .ok)
                #expect(res.decoded(ResourceDTO.self)?.title.values["vi"] == "Phương trình bậc hai")
            }
            // A draft is the author's: a colleague, a pupil and another school get 404.
            for other in ["teacher2", "pupil1", "pupilb"] {
                try await app.testing().test(.GET, "api/v1/resources/\(id!)", headers: try await app.bearer(other)) { res in
                    #expect(res.status == .notFound, "\(other) saw a draft")
                }
            }
            try await app.testing().test(.GET, "api/v1/resources/\(id!)") { res in #expect(res.status == .notFound) }
            // Audit records the creation.
            #expect(try await AuditEvent.query(on: app.db).filter(\.$action == "resource.create").count() == 1)
        }
    }

    @Test func aLinkIsJSONAlone() async throws {
        try await withTestApp { app in
            _ = try await LibraryWorld.build(app)
            let teacher = try await app.bearer("teacher1")
            try await app.postJSON("api/v1/resources", teacher, ["kind": "link", "title": ["en": "PhET: projectile motion"], "language": "en",
                                                                 "licence": "CC-BY-4.0", "url": "https://phet.colorado.edu/en/simulations/projectile-motion"]) { res in
                #expect(res.status == .created, "\(res.body.string)")
                #expect(res.decoded(ResourceDTO.self)?.url == "https://phet.colorado.edu/en/simulations/projectile-motion")
            }
            try await app.postJSON("api/v1/resources", teacher, ["kind": "link", "title": ["en": "x"], "language": "en",
                                                                 "licence": "CC-BY-4.0", "url": "javascript:alert(1)"]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("\"field\":\"url\""))
            }
            // A pupil cannot contribute.
            try await app.postJSON("api/v1/resources", try await app.bearer("pupil1"), ["kind": "link", "title": ["en": "x"], "language": "en",
                                                                                       "licence": "CC-BY-4.0", "url": "https://example.org"]) { res in
                #expect(res.status == .forbidden)
            }
        }
    }

    @Test func badMetadataIsRefusedFieldByFieldAndKeepsNoFile() async throws {
        try await withTestApp { app in
            _ = try await LibraryWorld.build(app)
            let teacher = try await app.bearer("teacher1")
            var bad = lessonMetadata
            bad["subjects"] = ["alchemy"]
            bad["grades"] = ["13"]
            bad["title"] = ["vn": "Sai mã ngôn ngữ"]
            bad["language"] = "xx"
            bad["licence"] = "GPL"
            try await app.upload(teacher, metadata: bad, filename: "a.pdf", data: TestFiles.pdf) { res in
                #expect(res.status == .unprocessableEntity)
                let body = res.body.string
                for field in ["subjects", "grades", "title.vn", "language", "licence"] {
                    #expect(body.contains("\"field\":\"\(field)\""), "missing problem for \(field): \(body)")
                }
            }
            #expect(app.blobFiles().isEmpty, "a refused upload left \(app.blobFiles())")
            // Metadata that is not JSON at all.
            let (body, headers) = TestFiles.multipart(fields: [("metadata", "{not json")], file: ("file", "a.pdf", TestFiles.pdf))
            var h = teacher
            h.add(contentsOf: headers)
            try await app.testing().test(.POST, "api/v1/resources", headers: h, body: body) { res in
                #expect(res.status == .badRequest)
                #expect(res.problemCode == "malformed-request")
            }
            #expect(app.blobFiles().isEmpty)
        }
    }

    @Test func theTypeComesFromTheContentNotTheName() async throws {
        try await withTestApp { app in
            _ = try await LibraryWorld.build(app)
            let teacher = try await app.bearer("teacher1")
            // A PNG renamed to .pdf, offered as a document.
            try await app.upload(teacher, metadata: lessonMetadata, filename: "lesson.pdf", data: TestFiles.png) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("png"), "\(res.body.string)")
            }
            // Random bytes named .mp4 offered as a video.
            var video = lessonMetadata
            video["kind"] = "video"
            try await app.upload(teacher, metadata: video, filename: "clip.mp4", data: Data((0..<3000).map { UInt8($0 % 251) })) { res in
                #expect(res.status == .unprocessableEntity)
            }
            #expect(app.blobFiles().isEmpty)
        }
    }

    @Test func oversizedAndInterruptedUploadsKeepNothing() async throws {
        try await withTestApp(adjust: { $0.uploadLimitsMB["document"] = 1 }) { app in
            _ = try await LibraryWorld.build(app)
            let teacher = try await app.bearer("teacher1")
            var big = TestFiles.pdf
            big.append(Data(repeating: 0x20, count: 1_100_000))
            try await app.upload(teacher, metadata: lessonMetadata, filename: "big.pdf", data: big) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("validation.file-too-large") || res.body.string.contains("1 MB"), "\(res.body.string)")
            }
            #expect(app.blobFiles().isEmpty)
            // The connection drops in the middle of the file: no closing boundary.
            let json = String(decoding: try JSONSerialization.data(withJSONObject: lessonMetadata), as: UTF8.self)
            let (body, headers) = TestFiles.multipart(fields: [("metadata", json)], file: ("file", "a.pdf", TestFiles.pdf), terminate: false)
            var h = teacher
            h.add(contentsOf: headers)
            try await app.testing().test(.POST, "api/v1/resources", headers: h, body: body) { res in
                #expect(res.status == .badRequest)
                #expect(res.body.string.contains("Tệp tải lên bị ngắt giữa chừng"), "\(res.body.string)")
            }
            #expect(app.blobFiles().isEmpty)
            #expect(try await app.rowCount("resources") == 0)
        }
    }

    @Test func hostileArchivesAreRefusedWithTheirReason() async throws {
        try await withTestApp { app in
            _ = try await LibraryWorld.build(app)
            let teacher = try await app.bearer("teacher1")
            var sim = lessonMetadata
            sim["kind"] = "simulation"
            let index = TestFiles.ZipEntry(name: "index.html", data: Data("<html><body>ok</body></html>".utf8))
            let cases: [(String, [TestFiles.ZipEntry], String)] = [
                ("traversal", [index, .init(name: "../../etc/evil.html", data: Data("x".utf8))], "validation.zip-traversal"),
                ("absolute", [index, .init(name: "/etc/passwd", data: Data("x".utf8))], "validation.zip-traversal"),
                ("symlink", [index, .init(name: "link", data: Data("/etc/passwd".utf8), symlink: true)], "validation.zip-symlink"),
                ("bomb", [index, .init(name: "zeros.bin", data: Data(count: 20_000_000), deflate: true)], "validation.zip-bomb"),
                ("no entry page", [.init(name: "main.js", data: Data("1".utf8))], "validation.package-entry"),
            ]
            for (label, entries, expected) in cases {
                try await app.upload(teacher, metadata: sim, filename: "\(label).zip", data: TestFiles.zip(entries)) { res in
                    #expect(res.status == .unprocessableEntity, "\(label): \(res.status)")
                    #expect(res.body.string.contains(expected), "\(label): \(res.body.string)")
                }
            }
            #expect(app.blobFiles().isEmpty)
        }
    }
}

extension Application {
    /// Rows in a table, without reaching into an area's internal models.
    func rowCount(_ table: String, where condition: String = "1 = 1") async throws -> Int {
        let row = try await (db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table) WHERE \(unsafeRaw: condition)").first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }
}
