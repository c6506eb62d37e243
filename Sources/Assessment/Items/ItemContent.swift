import Foundation
import Platform

/// The kinds of question the bank holds (issue #4). Every import format maps onto these and
/// every export writes from them, so a round trip keeps what both ends support.
public enum ItemType: String, Sendable, Codable, CaseIterable {
    case singleChoice, multipleResponse, trueFalse, shortAnswer, numeric, cloze, matching, ordering, essay
}

/// How a piece of text is written. Kept as given (Moodle's four formats, plus LaTeX inside
/// any of them) so nothing is lost on export; pages render it safely.
public enum TextFormat: String, Sendable, Codable {
    case plain, html, markdown, moodle
}

public struct RichText: Sendable, Codable, Equatable {
    public var text: String
    public var format: TextFormat

    public init(_ text: String, format: TextFormat = .plain) {
        self.text = text
        self.format = format
    }

    public var isEmpty: Bool { text.isEmpty }

    /// The words as plain text for a page that does not render markup: HTML tags dropped
    /// (block ends become line breaks) and common entities decoded; LaTeX stays as source.
    public var readable: String {
        guard format == .html else { return text }
        var out = ""
        var inTag = false
        var tag = ""
        for ch in text {
            if inTag {
                if ch == ">" {
                    inTag = false
                    let name = tag.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "/ ")).split(separator: " ").first ?? ""
                    if ["br", "p", "div", "li", "tr"].contains(String(name)) { out += "\n" }
                } else { tag.append(ch) }
            } else if ch == "<" {
                inTag = true
                tag = ""
            } else { out.append(ch) }
        }
        for (entity, ch) in [("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&")] {
            out = out.replacingOccurrences(of: entity, with: ch)
        }
        return out.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// One option of a choice item. `fraction` is the share of the mark it earns, from -1 to 1
/// (negative marks wrong choices in multiple response).
public struct Choice: Sendable, Codable, Equatable {
    public var text: RichText
    public var fraction: Double
    public var feedback: RichText?

    public init(text: RichText, fraction: Double, feedback: RichText? = nil) {
        self.text = text
        self.fraction = fraction
        self.feedback = feedback
    }
}

/// An accepted short answer: `*` matches any run of characters.
public struct TextAnswer: Sendable, Codable, Equatable {
    public var pattern: String
    public var fraction: Double
    public var feedback: RichText?

    public init(pattern: String, fraction: Double, feedback: RichText? = nil) {
        self.pattern = pattern
        self.fraction = fraction
        self.feedback = feedback
    }
}

/// An accepted number: `value ± tolerance`.
public struct NumericAnswer: Sendable, Codable, Equatable {
    public var value: Double
    public var tolerance: Double
    public var fraction: Double
    public var feedback: RichText?

    public init(value: Double, tolerance: Double, fraction: Double, feedback: RichText? = nil) {
        self.value = value
        self.tolerance = tolerance
        self.fraction = fraction
        self.feedback = feedback
    }
}

/// A unit a numeric answer may carry, with its factor to the base unit (`cm` = 0.01 for m).
public struct NumericUnit: Sendable, Codable, Equatable {
    public var unit: String
    public var multiplier: Double
}

/// One row of a matching item; a row without a prompt is a distractor answer.
public struct MatchPair: Sendable, Codable, Equatable {
    public var prompt: RichText?
    public var answer: String

    public init(prompt: RichText?, answer: String) {
        self.prompt = prompt
        self.answer = answer
    }
}

/// A blank inside a cloze item's stem, written `{{n}}` there (1-based).
public struct ClozeGap: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case choice, text, numeric }
    public var kind: Kind
    /// How the gap is shown and marked, in Moodle's words: MULTICHOICE (drop-down),
    /// MULTICHOICE_V / _H (radio buttons), MULTIRESPONSE (_H), SHORTANSWER (_C: case
    /// sensitive), NUMERICAL.
    public var variant: String
    public var weight: Double
    public var choices: [Choice]?
    public var answers: [TextAnswer]?
    public var numeric: [NumericAnswer]?
}

