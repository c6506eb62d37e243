import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
import Library
@testable import App

@Suite("Library pages", .serialized)
struct LibraryPageTests {
    func csrf(_ headers: HTTPHeaders) -> String { headers.csrfToken }

    @Test func thePageSessionReadsContentButCannotActOnTheAPI() async throws {
        try await withTestApp { app in
            _ = try await LibraryWorld.build(app)
            var id: UUID?
            try await app.upload(try await app.bearer("teacher1"), metadata: lessonMetadata, filename: "bai.pdf", data: TestFiles.pdf) { res in
                id = res.decoded(ResourceDTO.self)?.id
            }
            // The author's viewer on the page loads the draft's file with the session cookie.
            let author = try await PageTests().signIn(app, "teacher1")
            try await app.testing().test(.GET, "api/v1/resources/\(id!)/content", headers: author) { res in
                #expect(res.status == .ok)
                #expect(res.headers.first(name: .vary)?.contains("Cookie") == true)
            }
            // Another teacher's session does not see it.
            try await app.testing().test(.GET, "api/v1/resources/\(id!)/content", headers: try await PageTests().signIn(app, "teacher2")) { res in
                #expect(res.status == .notFound)
            }
            // The cookie is no credential for anything else on the API.
            try await app.testing().test(.GET, "api/v1/resources/\(id!)", headers: author) { res in #expect(res.status == .notFound) }
            var post = author
            post.contentType = .json
            try await app.testing().test(.POST, "api/v1/resources/\(id!)/rating", headers: post, body: ByteBuffer(string: "{\"stars\":5}")) { res in
                #expect(res.status == .unauthorized)
            }
        }
    }

    @Test func aTeacherUploadsThroughTheFormAndTheSchoolSeesIt() async throws {
        try await withTestApp { app in
            let lw = try await LibraryWorld.build(app)
            let teacher = try await PageTests().signIn(app, "teacher1", lang: "vi")
            let token = csrf(teacher)
            try await app.testing().test(.GET, "library/new", headers: teacher) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Thêm học liệu"))
                #expect(res.body.string.contains("action=\"/library/new?_csrf=\(token)\""))
            }
            let fields = [("kind", "document"), ("title", "Phương trình bậc hai"), ("description", "Bài giảng"), ("language", "vi"),
                          ("licence", "CC-BY-4.0"), ("subject", "math"), ("grade", "9"), ("grade", "10"), ("keywords", "đại số, phương trình")]
            // Without the token in the action, the upload is refused before a byte is stored.
            let (body0, h0) = TestFiles.multipart(fields: fields, file: ("file", "bai.pdf", TestFiles.pdf))
            var noToken = teacher
            noToken.add(contentsOf: h0)
            try await app.testing().test(.POST, "library/new", headers: noToken, body: body0) { res in #expect(res.status == .forbidden) }
            #expect(app.blobFiles().isEmpty)
            // A bad field shows the form again with its message and what was typed.
            let (bad, hb) = TestFiles.multipart(fields: fields.map { $0.0 == "subject" ? ("subject", "alchemy") : $0 }, file: ("file", "bai.pdf", TestFiles.pdf))
            var badHeaders = teacher
            badHeaders.add(contentsOf: hb)
            try await app.testing().test(.POST, "library/new?_csrf=\(token)", headers: badHeaders, body: bad) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("Môn học alchemy không hợp lệ."))
                #expect(res.body.string.contains("value=\"Phương trình bậc hai\""))
                #expect(res.body.string.contains("value=\"10\" checked"), "both chosen grades stay ticked")
            }
            #expect(app.blobFiles().isEmpty)
            let (body, h) = TestFiles.multipart(fields: fields, file: ("file", "bai.pdf", TestFiles.pdf))
            var headers = teacher
            headers.add(contentsOf: h)
            var location = ""
            try await app.testing().test(.POST, "library/new?_csrf=\(token)", headers: headers, body: body) { res in
                #expect(res.status == .seeOther, "\(res.body.string.prefix(500))")
                location = res.headers.first(name: .location) ?? ""
            }
            #expect(location.hasPrefix("/library/"))
            try await app.testing().test(.GET, "api/v1/resources/\(location.dropFirst("/library/".count))", headers: try await app.bearer("teacher1")) { res in
                #expect(res.decoded(ResourceDTO.self)?.grades == ["9", "10"])
            }
            try await app.testing().test(.GET, String(location.dropFirst()), headers: teacher) { res in
                #expect(res.status == .ok)
                let html = res.body.string
                #expect(html.contains("<h1>Phương trình bậc hai</h1>"))
                #expect(html.contains("iframe class=\"doc\""), "a PDF opens in the page")
                #expect(html.contains("Gửi thẩm định"), "the author may send it for review")
            }
            // Submit and approve through the forms.
            let id = UUID(uuidString: String(location.dropFirst("/library/".count)))!
            try await app.testing().test(.POST, "library/\(id)/submit", headers: teacher.adding(form: true),
                                         body: .init(string: "_csrf=\(token)&scope=\(lw.world.schoolA.id)&comment=xin+duy%E1%BB%87t")) { res in
                #expect(res.status == .seeOther)
            }
            let curator = try await PageTests().signIn(app, "curatora")
            try await app.testing().test(.GET, "library/review", headers: curator) { res in
                #expect(res.body.string.contains("Phương trình bậc hai"))
            }
            try await app.testing().test(.POST, "library/\(id)/approve", headers: curator.adding(form: true),
                                         body: .init(string: "_csrf=\(csrf(curator))&comment=")) { res in
                #expect(res.status == .seeOther)
            }
            // The school's pupil finds it by searching without diacritics; anonymous does not.
            let pupil = try await PageTests().signIn(app, "pupil1")
            try await app.testing().test(.GET, "library?q=phuong+trinh&lang=en", headers: pupil) { res in
                #expect(res.body.string.contains("/library/\(id)"))
                #expect(res.body.string.contains("1 resources"))
            }
            try await app.testing().test(.GET, "library?q=phuong+trinh") { res in
                #expect(res.status == .ok)
                #expect(!res.body.string.contains("/library/\(id)"))
            }
            try await app.testing().test(.GET, "library/\(id)") { res in #expect(res.status == .notFound) }
        }
    }

