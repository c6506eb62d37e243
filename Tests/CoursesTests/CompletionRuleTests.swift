import Testing
@testable import Courses

@Suite("Courses: completion rules")
struct CompletionRuleTests {
    @Test func eachRuleIsMetByWhatItNamesOnly() {
        #expect(CompletionRule(kind: .viewed).isMet(viewed: true, percent: 0, submitted: false, score: nil))
        #expect(!CompletionRule(kind: .viewed).isMet(viewed: false, percent: 100, submitted: false, score: nil))
        #expect(CompletionRule(kind: .watched, threshold: 90).isMet(viewed: true, percent: 90, submitted: false, score: nil))
        #expect(!CompletionRule(kind: .watched, threshold: 90).isMet(viewed: true, percent: 89, submitted: false, score: nil))
        #expect(CompletionRule(kind: .submitted).isMet(viewed: false, percent: 0, submitted: true, score: nil))
        #expect(!CompletionRule(kind: .submitted).isMet(viewed: true, percent: 100, submitted: false, score: 100))
        #expect(CompletionRule(kind: .scored, threshold: 50).isMet(viewed: false, percent: 0, submitted: true, score: 50))
        #expect(!CompletionRule(kind: .scored, threshold: 50).isMet(viewed: false, percent: 0, submitted: true, score: 49.9))
        // An unreleased score (nil) never meets a score rule, even at threshold 0.
        #expect(!CompletionRule(kind: .scored, threshold: 0).isMet(viewed: true, percent: 0, submitted: true, score: nil))
    }

    @Test func rulesFitTheirKindsOfItem() {
        #expect(CompletionRule.standard(for: .resource, resourceKind: "video") == CompletionRule(kind: .watched, threshold: 90))
        #expect(CompletionRule.standard(for: .resource, resourceKind: "document") == CompletionRule(kind: .viewed))
        #expect(CompletionRule.standard(for: .assessment, resourceKind: nil) == CompletionRule(kind: .submitted))
        #expect(CompletionRule(kind: .viewed).problems(for: .assessment, resourceKind: nil).map(\.reason) == ["course.rule-not-for-kind"])
        #expect(CompletionRule(kind: .watched, threshold: 50).problems(for: .resource, resourceKind: "document").count == 1)
        #expect(CompletionRule(kind: .watched, threshold: 0).problems(for: .resource, resourceKind: "video").map(\.reason) == ["course.threshold-range"])
        #expect(CompletionRule(kind: .watched, threshold: 80).problems(for: .resource, resourceKind: "audio").isEmpty)
        #expect(CompletionRule(kind: .scored, threshold: 101).problems(for: .assignment, resourceKind: nil).map(\.reason) == ["course.threshold-range"])
        #expect(CompletionRule(kind: .scored).problems(for: .lti, resourceKind: nil).map(\.reason) == ["course.threshold-range"])
        #expect(CompletionRule(kind: .submitted).problems(for: .page, resourceKind: nil).count == 1)
    }
}

@Suite("Courses: iCalendar text")
struct ICalendarTests {
    @Test func longLinesFoldBetweenCharactersAndTextIsEscaped() {
        let line = "SUMMARY:" + String(repeating: "Tiếng Việt; lớp 3, ", count: 8)
        let folded = ICalendar.fold(ICalendar.escape(line))
        let parts = folded.components(separatedBy: "\r\n")
        #expect(parts.count > 1 && parts.allSatisfy { $0.utf8.count <= 75 } && parts.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        let unfolded = ([parts[0]] + parts.dropFirst().map { String($0.dropFirst()) }).joined()
        #expect(unfolded == ICalendar.escape(line) && unfolded.contains("Tiếng Việt\\; lớp 3\\, "))
    }
}
