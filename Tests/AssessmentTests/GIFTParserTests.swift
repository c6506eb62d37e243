import Foundation
import Testing
@testable import Assessment

@Suite("GIFT")
struct GIFTParserTests {
    func one(_ source: String) throws -> ItemContent {
        let r = GIFTParser.parse(source)
        #expect(r.problems.isEmpty, "\(r.problems)")
        return try #require(r.items.first).content
    }

    @Test func choicesWeightsAndFeedback() throws {
        let q = try one("::Q2:: What's between orange and green?\n{\n =yellow # right; good!\n ~red # [html]wrong, it's <b>yellow</b>\n ~[plain]blue # wrong\n}")
        #expect(q.type == .singleChoice && q.name == "Q2" && q.stem.text == "What's between orange and green?")
        #expect(q.choices?.map(\.text.text) == ["yellow", "red", "blue"])
        #expect(q.choices?.map(\.fraction) == [1, 0, 0])
        #expect(q.choices?[1].feedback == RichText("wrong, it's <b>yellow</b>", format: .html))
        let multi = try one("::colours:: Pick two {~%50%yellow ~%-100%red ~%50%off-beige}")
        #expect(multi.type == .multipleResponse && multi.choices?.map(\.fraction) == [0.5, -1, 0.5])
        let partial = try one("Difficult question.{~wrong answer ~%50%half credit answer =full credit answer}")
        #expect(partial.type == .singleChoice && partial.choices?.map(\.fraction) == [0, 0.5, 1])
    }

