import Foundation
import Platform

/// What a pupil answered to one item. Indices refer to the item's own order (the paper
/// shuffles what the pupil sees and maps back before grading).
public struct ItemResponse: Sendable, Codable, Equatable {
    /// Single choice, multiple response: the chosen choices.
    public var choices: [Int]?
    /// True/false.
    public var value: Bool?
    /// Short answer; numeric (a number, perhaps with a unit); essay.
    public var text: String?
    /// Matching: the answer chosen for each prompt, prompts in the item's order.
    public var matches: [String?]?
    /// Ordering: the item's sequence indices in the order the pupil put them.
    public var order: [Int]?
    /// Cloze: one answer per gap; a choice gap's answer is the chosen choice's index.
    public var gaps: [String]?

    public init(choices: [Int]? = nil, value: Bool? = nil, text: String? = nil, matches: [String?]? = nil, order: [Int]? = nil, gaps: [String]? = nil) {
        self.choices = choices
        self.value = value
        self.text = text
        self.matches = matches
        self.order = order
        self.gaps = gaps
    }
}

/// A mark: the share of the item's points earned, or nil when a person must grade it.
public struct Grade: Sendable, Codable, Equatable {
    public var fraction: Double?
    public var feedback: RichText?

    public var needsPerson: Bool { fraction == nil }
}

/// Automatic grading of objective items, with partial credit where the type allows it:
/// multiple response (sum of weights, never below 0), matching (share of right pairs),
/// ordering (share of items in their place), cloze (weighted gaps), weighted choices and
/// answers. Essays wait for a person.
public enum Grader {
    public static func grade(_ item: ItemContent, _ r: ItemResponse) -> Grade {
        switch item.type {
        case .singleChoice:
            guard let picked = r.choices, picked.count == 1, let choice = item.choices?[safe: picked[0]] else { return Grade(fraction: 0) }
            return Grade(fraction: max(0, choice.fraction), feedback: choice.feedback)
        case .multipleResponse:
            let choices = item.choices ?? []
            let picked = Set(r.choices ?? []).filter { choices.indices.contains($0) }
            let sum = picked.map { choices[$0].fraction }.reduce(0, +)
            return Grade(fraction: min(1, max(0, sum)))
        case .trueFalse:
            guard let value = r.value, let correct = item.correct else { return Grade(fraction: 0) }
            return Grade(fraction: value == correct ? 1 : 0, feedback: value ? item.feedbackTrue : item.feedbackFalse)
        case .shortAnswer:
            guard let match = text(r.text ?? "", item.answers ?? [], caseSensitive: item.caseSensitive ?? false,
                                   accentSensitive: item.accentSensitive ?? true) else { return Grade(fraction: 0) }
            return Grade(fraction: match.fraction, feedback: match.feedback)
        case .numeric:
            guard let match = number(r.text ?? "", item.numeric ?? [], units: item.units) else {
                return Grade(fraction: 0, feedback: item.otherwiseFeedback)
            }
            return Grade(fraction: match.fraction, feedback: match.feedback)
        case .matching:
            let prompts = (item.pairs ?? []).filter { $0.prompt != nil }
            guard !prompts.isEmpty else { return Grade(fraction: 0) }
            let given = r.matches ?? []
            let right = prompts.enumerated().filter { i, p in given[safe: i].flatMap { $0 } == p.answer }.count
            return Grade(fraction: Double(right) / Double(prompts.count))
        case .ordering:
            let n = item.sequence?.count ?? 0
            guard n > 0, let order = r.order, order.count == n, Set(order) == Set(0..<n) else { return Grade(fraction: 0) }
            let inPlace = order.enumerated().filter { $0.offset == $0.element }.count
            return Grade(fraction: Double(inPlace) / Double(n))
        case .cloze:
            let gaps = item.gaps ?? []
            let total = gaps.map(\.weight).reduce(0, +)
            guard total > 0 else { return Grade(fraction: 0) }
            let given = r.gaps ?? []
            var earned = 0.0
            for (i, g) in gaps.enumerated() {
                guard let answer = given[safe: i] else { continue }
                let f: Double
                switch g.kind {
                case .choice: f = Int(answer).flatMap { g.choices?[safe: $0] }.map { max(0, $0.fraction) } ?? 0
                case .text: f = text(answer, g.answers ?? [], caseSensitive: g.variant == "SHORTANSWER_C", accentSensitive: true)?.fraction ?? 0
                case .numeric: f = number(answer, g.numeric ?? [], units: nil)?.fraction ?? 0
                }
                earned += f * g.weight
            }
            return Grade(fraction: earned / total)
        case .essay:
            return Grade(fraction: nil)
        }
    }

    /// The first accepted answer the text matches; `*` stands for any run of characters.
    /// Spaces are collapsed; case and (when allowed) Vietnamese marks are ignored.
    static func text(_ raw: String, _ answers: [TextAnswer], caseSensitive: Bool, accentSensitive: Bool) -> TextAnswer? {
        func norm(_ s: String) -> String {
            var t = s.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            if !accentSensitive { t = TextFolding.fold(t) } else if !caseSensitive { t = t.lowercased() }
            return t
        }
        let given = norm(raw)
        guard !given.isEmpty else { return nil }
        for a in answers {
            let pattern = norm(a.pattern)
            if pattern.contains("*") {
                let parts = pattern.components(separatedBy: "*").map(NSRegularExpression.escapedPattern(for:))
                if given.range(of: "^" + parts.joined(separator: ".*") + "$", options: .regularExpression) != nil { return a }
            } else if pattern == given {
                return a
            }
        }
        return nil
    }

    /// The best-marked answer the number is within tolerance of. A decimal comma is read
    /// as a point (Vietnamese and many others write 3,14); a unit, when the item has
    /// units, converts to the base unit.
    static func number(_ raw: String, _ answers: [NumericAnswer], units: [NumericUnit]?) -> NumericAnswer? {
        var s = raw.trimmingCharacters(in: .whitespaces)
        var multiplier = 1.0
        if let units, !units.isEmpty {
            if let u = units.sorted(by: { $0.unit.count > $1.unit.count }).first(where: { s.hasSuffix($0.unit) }) {
                multiplier = u.multiplier
                s = String(s.dropLast(u.unit.count)).trimmingCharacters(in: .whitespaces)
            } else if s.last.map({ !$0.isNumber && $0 != "." && $0 != "," }) == true {
                return nil
            }
        }
        if !s.contains("."), s.filter({ $0 == "," }).count == 1 { s = s.replacingOccurrences(of: ",", with: ".") }
        guard let value = Double(s), value.isFinite, multiplier != 0 else { return nil }
        let base = value / multiplier
        return answers.filter { abs(base - $0.value) <= $0.tolerance + 1e-9 * max(1, abs($0.value)) }.max { $0.fraction < $1.fraction }
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
