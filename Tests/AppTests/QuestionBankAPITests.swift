import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
import Assessment
@testable import App

extension Application {
    func createBank(_ user: HTTPHeaders, _ name: String = "Toán 9") async throws -> BankDTO {
        var bank: BankDTO?
        try await postJSON("api/v1/question-banks", user, ["name": name]) { res in
            #expect(res.status == .created, "\(res.body.string)")
            bank = res.decoded(BankDTO.self)
        }
        return try #require(bank)
    }

    func importItems(_ user: HTTPHeaders, bank: UUID, format: String, _ body: String, query: String = "",
                     check: (TestingHTTPResponse) throws -> Void) async throws {
        var h = user
        h.contentType = .plainText
        try await testing().test(.POST, "api/v1/question-banks/\(bank)/import?format=\(format)\(query)", headers: h, body: ByteBuffer(string: body),
                                 afterResponse: check)
    }
}

@Suite("Question banks: import and export", .serialized)
struct QuestionBankAPITests {
    static let gift = """
    $CATEGORY: Toán 9/Chương 4

    ::PT1:: Nghiệm của x² − 5x + 6 = 0 là {
      =x \\= 2 hoặc x \\= 3 # Đúng: (x − 2)(x − 3) \\= 0
      ~x \\= −2 hoặc x \\= −3
      ~Vô nghiệm
    }

    ::Delta:: Biệt thức Δ của ax² + bx + c là {=b² − 4ac =b^2-4ac}

    ::Số nghiệm:: Phương trình bậc hai có nhiều nhất bao nhiêu nghiệm? {#2}
    """

    @Test func aTeacherImportsGIFTAndExportsIt() async throws {
        try await withTestApp { app in
            _ = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let bank = try await app.createBank(teacher)
            try await app.importItems(teacher, bank: bank.id, format: "gift", Self.gift) { res in
                #expect(res.status == .created, "\(res.body.string)")
                #expect(res.decoded(ItemImportReport.self) == ItemImportReport(imported: 3, duplicates: [], skipped: []))
            }
            // The same file again: every question is already there.
            try await app.importItems(teacher, bank: bank.id, format: "gift", Self.gift) { res in
                #expect(res.decoded(ItemImportReport.self)?.imported == 0)
                #expect(res.decoded(ItemImportReport.self)?.duplicates == ["PT1", "Delta", "Số nghiệm"])
            }
            try await app.testing().test(.GET, "api/v1/question-banks/\(bank.id)/items", headers: teacher) { res in
                let page = res.decoded(ListPage<ItemSummaryDTO>.self)
                #expect(page?.items.map(\.type) == ["singleChoice", "shortAnswer", "numeric"])
                #expect(page?.items.first?.category == "Toán 9/Chương 4")
            }
            try await app.testing().test(.GET, "api/v1/question-banks/\(bank.id)", headers: teacher) { res in
                #expect(res.decoded(BankDTO.self)?.itemCount == 3)
            }
            for format in ["gift", "moodlexml"] {
                var exported = Data()
                try await app.testing().test(.GET, "api/v1/question-banks/\(bank.id)/export?format=\(format)", headers: teacher) { res in
                    #expect(res.status == .ok)
                    exported = Data(buffer: res.body)
                }
                let again = format == "gift" ? GIFTParser.parse(String(decoding: exported, as: UTF8.self)) : MoodleXMLReader.parse(exported)
                #expect(again.problems.isEmpty && again.items.count == 3, "\(format)")
                #expect(again.items.map(\.content) == GIFTParser.parse(Self.gift).items.map(\.content), "\(format) keeps every item")
            }
            // Aiken holds only the single-choice one, and says how many it left out.
            try await app.testing().test(.GET, "api/v1/question-banks/\(bank.id)/export?format=aiken", headers: teacher) { res in
                #expect(res.headers.first(name: "X-Skipped-Items") == "2")
                #expect(AikenParser.parse(res.body.string).items.count == 1)
            }
        }
    }

