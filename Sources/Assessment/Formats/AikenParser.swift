import Foundation

/// Reads the Aiken format: a question line (or several), options `A) text` or `A. text`,
/// then `ANSWER: X`; questions separated by blank lines or simply following each other.
/// Each malformed question is reported with its line and left out.
public enum AikenParser {
    public static func parse(_ source: String) -> ParseResult {
        var result = ParseResult()
        var stem: [String] = []
        var stemLine = 0
        var options: [(letter: Character, text: String)] = []
        // One problem per question: the first says what is wrong; the rest would repeat it.
        var reported = false
        func reset() { stem = []; options = []; reported = false }
        func problem(_ line: Int, _ reason: String, _ detail: String = "") {
            guard !reported else { return }
            reported = !stem.isEmpty
            result.problems.append(FormatProblem(line: line, item: stem.isEmpty ? nil : String(stem.joined(separator: " ").prefix(60)),
                                                 reason: reason, detail: detail))
        }
        let lines = source.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        for (i, raw) in lines.enumerated() {
            let n = i + 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty {
                // A blank line inside a question whose options have begun ends it unfinished.
                if !options.isEmpty { problem(stemLine, "aiken.no-answer-line"); reset() }
                continue
            }
            if let letter = optionLetter(line) {
                guard !stem.isEmpty else { problem(n, "aiken.option-before-question", line); continue }
                guard letter == Character(UnicodeScalar(UInt8(65 + options.count))) else {
                    problem(n, "aiken.option-out-of-order", line)
                    reset()
                    continue
                }
                options.append((letter, String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces)))
                continue
            }
            if line.uppercased().hasPrefix("ANSWER:") {
                let answer = line.dropFirst("ANSWER:".count).trimmingCharacters(in: .whitespaces).uppercased()
                if stem.isEmpty {
                    problem(n, "aiken.answer-before-question", line)
                } else if options.count < 2 {
                    problem(stemLine, "aiken.too-few-options", String(options.count))
                } else if answer.count != 1 || !options.contains(where: { String($0.letter) == answer }) {
                    problem(n, "aiken.answer-not-an-option", answer)
                } else if !reported {
                    var item = ItemContent(type: .singleChoice, name: String(stem.joined(separator: " ").prefix(60)),
                                           stem: RichText(stem.joined(separator: "\n")))
                    item.choices = options.map { Choice(text: RichText($0.text), fraction: String($0.letter) == answer ? 1 : 0) }
                    result.items.append(ParsedItem(line: stemLine, content: item))
                }
                reset()
                continue
            }
            if !options.isEmpty {
                // Text after options without an ANSWER line: the question was never finished.
                problem(stemLine, "aiken.no-answer-line")
                reset()
            }
            if let m = line.firstMatch(of: /^[A-Z][).]\S/) {
                // `A)text`: Aiken needs a space after the marker.
                problem(n, "aiken.option-needs-space", String(line[m.range]))
            }
            if stem.isEmpty { stemLine = n }
            stem.append(line)
        }
        if !stem.isEmpty { problem(stemLine, options.isEmpty ? "aiken.no-options" : "aiken.no-answer-line") }
        return result
    }

    /// `A) ` or `A. ` at the start of a line.
    static func optionLetter(_ line: String) -> Character? {
        let c = Array(line.prefix(3))
        guard c.count == 3, c[0].isASCII, c[0].isUppercase, c[1] == ")" || c[1] == ".", c[2] == " " || c[2] == "\t" else { return nil }
        return c[0]
    }
}

/// Writes single-choice items as Aiken; everything else (and choices with partial marks or
/// more than 26 options) is reported, since Aiken cannot say it.
public enum AikenWriter {
    public static func write(_ items: [ItemContent]) -> GIFTWriter.Output {
        var out: [String] = []
        var skipped: [FormatProblem] = []
        for item in items {
            guard item.type == .singleChoice, let choices = item.choices, (2...26).contains(choices.count),
                  choices.filter({ $0.fraction == 1 }).count == 1, choices.allSatisfy({ $0.fraction == 0 || $0.fraction == 1 }),
                  let right = choices.firstIndex(where: { $0.fraction == 1 }) else {
                skipped.append(FormatProblem(line: nil, item: item.name, reason: "aiken.type-not-supported", detail: item.type.rawValue))
                continue
            }
            let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            var q = item.stem.text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: "\n") + "\n"
            for (i, c) in choices.enumerated() { q += "\(letters[i])) \(c.text.text.replacingOccurrences(of: "\n", with: " "))\n" }
            q += "ANSWER: \(letters[right])\n"
            out.append(q)
        }
        return GIFTWriter.Output(text: out.joined(separator: "\n"), skipped: skipped)
    }
}
