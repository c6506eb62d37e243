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
        var items = SampleItems.everyType()
        items[0].level = .comprehension
        items[0].difficulty = 0.35
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