    @Test func anEBookIsReadChapterByChapterInThePage() async throws {
        try await withTestApp { app in
            _ = try await LibraryWorld.build(app)
            var z = ZipWriter()
            z.add("mimetype", Data("application/epub+zip".utf8))
            z.add("META-INF/container.xml", Data(#"<container><rootfiles><rootfile full-path="OEBPS/book.opf" media-type="application/oebps-package+xml"/></rootfiles></container>"#.utf8))
            z.add("OEBPS/book.opf", Data(#"<package><manifest><item id="a" href="text/one.xhtml"/><item id="b" href="text/two.xhtml"/></manifest><spine><itemref idref="a"/><itemref idref="b"/></spine></package>"#.utf8))
            z.add("OEBPS/text/one.xhtml", Data("<html><head><title>Chương 1 &amp; mở đầu</title></head><body><h1>Một</h1></body></html>".utf8))
            z.add("OEBPS/text/two.xhtml", Data("<html><head><title>Chương 2</title></head><body><h1>Hai</h1></body></html>".utf8))
            var meta = lessonMetadata
            meta["kind"] = "ebook"
            let teacher = try await app.bearer("teacher1")
            var id: UUID?
            try await app.upload(teacher, metadata: meta, filename: "sach.epub", data: z.finish()) { res in
                #expect(res.status == .created, "\(res.body.string)")
                id = res.decoded(ResourceDTO.self)?.id
                #expect(res.decoded(ResourceDTO.self)?.versions.first?.fileKind == "epub")
            }
            let page = try await PageTests().signIn(app, "teacher1", lang: "en")
            var src = ""
            try await app.testing().test(.GET, "library/\(try #require(id))?chapter=2&lang=en", headers: page) { res in
                let html = res.body.string
                #expect(html.contains("Chương 1 &amp; mở đầu"), "chapter titles from the book")
                #expect(html.contains("<strong aria-current=\"page\">Chương 2</strong>"))
                #expect(html.contains("sandbox=\"\""), "chapters run without scripts")
                if let r = html.range(of: "iframe class=\"doc\" src=\""), let end = html[r.upperBound...].firstIndex(of: "\"") {
                    src = String(html[r.upperBound..<end])
                }
            }
            #expect(src.hasPrefix("/api/v1/package-files/") && src.hasSuffix("OEBPS/text/two.xhtml"))
            try await app.testing().test(.GET, String(src.dropFirst())) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("<h1>Hai</h1>"))
                #expect(res.headers.first(name: .contentType) == "application/xhtml+xml")
            }
        }
    }

    @Test func browsingIsPublicAndBadFiltersAreExplained() async throws {
        try await withTestApp { app in
            _ = try await LibraryWorld.build(app)
            try await app.testing().test(.GET, "library?lang=zh-Hans") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("数字教育资源"))
            }
            try await app.testing().test(.GET, "library?q=%3F%21&lang=en") { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("The search has no words"))
            }
            try await app.testing().test(.GET, "library?grade=99&lang=vi") { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("Giá trị lọc 99 không hợp lệ."))
            }
        }
    }
}

extension HTTPHeaders {
    func adding(form: Bool) -> HTTPHeaders {
        var h = self
        h.replaceOrAdd(name: .contentType, value: "application/x-www-form-urlencoded")
        return h
    }
}
