import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
import Library
@testable import App

@Suite("Library: search in three languages, delivery", .serialized)
struct LibrarySearchTests {
    /// Three published resources (Vietnamese, Chinese, English) plus one only school A sees.
    func seed(_ app: Application) async throws -> (LibraryWorld, [String: UUID]) {
        let lw = try await LibraryWorld.build(app)
        let teacher = try await app.bearer("teacher1")
        let admin = try await app.bearer("admin")
        let curator = try await app.bearer("curatora")
        var ids: [String: UUID] = [:]
        let items: [(String, [String: Any], Bool)] = [
            ("vi", ["kind": "document", "title": ["vi": "Phương trình bậc hai một ẩn"], "description": ["vi": "Kho học liệu số: công thức nghiệm và bài tập"],
                    "language": "vi", "licence": "CC-BY-4.0", "subjects": ["math"], "grades": ["9"]], true),
            ("zh", ["kind": "document", "title": ["zh-Hans": "一元二次方程的解法"], "description": ["zh-Hans": "配方法与公式法"],
                    "language": "zh-Hans", "licence": "CC-BY-SA-4.0", "subjects": ["math"], "grades": ["9"]], true),
            ("en", ["kind": "document", "title": ["en": "Solving quadratic equations"], "description": ["en": "Worked examples and exercises"],
                    "language": "en", "licence": "CC0-1.0", "subjects": ["math"], "grades": ["10"]], true),
            ("bio", ["kind": "document", "title": ["vi": "Quang hợp ở thực vật"], "language": "vi", "licence": "CC-BY-4.0",
                     "subjects": ["biology"], "grades": ["11"]], false),
        ]
        for (key, meta, national) in items {
            // Distinct bytes per resource, so each has its own file.
            var pdf = TestFiles.pdf
            pdf.append(Data("% \(key)\n".utf8))
            let id = try await app.createPDF(teacher, meta, data: pdf)
            try await app.publish(id, by: teacher, at: national ? lw.world.nation.id : lw.world.schoolA.id, curator: national ? admin : curator)
            ids[key] = id
        }
        return (lw, ids)
    }

    func search(_ app: Application, _ query: String, as user: HTTPHeaders = [:]) async throws -> SearchResultsDTO? {
        var out: SearchResultsDTO?
        let encoded = query.split(separator: "&").map { pair -> String in
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            let value = parts.count > 1 ? parts[1] : ""
            return parts[0] + "=" + value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        }.joined(separator: "&")
        try await app.testing().test(.GET, "api/v1/search/resources?\(encoded)", headers: user) { res in
            #expect(res.status == .ok, "\(query): \(res.body.string)")
            out = res.decoded(SearchResultsDTO.self)
        }
        return out
    }

    @Test func eachLanguageFindsItsOwnWay() async throws {
        try await withTestApp { app in
            let (_, ids) = try await seed(app)
            #expect(try await search(app, "q=phuong trinh bac hai")?.items.map(\.id) == [ids["vi"]!])
            #expect(try await search(app, "q=hoc lieu")?.items.map(\.id) == [ids["vi"]!])
            #expect(try await search(app, "q=Phương trình")?.items.map(\.id) == [ids["vi"]!])
            #expect(try await search(app, "q=二次方程")?.items.map(\.id) == [ids["zh"]!])
            #expect(try await search(app, "q=equation")?.items.map(\.id) == [ids["en"]!])
            #expect(try await search(app, "q=solve quadratic equations")?.items.map(\.id) == [ids["en"]!])
            #expect(try await search(app, "q=tích phân")?.items.isEmpty == true)
        }
    }

