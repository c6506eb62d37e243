import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
@testable import Assessment
@testable import App

@Suite("Item editor page", .serialized)
struct ItemEditorPageTests {
    func body(_ fields: [(String, String)]) -> ByteBuffer {
        ByteBuffer(string: fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&"))
    }

    @Test func aTeacherWritesAndEditsQuestionsOfEveryKindOnThePage() async throws {
        try await withTestApp { app in
            _ = try await World.build(app)
            let api = try await app.bearer("teacher1")
            let bank = try await app.createBank(api)
            let page = try await PageTests().signIn(app, "teacher1", lang: "vi")
            let (form, token) = PageTests().form(page)
            let newPath = "assessment/banks/\(bank.id)/items/new"
            try await app.testing().test(.GET, newPath + "?type=essay&lang=vi", headers: page) { res in
                #expect(res.status == .ok && res.body.string.contains("Thang chấm (rubric)") && res.body.string.contains("Vận dụng cao"))
            }
            // A single choice with no right choice: refused by the bank's own check, what was typed kept.
            let choice: [(String, String)] = [("_csrf", token), ("type", "singleChoice"), ("name", "Thủ đô"), ("stem", "Thủ đô của Việt Nam?"), ("format", "plain"),
                                              ("a_0", "Hà Nội"), ("b_0", "0"), ("a_1", "Huế"), ("b_1", "0"), ("a_2", ""), ("b_2", ""), ("level", "recognition")]
            try await app.testing().test(.POST, newPath + "?type=singleChoice", headers: form, body: body(choice)) { res in
                #expect(res.status == .unprocessableEntity && res.body.string.contains("value=\"Hà Nội\""))
            }
            try await app.testing().test(.POST, newPath + "?type=singleChoice", headers: form, body: body(choice.map { $0.0 == "b_1" ? ("b_1", "abc") : $0 })) { res in
                #expect(res.status == .unprocessableEntity && res.body.string.contains("Không phải số"))
            }
            var right = choice
            right[6] = ("b_0", "100")
            try await app.testing().test(.POST, newPath + "?type=singleChoice", headers: form, body: body(right)) { res in #expect(res.status == .seeOther) }
            // An essay with a rubric, a cloze in Moodle's syntax, a broken cloze.
            try await app.testing().test(.POST, newPath + "?type=essay", headers: form, body: body([("_csrf", token), ("name", "Văn"), ("stem", "Tả mùa xuân"),
                ("graderInfo", "Đủ ý"), ("a_0", "Nội dung"), ("b_0", "0 Lạc đề; 2 Đủ ý"), ("a_1", ""), ("b_1", "")])) { res in #expect(res.status == .seeOther) }
            try await app.testing().test(.POST, newPath + "?type=cloze", headers: form, body: body([("_csrf", token), ("name", "Điền"),
                ("stem", "Thủ đô là {1:SHORTANSWER:=Hà Nội}")])) { res in #expect(res.status == .seeOther) }
            try await app.testing().test(.POST, newPath + "?type=cloze", headers: form, body: body([("_csrf", token), ("name", "Hỏng"),
                ("stem", "Thiếu ô trống")])) { res in #expect(res.status == .unprocessableEntity) }
            var items: [ItemSummaryDTO] = []
            try await app.testing().test(.GET, "api/v1/question-banks/\(bank.id)/items", headers: api) { res in
                items = res.decoded(ListPage<ItemSummaryDTO>.self)?.items ?? []
            }
            #expect(items.map(\.type) == ["singleChoice", "essay", "cloze"])
            try await app.testing().test(.GET, "api/v1/items/\(items[1].id)", headers: api) { res in
                let c = res.decoded(ItemDTO.self)?.content
                #expect(c?.rubric == [RubricCriterion(name: "Nội dung", levels: [.init(points: 0, description: "Lạc đề"), .init(points: 2, description: "Đủ ý")])])
            }
            // Editing: the form shows the question; saving makes version 2; a stale form is refused.
            let edit = "assessment/items/\(items[0].id)/edit"
            try await app.testing().test(.GET, edit + "?lang=vi", headers: page) { res in
                #expect(res.body.string.contains("value=\"Hà Nội\"") && res.body.string.contains("value=\"100\"") && res.body.string.contains("name=\"version\" value=\"1\""))
            }
            var changed = right + [("version", "1")]
            changed[3] = ("stem", "Thủ đô của nước Việt Nam là?")
            try await app.testing().test(.POST, edit, headers: form, body: body(changed)) { res in #expect(res.status == .seeOther) }
            try await app.testing().test(.POST, edit, headers: form, body: body(changed)) { res in #expect(res.status == .conflict) }
            try await app.testing().test(.GET, "api/v1/items/\(items[0].id)", headers: api) { res in
                #expect(res.decoded(ItemDTO.self)?.version == 2 && res.decoded(ItemDTO.self)?.content.level == .recognition)
            }
            // Another teacher cannot open the editor for this bank.
            try await app.testing().test(.GET, edit, headers: try await PageTests().signIn(app, "teacher2")) { res in #expect(res.status == .notFound) }
        }
    }
}