    @Test func missingWordTrueFalseShortAnswerNumericMatchingEssay() throws {
        let missing = try one("Grant is {~buried =entombed ~living} in Grant's tomb.")
        #expect(missing.stem.text == "Grant is \(GIFTParser.blank) in Grant's tomb.")
        let tf = try one("::Q1:: 42 is the Absolute Answer.{\nFALSE#42 is the Ultimate Answer.#You gave the right answer.\n####A Hitchhiker's Guide reference.}\";")
        #expect(tf.type == .trueFalse && tf.correct == false)
        #expect(tf.feedbackTrue?.text == "42 is the Ultimate Answer." && tf.feedbackFalse?.text == "You gave the right answer.")
        #expect(tf.generalFeedback?.text == "A Hitchhiker's Guide reference.")
        #expect(tf.stem.text == "42 is the Absolute Answer.", "a stray \"; is noise, not a missing word")
        let short = try one("::Shortanswer::Which is the best animal?{\n =Frog#Good!\n =%50%Cat#Cats?\n =%0%*#Completely wrong\n}")
        #expect(short.type == .shortAnswer && short.answers?.map(\.pattern) == ["Frog", "Cat", "*"] && short.answers?.map(\.fraction) == [1, 0.5, 0])
        let range = try one("What is a number from 1 to 5? {#3:2~#Completely wrong}")
        #expect(range.type == .numeric && range.numeric == [NumericAnswer(value: 3, tolerance: 2, fraction: 1)])
        #expect(range.otherwiseFeedback?.text == "Completely wrong")
        let interval = try one("Pi to 3 places? {#3.141..3.142}")
        #expect(abs((interval.numeric?.first?.value ?? 0) - 3.1415) < 1e-9 && abs((interval.numeric?.first?.tolerance ?? 0) - 0.0005) < 1e-9)
        let several = try one("When was Grant born? {#\n =1822:0 #Correct!\n =%50%1822:2 #He was born in 1822.\n   You get 50% credit.\n}")
        #expect(several.numeric?.map(\.fraction) == [1, 0.5] && several.numeric?[1].feedback?.text == "He was born in 1822.\nYou get 50% credit.")
        let match = try one("::Moodle activities::[html]Match the <b>activity</b>.{\n =[html]Asynchronous discussions. -> Forum\n =A bank of records. -> Database\n = -> Chat\n}")
        #expect(match.type == .matching && match.stem.format == .html)
        #expect(match.pairs == [MatchPair(prompt: RichText("Asynchronous discussions.", format: .html), answer: "Forum"),
                                MatchPair(prompt: RichText("A bank of records."), answer: "Database"), MatchPair(prompt: nil, answer: "Chat")])
        let essay = try one("// essay\n::Q8:: How are you? {}")
        #expect(essay.type == .essay && essay.name == "Q8")
    }

    @Test func escapesCategoriesAndLineNumbers() throws {
        let r = GIFTParser.parse("""
        // a comment
        $CATEGORY: $course$/Toán 9

        ::Greeting::[html]<a href\\="http\\://x.example">Listen\\:</a> Which? {
        \t~English#Sorry.
        \t=French#Yes!
        }

        Which answer equals 5? {~ \\= 2 + 2 = \\= 2 + 3 ~ \\= 2 + 4}
        """)
        #expect(r.problems.isEmpty)
        #expect(r.items.map(\.line) == [4, 9])
        #expect(r.items[0].content.stem.text == "<a href=\"http://x.example\">Listen:</a> Which?")
        #expect(r.items[0].content.category == "$course$/Toán 9")
        #expect(r.items[1].content.choices?.map(\.text.text) == ["= 2 + 2", "= 2 + 3", "= 2 + 4"])
    }

    @Test func brokenQuestionsAreReportedWithTheirLineAndTheRestIsRead() {
        let r = GIFTParser.parse("""
        ::ok:: Fine? {T}

        ::open:: No end {=a ~b

        ::none:: No answers at all

        ::two right:: Which? {=a =b ~c}

        ::weights:: Which? {~%50%a ~%30%b ~c}

        ::number:: How many? {#many}

        ::weight:: Which? {~%abc%a =b}
        """)
        #expect(r.items.map(\.content.name) == ["ok"])
        #expect(r.problems.map(\.reason) == ["gift.brace-unclosed", "gift.no-answer-block", "gift.several-right-answers",
                                            "gift.weights-not-100", "gift.bad-number", "gift.bad-weight"])
        #expect(r.problems.map(\.line) == [3, 5, 7, 9, 11, 13])
        #expect(r.problems.first?.item == "open")
    }

    @Test(.enabled(if: Fixtures.present, "\(Fixtures.absent)"))
    func moodlesOwnFixturesAreReadWhole() throws {
        for (file, count) in [("moodle-questions/gift/questions.gift.txt", 9), ("moodle-questions/gift/questions_in_category.gift.txt", 4),
                              ("moodle-questions/gift/examples.txt", 43)] {
            let r = GIFTParser.parse(try Fixtures.text(file))
            #expect(r.problems.isEmpty, "\(file): \(r.problems)")
            #expect(r.items.count == count, "\(file): \(r.items.count) items")
        }
        let examples = GIFTParser.parse(try Fixtures.text("moodle-questions/gift/examples.txt")).items.map(\.content)
        let control = try #require(examples.first { $0.name == "GIFT Control Characters" })
        #expect(control.choices?.map(\.text.text) == ["~", "=", "#", "{", "}", "\\"])
        #expect(control.choices?.last?.feedback?.text.hasPrefix("Correct! \\\\ (backslash) is not a control character.") == false)
        #expect(control.choices?.last?.feedback?.text.hasPrefix("Correct! \\ (backslash)") == true)
        let types = Set(examples.map(\.type))
        #expect(types == [.singleChoice, .multipleResponse, .trueFalse, .shortAnswer, .numeric, .matching])
    }

    @Test(.enabled(if: Fixtures.present, "\(Fixtures.absent)"))
    func writingAndReadingAgainKeepsEveryItem() throws {
        for file in ["questions.gift.txt", "questions_in_category.gift.txt", "examples.txt"] {
            let first = GIFTParser.parse(try Fixtures.text("moodle-questions/gift/" + file)).items.map(\.content)
            let written = GIFTWriter.write(first)
            #expect(written.skipped.isEmpty)
            let again = GIFTParser.parse(written.text)
            #expect(again.problems.isEmpty, "\(file): \(again.problems)")
            #expect(again.items.count == first.count)
            for (a, b) in zip(first, again.items.map(\.content)) where a != b {
                Issue.record("\(file): \(a.name) changed on the round trip:\n\(a)\n\(b)")
            }
        }
    }

    @Test func whatGIFTCannotSayIsReportedNotWrittenHalf() {
        var ordering = ItemContent(type: .ordering, name: "Order", stem: RichText("Put in order"))
        ordering.sequence = [RichText("a"), RichText("b")]
        var tf = ItemContent(type: .trueFalse, name: "Cá voi", stem: RichText("Cá voi là loài cá: {đúng} #1 ~ sai"))
        tf.correct = false
        let out = GIFTWriter.write([ordering, tf])
        #expect(out.skipped.map(\.item) == ["Order"])
        let back = GIFTParser.parse(out.text)
        #expect(back.problems.isEmpty)
        #expect(back.items.map(\.content) == [tf])
    }
}