    @Test func filtersFacetsAndVisibility() async throws {
        try await withTestApp { app in
            let (_, ids) = try await seed(app)
            // Anonymous: the three national ones, newest first, with facet counts.
            let all = try await search(app, "")
            #expect(all?.total == 3)
            #expect(all?.items.first?.id == ids["en"])
            #expect(all?.facets["subject"]?.first(where: { $0.value == "math" })?.count == 3)
            #expect(all?.facets["grade"]?.map(\.value) == ["9", "10"], "grades in teaching order")
            #expect(all?.facets["language"]?.count == 3)
            #expect(try await search(app, "grade=9")?.total == 2)
            #expect(try await search(app, "grade=9&language=zh-Hans")?.items.map(\.id) == [ids["zh"]!])
            #expect(try await search(app, "licence=CC0-1.0")?.items.map(\.id) == [ids["en"]!])
            // The school-only resource: school A's pupil finds it, school B's does not.
            let pupilA = try await app.bearer("pupil1")
            #expect(try await search(app, "q=quang hop", as: pupilA)?.items.map(\.id) == [ids["bio"]!])
            #expect(try await search(app, "q=quang hop", as: try await app.bearer("pupilb"))?.total == 0)
            #expect(try await search(app, "q=quang hop")?.total == 0)
            #expect(try await search(app, "scope=school", as: pupilA)?.total == 1)
            #expect(try await search(app, "", as: pupilA)?.total == 4)
        }
    }

    @Test func badSearchesGetClearAnswers() async throws {
        try await withTestApp { app in
            _ = try await seed(app)
            for (query, field) in [("q=%3F%21...%20%2C%3B", "q"), ("subject=alchemy", "subject"), ("grade=13", "grade"), ("type=hologram", "type"),
                                   ("language=xx", "language"), ("page=0", "page"), ("page=abc", "page"),
                                   ("q=" + String(repeating: "a", count: 201), "q")] {
                try await app.testing().test(.GET, "api/v1/search/resources?\(query)") { res in
                    #expect(res.status == .unprocessableEntity, "\(query): \(res.status)")
                    #expect(res.body.string.contains("\"field\":\"\(field)\""), "\(query): \(res.body.string)")
                }
            }
            // FTS syntax in a query is just text.
            #expect(try await search(app, "q=\"equation\" OR NEAR(x*)")?.total == 0)
        }
    }

