import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
import SQLKit
@testable import Assessment
@testable import App

@Suite("Exam set-up page", .serialized)
struct ExamSetupPageTests {
    @Test func aTeacherSetsUpAMatrixExamOnThePage() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let bank = try await app.createBank(try await app.bearer("teacher1"))
            try await app.importItems(try await app.bearer("teacher1"), bank: bank.id, format: "gift", QuestionBankAPITests.gift) { res in #expect(res.status == .created) }
            let page = try await PageTests().signIn(app, "teacher1", lang: "vi")
            let (form, token) = PageTests().form(page)
            try await app.testing().test(.GET, "exams?lang=vi", headers: page) { res in #expect(res.body.string.contains("/exams/new")) }
            try await app.testing().test(.GET, "exams/new?lang=vi", headers: page) { res in
                #expect(res.status == .ok)
                let body = res.body.string
                #expect(body.contains("Ma trận đề") && body.contains(bank.id.uuidString) && body.contains(w.classA1.id.uuidString))
                #expect(body.contains("Asia/Ho_Chi_Minh"), "times are on the school's clock")
            }
            func post(_ fields: [String: String]) -> ByteBuffer {
                var all = ["_csrf": token, "title": "Giữa kì", "bank": bank.id.uuidString, "org": w.classA1.id.uuidString, "purpose": "midterm",
                           "opensAt": "2026-12-01T07:30", "closesAt": "2026-12-01T09:00", "duration": "45", "attempts": "1", "mode": "matrix"]
                all.merge(fields) { $1 }
                return ByteBuffer(string: all.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&"))
            }
            // Asking the bank for more than it holds: the page again, saying what is short, with what was typed.
            try await app.testing().test(.POST, "exams/new", headers: form, body: post(["topic_0": "Toán 9", "count_0": "5", "points_0": "2"])) { res in
                #expect(res.status == .unprocessableEntity)
                let body = res.body.string
                #expect(body.contains("Toán 9") && body.contains("value=\"5\"") && body.contains("Giữa kì"))
                #expect(body.contains("role=\"alert\""))
            }
            try await app.testing().test(.POST, "exams/new", headers: form, body: post(["opensAt": "mai"])) { res in
                #expect(res.status == .unprocessableEntity)
            }
            // Extra time by username: a line that is not "name minutes", a pupil of another class.
            try await app.testing().test(.POST, "exams/new", headers: form, body: post(["topic_0": "Toán 9", "count_0": "2", "extraTime": "pupil1"])) { res in
                #expect(res.status == .unprocessableEntity)
            }
            try await app.testing().test(.POST, "exams/new", headers: form, body: post(["topic_0": "Toán 9", "count_0": "2", "extraTime": "pupil2 10"])) { res in
                #expect(res.status == .unprocessableEntity && res.body.string.contains("pupil2"))
            }
            try await app.testing().test(.POST, "exams/new", headers: form,
                                         body: post(["topic_0": "Toán 9", "count_0": "2", "points_0": "2,5", "extraTime": "PUPIL1: 15"])) { res in
                #expect(res.status == .seeOther, "\(res.body.string)")
            }
            try await app.testing().test(.GET, "api/v1/exams", headers: try await app.bearer("teacher1")) { res in
                let exam = try #require(res.decoded([ExamDTO].self)?.first)
                #expect(exam.title == "Giữa kì" && exam.purpose == "midterm" && exam.matrix?.first?.count == 2 && exam.maxScore == 5)
                #expect(exam.accessCode == nil)
                let extra = try await (app.db as! any SQLDatabase).raw("SELECT person_id, seconds FROM exam_extra_time WHERE exam_id = \(bind: exam.id)").all()
                let seconds = try extra.first?.decode(column: "seconds", as: Int.self)
                let person = try extra.first?.decode(column: "person_id", as: UUID.self)
                #expect(extra.count == 1 && seconds == 900 && person == w.pupilA1.id)
                // 07:30 in Hà Nội is 00:30 UTC.
                #expect(ISO8601DateFormatter().string(from: exam.opensAt) == "2026-12-01T00:30:00Z")
            }
            try await app.testing().test(.GET, "exams/new", headers: try await PageTests().signIn(app, "pupil1")) { res in #expect(res.status == .forbidden) }
        }
    }
}
