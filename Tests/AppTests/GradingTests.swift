import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
import SQLKit
import Fluent
@testable import Assessment
@testable import App

@Suite("Exams: essay grading, key corrections", .serialized)
struct GradingTests {
    static func essay() -> [String: Any] { [
        "type": "essay", "name": "Đoạn văn", "stem": ["text": "Tả mùa xuân ở quê em.", "format": "plain"],
        "graderInfo": ["text": "Đủ ý, đúng chính tả.", "format": "plain"],
        "rubric": [["name": "Nội dung", "levels": [["points": 0, "description": "Lạc đề"], ["points": 2, "description": "Đủ ý"]]],
                   ["name": "Chính tả", "levels": [["points": 0, "description": "Nhiều lỗi"], ["points": 1, "description": "Vài lỗi"],
                                                  ["points": 2, "description": "Không lỗi"]]]]] }

    /// A single choice whose key is wrong: "5" is marked right.
    static func sum(rightIs right: String, extra: Bool = false) -> [String: Any] {
        var choices = ["4", "5"].map { ["text": ["text": $0, "format": "plain"], "fraction": $0 == right ? 1 : 0] as [String: Any] }
        if extra { choices.append(["text": ["text": "6", "format": "plain"], "fraction": 0]) }
        return ["type": "singleChoice", "name": "Cộng", "stem": ["text": "2 + 2 = ?", "format": "plain"], "choices": choices]
    }

