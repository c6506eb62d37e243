import Foundation

/// Writes items as GIFT, the inverse of `GIFTParser`: parse(write(x)) gives x back for
/// every feature GIFT has. Items GIFT cannot express (ordering, cloze with several gaps,
/// rubrics, units) are reported and left out, never written half.
public enum GIFTWriter {
    public struct Output: Sendable {
        public var text: String
        public var skipped: [FormatProblem]
    }

    public static func write(_ items: [ItemContent]) -> Output {
        var out: [String] = []
        var skipped: [FormatProblem] = []
        var category: String?
        for item in items {
            if item.category != category, let c = item.category {
                out.append("$CATEGORY: \(c)\n")
                category = c
            }
            guard let body = block(item) else {
                skipped.append(FormatProblem(line: nil, item: item.name, reason: "gift.type-not-supported", detail: item.type.rawValue))
                continue
            }
            var stem = item.stem
            var after = ""
            if let r = stem.text.range(of: " \(GIFTParser.blank) ") {
                after = String(stem.text[r.upperBound...])
                stem.text = String(stem.text[..<r.lowerBound])
            }
            var q = "::\(escape(item.name))::" + text(stem) + " {" + body
            if let g = item.generalFeedback { q += "\n####" + text(g) }
            q += "}"
            if !after.isEmpty { q += " " + escape(after) }
            out.append(q + "\n")
        }
        return Output(text: out.joined(separator: "\n"), skipped: skipped)
    }

    static func block(_ item: ItemContent) -> String? {
        switch item.type {
        case .essay:
            return ""
        case .trueFalse:
            guard let correct = item.correct else { return nil }
            let wrong = correct ? item.feedbackFalse : item.feedbackTrue
            let right = correct ? item.feedbackTrue : item.feedbackFalse
            var s = correct ? "TRUE" : "FALSE"
            if wrong != nil || right != nil { s += "#" + (wrong.map(text) ?? "") }
            if let right { s += "#" + text(right) }
            return s
        case .singleChoice, .multipleResponse:
            guard let choices = item.choices else { return nil }
            let single = item.type == .singleChoice
            return choices.map { c in
                let marker: String
                if single && c.fraction == 1 { marker = "=" } else if c.fraction == 0 { marker = "~" } else { marker = "~%\(percent(c.fraction))%" }
                return "\n\t" + marker + text(c.text) + feedback(c.feedback)
            }.joined() + "\n"
        case .shortAnswer:
            guard let answers = item.answers else { return nil }
            return answers.map { a in
                "\n\t=" + (a.fraction == 1 ? "" : "%\(percent(a.fraction))%") + escape(a.pattern) + feedback(a.feedback)
            }.joined() + "\n"
        case .numeric:
            guard let list = item.numeric, item.units == nil else { return nil }
            var s = "#" + list.map { n in
                "\n\t=" + (n.fraction == 1 ? "" : "%\(percent(n.fraction))%") + "\(number(n.value)):\(number(n.tolerance))" + feedback(n.feedback)
            }.joined()
            if let other = item.otherwiseFeedback { s += "\n\t~#" + text(other) }
            return s + "\n"
        case .matching:
            guard let pairs = item.pairs else { return nil }
            return pairs.map { p in "\n\t=" + (p.prompt.map(text) ?? "") + " -> " + escape(p.answer) }.joined() + "\n"
        case .ordering, .cloze:
            return nil
        }
    }

    static func feedback(_ f: RichText?) -> String { f.map { " #" + text($0) } ?? "" }

    static func text(_ t: RichText) -> String {
        (t.format == .plain ? "" : "[\(t.format.rawValue)]") + escape(t.text)
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "~", "=", "#", "{", "}", ":", "\\": out += "\\\(ch)"
            case "\n": out += "\\n"
            default: out.append(ch)
            }
        }
        return out
    }

    static func percent(_ fraction: Double) -> String {
        let p = fraction * 100
        return p == p.rounded() ? String(Int(p)) : String(p)
    }

    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}
