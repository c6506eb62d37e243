import Foundation

/// Moodle's embedded-answers (cloze) syntax inside a question text:
/// `{1:MULTICHOICE:=Apple#Right~Banana#Wrong}`, `{2:SHORTANSWER:=Hà Nội}`,
/// `{1:NUMERICAL:=3.14:0.01}`. Each becomes a `{{n}}` placeholder and a `ClozeGap`.
public enum ClozeSyntax {
    static let variants: [String: (ClozeGap.Kind, String)] = [
        "MULTICHOICE": (.choice, "MULTICHOICE"), "MC": (.choice, "MULTICHOICE"),
        "MULTICHOICE_V": (.choice, "MULTICHOICE_V"), "MCV": (.choice, "MULTICHOICE_V"),
        "MULTICHOICE_H": (.choice, "MULTICHOICE_H"), "MCH": (.choice, "MULTICHOICE_H"),
        "MULTIRESPONSE": (.choice, "MULTIRESPONSE"), "MR": (.choice, "MULTIRESPONSE"),
        "MULTIRESPONSE_H": (.choice, "MULTIRESPONSE_H"), "MRH": (.choice, "MULTIRESPONSE_H"),
        "SHORTANSWER": (.text, "SHORTANSWER"), "SA": (.text, "SHORTANSWER"), "MW": (.text, "SHORTANSWER"),
        "SHORTANSWER_C": (.text, "SHORTANSWER_C"), "SAC": (.text, "SHORTANSWER_C"), "MWC": (.text, "SHORTANSWER_C"),
        "NUMERICAL": (.numeric, "NUMERICAL"), "NM": (.numeric, "NUMERICAL"),
    ]

    /// The stem with `{{n}}` placeholders and its gaps, or the reason it cannot be read.
    public static func parse(_ text: String) -> Result<(stem: String, gaps: [ClozeGap]), FormatProblem> {
        var stem = ""
        var gaps: [ClozeGap] = []
        var rest = Substring(text)
        // `{` followed by digits or `:` starts a gap; other braces are text (LaTeX, code).
        while let open = rest.firstIndex(of: "{") {
            stem += rest[..<open]
            let after = rest[rest.index(after: open)...]
            guard after.first.map({ $0.isNumber || $0 == ":" }) == true, let close = after.firstIndex(of: "}") else {
                stem.append("{")
                rest = after
                continue
            }
            let spec = String(after[..<close])
            let parts = spec.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 || parts.count == 2, let (kind, variant) = variants[parts[1].uppercased()] else {
                stem.append("{")
                rest = after
                continue
            }
            let weight = parts[0].isEmpty ? 1 : Double(parts[0]) ?? 1
            guard parts.count == 3, !parts[2].trimmingCharacters(in: .whitespaces).isEmpty else {
                return .failure(FormatProblem(line: nil, item: nil, reason: "cloze.gap-empty", detail: "{\(spec)}"))
            }
            var gap = ClozeGap(kind: kind, variant: variant, weight: weight)
            let entries = options(String(parts[2]))
            switch kind {
            case .choice:
                gap.choices = entries.map { Choice(text: RichText($0.text, format: .html), fraction: $0.fraction, feedback: $0.feedback) }
                guard gap.choices!.count >= 2 else { return .failure(FormatProblem(line: nil, item: nil, reason: "cloze.too-few-choices", detail: "{\(spec)}")) }
            case .text:
                gap.answers = entries.map { TextAnswer(pattern: $0.text, fraction: $0.fraction, feedback: $0.feedback) }
            case .numeric:
                var list: [NumericAnswer] = []
                for e in entries {
                    let pieces = e.text.split(separator: ":", omittingEmptySubsequences: false)
                    guard let value = Double(pieces[0].trimmingCharacters(in: .whitespaces)),
                          pieces.count <= 2, let tolerance = pieces.count == 2 ? Double(pieces[1].trimmingCharacters(in: .whitespaces)) : 0 else {
                        if e.text == "*" { continue }
                        return .failure(FormatProblem(line: nil, item: nil, reason: "cloze.bad-number", detail: e.text))
                    }
                    list.append(NumericAnswer(value: value, tolerance: tolerance, fraction: e.fraction, feedback: e.feedback))
                }
                gap.numeric = list
            }
            // Moodle marks a gap only when one answer earns all of it.
            guard entries.contains(where: { $0.fraction == 1 }) else {
                return .failure(FormatProblem(line: nil, item: nil, reason: "cloze.no-full-mark", detail: "{\(spec)}"))
            }
            gaps.append(gap)
            stem += "{{\(gaps.count)}}"
            rest = after[after.index(after: close)...]
        }
        stem += rest
        guard !gaps.isEmpty else { return .failure(FormatProblem(line: nil, item: nil, reason: "cloze.no-gaps")) }
        return .success((stem, gaps))
    }

