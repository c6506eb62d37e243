import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
import Directory
@testable import Assessment
@testable import App

@Suite("Question banks: owned by schools, reviewed, published for a scope", .serialized)
struct BankSharingTests {
    /// The test world with curators (school A, province) and a teacher at school B.
    static func world(_ app: Application) async throws -> World {
        let w = try await LibraryWorld.build(app).world
        let s = DirectoryService(db: app.db, ctx: app.services.directory)
        _ = try await s.createPerson(NewPerson(familyName: "Đinh", givenName: "Bê", birthDate: "1988-01-01", username: "teacherb",
                                               password: testPassword, orgID: w.schoolB.id, role: "teacher"), actor: .system("test"))
        return w
    }

    @Test func aSchoolBankIsReviewedPublishedForTheProvinceAndUsedElsewhere() async throws {
        try await withTestApp { app in
            let w = try await Self.world(app)
            let t1 = try await app.bearer("teacher1"), t2 = try await app.bearer("teacher2"), tb = try await app.bearer("teacherb")
            let curatorP = try await app.bearer("curatorp"), curatorA = try await app.bearer("curatora")
            // Who may make a bank for whom.
            try await app.postJSON("api/v1/question-banks", try await app.bearer("pupil1"), ["name": "x", "orgId": w.schoolA.id.uuidString]) { res in
                #expect(res.status == .forbidden)
            }
            // Another school is not even visible to a teacher (an unknown id); the province is, but above them.
            try await app.postJSON("api/v1/question-banks", t1, ["name": "x", "orgId": w.schoolB.id.uuidString]) { res in #expect(res.status == .unprocessableEntity) }
            try await app.postJSON("api/v1/question-banks", t1, ["name": "x", "orgId": w.province.id.uuidString]) { res in #expect(res.status == .forbidden) }
            try await app.postJSON("api/v1/question-banks", t1, ["name": "x", "orgId": UUID().uuidString]) { res in #expect(res.status == .unprocessableEntity) }
            var made: BankDTO?
            try await app.postJSON("api/v1/question-banks", t1, ["name": "Toán 9 — tổ Toán", "orgId": w.schoolA.id.uuidString]) { res in
                #expect(res.status == .created)
                made = res.decoded(BankDTO.self)
            }
            let bank = try #require(made)
            #expect(bank.orgId == w.schoolA.id && bank.status == "draft" && bank.canEdit)
            // A colleague at the school keeps it too; nobody outside the school sees it.
            try await app.testing().test(.GET, "api/v1/question-banks", headers: t2) { res in
                #expect(res.decoded([BankDTO].self)?.map(\.id) == [bank.id])
            }
            try await app.importItems(t2, bank: bank.id, format: "gift", QuestionBankAPITests.gift) { res in #expect(res.status == .created) }
            for h in [tb, try await app.bearer("pupilb"), try await app.bearer("provider"), try await app.bearer("pupil1")] {
                try await app.testing().test(.GET, "api/v1/question-banks/\(bank.id)", headers: h) { res in #expect(res.status == .notFound) }
            }
            // Submission: for the province (above the school), not for another school; an empty bank cannot go.
            try await app.postJSON("api/v1/question-banks/\(bank.id)/submit", t2, ["scopeOrgId": w.schoolB.id.uuidString]) { res in
                #expect(res.status == .unprocessableEntity)
            }
            var empty: BankDTO?
            try await app.postJSON("api/v1/question-banks", t1, ["name": "Trống", "orgId": w.schoolA.id.uuidString]) { res in empty = res.decoded(BankDTO.self) }
            try await app.postJSON("api/v1/question-banks/\(try #require(empty).id)/submit", t1, ["scopeOrgId": w.province.id.uuidString]) { res in
                #expect(res.status == .unprocessableEntity)
            }
            try await app.postJSON("api/v1/question-banks/\(bank.id)/submit", t2, ["scopeOrgId": w.province.id.uuidString, "comment": "Đề nghị duyệt"]) { res in
                #expect(res.status == .ok)
                #expect(res.decoded(BankDTO.self)?.status == "submitted" && res.decoded(BankDTO.self)?.scopeLevel == "province")
            }
            // The province's curator reviews it; the school's curator cannot (the scope is above them; they are one of its editors).
            try await app.testing().test(.GET, "api/v1/question-banks/reviews", headers: curatorP) { res in
                #expect(res.decoded([BankDTO].self)?.map(\.id) == [bank.id])
            }
            try await app.testing().test(.GET, "api/v1/question-banks/reviews", headers: curatorA) { res in #expect(res.decoded([BankDTO].self)?.isEmpty == true) }
            try await app.postJSON("api/v1/question-banks/\(bank.id)/approve", curatorA) { res in #expect(res.status == .forbidden) }
            try await app.postJSON("api/v1/question-banks/\(bank.id)/approve", t1) { res in #expect(res.status == .forbidden) }
            try await app.postJSON("api/v1/question-banks/\(bank.id)/claim", curatorP) { res in #expect(res.decoded(BankDTO.self)?.status == "inReview") }
            try await app.postJSON("api/v1/question-banks/\(bank.id)/request-changes", curatorP) { res in #expect(res.status == .unprocessableEntity) }
            try await app.postJSON("api/v1/question-banks/\(bank.id)/request-changes", curatorP, ["comment": "Ghi mức độ cho từng câu"]) { res in
                #expect(res.decoded(BankDTO.self)?.status == "changesRequested")
            }
            try await app.postJSON("api/v1/question-banks/\(bank.id)/approve", curatorP) { res in #expect(res.status == .conflict) }
            try await app.postJSON("api/v1/question-banks/\(bank.id)/submit", t1, ["scopeOrgId": w.province.id.uuidString]) { res in #expect(res.status == .ok) }
            try await app.postJSON("api/v1/question-banks/\(bank.id)/approve", curatorP, ["comment": "Đạt"]) { res in
                #expect(res.decoded(BankDTO.self)?.status == "published")
            }
            // Published for the province: a teacher at another school of it finds it, reads it, makes an exam from it…
            try await app.testing().test(.GET, "api/v1/question-banks/shared", headers: tb) { res in
                #expect(res.decoded([BankDTO].self)?.map(\.id) == [bank.id] && res.decoded([BankDTO].self)?.first?.canEdit == false)
            }
            try await app.testing().test(.GET, "api/v1/question-banks/\(bank.id)/export?format=gift", headers: tb) { res in #expect(res.status == .ok) }
            var itemID: UUID?
            try await app.testing().test(.GET, "api/v1/question-banks/\(bank.id)/items", headers: tb) { res in
                itemID = res.decoded(ListPage<ItemSummaryDTO>.self)?.items.first?.id
            }
            try await app.testing().test(.GET, "api/v1/items/\(try #require(itemID))", headers: tb) { res in #expect(res.status == .ok) }
            let iso = ISO8601DateFormatter()
            try await app.postJSON("api/v1/exams", tb, ["bankId": bank.id.uuidString, "title": "Kiểm tra", "orgId": w.schoolB.id.uuidString,
                                                        "opensAt": iso.string(from: Date()), "closesAt": iso.string(from: Date().addingTimeInterval(3600)),
                                                        "durationMinutes": 15]) { res in #expect(res.status == .created, "\(res.body.string)") }
            // … but does not change it.
            try await app.importItems(tb, bank: bank.id, format: "gift", "::N:: 1+1 {#2}") { res in #expect(res.status == .forbidden) }
            var h = tb
            h.contentType = .json
            try await app.testing().test(.PUT, "api/v1/items/\(try #require(itemID))", headers: h, body: ByteBuffer(string: "{}")) { res in
                #expect(res.status == .forbidden || res.status == .unprocessableEntity)
            }
            try await app.postJSON("api/v1/question-banks/\(bank.id)/submit", tb, ["scopeOrgId": w.province.id.uuidString]) { res in #expect(res.status == .forbidden) }
            // Pupils never see banks, published or not: they hold the keys.
            try await app.testing().test(.GET, "api/v1/question-banks/shared", headers: try await app.bearer("pupilb")) { res in
                #expect(res.decoded([BankDTO].self)?.isEmpty == true)
            }
            try await app.testing().test(.GET, "api/v1/question-banks/\(bank.id)/history", headers: t1) { res in
                #expect(res.decoded([BankReviewDTO].self)?.map(\.action) == ["submitted", "claimed", "changesRequested", "submitted", "approved"])
            }
            // Withdrawn: gone for the other school at once.
            try await app.postJSON("api/v1/question-banks/\(bank.id)/withdraw", curatorP, ["comment": "Có câu sai đáp án"]) { res in
                #expect(res.decoded(BankDTO.self)?.status == "withdrawn")
            }
            try await app.testing().test(.GET, "api/v1/question-banks/\(bank.id)", headers: tb) { res in #expect(res.status == .notFound) }
            try await app.testing().test(.GET, "api/v1/question-banks/shared", headers: tb) { res in #expect(res.decoded([BankDTO].self)?.isEmpty == true) }
        }
    }

    @Test func theSharingFlowWorksThroughThePages() async throws {
        try await withTestApp { app in
            let w = try await Self.world(app)
            let teacher = try await PageTests().signIn(app, "teacher1", lang: "vi")
            let (form, token) = PageTests().form(teacher)
            var bankPath = ""
            try await app.testing().test(.POST, "assessment/banks", headers: form,
                                         body: ByteBuffer(string: "_csrf=\(token)&name=Ng%C3%A2n+h%C3%A0ng+t%E1%BB%95+To%C3%A1n&owner=\(w.schoolA.id)")) { res in
                #expect(res.status == .seeOther)
                bankPath = String((res.headers.first(name: .location) ?? "").dropFirst())
            }
            let id = try #require(UUID(uuidString: String(bankPath.split(separator: "/").last ?? "")))
            try await app.importItems(try await app.bearer("teacher1"), bank: id, format: "gift", QuestionBankAPITests.gift) { res in #expect(res.status == .created) }
            try await app.testing().test(.GET, bankPath + "?lang=vi", headers: teacher) { res in
                let body = res.body.string
                #expect(body.contains("Chia sẻ ngân hàng này") && body.contains("value=\"\(w.province.id.uuidString)\""))
                #expect(body.contains("Nhập câu hỏi") || body.contains("enctype=\"multipart/form-data\""), "editors can import")
            }
            try await app.testing().test(.POST, bankPath + "/submit", headers: form, body: ByteBuffer(string: "_csrf=\(token)&scope=")) { res in
                #expect(res.status == .unprocessableEntity)
            }
            try await app.testing().test(.POST, bankPath + "/submit", headers: form, body: ByteBuffer(string: "_csrf=\(token)&scope=\(w.province.id)")) { res in
                #expect(res.status == .seeOther)
            }
            let curator = try await PageTests().signIn(app, "curatorp", lang: "vi")
            let (cform, ctoken) = PageTests().form(curator)
            try await app.testing().test(.GET, "assessment/banks?lang=vi", headers: curator) { res in
                #expect(res.body.string.contains("Chờ tôi thẩm định") && res.body.string.contains(bankPath))
            }
            try await app.testing().test(.POST, bankPath + "/review", headers: cform, body: ByteBuffer(string: "_csrf=\(ctoken)&decision=changes")) { res in
                #expect(res.status == .unprocessableEntity)
            }
            try await app.testing().test(.POST, bankPath + "/review", headers: cform, body: ByteBuffer(string: "_csrf=\(ctoken)&decision=approve&comment=%C4%90%E1%BA%A1t")) { res in
                #expect(res.status == .seeOther)
            }
            let other = try await PageTests().signIn(app, "teacherb", lang: "vi")
            try await app.testing().test(.GET, "assessment/banks?lang=vi", headers: other) { res in
                #expect(res.body.string.contains("Ngân hàng được chia sẻ") && res.body.string.contains(bankPath))
            }
            try await app.testing().test(.GET, bankPath + "?lang=vi", headers: other) { res in
                #expect(res.status == .ok)
                #expect(!res.body.string.contains("enctype=\"multipart/form-data\"") && !res.body.string.contains("/submit"), "readers do not edit")
                #expect(res.body.string.contains("duyệt và xuất bản"), "the history shows the approval")
            }
            try await app.testing().test(.GET, "assessment/banks", headers: try await PageTests().signIn(app, "pupil1")) { res in
                #expect(res.status == .forbidden)
            }
        }
    }
}