    @Test func aFileWithProblemsImportsNothingUnlessAskedToSkip() async throws {
        try await withTestApp { app in
            _ = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let bank = try await app.createBank(teacher)
            let broken = Self.gift + "\n\n::Hỏng:: Thiếu dấu đóng {=a ~b\n"
            try await app.importItems(teacher, bank: bank.id, format: "gift", broken, query: "&filename=chuong4.gift") { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("\"line\":13"))
                #expect(res.body.string.contains("chuong4.gift"))
            }
            try await app.testing().test(.GET, "api/v1/question-banks/\(bank.id)", headers: teacher) { res in
                #expect(res.decoded(BankDTO.self)?.itemCount == 0)
            }
            try await app.importItems(teacher, bank: bank.id, format: "gift", broken, query: "&skipInvalid=true") { res in
                let report = res.decoded(ItemImportReport.self)
                #expect(report?.imported == 3)
                #expect(report?.skipped.map(\.reason) == ["gift.brace-unclosed"])
                #expect(report?.skipped.first?.message == "Khối đáp án { … } chưa được đóng.")
            }
            // Bad requests get their own answers.
            try await app.importItems(teacher, bank: bank.id, format: "word", "x") { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("gift, moodlexml, aiken, qti3"))
            }
            try await app.importItems(teacher, bank: bank.id, format: "qti3", "x") { res in #expect(res.status == .unprocessableEntity) }
            try await app.importItems(teacher, bank: bank.id, format: "moodlexml", "<quiz><question") { res in
                #expect(res.status == .unprocessableEntity)
            }
            try await app.importItems(teacher, bank: bank.id, format: "gift", "// only a comment\n") { res in
                #expect(res.status == .unprocessableEntity)
            }
            try await app.postJSON("api/v1/question-banks", teacher, ["name": "  "]) { res in #expect(res.status == .unprocessableEntity) }
        }
    }

