import Foundation
import Platform

/// What a lesson item holds.
public enum ItemKind: String, Sendable, Codable, CaseIterable {
    /// A Library resource (document, video, e-textbook, package...).
    case resource
    /// An exam from the Assessment area.
    case assessment
    /// Work handed in as text or a file, with feedback and a grade.
    case assignment
    case discussion
    /// An external tool launched over LTI 1.3 (its launch comes with the LTI work).
    case lti
    /// A live session; a link until the Live area exists.
    case live
    /// A page of text written in the course.
    case page
}

/// When an item counts as done for a learner.
public enum RuleKind: String, Sendable, Codable, CaseIterable {
    /// Opened once.
    case viewed
    /// A video or audio played to `threshold` percent.
    case watched
    /// Handed in (an assignment or an exam attempt).
    case submitted
    /// A score of at least `threshold` percent of the maximum.
    case scored
}

/// A completion rule with its threshold, checked against what the learner did.
public struct CompletionRule: Sendable, Codable, Equatable {
    public var kind: RuleKind
    public var threshold: Double?

    public init(kind: RuleKind, threshold: Double? = nil) {
        self.kind = kind
        self.threshold = threshold
    }

    /// The rule an item gets when its author names none.
    public static func standard(for kind: ItemKind, resourceKind: String?) -> CompletionRule {
        switch kind {
        case .resource where Self.playable(resourceKind): CompletionRule(kind: .watched, threshold: 90)
        // A SCORM package says itself when it is completed or passed.
        case .resource where resourceKind == "package": CompletionRule(kind: .submitted)
        case .assessment, .assignment: CompletionRule(kind: .submitted)
        default: CompletionRule(kind: .viewed)
        }
    }

    /// Library kinds a player can report a share of.
    static func playable(_ resourceKind: String?) -> Bool {
        ["video", "audio", "tvLesson"].contains(resourceKind ?? "")
    }

    /// Problems with this rule on an item of `kind`, or none.
    public func problems(for kind: ItemKind, resourceKind: String?) -> [FieldProblem] {
        switch self.kind {
        case .viewed:
            // An exam or an assignment is not done by looking at it.
            if kind == .assessment || kind == .assignment {
                return [FieldProblem(field: "completion.kind", reason: "course.rule-not-for-kind", arguments: [self.kind.rawValue, kind.rawValue])]
            }
        case .watched:
            guard kind == .resource, Self.playable(resourceKind) else {
                return [FieldProblem(field: "completion.kind", reason: "course.rule-not-for-kind", arguments: [self.kind.rawValue, resourceKind ?? kind.rawValue])]
            }
            guard let t = threshold, t > 0, t <= 100 else { return [FieldProblem(field: "completion.threshold", reason: "course.threshold-range")] }
        case .submitted:
            // An LTI tool hands in by sending a score with activityProgress Submitted or
            // Completed; a SCORM package by reporting completed or passed.
            guard kind == .assessment || kind == .assignment || kind == .lti || (kind == .resource && resourceKind == "package") else {
                return [FieldProblem(field: "completion.kind", reason: "course.rule-not-for-kind", arguments: [self.kind.rawValue, kind.rawValue])]
            }
        case .scored:
            guard kind == .assessment || kind == .assignment || kind == .lti || (kind == .resource && resourceKind == "package") else {
                return [FieldProblem(field: "completion.kind", reason: "course.rule-not-for-kind", arguments: [self.kind.rawValue, kind.rawValue])]
            }
            guard let t = threshold, t >= 0, t <= 100 else { return [FieldProblem(field: "completion.threshold", reason: "course.threshold-range")] }
        }
        return []
    }

    /// Whether a learner's record of an item meets the rule.
    public func isMet(viewed: Bool, percent: Int, submitted: Bool, score: Double?) -> Bool {
        switch kind {
        case .viewed: viewed || submitted
        case .watched: Double(percent) >= (threshold ?? 100)
        case .submitted: submitted
        case .scored: (score ?? -1) >= (threshold ?? 100)
        }
    }
}