    /// Writes the gaps back into the stem in Moodle's syntax.
    public static func write(stem: String, gaps: [ClozeGap]) -> String {
        var out = stem
        for (i, g) in gaps.enumerated() {
            var entries: [String] = []
            switch g.kind {
            case .choice: entries = (g.choices ?? []).map { mark($0.fraction) + escape($0.text.text) + fb($0.feedback) }
            case .text: entries = (g.answers ?? []).map { mark($0.fraction) + escape($0.pattern) + fb($0.feedback) }
            case .numeric: entries = (g.numeric ?? []).map { mark($0.fraction) + "\(num($0.value)):\(num($0.tolerance))" + fb($0.feedback) }
            }
            let weight = g.weight == g.weight.rounded() ? String(Int(g.weight)) : String(g.weight)
            out = out.replacingOccurrences(of: "{{\(i + 1)}}", with: "{\(weight):\(g.variant):\(entries.joined(separator: "~"))}")
        }
        return out
    }

    struct Option { var text: String; var fraction: Double; var feedback: RichText? }

    /// `=right#feedback~%50%half~wrong`, with `\~ \} \# \=` escapes.
    static func options(_ s: String) -> [Option] {
        var raw: [String] = [""]
        var escaped = false
        for ch in s {
            if escaped { raw[raw.count - 1] += "\\\(ch)"; escaped = false; continue }
            if ch == "\\" { escaped = true; continue }
            if ch == "~" { raw.append(""); continue }
            raw[raw.count - 1].append(ch)
        }
        return raw.compactMap { piece -> Option? in
            var t = Substring(piece.trimmingCharacters(in: .whitespaces))
            guard !t.isEmpty else { return nil }
            var fraction = 0.0
            if t.hasPrefix("=") { fraction = 1; t = t.dropFirst() }
            if t.hasPrefix("%"), let end = t.dropFirst().firstIndex(of: "%"), let w = Double(t[t.index(after: t.startIndex)..<end]) {
                fraction = w / 100
                t = t[t.index(after: end)...]
            }
            let halves = GIFTParser.split(String(t), on: "#")
            let feedback = halves.count > 1 ? GIFTParser.unescape(halves.dropFirst().joined(separator: "#")) : ""
            return Option(text: GIFTParser.unescape(halves[0]).trimmingCharacters(in: .whitespaces), fraction: fraction,
                          feedback: feedback.isEmpty ? nil : RichText(feedback, format: .html))
        }
    }

    static func mark(_ f: Double) -> String {
        f == 1 ? "=" : f == 0 ? "" : "%\(f * 100 == (f * 100).rounded() ? String(Int(f * 100)) : String(f * 100))%"
    }
    static func fb(_ f: RichText?) -> String { f.map { "#" + escape($0.text) } ?? "" }
    static func escape(_ s: String) -> String {
        var out = ""
        for ch in s { if "~}#=\\".contains(ch) { out += "\\\(ch)" } else { out.append(ch) } }
        return out
    }
    public static func num(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v) }
}