    @Test(.enabled(if: sharedFixtures != nil, "../shared/fixtures is absent: the QTI package test needs it"))
    func aQTIPackageImportsWithItsProblemsNamedAndExportsBack() async throws {
        let zip = try Data(contentsOf: URL(fileURLWithPath: sharedFixtures! + "/qti3/package-kennisnet-1.zip"))
        try await withTestApp { app in
            _ = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let bank = try await app.createBank(teacher)
            func post(_ bank: UUID, _ data: Data, _ query: String = "") async throws -> TestingHTTPResponse {
                var h = teacher
                h.contentType = HTTPMediaType(type: "application", subType: "zip")
                var out: TestingHTTPResponse?
                try await app.testing().test(.POST, "api/v1/question-banks/\(bank)/import?format=qti3\(query)", headers: h,
                                             body: ByteBuffer(data: data)) { out = $0 }
                return try #require(out)
            }
            // Two entries of the package are not questions the bank can hold: nothing is
            // imported until the teacher says to leave them out; both are named.
            let refused = try await post(bank.id, zip, "&filename=kennisnet.zip")
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("INTRODUCTION.xml") && refused.body.string.contains("ITEM005.xml"))
            #expect(refused.body.string.contains("select-point-interaction"))
            let imported = try await post(bank.id, zip, "&skipInvalid=true")
            #expect(imported.status == .created)
            #expect(imported.decoded(ItemImportReport.self)?.imported == 8)
            #expect(imported.decoded(ItemImportReport.self)?.skipped.map(\.reason) == ["qti.no-interaction", "qti.interaction-not-supported"])
            var exported = Data()
            try await app.testing().test(.GET, "api/v1/question-banks/\(bank.id)/export?format=qti3", headers: teacher) { res in
                #expect(res.status == .ok && res.headers.contentType?.description == "application/zip")
                #expect(res.headers.first(name: .contentDisposition)?.hasSuffix(".zip\"") == true)
                exported = Data(buffer: res.body)
            }
            let copy = try await app.createBank(teacher, "Kopie")
            let again = try await post(copy.id, exported)
            #expect(again.status == .created, "\(again.body.string)")
            #expect(again.decoded(ItemImportReport.self) == ItemImportReport(imported: 8, duplicates: [], skipped: []))
            // And into the first bank: every one is already there.
            #expect(try await post(bank.id, exported).decoded(ItemImportReport.self)?.duplicates.count == 8)
        }
    }

    @Test func banksArePrivateToTheirOwner() async throws {
        try await withTestApp { app in
            _ = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let bank = try await app.createBank(teacher)
            for other in ["teacher2", "pupil1", "pupilb"] {
                let h = try await app.bearer(other)
                try await app.testing().test(.GET, "api/v1/question-banks/\(bank.id)", headers: h) { res in #expect(res.status == .notFound, "\(other)") }
                try await app.importItems(h, bank: bank.id, format: "gift", Self.gift) { res in #expect(res.status == .notFound, "\(other)") }
                try await app.testing().test(.GET, "api/v1/question-banks/\(bank.id)/export?format=gift", headers: h) { res in
                    #expect(res.status == .notFound, "\(other)")
                }
            }
            // Pupils keep no banks; without signing in nothing is there.
            try await app.postJSON("api/v1/question-banks", try await app.bearer("pupil1"), ["name": "Của em"]) { res in #expect(res.status == .forbidden) }
            try await app.testing().test(.GET, "api/v1/question-banks") { res in #expect(res.status == .unauthorized) }
            try await app.testing().test(.GET, "api/v1/question-banks", headers: try await app.bearer("teacher2")) { res in
                #expect(res.decoded([BankDTO].self)?.isEmpty == true)
            }
        }
    }
}

@Suite("Items: written through the API, versioned", .serialized)
struct ItemAPITests {
    @Test func anItemIsCheckedCreatedAndEditedIntoVersions() async throws {
        try await withTestApp { app in
            _ = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let bank = try await app.createBank(teacher)
            var item: [String: Any] = ["type": "singleChoice", "name": "Thủ đô", "stem": ["text": "Thủ đô của Việt Nam?", "format": "plain"],
                                       "choices": [["text": ["text": "Hà Nội", "format": "plain"], "fraction": 1],
                                                   ["text": ["text": "Huế", "format": "plain"], "fraction": 0]]]
            var id: UUID?
            try await app.postJSON("api/v1/question-banks/\(bank.id)/items", teacher, item) { res in
                #expect(res.status == .created, "\(res.body.string)")
                id = res.decoded(ItemDTO.self)?.id
                #expect(res.decoded(ItemDTO.self)?.version == 1)
            }
            // The same question again is a conflict; a question nobody can answer is refused by part.
            try await app.postJSON("api/v1/question-banks/\(bank.id)/items", teacher, item) { res in #expect(res.status == .conflict) }
            var broken = item
            broken["name"] = "Hỏng"
            broken["choices"] = [["text": ["text": "Một", "format": "plain"], "fraction": 0.5]]
            try await app.postJSON("api/v1/question-banks/\(bank.id)/items", teacher, broken) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("item.too-few-choices") && res.body.string.contains("item.one-right-choice"))
            }
            try await app.postJSON("api/v1/question-banks/\(bank.id)/items", teacher, ["type": "hologram"]) { res in
                #expect(res.status == .badRequest || res.status == .unprocessableEntity)
            }
            // An edit is a new version; the first stays readable.
            item["stem"] = ["text": "Thủ đô của nước Việt Nam là thành phố nào?", "format": "plain"]
            var put = teacher
            put.contentType = .json
            put.replaceOrAdd(name: .ifMatch, value: "\"1\"")
            try await app.testing().test(.PUT, "api/v1/items/\(id!)", headers: put, body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: item))) { res in
                #expect(res.status == .ok, "\(res.body.string)")
                #expect(res.decoded(ItemDTO.self)?.version == 2)
            }
            // A second edit from version 1 is stale.
            try await app.testing().test(.PUT, "api/v1/items/\(id!)", headers: put, body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: item))) { res in
                #expect(res.status == .conflict)
            }
            try await app.testing().test(.GET, "api/v1/items/\(id!)?version=1", headers: teacher) { res in
                #expect(res.decoded(ItemDTO.self)?.content.stem.text == "Thủ đô của Việt Nam?")
            }
            try await app.testing().test(.GET, "api/v1/items/\(id!)", headers: teacher) { res in
                #expect(res.decoded(ItemDTO.self)?.version == 2)
            }
            // The type stays; another teacher sees nothing.
            item["type"] = "multipleResponse"
            put.replaceOrAdd(name: .ifMatch, value: "\"2\"")
            try await app.testing().test(.PUT, "api/v1/items/\(id!)", headers: put, body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: item))) { res in
                #expect(res.status == .unprocessableEntity)
            }
            try await app.testing().test(.GET, "api/v1/items/\(id!)", headers: try await app.bearer("teacher2")) { res in #expect(res.status == .notFound) }
        }
    }
}
