import Foundation
import Testing
import Vapor
import VaporTesting
import Fluent
import Platform
import Library
@testable import App

/// Small videos made with ffmpeg's test source; nil when ffmpeg is absent.
enum TestVideo {
    static let ffmpeg = ChildProcess.locate("ffmpeg")
    enum Missing: Error { case program(String) }

    static func make(width: Int, height: Int, seconds: Int = 2) throws -> Data {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ec-video-\(UUID().uuidString).mp4")
        defer { try? FileManager.default.removeItem(at: out) }
        let p = Process()
        guard let exe = ChildProcess.locate("ffmpeg") else { throw Missing.program("ffmpeg") }
        p.executableURL = exe
        p.arguments = ["-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=\(width)x\(height):rate=25:duration=\(seconds)",
                       "-f", "lavfi", "-i", "sine=frequency=440:duration=\(seconds)", "-c:v", "libx264", "-preset", "ultrafast",
                       "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", out.path]
        try p.run()
        p.waitUntilExit()
        return try Data(contentsOf: out)
    }

    /// Width and height of a video file's first stream, read back with ffprobe.
    static func size(of data: Data) throws -> (Int, Int) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ec-probe-\(UUID().uuidString).mp4")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let p = Process()
        let pipe = Pipe()
        guard let exe = ChildProcess.locate("ffprobe") else { throw Missing.program("ffprobe") }
        p.executableURL = exe
        p.arguments = ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", file.path]
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let parts = out.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").compactMap { Int($0) }
        return (parts.first ?? 0, parts.last ?? 0)
    }

    /// Starts like an MP4 (an `ftyp` box) but holds nothing playable.
    static let corrupt: Data = Data([0, 0, 0, 24]) + Data("ftypisom".utf8) + Data([0, 0, 2, 0]) + Data("isomiso2".utf8)
        + Data(repeating: 0x5A, count: 4000)
}

nonisolated(unsafe) let videoMetadata: [String: Any] = [
    "kind": "video", "title": ["vi": "Thí nghiệm con lắc", "en": "Pendulum experiment"], "language": "vi",
    "licence": "CC-BY-4.0", "subjects": ["physics"], "grades": ["10"],
]

extension Application {
    func uploadVideo(_ user: HTTPHeaders, _ data: Data) async throws -> ResourceDTO {
        var created: ResourceDTO?
        try await upload(user, metadata: videoMetadata, filename: "con-lac.mp4", data: data) { res in
            #expect(res.status == .created, "\(res.body.string)")
            created = res.decoded(ResourceDTO.self)
        }
        return try #require(created)
    }

    func stagingLeftovers() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: services.config.dataDirectory + "/uploads")) ?? []).filter { $0.hasPrefix("transcode-") }
    }
}