    func send(_ app: Application, _ method: HTTPMethod, _ path: String, _ h: HTTPHeaders, _ body: [String: Any],
              check: (TestingHTTPResponse) throws -> Void) async throws {
        var headers = h
        headers.contentType = .json
        try await app.testing().test(method, path, headers: headers, body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)), afterResponse: check)
    }

    @Test func essaysAreGradedByRubricAndAKeyCorrectionRegradesWhatWasMarkedAutomatically() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let bank = try await app.createBank(teacher)
            var ids: [UUID] = []
            for item in [Self.sum(rightIs: "5"), Self.essay()] {
                try await send(app, .POST, "api/v1/question-banks/\(bank.id)/items", teacher, item) { res in
                    #expect(res.status == .created, "\(res.body.string)")
                    ids.append(try #require(res.decoded(ItemDTO.self)).id)
                }
            }
            let iso = ISO8601DateFormatter()
            var exam: ExamDTO?
            try await app.postJSON("api/v1/exams", teacher, ["bankId": bank.id.uuidString, "title": "Giữa kì", "orgId": w.schoolA.id.uuidString,
                                                             "opensAt": iso.string(from: Date().addingTimeInterval(-60)),
                                                             "closesAt": iso.string(from: Date().addingTimeInterval(3600)), "durationMinutes": 45,
                                                             "itemIds": ids.map(\.uuidString), "purpose": "midterm"]) { res in
                #expect(res.status == .created, "\(res.body.string)")
                exam = res.decoded(ExamDTO.self)
            }
            let examID = try #require(exam).id
            // Pupil 1 answers 4 (right, but the key says 5) and writes the essay; pupil 2 answers 5.
            var attempts: [String: UUID] = [:]
            for (user, pick) in [("pupil1", "4"), ("pupil2", "5")] {
                let h = try await app.bearer(user)
                var a: AttemptDTO?
                try await app.postJSON("api/v1/exams/\(examID)/attempts", h) { res in a = res.decoded(AttemptDTO.self) }
                let attempt = try #require(a)
                attempts[user] = attempt.id
                let index = try #require(attempt.questions.first { $0.slot == 1 }?.choices?.firstIndex { $0.text == pick })
                try await send(app, .PUT, "api/v1/attempts/\(attempt.id)/answers/1", h, ["seq": 1, "response": ["choices": [index]]]) { res in
                    #expect(res.status == .ok)
                }
                if user == "pupil1" {
                    try await send(app, .PUT, "api/v1/attempts/\(attempt.id)/answers/2", h, ["seq": 1, "response": ["text": "Mùa xuân hoa đào nở."]]) { res in
                        #expect(res.status == .ok)
                    }
                }
                try await app.postJSON("api/v1/attempts/\(attempt.id)/submit", h) { res in
                    let r = try #require(res.decoded(SubmitResult.self))
                    #expect(r.score == (pick == "5" ? 1 : 0) && r.waitingForGrader == 1)
                }
            }
            let a1 = try #require(attempts["pupil1"]), a2 = try #require(attempts["pupil2"])
            // The queue: both essays, unnamed, in hand-in order, with the rubric and the answer.
            try await app.testing().test(.GET, "api/v1/exams/\(examID)/grading", headers: teacher, afterResponse: { res in
                let tasks = try #require(res.decoded([GradingTask].self))
                #expect(tasks.map(\.paper) == [1, 2] && tasks.allSatisfy { $0.points == nil && $0.slot == 2 && $0.rubric?.count == 2 })
                #expect(tasks.first?.response == "Mùa xuân hoa đào nở." && tasks.last?.response == "")
                #expect(!res.body.string.contains("pupil") && !res.body.string.contains(w.pupilA1.id.uuidString.lowercased()))
            })
            // Only the exam's owner grades; bad marks are refused and change nothing.
            for other in ["teacher2", "pupil1", "pupilb"] {
                let h = try await app.bearer(other)
                try await app.testing().test(.GET, "api/v1/exams/\(examID)/grading", headers: h) { res in #expect(res.status == .notFound, "\(other)") }
                try await send(app, .PUT, "api/v1/attempts/\(a1)/grades/2", h, ["points": 1]) { res in #expect(res.status == .notFound, "\(other)") }
                try await send(app, .POST, "api/v1/exams/\(examID)/regrade", h, ["itemId": ids[0].uuidString]) { res in
                    #expect(res.status == .notFound, "\(other)")
                }
            }
            try await send(app, .PUT, "api/v1/attempts/\(a1)/grades/2?lang=vi", teacher, ["points": 5]) { res in
                #expect(res.status == .unprocessableEntity && res.body.string.contains("\"points\""))
                #expect(res.body.string.contains("từ 0 đến 1"), "the reason in the reader's language: \(res.body.string)")
            }
            try await send(app, .PUT, "api/v1/attempts/\(a1)/grades/2", teacher, ["rubric": [1, 3]]) { res in #expect(res.status == .unprocessableEntity) }
            try await send(app, .PUT, "api/v1/attempts/\(a1)/grades/2", teacher, ["rubric": [1]]) { res in #expect(res.status == .unprocessableEntity) }
            try await send(app, .PUT, "api/v1/attempts/\(a1)/grades/2", teacher, ["comment": "no mark"]) { res in #expect(res.status == .unprocessableEntity) }
            try await send(app, .PUT, "api/v1/attempts/\(a1)/grades/9", teacher, ["points": 1]) { res in #expect(res.status == .notFound) }
            // By rubric: 2 of 2 and 1 of 2 = 3 of 4 → 0.75 of the question's 1 point.
            try await send(app, .PUT, "api/v1/attempts/\(a1)/grades/2", teacher, ["rubric": [1, 1], "comment": "Thêm chi tiết về Tết."]) { res in
                #expect(res.status == .ok, "\(res.body.string)")
                #expect(res.decoded(GradedAnswer.self) == GradedAnswer(attemptId: a1, slot: 2, points: 0.75, attemptScore: 0.75, waitingForGrader: 0))
            }
            try await send(app, .PUT, "api/v1/attempts/\(a2)/grades/2", teacher, ["points": 0]) { res in #expect(res.status == .ok) }
            // The key is corrected in the bank; an edit that changes the question's shape cannot be applied to answers given.
            try await send(app, .PUT, "api/v1/items/\(ids[0])", teacher, Self.sum(rightIs: "4", extra: true)) { res in #expect(res.status == .ok) }
            try await send(app, .POST, "api/v1/exams/\(examID)/regrade", teacher, ["itemId": ids[0].uuidString]) { res in
                #expect(res.status == .conflict && res.body.string.contains("số lựa chọn"), "\(res.body.string)")
            }
            try await send(app, .PUT, "api/v1/items/\(ids[0])", teacher, Self.sum(rightIs: "4")) { res in #expect(res.status == .ok) }
            try await send(app, .POST, "api/v1/exams/\(examID)/regrade", teacher, ["itemId": ids[0].uuidString]) { res in
                #expect(res.status == .ok, "\(res.body.string)")
                #expect(res.decoded(RegradeReport.self) == RegradeReport(itemId: ids[0], fromVersion: 1, toVersion: 3, answers: 2, attemptsChanged: 2,
                                                                        pointsBefore: 1, pointsAfter: 1))
            }
            try await send(app, .POST, "api/v1/exams/\(examID)/regrade", teacher, ["itemId": UUID().uuidString]) { res in
                #expect(res.status == .unprocessableEntity)
            }
            try await app.testing().test(.GET, "api/v1/attempts/\(a1)/result", headers: try await app.bearer("pupil1")) { res in
                let r = try #require(res.decoded(SubmitResult.self))
                #expect(r.score == 1.75 && r.waitingForGrader == 0)
                #expect(r.questions?.map(\.points) == [1, 0.75] && r.questions?.last?.comment == "Thêm chi tiết về Tết.")
            }
            try await app.testing().test(.GET, "api/v1/attempts/\(a2)/result", headers: try await app.bearer("pupil2")) { res in
                #expect(res.decoded(SubmitResult.self)?.score == 0)
            }
            // A mark the teacher gave by hand stays through a later correction.
            try await send(app, .PUT, "api/v1/attempts/\(a2)/grades/1", teacher, ["points": 0.5, "comment": "Cách làm đúng"]) { res in
                #expect(res.decoded(GradedAnswer.self)?.attemptScore == 0.5)
            }
            try await send(app, .PUT, "api/v1/items/\(ids[0])", teacher, Self.sum(rightIs: "5")) { res in #expect(res.status == .ok) }
            try await send(app, .POST, "api/v1/exams/\(examID)/regrade", teacher, ["itemId": ids[0].uuidString]) { res in
                #expect(res.decoded(RegradeReport.self)?.answers == 1)
            }
            try await app.testing().test(.GET, "api/v1/attempts/\(a2)/result", headers: try await app.bearer("pupil2")) { res in
                #expect(res.decoded(SubmitResult.self)?.score == 0.5)
            }
            // Every mark and correction is in the audit log with what it replaced.
            let grades = try await AuditEvent.query(on: app.db).filter(\.$action == "attempt.grade").count()
            let regrades = try await AuditEvent.query(on: app.db).filter(\.$action == "exam.regrade").all()
            #expect(grades == 3 && regrades.count == 2)
        }
    }

    @Test func anAttemptHandedInAfterACorrectionIsGradedWithTheCorrectedKey() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let bank = try await app.createBank(teacher)
            var item: UUID?
            try await send(app, .POST, "api/v1/question-banks/\(bank.id)/items", teacher, Self.sum(rightIs: "5")) { res in item = res.decoded(ItemDTO.self)?.id }
            let iso = ISO8601DateFormatter()
            var exam: ExamDTO?
            try await app.postJSON("api/v1/exams", teacher, ["bankId": bank.id.uuidString, "title": "T", "orgId": w.schoolA.id.uuidString,
                                                             "opensAt": iso.string(from: Date().addingTimeInterval(-60)),
                                                             "closesAt": iso.string(from: Date().addingTimeInterval(3600)), "durationMinutes": 45,
                                                             "itemIds": [try #require(item).uuidString]]) { res in exam = res.decoded(ExamDTO.self) }
            let examID = try #require(exam).id
            let pupil = try await app.bearer("pupil1")
            var a: AttemptDTO?
            try await app.postJSON("api/v1/exams/\(examID)/attempts", pupil) { res in a = res.decoded(AttemptDTO.self) }
            let attempt = try #require(a)
            // The paper (with the old key) is in this process's cache from the start.
            try await send(app, .PUT, "api/v1/items/\(try #require(item))", teacher, Self.sum(rightIs: "4")) { res in #expect(res.status == .ok) }
            try await send(app, .POST, "api/v1/exams/\(examID)/regrade", teacher, ["itemId": try #require(item).uuidString]) { res in
                #expect(res.decoded(RegradeReport.self)?.answers == 0)
            }
            let index = try #require(attempt.questions.first?.choices?.firstIndex { $0.text == "4" })
            try await send(app, .PUT, "api/v1/attempts/\(attempt.id)/answers/1", pupil, ["seq": 1, "response": ["choices": [index]]]) { res in
                #expect(res.status == .ok)
            }
            try await app.postJSON("api/v1/attempts/\(attempt.id)/submit", pupil) { res in
                #expect(res.decoded(SubmitResult.self)?.score == 1)
            }
        }
    }

    @Test func theOwnerSeesItemAnalysisAndCalibratesTheBank() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let (exam, teacher) = try await ExamAttemptTests().makeExam(app, w, [:])
            // Three questions (single choice, short answer, number); pupil 1 gets all right, pupil 2 only the number.
            for (user, right) in [("pupil1", true), ("pupil2", false)] {
                let h = try await app.bearer(user)
                var a: AttemptDTO?
                try await app.postJSON("api/v1/exams/\(exam.id)/attempts", h) { res in a = res.decoded(AttemptDTO.self) }
                let attempt = try #require(a)
                let pick = right ? "x = 2 hoặc x = 3" : "Vô nghiệm"
                let index = try ExamAttemptTests().shown(attempt, slot: 1, pick)
                try await send(app, .PUT, "api/v1/attempts/\(attempt.id)/answers/1", h, ["seq": 1, "response": ["choices": [index]]]) { _ in }
                try await send(app, .PUT, "api/v1/attempts/\(attempt.id)/answers/2", h, ["seq": 1, "response": ["text": right ? "b² − 4ac" : "?"]]) { _ in }
                try await send(app, .PUT, "api/v1/attempts/\(attempt.id)/answers/3", h, ["seq": 1, "response": ["text": "2"]]) { _ in }
                try await app.postJSON("api/v1/attempts/\(attempt.id)/submit", h) { res in
                    #expect(res.decoded(SubmitResult.self)?.score == (right ? 3 : 1))
                }
            }
            try await app.testing().test(.GET, "api/v1/exams/\(exam.id)/analysis", headers: teacher, afterResponse: { res in
                #expect(res.status == .ok, "\(res.body.string)")
                let a = try #require(res.decoded(ExamAnalysis.self))
                #expect(a.attempts == 2 && a.mean == 2 && a.median == 2 && a.lowest == 1 && a.highest == 3 && a.standardDeviation == 1)
                #expect(a.items.map(\.facility) == [0.5, 0.5, 1])
                #expect(a.items.first?.discrimination == nil, "two pupils: the rest of the test does not vary enough to correlate")
                #expect(a.histogram.reduce(0, +) == 2 && a.histogram[3] == 1 && a.histogram[9] == 1)
                let choices = try #require(a.items.first?.choices)
                #expect(choices.map(\.count) == [1, 0, 1] && choices.map(\.keyed) == [true, false, false])
                #expect(choices.first?.meanScore == 3 && choices.last?.meanScore == 1)
                // Every mark is all or nothing, so alpha is reported as KR-20 too.
                #expect(a.kr20 != nil && a.kr20 == a.alpha)
            })
            for other in ["teacher2", "pupil1"] {
                try await app.testing().test(.GET, "api/v1/exams/\(exam.id)/analysis", headers: try await app.bearer(other)) { res in
                    #expect(res.status == .notFound)
                }
            }
            // Calibration from many answers: 80 earlier attempts written straight into the marks table.
            var bankID: UUID?
            try await app.testing().test(.GET, "api/v1/question-banks", headers: teacher) { res in bankID = res.decoded([BankDTO].self)?.first?.id }
            let bank = try #require(bankID)
            var itemIDs: [UUID] = []
            try await app.testing().test(.GET, "api/v1/question-banks/\(bank)/items", headers: teacher) { res in
                itemIDs = res.decoded(ListPage<ItemSummaryDTO>.self)?.items.map(\.id) ?? []
            }
            let sql = app.db as! any SQLDatabase
            for p in 0..<80 {
                let attempt = UUID()
                for (j, item) in itemIDs.enumerated() {
                    // Right for 7, 5 and 3 pupils in 10 on items 1, 2, 3: later items are harder.
                    let right = (p * 7 + j * 3) % 10 >= 3 + 2 * j
                    try await sql.raw("""
                        INSERT INTO attempt_scores (attempt_id, slot, item_id, version, points, max_points)
                        VALUES (\(bind: attempt), \(bind: j + 1), \(bind: item), 1, \(bind: right ? 1.0 : 0.0), 1)
                        """).run()
                }
            }
            try await app.postJSON("api/v1/question-banks/\(bank)/calibrate", teacher) { res in
                #expect(res.status == .ok, "\(res.body.string)")
                let r = try #require(res.decoded(CalibrationReport.self))
                #expect(r.persons == 82 && r.converged)
                let b = r.items.map { $0.estimate?.difficulty }
                #expect(b.allSatisfy { $0 != nil } && b[0]! < b[1]! && b[1]! < b[2]!, "\(b)")
            }
            try await app.postJSON("api/v1/question-banks/\(bank)/calibrate", try await app.bearer("teacher2")) { res in #expect(res.status == .notFound) }
            try await app.testing().test(.GET, "api/v1/exams/\(exam.id)/analysis", headers: teacher) { res in
                #expect(res.decoded(ExamAnalysis.self)?.items.allSatisfy { $0.raschDifficulty != nil } == true)
            }
        }
    }

    @Test func theOwnerGradesCorrectsAndReadsTheAnalysisThroughThePages() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let bank = try await app.createBank(teacher)
            var ids: [UUID] = []
            for item in [Self.sum(rightIs: "5"), Self.essay()] {
                try await send(app, .POST, "api/v1/question-banks/\(bank.id)/items", teacher, item) { res in ids.append(try #require(res.decoded(ItemDTO.self)).id) }
            }
            let iso = ISO8601DateFormatter()
            var exam: ExamDTO?
            try await app.postJSON("api/v1/exams", teacher, ["bankId": bank.id.uuidString, "title": "Giữa kì I", "orgId": w.schoolA.id.uuidString,
                                                             "opensAt": iso.string(from: Date().addingTimeInterval(-60)),
                                                             "closesAt": iso.string(from: Date().addingTimeInterval(3600)), "durationMinutes": 45,
                                                             "itemIds": ids.map(\.uuidString)]) { res in exam = res.decoded(ExamDTO.self) }
            let examID = try #require(exam).id
            let pupil = try await app.bearer("pupil1")
            var a: AttemptDTO?
            try await app.postJSON("api/v1/exams/\(examID)/attempts", pupil) { res in a = res.decoded(AttemptDTO.self) }
            let attempt = try #require(a).id
            try await send(app, .PUT, "api/v1/attempts/\(attempt)/answers/2", pupil, ["seq": 1, "response": ["text": "Hoa mai nở vàng."]]) { _ in }
            try await app.postJSON("api/v1/attempts/\(attempt)/submit", pupil) { _ in }

            let page = try await PageTests().signIn(app, "teacher1", lang: "vi")
            let (form, token) = PageTests().form(page)
            try await app.testing().test(.GET, "exams?lang=vi", headers: page) { res in
                #expect(res.body.string.contains("/exams/\(examID.uuidString.lowercased())/grading"))
            }
            try await app.testing().test(.GET, "exams/\(examID)/grading?lang=vi", headers: page) { res in
                #expect(res.status == .ok)
                let body = res.body.string
                #expect(body.contains("Bài 1 · câu 2") && body.contains("Hoa mai nở vàng.") && body.contains("Chính tả") && body.contains("1 câu chờ chấm"))
            }
            let path = "exams/\(examID)/grading/\(attempt)/2"
            try await app.testing().test(.POST, path, headers: form, body: ByteBuffer(string: "_csrf=\(token)&rubric_0=1&rubric_1=7")) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("Hãy chọn một mức cho mỗi tiêu chí"))
            }
            try await app.testing().test(.POST, path, headers: form, body: ByteBuffer(string: "_csrf=\(token)&rubric_0=1&rubric_1=2&comment=T%E1%BB%91t")) { res in
                #expect(res.status == .seeOther)
            }
            try await app.testing().test(.GET, "exams/\(examID)/grading?lang=vi", headers: page) { res in
                #expect(res.body.string.contains("Đã chấm: 1/1") && res.body.string.contains("0 câu chờ chấm"))
            }
            // The key of question 1 is corrected in the bank; the page offers the correction.
            try await send(app, .PUT, "api/v1/items/\(ids[0])", teacher, Self.sum(rightIs: "4")) { res in #expect(res.status == .ok) }
            try await app.testing().test(.GET, "exams/\(examID)/grading?lang=vi", headers: page) { res in
                #expect(res.body.string.contains("Cộng: phiên bản 1 → 2"))
            }
            try await app.testing().test(.POST, "exams/\(examID)/regrade", headers: form, body: ByteBuffer(string: "_csrf=\(token)&itemId=\(ids[0])")) { res in
                #expect(res.status == .seeOther && (res.headers.first(name: .location) ?? "").contains("regraded="))
            }
            try await app.testing().test(.POST, "exams/\(examID)/regrade", headers: form, body: ByteBuffer(string: "_csrf=\(token)&itemId=nope")) { res in
                #expect(res.status == .unprocessableEntity)
            }
            try await app.testing().test(.GET, "exams/\(examID)/analysis?lang=vi", headers: page) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Phân tích câu hỏi") && res.body.string.contains("Độ dễ (p)") && res.body.string.contains("Phổ điểm"))
            }
            let other = try await PageTests().signIn(app, "teacher2")
            for p in ["grading", "analysis"] {
                try await app.testing().test(.GET, "exams/\(examID)/\(p)", headers: other) { res in #expect(res.status == .notFound) }
            }
            // The pupil sees the comment with the question's mark.
            try await app.testing().test(.GET, "attempts/\(attempt)/result?lang=vi", headers: try await PageTests().signIn(app, "pupil1", lang: "vi")) { res in
                #expect(res.body.string.contains("Tốt") && res.body.string.contains("1/1"))
            }
            // The bank's calibration button answers with what it did (too few answers here).
            try await app.testing().test(.POST, "assessment/banks/\(bank.id)/calibrate?lang=vi", headers: form, body: ByteBuffer(string: "_csrf=\(token)")) { res in
                #expect(res.status == .ok && res.body.string.contains("Đã hiệu chỉnh 0/2 câu từ 1 bài làm"))
            }
        }
    }
}
