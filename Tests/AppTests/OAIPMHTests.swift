import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
import Directory
import Library
@testable import App

@Suite("OAI-PMH 2.0 data provider", .serialized)
struct OAIPMHTests {
    /// `count` national link resources imported in one go, plus one school-only one.
    func seed(_ app: Application, count: Int) async throws -> World {
        let w = try await World.build(app)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ec-oai-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var csv = "source_id,kind,url,title_vi,title_en,language,licence,subjects,grades\n"
        for i in 0..<count {
            csv += "oai-\(i),link,https://example.org/\(i),Bài \(i): Phương trình & <bất> phương trình,Lesson \(i),vi,CC-BY-4.0,\(i % 2 == 0 ? "math" : "physics"),9\n"
        }
        try Data(csv.utf8).write(to: dir.appendingPathComponent("m.csv"))
        let importer = LibraryImporter(library: LibraryService(db: app.db, ctx: app.services.library))
        let report = try await importer.importFolder(dir, ownerOrgID: w.province.id, publishAt: w.nation.id, actor: .system("test"))
        #expect(report.imported == count)
        return w
    }

    func get(_ app: Application, _ query: String) async throws -> String {
        var body = ""
        try await app.testing().test(.GET, "oai?\(query)") { res in
            #expect(res.status == .ok)
            #expect(res.headers.first(name: .contentType)?.hasPrefix("text/xml") == true)
            body = res.body.string
        }
        return body
    }

    func errorCode(_ xml: String) -> String? {
        guard let r = xml.range(of: "<error code=\"") else { return nil }
        return String(xml[r.upperBound...].prefix(while: { $0 != "\"" }))
    }

    @Test func protocolErrorsComeInTheProtocolsForm() async throws {
        try await withTestApp { app in
            _ = try await seed(app, count: 3)
            let cases: [(String, String)] = [
                ("", "badVerb"), ("verb=Explode", "badVerb"), ("verb=Identify&verb=Identify", "badVerb"),
                ("verb=Identify&extra=1", "badArgument"), ("verb=ListRecords", "badArgument"),
                ("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc", "badArgument"),
                ("verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=x", "badArgument"),
                ("verb=ListRecords&metadataPrefix=marc21", "cannotDisseminateFormat"),
                ("verb=GetRecord&identifier=oai:educommons.local:nope&metadataPrefix=oai_dc", "idDoesNotExist"),
                ("verb=ListRecords&resumptionToken=garbage!!", "badResumptionToken"),
                ("verb=ListRecords&metadataPrefix=oai_dc&from=2001-01-01&until=2001-02-01T00:00:00Z", "badArgument"),
                ("verb=ListRecords&metadataPrefix=oai_dc&from=yesterday", "badArgument"),
                ("verb=ListRecords&metadataPrefix=oai_dc&until=2001-01-01", "noRecordsMatch"),
                ("verb=ListIdentifiers&metadataPrefix=oai_dc&set=subject:alchemy", "noRecordsMatch"),
                ("verb=ListSets&resumptionToken=abc", "badResumptionToken"),
            ]
            for (query, code) in cases {
                let xml = try await get(app, query)
                #expect(errorCode(xml) == code, "\(query) → \(xml.prefix(400))")
                if code == "badVerb" || code == "badArgument" {
                    #expect(xml.contains("<request>http://"), "badVerb/badArgument echo only the base URL: \(query)")
                }
            }
        }
    }

    @Test func aHarvestFollowsResumptionTokensToTheEnd() async throws {
        try await withTestApp { app in
            _ = try await seed(app, count: 230)
            var identifiers: [String] = []
            var xml = try await get(app, "verb=ListIdentifiers&metadataPrefix=oai_dc")
            var pages = 0
            // Bounded: a token that does not advance must fail the test, not hang it.
            while pages < 10 {
                pages += 1
                identifiers += xml.components(separatedBy: "<identifier>").dropFirst().map { String($0.prefix(while: { $0 != "<" })) }
                #expect(xml.contains("completeListSize=\"230\""))
                guard let r = xml.range(of: "\">", range: xml.range(of: "<resumptionToken")!.upperBound..<xml.endIndex),
                      let end = xml.range(of: "</resumptionToken>"), r.upperBound < end.lowerBound else { break }
                let token = String(xml[r.upperBound..<end.lowerBound])
                xml = try await get(app, "verb=ListIdentifiers&resumptionToken=\(token)")
            }
            #expect(pages == 3)
            #expect(identifiers.count == 230 && Set(identifiers).count == 230)
            // Sets: subject and organisation, hierarchical.
            let math = try await get(app, "verb=ListIdentifiers&metadataPrefix=oai_dc&set=subject:math")
            #expect(math.contains("completeListSize=\"115\""))
            let org = try await get(app, "verb=ListIdentifiers&metadataPrefix=oai_dc&set=org:vn")
            #expect(org.contains("completeListSize=\"230\""))
            let sets = try await get(app, "verb=ListSets")
            #expect(sets.contains("<setSpec>org:vn:19</setSpec>") && sets.contains("<setSpec>subject:math</setSpec>"))
        }
    }

    @Test func recordsCarryDublinCoreAndWithdrawalsStayAsDeleted() async throws {
        try await withTestApp { app in
            _ = try await seed(app, count: 2)
            let list = try await get(app, "verb=ListRecords&metadataPrefix=oai_dc")
            #expect(list.contains("<dc:title xml:lang=\"vi\">Bài 0: Phương trình &amp; &lt;bất&gt; phương trình</dc:title>"))
            #expect(list.contains("<dc:rights>https://creativecommons.org/licenses/by/4.0/</dc:rights>"))
            #expect(list.contains("<dc:subject xml:lang=\"vi\">Toán</dc:subject>"))
            #expect(list.contains("<dc:publisher>Tỉnh Thái Nguyên</dc:publisher>"))
            let first = try #require(list.components(separatedBy: "<identifier>").dropFirst().first.map { String($0.prefix(while: { $0 != "<" })) })
            let id = UUID(uuidString: String(first.split(separator: ":").last!))!
            _ = try await LibraryService(db: app.db, ctx: app.services.library).withdraw(id, reason: "cũ", actor: .system("test"))
            let record = try await get(app, "verb=GetRecord&metadataPrefix=oai_dc&identifier=\(first)")
            #expect(record.contains("<header status=\"deleted\">"))
            #expect(!record.contains("<metadata>"))
            let identify = try await get(app, "verb=Identify")
            #expect(identify.contains("<deletedRecord>persistent</deletedRecord>") && identify.contains("<protocolVersion>2.0</protocolVersion>"))
            // POST works like GET.
            try await app.testing().test(.POST, "oai", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: ByteBuffer(string: "verb=Identify")) { res in
                #expect(res.status == .ok && res.body.string.contains("<Identify>"))
            }
            // A POST in another encoding is refused in the protocol's form, not with an HTML page.
            try await app.testing().test(.POST, "oai", headers: ["Content-Type": "application/json"], body: ByteBuffer(string: "{\"verb\":\"Identify\"}")) { res in
                #expect(res.status == .unsupportedMediaType)
                #expect(res.headers.contentType?.description.hasPrefix("text/xml") == true)
                #expect(res.body.string.contains("<error code=\"badArgument\">POST requests must be application/x-www-form-urlencoded.</error>"))
            }
        }
    }
}