@Suite("Library: video renditions in a background job", .serialized)
struct VideoTranscodeTests {
    @Test(.enabled(if: TestVideo.ffmpeg != nil, "ffmpeg is not installed (apt-get install ffmpeg); .ci/run installs it"))
    func aVideoGetsRenditionsAndAPosterInTheBackground() async throws {
        try await withTestApp { app in
            _ = try await LibraryWorld.build(app)
            let teacher = try await app.bearer("teacher1")
            let created = try await app.uploadVideo(teacher, try TestVideo.make(width: 1280, height: 720))
            #expect(created.versions.first?.processing == "queued")
            #expect(created.versions.first?.renditions.isEmpty == true)
            #expect(try await app.services.jobs.runReady() == 1)
            var r: ResourceDTO?
            try await app.testing().test(.GET, "api/v1/resources/\(created.id)", headers: teacher) { res in r = res.decoded(ResourceDTO.self) }
            let v = try #require(r?.versions.first)
            #expect(v.processing == "done")
            #expect(v.processingError == nil)
            #expect(v.renditions.map(\.label) == ["360p", "720p", "poster"])
            for (label, height) in [("360p", 360), ("720p", 720)] {
                try await app.testing().test(.GET, "api/v1/resources/\(created.id)/content?rendition=\(label)", headers: teacher) { res in
                    #expect(res.status == .ok)
                    #expect(res.headers.contentType?.description == "video/mp4")
                    let (w, h) = try TestVideo.size(of: Data(buffer: res.body))
                    #expect(h == height)
                    #expect(w == height * 16 / 9)
                }
            }
            // The rendition streams by ranges like the original.
            var range = teacher
            range.replaceOrAdd(name: .range, value: "bytes=0-99")
            try await app.testing().test(.GET, "api/v1/resources/\(created.id)/content?rendition=360p", headers: range) { res in
                #expect(res.status == .partialContent)
                #expect(res.body.readableBytes == 100)
            }
            try await app.testing().test(.GET, "api/v1/resources/\(created.id)/content?rendition=poster", headers: teacher) { res in
                #expect(res.headers.contentType?.description == "image/jpeg")
                #expect(Array(Data(buffer: res.body).prefix(3)) == [0xFF, 0xD8, 0xFF])
            }
            #expect(app.stagingLeftovers().isEmpty)
        }
    }

    @Test(.enabled(if: TestVideo.ffmpeg != nil, "ffmpeg is not installed (apt-get install ffmpeg); .ci/run installs it"))
    func aSmallVideoIsNotUpscaled() async throws {
        try await withTestApp { app in
            _ = try await LibraryWorld.build(app)
            let teacher = try await app.bearer("teacher1")
            let created = try await app.uploadVideo(teacher, try TestVideo.make(width: 320, height: 240, seconds: 1))
            #expect(try await app.services.jobs.runReady() == 1)
            let r = try await LibraryService(db: app.db, ctx: app.services.library).resource(created.id, actor: try await app.actorFor("teacher1"))
            #expect(r.versions.first?.processing == "done")
            #expect(r.versions.first?.renditions.map(\.label) == ["poster"])
        }
    }

    @Test(.enabled(if: TestVideo.ffmpeg != nil, "ffmpeg is not installed (apt-get install ffmpeg); .ci/run installs it"))
    func aCorruptVideoIsReportedUnreadableOnceAndLeavesNothing() async throws {
        try await withTestApp { app in
            _ = try await LibraryWorld.build(app)
            let teacher = try await app.bearer("teacher1")
            let created = try await app.uploadVideo(teacher, TestVideo.corrupt)
            let blobsBefore = app.blobFiles()
            #expect(try await app.services.jobs.runReady() == 1)
            let r = try await LibraryService(db: app.db, ctx: app.services.library).resource(created.id, actor: try await app.actorFor("teacher1"))
            #expect(r.versions.first?.processing == "failed")
            #expect(r.versions.first?.processingError == "unreadable-video")
            #expect(r.versions.first?.renditions.isEmpty == true)
            // Unreadable stays unreadable: failed at once, not retried three times.
            let failures = try await app.services.library.jobs.failures(limit: 5, on: app.db)
            #expect(failures.count == 1)
            #expect(failures.first?.attempts == 1)
            #expect(failures.first?.lastError.hasPrefix("unreadable-video") == true)
            #expect(app.blobFiles() == blobsBefore)
            #expect(app.stagingLeftovers().isEmpty)
        }
    }

