import Foundation
import Testing
@testable import Assessment

@Suite("Moodle XML")
struct MoodleXMLTests {
    func read(_ file: String) throws -> ParseResult {
        MoodleXMLReader.parse(Data(try Fixtures.text("moodle-questions/moodlexml/" + file).utf8))
    }

    @Test(.enabled(if: Fixtures.present, "\(Fixtures.absent)"))
    func moodlesFixturesAreRead() throws {
        let mc = try read("multichoice.testquestion.moodle.xml")
        #expect(mc.problems.isEmpty)
        let q = try #require(mc.items.first?.content)
        #expect(q.type == .multipleResponse && q.name == "Multi-choice-001" && q.category == "$course$/Default for C1")
        #expect(q.choices?.map(\.fraction) == [0, 0, 0.5, 0, 0.5] && q.stem == RichText("Find the capital cities in Europe.", format: .html))
        #expect(q.generalFeedback?.text == "Berlin, Paris and London")
        let match = try #require(try read("matching.testquestion.moodle.xml").items.first?.content)
        #expect(match.pairs?.count == 4 && match.pairs?.last == MatchPair(prompt: nil, answer: "insect"))
        let short = try #require(try read("shortanswer.testquestion.moodle.xml").items.first?.content)
        #expect(short.type == .shortAnswer && short.answers?.isEmpty == false)
        let tf = try #require(try read("truefalse.testquestion.moodle.xml").items.first?.content)
        #expect(tf.type == .trueFalse && tf.correct != nil)
        let nested = try read("nested_categories_with_questions.xml")
        #expect(nested.problems.isEmpty && nested.items.count == 5)
        #expect(Set(nested.items.compactMap(\.content.category)).count >= 2)
        for file in ["category_with_description.xml", "export_category.xml", "html_chars_in_idnumbers.xml"] {
            let r = try read(file)
            #expect(r.problems.isEmpty && r.items.count == 1, "\(file): \(r.problems)")
        }
    }

