import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
import Assessment
@testable import App

@Suite("Question bank pages", .serialized)
struct QuestionBankPageTests {
    @Test func aTeacherCreatesABankImportsAFileAndSeesEveryProblem() async throws {
        try await withTestApp { app in
            _ = try await World.build(app)
            let page = try await PageTests().signIn(app, "teacher1", lang: "vi")
            let token = page.csrfToken
            try await app.testing().test(.GET, "assessment/banks?lang=vi", headers: page) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Bạn chưa có ngân hàng câu hỏi nào"))
            }
            var form = page
            form.contentType = .urlEncodedForm
            var bankPath = ""
            try await app.testing().test(.POST, "assessment/banks", headers: form, body: ByteBuffer(string: "_csrf=\(token)&name=To%C3%A1n%209")) { res in
                #expect(res.status == .seeOther)
                bankPath = res.headers.first(name: .location) ?? ""
            }
            #expect(bankPath.hasPrefix("/assessment/banks/"))
            // An empty name shows the form again with its message.
            try await app.testing().test(.POST, "assessment/banks", headers: form, body: ByteBuffer(string: "_csrf=\(token)&name=")) { res in
                #expect(res.status == .unprocessableEntity)
            }
            func upload(_ text: String, skip: Bool) async throws -> (HTTPStatus, String) {
                var fields = [("_csrf", token), ("format", "gift")]
                if skip { fields.append(("skipInvalid", "1")) }
                let (body, headers) = TestFiles.multipart(fields: fields, file: ("file", "chuong4.gift", Data(text.utf8)))
                var h = page
                h.add(contentsOf: headers)
                var out: (HTTPStatus, String) = (.ok, "")
                try await app.testing().test(.POST, "\(bankPath.dropFirst())/import?lang=vi", headers: h, body: body) { res in
                    out = (res.status, res.body.string)
                }
                return out
            }
            let broken = QuestionBankAPITests.gift + "\n\n::Hỏng:: Thiếu dấu đóng {=a ~b\n"
            let (refusedStatus, refused) = try await upload(broken, skip: false)
            #expect(refusedStatus == .unprocessableEntity)
            #expect(refused.contains("Chưa nhập câu nào"))
            #expect(refused.contains("dòng 13 “Hỏng”: Khối đáp án { … } chưa được đóng."))
            let (okStatus, imported) = try await upload(broken, skip: true)
            #expect(okStatus == .ok)
            #expect(imported.contains("Đã nhập 3 câu hỏi, 0 câu đã có trong ngân hàng, 1 câu bị bỏ qua vì lỗi."))
            #expect(imported.contains("Phương trình bậc hai có nhiều nhất bao nhiêu nghiệm?") == false, "names are listed, not stems")
            #expect(imported.contains("Số nghiệm") && imported.contains("số"))
            // The export link works with the page session.
            try await app.testing().test(.GET, "\(bankPath.dropFirst())/export?format=gift", headers: page) { res in
                #expect(res.status == .ok)
                #expect(GIFTParser.parse(res.body.string).items.count == 3)
            }
            // Without the form's token nothing happens; a pupil has no banks page.
            let (body, headers) = TestFiles.multipart(fields: [("format", "gift")], file: ("file", "x.gift", Data(QuestionBankAPITests.gift.utf8)))
            var noToken = page
            noToken.add(contentsOf: headers)
            try await app.testing().test(.POST, "\(bankPath.dropFirst())/import", headers: noToken, body: body) { res in #expect(res.status == .forbidden) }
            let pupil = try await PageTests().signIn(app, "pupil1")
            try await app.testing().test(.GET, "assessment/banks", headers: pupil) { res in #expect(res.status == .forbidden) }
            try await app.testing().test(.GET, String(bankPath.dropFirst()), headers: try await PageTests().signIn(app, "teacher2")) { res in
                #expect(res.status == .notFound)
            }
        }
    }
}
