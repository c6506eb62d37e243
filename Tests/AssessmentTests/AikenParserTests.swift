import Foundation
import Testing
@testable import Assessment

@Suite("Aiken")
struct AikenParserTests {
    @Test func questionsFollowEachOtherWithOrWithoutBlankLines() {
        let r = AikenParser.parse("""
        Thủ đô của Việt Nam là
        A) Hà Nội
        B. Huế
        C) Đà Nẵng
        ANSWER: A
        中国的首都是哪里？
        A) 上海
        B) 北京
        ANSWER: B
        """)
        #expect(r.problems.isEmpty)
        #expect(r.items.map(\.line) == [1, 6])
        #expect(r.items[0].content.choices?.map(\.text.text) == ["Hà Nội", "Huế", "Đà Nẵng"])
        #expect(r.items[1].content.choices?.map(\.fraction) == [0, 1])
    }

    @Test func eachBrokenQuestionIsNamedOnce() {
        let r = AikenParser.parse("""
        Only one option
        A) Alone
        ANSWER: A

        Answer is not an option
        A) x
        B) y
        ANSWER: C

        Fine
        A) yes
        B) no
        ANSWER: A
        """)
        #expect(r.items.map(\.content.name) == ["Fine"])
        #expect(r.problems.map(\.reason) == ["aiken.too-few-options", "aiken.answer-not-an-option"])
        #expect(r.problems.map(\.line) == [1, 8])
    }

    @Test(.enabled(if: Fixtures.present, "\(Fixtures.absent)"))
    func moodlesFixtures() throws {
        let good = AikenParser.parse(try Fixtures.text("moodle-questions/aiken/questions.aiken.txt"))
        #expect(good.problems.isEmpty)
        #expect(good.items.count == 2)
        #expect(good.items[1].content.stem.text.contains("<html class=\"cool\"> & images"))
        let bad = AikenParser.parse(try Fixtures.text("moodle-questions/aiken/aiken_errors.txt"))
        #expect(bad.items.map(\.content.name) == ["A good question"])
        #expect(bad.problems.map(\.reason) == ["aiken.too-few-options", "aiken.option-before-question", "aiken.answer-before-question",
                                              "aiken.no-answer-line", "aiken.option-needs-space"])
        #expect(bad.problems.allSatisfy { $0.line != nil })
    }
}
