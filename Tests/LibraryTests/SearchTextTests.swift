import Testing
@testable import Library

@Suite("Search tokens for Vietnamese, Chinese and English")
struct SearchTextTests {
    /// True when every query token is among the document's tokens: how both engines match.
    func finds(_ query: String, in document: String) -> Bool {
        let doc = Set(SearchText.documentTokens(document))
        let q = SearchText.queryTokens(query)
        return !q.isEmpty && q.allSatisfy(doc.contains)
    }

    @Test func vietnameseMatchesWithOrWithoutDiacritics() {
        #expect(finds("hoc lieu", in: "Kho học liệu số dùng chung"))
        #expect(finds("phuong trinh bac hai", in: "Phương trình bậc hai một ẩn"))
        #expect(finds("Phương Trình", in: "phuong trinh bac hai"))
        #expect(finds("dia li", in: "Địa lí lớp 10"))
        #expect(!finds("bac ba", in: "Phương trình bậc hai"))
    }

    @Test func chineseMatchesWithoutSpaces() {
        #expect(finds("二次方程", in: "一元二次方程的解法"))
        #expect(finds("方程", in: "一元二次方程的解法"))
        #expect(finds("解", in: "一元二次方程的解法"))
        #expect(!finds("三次方程", in: "一元二次方程的解法"))
        // Mixed scripts in one title.
        #expect(finds("python 编程", in: "Python编程入门"))
    }

    @Test func englishIsStemmed() {
        #expect(finds("equations", in: "Solving a quadratic equation"))
        #expect(finds("solve quadratic equations", in: "Solving quadratic equations"))
        #expect(finds("lessons", in: "A lesson on photosynthesis"))
        #expect(finds("studies", in: "Social study"))
        #expect(finds("running", in: "Run for health"))
        #expect(!finds("photosynthesis", in: "Solving quadratic equations"))
    }

    @Test func punctuationOnlyGivesNoTokens() {
        #expect(SearchText.queryTokens("?!… ,;- «»").isEmpty)
        #expect(SearchText.queryTokens("   ").isEmpty)
    }

    @Test func tokensAreSafeForBothEngines() {
        // Quotes, operators and wildcards never survive into a token.
        let t = SearchText.queryTokens("a\"b' OR c* NEAR(d) -e:f %_")
        #expect(t.allSatisfy { $0.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil } })
    }
}
