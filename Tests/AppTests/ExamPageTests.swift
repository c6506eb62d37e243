import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
@testable import Assessment
@testable import App

@Suite("Exam pages: list, start with a code, save, hand in without scripts", .serialized)
struct ExamPageTests {
    @Test func aPupilTakesAnExamThroughThePagesAlone() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let (exam, _) = try await ExamAttemptTests().makeExam(app, w, ["accessCode": "PHONG7"])
            let page = try await PageTests().signIn(app, "pupil1", lang: "vi")
            let (form, token) = PageTests().form(page)
            try await app.testing().test(.GET, "exams?lang=vi", headers: page) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Kiểm tra 15 phút") && res.body.string.contains("Mã vào phòng"))
                #expect(!res.body.string.contains("PHONG7"), "the code is the invigilator's to give")
            }
            // A wrong code: the list again, with the reason in Vietnamese.
            try await app.testing().test(.POST, "exams/\(exam.id)/start", headers: form, body: ByteBuffer(string: "_csrf=\(token)&accessCode=NHAM")) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("Mã vào phòng chưa đúng"))
            }
            var attemptPath = ""
            try await app.testing().test(.POST, "exams/\(exam.id)/start", headers: form, body: ByteBuffer(string: "_csrf=\(token)&accessCode=PHONG7")) { res in
                #expect(res.status == .seeOther)
                attemptPath = String((res.headers.first(name: .location) ?? "").dropFirst())
            }
            #expect(attemptPath.hasPrefix("attempts/"))
            var body = ""
            try await app.testing().test(.GET, attemptPath, headers: page) { res in
                #expect(res.status == .ok)
                body = res.body.string
                #expect(body.contains("Nộp bài") && body.contains("data-deadline"))
            }
            // The script's save endpoint needs the page's CSRF token.
            var json = page
            json.contentType = .json
            try await app.testing().test(.POST, "\(attemptPath)/answers/2", headers: json, body: ByteBuffer(string: #"{"seq":1,"response":{"text":"b^2-4ac"}}"#)) { res in
                #expect(res.status == .forbidden)
            }
            json.replaceOrAdd(name: "X-CSRF-Token", value: token)
            try await app.testing().test(.POST, "\(attemptPath)/answers/2", headers: json, body: ByteBuffer(string: #"{"seq":1,"response":{"text":"b^2-4ac"}}"#)) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("\"applied\":true"))
            }
            // Another pupil cannot open it.
            try await app.testing().test(.GET, attemptPath, headers: try await PageTests().signIn(app, "pupil2")) { res in
                #expect(res.status == .notFound)
            }
            // Without scripts: the hand-in form carries the answers (the numeric one here) and is graded.
            try await app.testing().test(.POST, "\(attemptPath)/submit", headers: form, body: ByteBuffer(string: "_csrf=\(token)&q3=2")) { res in
                #expect(res.status == .seeOther)
            }
            try await app.testing().test(.GET, "\(attemptPath)/result?lang=vi", headers: page) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Điểm của em: 2/3"), "\(res.body.string)")
            }
            // Handed in: the attempt's page leads to the result.
            try await app.testing().test(.GET, attemptPath, headers: page) { res in
                #expect(res.status == .seeOther)
            }
        }
    }
}