    @Test func withoutFfmpegTheVersionSaysWhyAndCanBePreparedAgain() async throws {
        try await withTestApp(adjust: { $0.ffmpegPath = "/nonexistent/ffmpeg" }) { app in
            let lw = try await LibraryWorld.build(app)
            let teacher = try await app.bearer("teacher1")
            let created = try await app.uploadVideo(teacher, TestVideo.corrupt)
            #expect(try await app.services.jobs.runReady() == 1)
            var r: ResourceDTO?
            try await app.testing().test(.GET, "api/v1/resources/\(created.id)", headers: teacher) { res in r = res.decoded(ResourceDTO.self) }
            #expect(r?.versions.first?.processing == "failed")
            #expect(r?.versions.first?.processingError == "ffmpeg-missing")
            #expect(r?.can.reprocess == true)
            let failure = try #require(try await app.services.library.jobs.failures(limit: 5, on: app.db).first)
            #expect(failure.attempts == 1)
            #expect(failure.lastError.contains("install the Debian package ffmpeg"))
            // The page says it in the reader's language and offers to try again.
            let page = try await PageTests().signIn(app, "teacher1", lang: "vi")
            try await app.testing().test(.GET, "library/\(created.id)", headers: page) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Không chuẩn bị được các bản nhỏ hơn: máy chủ chưa cài trình chuyển đổi video (ffmpeg)"))
                #expect(res.body.string.contains("action=\"/library/\(created.id)/transcode\""))
            }
            // The page's button queues it again (form post with the CSRF token).
            let token = page.csrfToken
            var form = page
            form.contentType = .urlEncodedForm
            try await app.testing().test(.POST, "library/\(created.id)/transcode", headers: form, body: ByteBuffer(string: "_csrf=\(token)&version=1")) { res in
                #expect(res.status == .seeOther)
            }
            #expect(try await ResourceVersionState.of(app, created.id) == "queued")
            try await app.postJSON("api/v1/resources/\(created.id)/versions/1/transcode", teacher) { res in
                #expect(res.status == .conflict)
            }
            #expect(try await app.services.jobs.runReady() == 1)
            #expect(try await ResourceVersionState.of(app, created.id) == "failed")
            // Through the API too: once; a second ask while queued is a conflict.
            try await app.postJSON("api/v1/resources/\(created.id)/versions/1/transcode", teacher) { res in
                #expect(res.status == .accepted)
                #expect(res.decoded(ResourceDTO.self)?.versions.first?.processing == "queued")
            }
            try await app.postJSON("api/v1/resources/\(created.id)/versions/1/transcode", teacher) { res in
                #expect(res.status == .conflict)
                #expect(res.body.string.contains("Các bản nhỏ hơn đang được chuẩn bị."))
            }
            // Others may not: a pupil does not see the draft, a colleague may not edit it.
            try await app.postJSON("api/v1/resources/\(created.id)/versions/1/transcode", try await app.bearer("pupil1")) { res in
                #expect(res.status == .notFound)
            }
            try await app.postJSON("api/v1/resources/\(created.id)/versions/1/transcode", try await app.bearer("teacher2")) { res in
                #expect(res.status == .notFound)
            }
            try await app.postJSON("api/v1/resources/\(created.id)/versions/9/transcode", teacher) { res in
                #expect(res.status == .notFound)
            }
            _ = lw
        }
    }

    @Test func onlyVideosArePrepared() async throws {
        try await withTestApp { app in
            _ = try await LibraryWorld.build(app)
            let teacher = try await app.bearer("teacher1")
            var id: UUID?
            try await app.upload(teacher, metadata: lessonMetadata, filename: "bai-1.pdf", data: TestFiles.pdf) { res in
                id = res.decoded(ResourceDTO.self)?.id
                #expect(res.decoded(ResourceDTO.self)?.versions.first?.processing == nil)
            }
            #expect(try await app.services.jobs.runReady() == 0)
            try await app.postJSON("api/v1/resources/\(id!)/versions/1/transcode", teacher) { res in
                #expect(res.status == .conflict)
                #expect(res.body.string.contains("Chỉ tệp video mới có bản nhỏ hơn"))
            }
        }
    }
}

enum ResourceVersionState {
    static func of(_ app: Application, _ id: UUID) async throws -> String? {
        try await LibraryService(db: app.db, ctx: app.services.library).resource(id, actor: try await app.actorFor("teacher1")).versions.first?.processing
    }
}