    @Test func contentHonoursRangesETagsAndCaching() async throws {
        try await withTestApp { app in
            let (_, ids) = try await seed(app)
            let en = ids["en"]!
            var etag = ""
            var full = 0
            try await app.testing().test(.GET, "api/v1/resources/\(en)/content") { res in
                #expect(res.status == .ok)
                #expect(res.headers.first(name: .contentType) == "application/pdf")
                #expect(res.headers.first(name: .acceptRanges) == "bytes")
                #expect(res.headers.first(name: .cacheControl)?.hasPrefix("public") == true)
                #expect(res.headers.first(name: .contentDisposition)?.hasPrefix("inline") == true)
                etag = res.headers.first(name: .eTag) ?? ""
                full = res.body.readableBytes
                #expect(res.body.string.hasPrefix("%PDF-"))
            }
            #expect(etag.count == 66)
            try await app.testing().test(.GET, "api/v1/resources/\(en)/content", headers: ["Range": "bytes=0-3"]) { res in
                #expect(res.status == .partialContent)
                #expect(res.body.string == "%PDF")
                #expect(res.headers.first(name: .contentRange) == "bytes 0-3/\(full)")
            }
            try await app.testing().test(.GET, "api/v1/resources/\(en)/content", headers: ["Range": "bytes=-5"]) { res in
                #expect(res.status == .partialContent && res.body.readableBytes == 5)
            }
            try await app.testing().test(.GET, "api/v1/resources/\(en)/content", headers: ["Range": "bytes=\(full + 10)-"]) { res in
                #expect(res.status == .rangeNotSatisfiable)
                #expect(res.headers.first(name: .contentRange) == "bytes */\(full)")
            }
            try await app.testing().test(.GET, "api/v1/resources/\(en)/content", headers: ["If-None-Match": etag]) { res in
                #expect(res.status == .notModified)
                #expect(res.body.readableBytes == 0)
            }
            // A stale If-Range gets the whole file, not a piece of a different one.
            try await app.testing().test(.GET, "api/v1/resources/\(en)/content", headers: ["Range": "bytes=0-3", "If-Range": "\"old\""]) { res in
                #expect(res.status == .ok && res.body.readableBytes == full)
            }
            // The school-only resource: private caching, and invisible to outsiders.
            let bio = ids["bio"]!
            try await app.testing().test(.GET, "api/v1/resources/\(bio)/content", headers: try await app.bearer("pupil1")) { res in
                #expect(res.status == .ok)
                #expect(res.headers.first(name: .cacheControl)?.hasPrefix("private") == true)
            }
            try await app.testing().test(.GET, "api/v1/resources/\(bio)/content") { res in #expect(res.status == .notFound) }
        }
    }

    @Test func packagesRunSandboxed() async throws {
        try await withTestApp { app in
            let lw = try await LibraryWorld.build(app)
            let teacher = try await app.bearer("teacher1")
            var sim = lessonMetadata
            sim["kind"] = "simulation"
            let zip = TestFiles.zip([.init(name: "index.html", data: Data("<html><script src=\"js/app.js\"></script></html>".utf8)),
                                     .init(name: "js/app.js", data: Data(String(repeating: "console.log(1);\n", count: 200).utf8), deflate: true)])
            var id: UUID?
            try await app.upload(teacher, metadata: sim, filename: "con-lac.zip", data: zip) { res in
                #expect(res.status == .created, "\(res.body.string)")
                let r = res.decoded(ResourceDTO.self)
                id = r?.id
                #expect(r?.versions.first?.entry == "index.html" && r?.versions.first?.packageType == "html5")
            }
            let rid = try #require(id)
            try await app.testing().test(.GET, "api/v1/resources/\(rid)/package/1/js/app.js", headers: teacher) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.hasPrefix("console.log(1);"))
                #expect(res.headers.first(name: .contentType)?.hasPrefix("text/javascript") == true)
                #expect(res.headers.first(name: "Content-Security-Policy")?.hasPrefix("sandbox allow-scripts") == true)
                #expect(res.headers.first(name: "X-Frame-Options") == "SAMEORIGIN")
            }
            for bad in ["../../etc/passwd", "js/../../x", "missing.html"] {
                try await app.testing().test(.GET, "api/v1/resources/\(rid)/package/1/\(bad)", headers: teacher) { res in
                    #expect(res.status == .notFound, "\(bad)")
                }
            }
            // The player's signed link works without a session (the sandbox sends no cookies),
            // and a changed link does not.
            let lib = LibraryService(db: app.db, ctx: app.services.library)
            let link = try await lib.packageLink(rid, version: 1, actor: try await app.actor("teacher1"))
            try await app.testing().test(.GET, String(link.dropFirst()) + "js/app.js") { res in
                #expect(res.status == .ok && res.body.string.hasPrefix("console.log(1);"))
            }
            let tampered = link.replacingOccurrences(of: ".1.", with: ".2.")
            try await app.testing().test(.GET, String(tampered.dropFirst()) + "js/app.js") { res in #expect(res.status == .notFound) }
            await #expect(throws: DomainError.self) { _ = try await lib.packageLink(rid, version: 1, actor: try await app.actor("pupil1")) }
            // Not published yet: a pupil gets nothing from inside it either.
            try await app.testing().test(.GET, "api/v1/resources/\(rid)/package/1/index.html", headers: try await app.bearer("pupil1")) { res in
                #expect(res.status == .notFound)
            }
            _ = lw
        }
    }