/// A criterion of an essay's rubric with its levels (points and what earns them).
public struct RubricCriterion: Sendable, Codable, Equatable {
    public struct Level: Sendable, Codable, Equatable {
        public var points: Double
        public var description: String

        public init(points: Double, description: String) {
            self.points = points
            self.description = description
        }
    }
    public var name: String
    public var levels: [Level]

    public init(name: String, levels: [Level]) {
        self.name = name
        self.levels = levels
    }
}

/// A question, whatever its type: the parts a type does not use stay nil.
public struct ItemContent: Sendable, Codable, Equatable {
    public var type: ItemType
    public var name: String
    public var stem: RichText
    public var generalFeedback: RichText?
    /// Single choice, multiple response.
    public var choices: [Choice]?
    /// True/false: the right answer and the feedback for each answer given.
    public var correct: Bool?
    public var feedbackTrue: RichText?
    public var feedbackFalse: RichText?
    /// Short answer.
    public var answers: [TextAnswer]?
    public var caseSensitive: Bool?
    public var accentSensitive: Bool?
    /// Numeric.
    public var numeric: [NumericAnswer]?
    public var units: [NumericUnit]?
    /// Numeric: the feedback for any answer not listed (GIFT's `~#...`).
    public var otherwiseFeedback: RichText?
    /// Matching.
    public var pairs: [MatchPair]?
    /// Ordering: the items in their right order.
    public var sequence: [RichText]?
    /// Cloze: the gaps of `{{n}}` in the stem.
    public var gaps: [ClozeGap]?
    /// Essay: the rubric, and what graders are told.
    public var rubric: [RubricCriterion]?
    public var graderInfo: RichText?
    /// Free tags from the source file.
    public var tags: [String]?
    /// Where the source file put it (`$CATEGORY:` in GIFT, `<category>` in Moodle XML).
    public var category: String?
    /// The cognitive level an exam matrix counts it under; when absent, read from a tag or
    /// the last part of the category (see `effectiveLevel`).
    public var level: CognitiveLevel?
    /// Difficulty from 0 (easy) to 1, as the author judges it (item analysis measures it).
    public var difficulty: Double?

    public init(type: ItemType, name: String, stem: RichText) {
        self.type = type
        self.name = name
        self.stem = stem
    }
}

/// The four levels of an exam matrix (ma trận đề): recognition (nhận biết, NB),
/// comprehension (thông hiểu, TH), application (vận dụng, VD), high application (vận dụng
/// cao, VDC); in Chinese 识记, 理解, 应用, 综合应用.
public enum CognitiveLevel: String, Sendable, Codable, CaseIterable {
    case recognition, comprehension, application, highApplication

    /// A level from a label as teachers write it in tags or category names.
    public static func from(label raw: String) -> CognitiveLevel? {
        let l = TextFolding.fold(raw.trimmingCharacters(in: .whitespaces)).lowercased()
        switch l {
        case "recognition", "nb", "nhan biet", "识记", "了解", "level:recognition": return .recognition
        case "comprehension", "th", "thong hieu", "理解", "level:comprehension": return .comprehension
        case "application", "vd", "van dung", "应用", "level:application": return .application
        case "highapplication", "high application", "vdc", "van dung cao", "综合应用", "level:highapplication": return .highApplication
        default: return nil
        }
    }
}

extension ItemContent {
    /// The item's level: set explicitly, or a tag such as `NB`/`recognition`, or the last part
    /// of its category (`Toán 9/Chương 4/VD`), so GIFT files can carry it too.
    public var effectiveLevel: CognitiveLevel? {
        if let level { return level }
        if let t = tags?.lazy.compactMap(CognitiveLevel.from(label:)).first { return t }
        return category?.split(separator: "/").last.flatMap { CognitiveLevel.from(label: String($0)) }
    }
}
