import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
@testable import Assessment
@testable import App

@Suite("Exam matrix: each pupil draws a paper meeting the same matrix", .serialized)
struct ExamMatrixTests {
    /// Six recognition and three application questions of chapter 4 (the level written as the
    /// category's last part, as Vietnamese banks do), and two of chapter 5 with no level.
    static let gift: String = {
        var s = "$CATEGORY: Toán 9/Chương 4/NB\n\n"
        for i in 1...6 { s += "::A\(i):: Câu nhận biết số \(i)? {=đúng ~sai \(i)}\n\n" }
        s += "$CATEGORY: Toán 9/Chương 4/VD\n\n"
        for i in 1...3 { s += "::B\(i):: Câu vận dụng số \(i)? {=đúng ~sai \(i)}\n\n" }
        s += "$CATEGORY: Toán 9/Chương 5\n\n"
        for i in 1...2 { s += "::C\(i):: Câu chương 5 số \(i)? {=đúng ~sai \(i)}\n\n" }
        return s
    }()

    @Test func eachPupilGetsTheirOwnPaperMeetingTheMatrix() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let bank = try await app.createBank(teacher)
            try await app.importItems(teacher, bank: bank.id, format: "gift", Self.gift) { res in #expect(res.status == .created, "\(res.body.string)") }
            let iso = ISO8601DateFormatter()
            let base: [String: Any] = ["bankId": bank.id.uuidString, "title": "Ma trận", "orgId": w.schoolA.id.uuidString,
                                       "opensAt": iso.string(from: Date().addingTimeInterval(-60)), "closesAt": iso.string(from: Date().addingTimeInterval(3600)),
                                       "durationMinutes": 45]
            // A cell the bank cannot fill, a bad level, and a matrix with itemIds: each named.
            try await app.postJSON("api/v1/exams?lang=vi", teacher, base.merging(["itemIds": [], "matrix": [
                ["topic": "Toán 9/Chương 5", "level": "application", "count": 1], ["level": "hard", "count": 1]]]) { $1 }) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("exam.matrix-short") && res.body.string.contains("exam.level-unknown") && res.body.string.contains("exam.matrix-or-items"))
                #expect(res.body.string.contains("ngân hàng chỉ có 0"), "\(res.body.string)")
            }
            var made: ExamDTO?
            try await app.postJSON("api/v1/exams", teacher, base.merging(["matrix": [
                ["topic": "Toán 9/Chương 4", "level": "recognition", "count": 2, "points": 2], ["topic": "Toán 9/Chương 4", "level": "VD", "count": 1]]]) { $1 }) { res in
                #expect(res.status == .created, "\(res.body.string)")
                made = res.decoded(ExamDTO.self)
            }
            let exam = try #require(made)
            #expect(exam.questions == 3 && exam.maxScore == 5 && exam.matrix?.count == 2)
            let service = AssessmentService(db: app.db, ctx: app.services.assessment)
            for name in ["pupil1", "pupil2"] {
                let actor = try await app.actor(name)
                let a = try await service.startAttempt(exam.id, actor: actor)
                let stems = a.questions.sorted { $0.slot < $1.slot }.map(\.stem.text)
                #expect(stems.count == 3)
                #expect(stems.prefix(2).allSatisfy { $0.contains("nhận biết") } && stems[2].contains("vận dụng"), "\(stems)")
                #expect(a.questions.map(\.points).sorted() == [1, 2, 2])
                // The same paper on a resume (another phone).
                #expect(try await service.startAttempt(exam.id, actor: actor).questions == a.questions)
                // Answer the first recognition question right and hand in: 2 of 5.
                let q = try #require(a.questions.first { $0.slot == 1 })
                let right = try #require(q.choices?.firstIndex { $0.text == "đúng" })
                _ = try await service.saveAnswer(a.id, slot: 1, seq: 1, response: ItemResponse(choices: [right]), actor: actor)
                #expect(try await service.submitAttempt(a.id, actor: actor).score == 2)
            }
            // Papers differ between attempts: 30 attempt ids draw more than one paper.
            let paper = try await service.paper(exam.id)
            #expect(paper.pool.count == 9 && paper.draws == [2, 1])
            let drawn = Set((0..<30).map { _ in AssessmentService.draw(paper, attempt: UUID()).map(\.content.name) })
            #expect(drawn.count > 5)
            #expect(drawn.allSatisfy { Set($0).count == 3 }, "no question twice in one paper")
        }
    }

    @Test func levelsAreReadFromTagsAndCategoriesInEveryLanguage() {
        #expect(CognitiveLevel.from(label: "NB") == .recognition)
        #expect(CognitiveLevel.from(label: "Thông hiểu") == .comprehension)
        #expect(CognitiveLevel.from(label: "van dung") == .application)
        #expect(CognitiveLevel.from(label: "VDC") == .highApplication)
        #expect(CognitiveLevel.from(label: "综合应用") == .highApplication)
        #expect(CognitiveLevel.from(label: "Chương 4") == nil)
        var item = ItemContent(type: .essay, name: "E", stem: RichText("?"))
        item.category = "Toán/Chương 1/TH"
        #expect(item.effectiveLevel == .comprehension)
        item.tags = ["vd"]
        #expect(item.effectiveLevel == .application, "a tag wins over the category")
        item.level = .recognition
        #expect(item.effectiveLevel == .recognition, "an explicit level wins")
    }
}