    @Test(.enabled(if: Fixtures.present, "\(Fixtures.absent)"))
    func brokenFixturesSayWhatIsWrongWithEachQuestion() throws {
        let grades = try read("error_invalid_grades.xml")
        #expect(grades.items.isEmpty)
        #expect(grades.problems.map(\.reason) == ["moodlexml.fraction-not-allowed"] && grades.problems.first?.detail == "33")
        let cloze = try read("broken_cloze_questions.xml")
        #expect(cloze.items.isEmpty)
        #expect(cloze.problems.map(\.reason) == ["cloze.no-gaps", "cloze.gap-empty", "cloze.too-few-choices", "cloze.no-full-mark", "cloze.bad-number"])
        #expect(cloze.problems.map(\.item) == ["#1 Multianswer question without subquestions", "#2 Multichoice subquestion without choices",
                                              "#3 Multichoice subquestion with only one choice", "#4 Multichoice subquestion with no completely correct answer",
                                              "#5 Numerical subquestion with buggy answer"])
    }

    @Test func hostileAndMalformedDocumentsAreRefused() {
        let xxe = MoodleXMLReader.parse(Data("<?xml version=\"1.0\"?><!DOCTYPE quiz [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><quiz>&x;</quiz>".utf8))
        #expect(xxe.problems.map(\.reason) == ["moodlexml.doctype"])
        #expect(MoodleXMLReader.parse(Data("<quiz><question type=\"truefalse\">".utf8)).problems.map(\.reason) == ["moodlexml.not-xml"])
        #expect(MoodleXMLReader.parse(Data("<html/>".utf8)).problems.map(\.reason) == ["moodlexml.no-quiz"])
        let unknown = MoodleXMLReader.parse(Data("<quiz><question type=\"calculated\"><name><text>Calc</text></name></question></quiz>".utf8))
        #expect(unknown.problems == [FormatProblem(line: nil, item: "#1 Calc", reason: "moodlexml.type-not-supported", detail: "calculated")])
    }

    @Test func everyTypeRoundTrips() {
        var items: [ItemContent] = []
        var single = ItemContent(type: .singleChoice, name: "Thủ đô", stem: RichText("Thủ đô của <b>Việt Nam</b>?", format: .html))
        single.choices = [Choice(text: RichText("Hà Nội"), fraction: 1, feedback: RichText("Đúng")), Choice(text: RichText("Huế"), fraction: 1.0 / 3),
                          Choice(text: RichText("Đà Nẵng & Hội An"), fraction: 0)]
        single.category = "Địa lí/Lớp 6"
        single.tags = ["địa lí", "thủ đô"]
        items.append(single)
        var multi = ItemContent(type: .multipleResponse, name: "Số nguyên tố", stem: RichText("Chọn các số nguyên tố"))
        multi.choices = [Choice(text: RichText("2"), fraction: 0.5), Choice(text: RichText("4"), fraction: -1), Choice(text: RichText("3"), fraction: 0.5)]
        items.append(multi)
        var tf = ItemContent(type: .trueFalse, name: "TF", stem: RichText("地球是圆的。"))
        tf.correct = true
        tf.feedbackFalse = RichText("再想想。")
        items.append(tf)
        var short = ItemContent(type: .shortAnswer, name: "SA", stem: RichText("Capital of France?"))
        short.answers = [TextAnswer(pattern: "Paris", fraction: 1), TextAnswer(pattern: "*aris", fraction: 0.5, feedback: RichText("Spelling"))]
        short.caseSensitive = false
        items.append(short)
        var num = ItemContent(type: .numeric, name: "g", stem: RichText("g = ? m/s²"))
        num.numeric = [NumericAnswer(value: 9.81, tolerance: 0.05, fraction: 1), NumericAnswer(value: 10, tolerance: 0, fraction: 0.5)]
        num.units = [NumericUnit(unit: "m/s²", multiplier: 1), NumericUnit(unit: "cm/s²", multiplier: 100)]
        num.otherwiseFeedback = RichText("Xem lại công thức")
        items.append(num)
        var match = ItemContent(type: .matching, name: "M", stem: RichText("Nối"))
        match.pairs = [MatchPair(prompt: RichText("frog"), answer: "amphibian"), MatchPair(prompt: RichText("cat"), answer: "mammal"), MatchPair(prompt: nil, answer: "insect")]
        items.append(match)
        var essay = ItemContent(type: .essay, name: "E", stem: RichText("Tả mùa xuân"))
        essay.graderInfo = RichText("Chấm theo thang 10", format: .html)
        items.append(essay)
        var order = ItemContent(type: .ordering, name: "O", stem: RichText("Sắp xếp"))
        order.sequence = [RichText("một"), RichText("hai"), RichText("ba")]
        items.append(order)
        var cloze = ItemContent(type: .cloze, name: "C", stem: RichText("Thủ đô là {{1}}; 2+2 = {{2}}; chọn {{3}}", format: .html))
        cloze.gaps = [ClozeGap(kind: .text, variant: "SHORTANSWER", weight: 1, answers: [TextAnswer(pattern: "Hà Nội", fraction: 1)]),
                      ClozeGap(kind: .numeric, variant: "NUMERICAL", weight: 2, numeric: [NumericAnswer(value: 4, tolerance: 0, fraction: 1, feedback: RichText("Đúng", format: .html))]),
                      ClozeGap(kind: .choice, variant: "MULTICHOICE_V", weight: 1, choices: [Choice(text: RichText("táo", format: .html), fraction: 1),
                                                                                             Choice(text: RichText("đá", format: .html), fraction: 0)])]
        items.append(cloze)
        let back = MoodleXMLReader.parse(Data(MoodleXMLWriter.write(items).utf8))
        #expect(back.problems.isEmpty, "\(back.problems)")
        #expect(back.items.count == items.count)
        for (a, b) in zip(items, back.items.map(\.content)) where a != b {
            Issue.record("\(a.name) changed:\n\(a)\n\(b)")
        }
    }

    @Test(.enabled(if: Fixtures.present, "\(Fixtures.absent)"))
    func moodlesFixturesRoundTrip() throws {
        for file in ["multichoice.testquestion.moodle.xml", "matching.testquestion.moodle.xml", "shortanswer.testquestion.moodle.xml",
                     "truefalse.testquestion.moodle.xml", "nested_categories_with_questions.xml"] {
            let first = try read(file).items.map(\.content)
            let again = MoodleXMLReader.parse(Data(MoodleXMLWriter.write(first).utf8))
            #expect(again.problems.isEmpty, "\(file)")
            #expect(again.items.map(\.content) == first, "\(file)")
        }
    }
}
