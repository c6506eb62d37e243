import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
import SQLKit
@testable import Assessment
@testable import App

@Suite("Adaptive exams", .serialized)
struct AdaptiveExamTests {
    func send(_ app: Application, _ method: HTTPMethod, _ path: String, _ h: HTTPHeaders, _ body: [String: Any],
              check: (TestingHTTPResponse) throws -> Void) async throws {
        try await GradingTests().send(app, method, path, h, body, check: check)
    }

    @Test func eachAnswerChoosesTheNextQuestionAndTheAbilityIsReported() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let bank = try await app.createBank(teacher)
            // Twelve questions whose difficulties run from -2.75 to 2.75 logits.
            var ids: [UUID] = []
            for i in 0..<12 {
                let item: [String: Any] = ["type": "singleChoice", "name": "Q\(i)", "stem": ["text": "Câu \(i): chọn Đúng", "format": "plain"],
                                           "choices": [["text": ["text": "Đúng", "format": "plain"], "fraction": 1], ["text": ["text": "Sai", "format": "plain"], "fraction": 0]]]
                try await send(app, .POST, "api/v1/question-banks/\(bank.id)/items", teacher, item) { res in ids.append(try #require(res.decoded(ItemDTO.self)).id) }
            }
            let iso = ISO8601DateFormatter()
            let exam: [String: Any] = ["bankId": bank.id.uuidString, "title": "Thích ứng", "orgId": w.schoolA.id.uuidString,
                                       "opensAt": iso.string(from: Date().addingTimeInterval(-60)), "closesAt": iso.string(from: Date().addingTimeInterval(3600)),
                                       "durationMinutes": 30, "adaptive": ["maxItems": 6, "minItems": 3, "targetStandardError": 0.1]]
            // Not calibrated yet: refused, saying how many calibrated questions there are.
            try await app.postJSON("api/v1/exams", teacher, exam) { res in
                #expect(res.status == .unprocessableEntity && res.body.string.contains("adaptive"))
            }
            let sql = app.db as! any SQLDatabase
            for (i, id) in ids.enumerated() {
                try await sql.raw("UPDATE items SET rasch_difficulty = \(bind: Double(i) * 0.5 - 2.75) WHERE id = \(bind: id)").run()
            }
            try await app.postJSON("api/v1/exams", teacher, exam.merging(["adaptive": ["maxItems": 0]]) { $1 }) { res in
                #expect(res.status == .unprocessableEntity)
            }
            var made: ExamDTO?
            try await app.postJSON("api/v1/exams", teacher, exam) { res in
                #expect(res.status == .created, "\(res.body.string)")
                made = res.decoded(ExamDTO.self)
            }
            let examID = try #require(made).id
            #expect(made?.questions == 6 && made?.adaptive?.maxItems == 6)
            var abilities: [String: Double] = [:]
            for (user, answerRight) in [("pupil1", true), ("pupil2", false)] {
                let h = try await app.bearer(user)
                var current: AttemptDTO?
                try await app.postJSON("api/v1/exams/\(examID)/attempts", h) { res in current = res.decoded(AttemptDTO.self) }
                var a = try #require(current)
                #expect(a.questions.count == 1 && a.adaptive == AdaptiveProgress(answered: 0, maxItems: 6))
                // The next question needs an answer to this one.
                try await app.postJSON("api/v1/attempts/\(a.id)/next", h) { res in #expect(res.status == .conflict) }
                var seen: [String] = []
                while !a.submitted {
                    let q = try #require(a.questions.first)
                    seen.append(q.stem.text)
                    let index = try #require(q.choices?.firstIndex { $0.text == (answerRight ? "Đúng" : "Sai") })
                    try await send(app, .PUT, "api/v1/attempts/\(a.id)/answers/\(q.slot)", h, ["seq": 1, "response": ["choices": [index]]]) { res in
                        #expect(res.status == .ok)
                    }
                    if q.slot == 2 {
                        // The first answer chose this question: it cannot be changed any more.
                        try await send(app, .PUT, "api/v1/attempts/\(a.id)/answers/1", h, ["seq": 2, "response": ["choices": [0]]]) { res in
                            #expect(res.status == .conflict)
                        }
                    }
                    try await app.postJSON("api/v1/attempts/\(a.id)/next", h) { res in
                        #expect(res.status == .ok, "\(res.body.string)")
                        current = res.decoded(AttemptDTO.self)
                    }
                    a = try #require(current)
                }
                #expect(seen.count == 6, "the target error is never reached with six questions: the most are asked")
                #expect(Set(seen).count == 6, "no question twice")
                // A right answer leads to a harder question, a wrong one to an easier (question i has difficulty 0.5 i - 2.75).
                let numbers = seen.compactMap { Int($0.dropFirst(4).prefix { $0.isNumber }) }
                #expect(answerRight ? numbers[1] > numbers[0] : numbers[1] < numbers[0], "\(numbers)")
                #expect((4...7).contains(numbers[0]), "the first question is among the most informative at ability 0: \(numbers)")
                try await app.testing().test(.GET, "api/v1/attempts/\(a.id)/result", headers: h) { res in
                    let r = try #require(res.decoded(SubmitResult.self))
                    #expect(r.score == (answerRight ? 6 : 0) && r.ability != nil && r.abilityStandardError != nil)
                    abilities[user] = r.ability
                }
            }
            #expect(try #require(abilities["pupil1"]) > 1 && (try #require(abilities["pupil2"])) < -1)
        }
    }

    @Test func aPupilTakesAnAdaptiveExamThroughThePages() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let bank = try await app.createBank(teacher)
            let sql = app.db as! any SQLDatabase
            for i in 0..<6 {
                let item: [String: Any] = ["type": "trueFalse", "name": "T\(i)", "stem": ["text": "Mệnh đề \(i) đúng", "format": "plain"], "correct": true]
                var id: UUID?
                try await send(app, .POST, "api/v1/question-banks/\(bank.id)/items", teacher, item) { res in id = res.decoded(ItemDTO.self)?.id }
                try await sql.raw("UPDATE items SET rasch_difficulty = \(bind: Double(i) - 2.5) WHERE id = \(bind: try #require(id))").run()
            }
            let iso = ISO8601DateFormatter()
            var exam: ExamDTO?
            try await app.postJSON("api/v1/exams", teacher, ["bankId": bank.id.uuidString, "title": "Thích ứng", "orgId": w.schoolA.id.uuidString,
                                                             "opensAt": iso.string(from: Date().addingTimeInterval(-60)),
                                                             "closesAt": iso.string(from: Date().addingTimeInterval(3600)),
                                                             "durationMinutes": 30, "adaptive": ["maxItems": 3]]) { res in exam = res.decoded(ExamDTO.self) }
            let page = try await PageTests().signIn(app, "pupil1", lang: "vi")
            let (form, token) = PageTests().form(page)
            var path = ""
            try await app.testing().test(.POST, "exams/\(try #require(exam).id)/start", headers: form, body: ByteBuffer(string: "_csrf=\(token)")) { res in
                path = String((res.headers.first(name: .location) ?? "").dropFirst())
            }
            try await app.testing().test(.GET, path + "?lang=vi", headers: page) { res in
                #expect(res.body.string.contains("Câu tiếp theo") && res.body.string.contains("Câu 1 (tối đa 3)") && res.body.string.contains("/next"))
            }
            try await app.testing().test(.POST, path + "/next", headers: form, body: ByteBuffer(string: "_csrf=\(token)")) { res in
                #expect(res.status == .conflict && res.body.string.contains("Hãy trả lời câu này trước"))
            }
            var steps = 0
            while path.hasPrefix("attempts/") && !path.hasSuffix("/result") && steps < 5 {
                steps += 1
                var slot = 1
                try await app.testing().test(.GET, path, headers: page) { res in
                    let body = res.body.string
                    if let r = body.range(of: "data-slot=\"") { slot = Int(body[r.upperBound...].prefix { $0.isNumber }) ?? 1 }
                }
                try await app.testing().test(.POST, path + "/next", headers: form, body: ByteBuffer(string: "_csrf=\(token)&q\(slot)=true")) { res in
                    #expect(res.status == .seeOther)
                    let next = String((res.headers.first(name: .location) ?? "").dropFirst())
                    if next.hasSuffix("/result") { path = next }
                }
            }
            #expect(steps == 3 && path.hasSuffix("/result"))
            try await app.testing().test(.GET, path + "?lang=vi", headers: page) { res in
                #expect(res.body.string.contains("Năng lực ước lượng") && res.body.string.contains("3/3"), "\(res.body.string)")
            }
        }
    }
}
