import Foundation
import Testing
@testable import Assessment

@Suite("Automatic grading")
struct GraderTests {
    func first(_ gift: String) throws -> ItemContent {
        try #require(GIFTParser.parse(gift).items.first).content
    }

    @Test func choicesTrueFalseAndPartialCredit() throws {
        let single = try first("Q {=right #Yes ~%50%half ~wrong}")
        #expect(Grader.grade(single, ItemResponse(choices: [0])) == Grade(fraction: 1, feedback: RichText("Yes")))
        #expect(Grader.grade(single, ItemResponse(choices: [1])).fraction == 0.5)
        #expect(Grader.grade(single, ItemResponse(choices: [0, 1])).fraction == 0, "two picks in single choice earn nothing")
        #expect(Grader.grade(single, ItemResponse(choices: [9])).fraction == 0)
        #expect(Grader.grade(single, ItemResponse()).fraction == 0)
        let multi = try first("Q {~%50%a ~%50%b ~%-100%c ~d}")
        #expect(Grader.grade(multi, ItemResponse(choices: [0, 1])).fraction == 1)
        #expect(Grader.grade(multi, ItemResponse(choices: [0])).fraction == 0.5)
        #expect(Grader.grade(multi, ItemResponse(choices: [0, 2])).fraction == 0, "never below zero")
        #expect(Grader.grade(multi, ItemResponse(choices: [0, 0, 0])).fraction == 0.5, "a choice counts once")
        let tf = try first("Q {F#Sai rồi#Đúng}")
        #expect(Grader.grade(tf, ItemResponse(value: false)).fraction == 1)
        #expect(Grader.grade(tf, ItemResponse(value: true)) == Grade(fraction: 0, feedback: RichText("Sai rồi")))
    }

    @Test func shortAnswersIgnoreCaseAndSpacesAndHonourWildcardsAndMarks() throws {
        let q = try first("Q {=Hà Nội =%50%*noi =%0%* #Chưa đúng}")
        #expect(Grader.grade(q, ItemResponse(text: "  hà   nội ")).fraction == 1)
        #expect(Grader.grade(q, ItemResponse(text: "Ha Noi")).fraction == 0.5, "marks matter: only the *noi answer matches")
        #expect(Grader.grade(q, ItemResponse(text: "Ha Nọi")).fraction == 0, "a wrong mark is a wrong answer")
        var folded = q
        folded.accentSensitive = false
        #expect(Grader.grade(folded, ItemResponse(text: "ha noi")).fraction == 1)
        #expect(Grader.grade(q, ItemResponse(text: "Thủ đô noi")).fraction == 0.5)
        #expect(Grader.grade(q, ItemResponse(text: "Huế")) == Grade(fraction: 0, feedback: RichText("Chưa đúng")))
        #expect(Grader.grade(q, ItemResponse(text: "")).fraction == 0)
        var exact = try first("Q {=NaCl}")
        exact.caseSensitive = true
        #expect(Grader.grade(exact, ItemResponse(text: "nacl")).fraction == 0)
        #expect(Grader.grade(exact, ItemResponse(text: "NaCl")).fraction == 1)
        let regexChars = try first("Q {=a+b (x)}")
        #expect(Grader.grade(regexChars, ItemResponse(text: "a+b (x)")).fraction == 1)
        #expect(Grader.grade(regexChars, ItemResponse(text: "aab (x)")).fraction == 0)
    }

    @Test func numbersWithToleranceCommasAndUnits() throws {
        var g = try first("g? {#\n =9.81:0.05\n =%50%10:0\n ~#Xem lại}")
        #expect(Grader.grade(g, ItemResponse(text: "9.8")).fraction == 1)
        #expect(Grader.grade(g, ItemResponse(text: "9,8")).fraction == 1, "a decimal comma")
        #expect(Grader.grade(g, ItemResponse(text: "10")).fraction == 0.5)
        #expect(Grader.grade(g, ItemResponse(text: "12")) == Grade(fraction: 0, feedback: RichText("Xem lại")))
        #expect(Grader.grade(g, ItemResponse(text: "chín")).fraction == 0)
        g.units = [NumericUnit(unit: "m/s²", multiplier: 1), NumericUnit(unit: "cm/s²", multiplier: 100)]
        #expect(Grader.grade(g, ItemResponse(text: "981 cm/s²")).fraction == 1)
        #expect(Grader.grade(g, ItemResponse(text: "9.81 m/s²")).fraction == 1)
        #expect(Grader.grade(g, ItemResponse(text: "9.81 km")).fraction == 0, "an unknown unit")
        #expect(Grader.grade(g, ItemResponse(text: "9.81")).fraction == 1, "no unit: the base unit")
    }

    @Test func matchingOrderingAndClozeGivePartialCredit() throws {
        let m = try first("M {=frog -> amphibian =cat -> mammal =bee -> insect = -> bird}")
        #expect(Grader.grade(m, ItemResponse(matches: ["amphibian", "mammal", "insect"])).fraction == 1)
        #expect(abs((Grader.grade(m, ItemResponse(matches: ["amphibian", "bird", nil])).fraction ?? 0) - 1.0 / 3) < 1e-9)
        var o = ItemContent(type: .ordering, name: "O", stem: RichText("Order"))
        o.sequence = [RichText("1"), RichText("2"), RichText("3"), RichText("4")]
        #expect(Grader.grade(o, ItemResponse(order: [0, 1, 2, 3])).fraction == 1)
        #expect(Grader.grade(o, ItemResponse(order: [0, 1, 3, 2])).fraction == 0.5)
        #expect(Grader.grade(o, ItemResponse(order: [0, 0, 1, 2])).fraction == 0, "not a permutation")
        var c = ItemContent(type: .cloze, name: "C", stem: RichText("{{1}} {{2}} {{3}}"))
        guard case .success(let parsed) = ClozeSyntax.parse("{1:SHORTANSWER:=Hà Nội} {2:NUMERICAL:=4:0} {2:MULTICHOICE:=táo~đá}") else {
            Issue.record("cloze did not parse"); return
        }
        c.gaps = parsed.gaps
        #expect(Grader.grade(c, ItemResponse(gaps: ["hà nội", "4", "0"])).fraction == 1)
        #expect(Grader.grade(c, ItemResponse(gaps: ["Huế", "4", "1"])).fraction == 0.4, "weights 1, 2, 2: only the 2-point gap")
        #expect(Grader.grade(c, ItemResponse(gaps: [])).fraction == 0)
        let essay = ItemContent(type: .essay, name: "E", stem: RichText("Tả mùa xuân"))
        #expect(Grader.grade(essay, ItemResponse(text: "…")).needsPerson)
    }
}