    @Test func broadSearchesFacetTheNewestAndSaySo() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ec-broad-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            var csv = "source_id,kind,url,title_vi,language,licence,subjects,grades\n"
            for i in 0..<1050 { csv += "b\(i),link,https://example.org/\(i),Bài giảng số \(i),vi,CC-BY-4.0,\(i < 50 ? "physics" : "math"),9\n" }
            try Data(csv.utf8).write(to: dir.appendingPathComponent("m.csv"))
            let lib = LibraryService(db: app.db, ctx: app.services.library)
            _ = try await LibraryImporter(library: lib).importFolder(dir, ownerOrgID: w.province.id, publishAt: w.nation.id, actor: .system("test"))
            let anonymous = Actor(personID: nil, displayName: "anonymous", grants: [])
            let r = try await lib.search(SearchQuery(q: "bai giang"), actor: anonymous)
            #expect(r.total == LibraryService.candidateLimit && r.totalIsLowerBound, "past the candidates the total is 'at least'")
            #expect(r.facetsFromNewest == LibraryService.candidateLimit)
            let counted = r.facets["subject"]?.reduce(0) { $0 + $1.count }
            #expect(counted == LibraryService.candidateLimit, "facets cover the newest 1,000")
            // The first 50 rows (physics) are the oldest, outside the newest 1,000.
            #expect(r.facets["subject"]?.first(where: { $0.value == "physics" }) == nil)
            // A narrower query is exact everywhere.
            let narrow = try await lib.search(SearchQuery(q: "bai giang", subject: "physics"), actor: anonymous)
            #expect(narrow.total == 50 && narrow.facetsFromNewest == nil)
            // Page 51 is past the newest 1,000: still served, from a deeper candidate list.
            let deep = try await lib.search(SearchQuery(q: "bai giang", page: 53), actor: anonymous)
            #expect(deep.items.count == 10)
        }
    }

    @Test func titleMatchesComeFirstAcrossPages() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ec-title-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            // 25 older resources with the words in the title, 10 newer ones with them only in the description.
            var csv = "source_id,kind,url,title_vi,description_vi,language,licence\n"
            for i in 0..<25 { csv += "t\(i),link,https://example.org/t\(i),Hình học \(i),,vi,CC-BY-4.0\n" }
            for i in 0..<10 { csv += "d\(i),link,https://example.org/d\(i),Bài tập \(i),Ôn tập hình học,vi,CC-BY-4.0\n" }
            try Data(csv.utf8).write(to: dir.appendingPathComponent("m.csv"))
            let lib = LibraryService(db: app.db, ctx: app.services.library)
            _ = try await LibraryImporter(library: lib).importFolder(dir, ownerOrgID: w.province.id, publishAt: w.nation.id, actor: .system("test"))
            let anonymous = Actor(personID: nil, displayName: "anonymous", grants: [])
            let first = try await lib.search(SearchQuery(q: "hinh hoc"), actor: anonymous)
            #expect(first.total == 35)
            #expect(first.items.map(\.displayTitle) == (5..<25).reversed().map { "Hình học \($0)" })
            let second = try await lib.search(SearchQuery(q: "hinh hoc", page: 2), actor: anonymous)
            #expect(second.items.map(\.displayTitle) == (0..<5).reversed().map { "Hình học \($0)" } + (0..<10).reversed().map { "Bài tập \($0)" })
        }
    }

    @Test func identicalSearchesArrivingTogetherAreComputedOnce() async throws {
        try await withTestApp { app in
            _ = try await LibraryWorld.build(app)
            let lib = LibraryService(db: app.db, ctx: app.services.library)
            let anonymous = Actor(personID: nil, displayName: "anonymous", grants: [])
            let before = app.services.library.searchCache.computations
            let answers = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 { group.addTask { try await lib.search(SearchQuery(q: "phuong trinh"), actor: anonymous).total } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(answers.count == 8 && Set(answers).count == 1)
            #expect(app.services.library.searchCache.computations - before == 1)
            // Another search, or the same after a change, is computed anew.
            _ = try await lib.search(SearchQuery(q: "quang hop"), actor: anonymous)
            app.services.library.searchCache.invalidate()
            _ = try await lib.search(SearchQuery(q: "phuong trinh"), actor: anonymous)
            #expect(app.services.library.searchCache.computations - before == 3)
        }
    }

    @Test func cachedAnswersNeverHidePublicationOrWithdrawal() async throws {
        try await withTestApp { app in
            let (lw, ids) = try await seed(app)
            let first = try await search(app, "q=equation")
            #expect(first?.items.map(\.id) == [ids["en"]!])
            // Withdrawn: gone at once, although the same search was just cached.
            _ = try await LibraryService(db: app.db, ctx: app.services.library).withdraw(ids["en"]!, reason: nil, actor: .system("test"))
            #expect(try await search(app, "q=equation")?.total == 0)
            // Published: there at once.
            let teacher = try await app.bearer("teacher1")
            var meta = lessonMetadata
            meta["title"] = ["en": "Equations of lines"]
            let id = try await app.createPDF(teacher, meta, data: TestFiles.pdf + Data("% lines".utf8))
            try await app.publish(id, by: teacher, at: lw.world.nation.id, curator: try await app.bearer("admin"))
            #expect(try await search(app, "q=equation")?.items.map(\.id) == [id])
        }
    }
}
