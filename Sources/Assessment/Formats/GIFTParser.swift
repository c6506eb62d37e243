import Foundation

/// Reads Moodle's GIFT format: questions separated by blank lines, `//` comment lines,
/// `$CATEGORY:` lines, `::name::`, `[html]`-style format tags, an answer block in braces
/// (choices `=`/`~` with `%weight%` and `#feedback`, matching `->`, numeric `#`, true/false,
/// empty for an essay, `####` general feedback), text after the block making a
/// "missing word" question, and the escapes `\~ \= \# \{ \} \: \\ \n`.
public enum GIFTParser {
    /// The blank shown where a missing-word question's answer goes.
    public static let blank = "_____"

    public static func parse(_ source: String) -> ParseResult {
        var result = ParseResult()
        var category: String?
        var block: [String] = []
        var blockStart = 0
        let lines = source.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        func flush() {
            defer { block = [] }
            let text = block.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { return }
            switch question(text, line: blockStart, category: category) {
            case .success(let item): result.items.append(item)
            case .failure(let problem): result.problems.append(problem)
            }
        }
        for (i, raw) in lines.enumerated() {
            let line = String(raw)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { flush(); continue }
            if trimmed.hasPrefix("//") { continue }
            if trimmed.hasPrefix("$CATEGORY:") {
                flush()
                category = trimmed.dropFirst("$CATEGORY:".count).trimmingCharacters(in: .whitespaces)
                continue
            }
            if block.isEmpty { blockStart = i + 1 }
            block.append(line)
        }
        flush()
        return result
    }

    // MARK: one question

    struct Failure: Error { var problem: FormatProblem }

    static func question(_ text: String, line: Int, category: String?) -> Result<ParsedItem, FormatProblem> {
        var rest = Substring(text)
        var name: String?
        if rest.hasPrefix("::") {
            guard let end = find("::", in: rest, from: rest.index(rest.startIndex, offsetBy: 2)) else {
                return .failure(FormatProblem(line: line, item: nil, reason: "gift.name-unclosed", detail: String(text.prefix(80))))
            }
            name = unescape(String(rest[rest.index(rest.startIndex, offsetBy: 2)..<end])).trimmingCharacters(in: .whitespaces)
            rest = rest[rest.index(end, offsetBy: 2)...]
        }
        let label = name ?? String(unescape(String(rest)).prefix(60))
        func fail(_ reason: String, _ detail: String = "") -> Result<ParsedItem, FormatProblem> {
            .failure(FormatProblem(line: line, item: label, reason: reason, detail: detail))
        }
        guard let open = find("{", in: rest, from: rest.startIndex) else { return fail("gift.no-answer-block") }
        guard let close = find("}", in: rest, from: rest.index(after: open)) else { return fail("gift.brace-unclosed") }
        if find("{", in: rest, from: rest.index(after: open)).map({ $0 < close }) == true { return fail("gift.brace-nested") }
        let before = String(rest[rest.startIndex..<open])
        var after = String(rest[rest.index(after: close)...]).trimmingCharacters(in: .whitespacesAndNewlines)
        // Real files end lines in stray quotes and semicolons; they are not a missing word.
        if after.allSatisfy({ "\";'".contains($0) }) { after = "" }
        if find("{", in: rest, from: rest.index(after: close)) != nil { return fail("gift.several-answer-blocks") }
        let (format, stemText) = takeFormat(before)
        var stem = unescape(stemText).trimmingCharacters(in: .whitespacesAndNewlines)
        if !after.isEmpty { stem += " \(blank) " + unescape(after) }
        var body = String(rest[rest.index(after: open)..<close])
        // `####` starts the general feedback, at the end of the block.
        var general: RichText?
        if let g = find("####", in: Substring(body), from: body.startIndex) {
            general = rich(String(body[body.index(g, offsetBy: 4)...]))
            body = String(body[..<g])
        }
        let content = body.trimmingCharacters(in: .whitespacesAndNewlines)
        var item: ItemContent
        do {
            if content.isEmpty {
                item = ItemContent(type: .essay, name: "", stem: RichText(stem, format: format))
            } else if content.hasPrefix("#") {
                item = try numeric(String(content.dropFirst()), stem: RichText(stem, format: format))
            } else if let tf = trueFalse(content) {
                item = ItemContent(type: .trueFalse, name: "", stem: RichText(stem, format: format))
                item.correct = tf.value
                // GIFT's first feedback is for the wrong answer, the second for the right one.
                let wrong = tf.feedback.first.flatMap { $0.isEmpty ? nil : $0 }
                let right = tf.feedback.dropFirst().first.flatMap { $0.isEmpty ? nil : $0 }
                item.feedbackTrue = tf.value ? right : wrong
                item.feedbackFalse = tf.value ? wrong : right
            } else {
                item = try answers(content, stem: RichText(stem, format: format))
            }
        } catch let f as Failure {
            var p = f.problem
            p.line = line
            p.item = label
            return .failure(p)
        } catch {
            return fail("gift.unreadable", String(describing: error))
        }
        if stem.isEmpty && item.type != .essay { return fail("gift.no-question-text") }
        item.name = name ?? String(stem.prefix(60))
        item.generalFeedback = general
        item.category = category
        return .success(ParsedItem(line: line, content: item))
    }

    static func trueFalse(_ content: String) -> (value: Bool, feedback: [RichText])? {
        let parts = split(content, on: "#")
        let head = parts[0].trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        let value: Bool
        switch head {
        case "T", "TRUE": value = true
        case "F", "FALSE": value = false
        default: return nil
        }
        return (value, parts.dropFirst().map { rich($0) })
    }

    /// Choice, short-answer and matching blocks: entries start at unescaped `=` or `~`.
    static func answers(_ content: String, stem: RichText) throws -> ItemContent {
        let entries = try self.entries(content)
        guard !entries.isEmpty else { throw Failure(problem: FormatProblem(line: nil, item: nil, reason: "gift.no-answers", detail: content)) }
        let matching = entries.filter { $0.right && find("->", in: Substring($0.text), from: $0.text.startIndex) != nil }
        if !matching.isEmpty {
            guard matching.count == entries.count else { throw Failure(problem: FormatProblem(line: nil, item: nil, reason: "gift.matching-mixed")) }
            var item = ItemContent(type: .matching, name: "", stem: stem)
            item.pairs = entries.map { e in
                let arrow = find("->", in: Substring(e.text), from: e.text.startIndex)!
                let prompt = String(e.text[..<arrow])
                let answer = unescape(String(e.text[e.text.index(arrow, offsetBy: 2)...])).trimmingCharacters(in: .whitespacesAndNewlines)
                let p = rich(prompt)
                return MatchPair(prompt: p.isEmpty ? nil : p, answer: answer)
            }
            guard item.pairs!.filter({ $0.prompt != nil }).count >= 2 else {
                throw Failure(problem: FormatProblem(line: nil, item: nil, reason: "gift.matching-too-few"))
            }
            return item
        }
        let wrongs = entries.filter { !$0.right }
        if wrongs.isEmpty {
            // Only `=` entries: the accepted answers of a short-answer question.
            var item = ItemContent(type: .shortAnswer, name: "", stem: stem)
            item.answers = entries.map { TextAnswer(pattern: unescape($0.text).trimmingCharacters(in: .whitespacesAndNewlines),
                                                    fraction: $0.weight ?? 1, feedback: $0.feedback) }
            item.caseSensitive = false
            guard item.answers!.contains(where: { $0.fraction > 0 }) else { throw Failure(problem: FormatProblem(line: nil, item: nil, reason: "gift.no-right-answer")) }
            return item
        }
        let choices = entries.map { e in
            Choice(text: rich(e.text), fraction: e.weight ?? (e.right ? 1 : 0), feedback: e.feedback)
        }
        if choices.contains(where: { $0.text.isEmpty }) { throw Failure(problem: FormatProblem(line: nil, item: nil, reason: "gift.empty-answer")) }
        let marked = entries.filter(\.right).count
        var item: ItemContent
        if marked == 1 {
            item = ItemContent(type: .singleChoice, name: "", stem: stem)
        } else if marked == 0 {
            let positive = choices.map(\.fraction).filter { $0 > 0 }.reduce(0, +)
            guard positive > 0 else { throw Failure(problem: FormatProblem(line: nil, item: nil, reason: "gift.no-right-answer")) }
            guard abs(positive - 1) < 0.01 else {
                throw Failure(problem: FormatProblem(line: nil, item: nil, reason: "gift.weights-not-100", detail: String(Int((positive * 100).rounded()))))
            }
            item = ItemContent(type: .multipleResponse, name: "", stem: stem)
        } else {
            throw Failure(problem: FormatProblem(line: nil, item: nil, reason: "gift.several-right-answers"))
        }
        item.choices = choices
        return item
    }

    /// `#3:2`, `#3.141..3.142`, `#1822`, or `#` followed by `=value:tolerance` entries;
    /// a `~` entry gives the feedback for any other answer.
    static func numeric(_ content: String, stem: RichText) throws -> ItemContent {
        var item = ItemContent(type: .numeric, name: "", stem: stem)
        var list: [NumericAnswer] = []
        let trimmed = content.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("=") || trimmed.hasPrefix("~") || trimmed.contains("\n=") {
            for e in try entries(trimmed) {
                if !e.right, ["", "*"].contains(e.text.trimmingCharacters(in: .whitespaces)) {
                    // "Anything else": its feedback, not an answer.
                    item.otherwiseFeedback = e.feedback
                    continue
                }
                let (value, tolerance) = try number(e.text)
                list.append(NumericAnswer(value: value, tolerance: tolerance, fraction: e.right ? (e.weight ?? 1) : (e.weight ?? 0), feedback: e.feedback))
            }
        } else {
            // One answer, perhaps followed by `~#feedback for anything else` and `#feedback`.
            let parts = split(trimmed, on: "~")
            let main = split(parts[0], on: "#")
            let (value, tolerance) = try number(main[0])
            let feedback = main.count > 1 ? rich(main[1]) : nil
            list.append(NumericAnswer(value: value, tolerance: tolerance, fraction: 1, feedback: feedback.flatMap { $0.isEmpty ? nil : $0 }))
            if parts.count > 1 {
                let other = split(parts[1], on: "#")
                if other.count > 1 { item.otherwiseFeedback = rich(other.dropFirst().joined(separator: "#")) }
            }
        }
        guard list.contains(where: { $0.fraction > 0 }) else { throw Failure(problem: FormatProblem(line: nil, item: nil, reason: "gift.no-right-answer")) }
        item.numeric = list
        return item
    }

    static func number(_ raw: String) throws -> (Double, Double) {
        let s = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if let r = s.range(of: "..") {
            guard let lo = Double(s[..<r.lowerBound].trimmingCharacters(in: .whitespaces)),
                  let hi = Double(s[r.upperBound...].trimmingCharacters(in: .whitespaces)), lo <= hi else {
                throw Failure(problem: FormatProblem(line: nil, item: nil, reason: "gift.bad-number", detail: s))
            }
            return ((lo + hi) / 2, (hi - lo) / 2)
        }
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let value = Double(parts[0].trimmingCharacters(in: .whitespaces)) else {
            throw Failure(problem: FormatProblem(line: nil, item: nil, reason: "gift.bad-number", detail: s))
        }
        var tolerance = 0.0
        if parts.count == 2 {
            guard let t = Double(parts[1].trimmingCharacters(in: .whitespaces)), t >= 0 else {
                throw Failure(problem: FormatProblem(line: nil, item: nil, reason: "gift.bad-number", detail: s))
            }
            tolerance = t
        }
        return (value, tolerance)
    }

    struct Entry {
        var right: Bool
        var weight: Double?
        var text: String
        var feedback: RichText?
    }

    /// Splits a block into `=`/`~` entries, each with its `%weight%` and `#feedback`.
    static func entries(_ content: String) throws -> [Entry] {
        var out: [Entry] = []
        var current: (right: Bool, body: String)?
        var escaped = false
        for ch in content {
            if escaped {
                current?.body.append("\\")
                current?.body.append(ch)
                escaped = false
                continue
            }
            if ch == "\\" { escaped = true; continue }
            if ch == "=" || ch == "~" {
                if let c = current { out.append(try entry(c.right, c.body)) }
                current = (ch == "=", "")
                continue
            }
            if current == nil {
                if ch.isWhitespace { continue }
                throw Failure(problem: FormatProblem(line: nil, item: nil, reason: "gift.answer-without-marker", detail: String(content.prefix(60))))
            }
            current?.body.append(ch)
        }
        if let c = current { out.append(try entry(c.right, c.body)) }
        return out
    }

    static func entry(_ right: Bool, _ body: String) throws -> Entry {
        var text = Substring(body).drop { $0.isWhitespace }
        var weight: Double?
        if text.hasPrefix("%") {
            guard let end = text.dropFirst().firstIndex(of: "%"), let w = Double(text[text.index(after: text.startIndex)..<end]),
                  (-100...100).contains(w) else {
                throw Failure(problem: FormatProblem(line: nil, item: nil, reason: "gift.bad-weight", detail: String(text.prefix(20))))
            }
            weight = w / 100
            text = text[text.index(after: end)...]
        }
        let parts = split(String(text), on: "#")
        let feedback = parts.count > 1 ? rich(parts.dropFirst().joined(separator: "#")) : nil
        return Entry(right: right, weight: weight, text: parts[0].trimmingCharacters(in: .whitespacesAndNewlines),
                     feedback: feedback.flatMap { $0.isEmpty ? nil : $0 })
    }

    // MARK: text helpers

    /// The index of the first unescaped `token` at or after `from`.
    static func find(_ token: String, in s: Substring, from: String.Index) -> String.Index? {
        var i = from
        while i < s.endIndex {
            if s[i] == "\\" {
                i = s.index(after: i)
                if i < s.endIndex { i = s.index(after: i) }
                continue
            }
            if s[i...].hasPrefix(token) { return i }
            i = s.index(after: i)
        }
        return nil
    }

    /// Splits on an unescaped character, keeping escapes for `unescape`.
    static func split(_ s: String, on separator: Character) -> [String] {
        var parts: [String] = [""]
        var escaped = false
        for ch in s {
            if escaped { parts[parts.count - 1].append(ch); escaped = false; continue }
            if ch == "\\" { parts[parts.count - 1].append(ch); escaped = true; continue }
            if ch == separator { parts.append(""); continue }
            parts[parts.count - 1].append(ch)
        }
        return parts
    }

    static func unescape(_ s: String) -> String {
        var out = ""
        var escaped = false
        for ch in s {
            if escaped {
                out.append(ch == "n" ? "\n" : ch)
                escaped = false
            } else if ch == "\\" {
                escaped = true
            } else {
                out.append(ch)
            }
        }
        if escaped { out.append("\\") }
        return out
    }

    /// A leading `[html]`, `[moodle]`, `[plain]` or `[markdown]`.
    static func takeFormat(_ s: String) -> (TextFormat, String) {
        let t = s.drop { $0.isWhitespace }
        for f in [TextFormat.html, .moodle, .plain, .markdown] where t.hasPrefix("[\(f.rawValue)]") {
            return (f, String(t.dropFirst(f.rawValue.count + 2)))
        }
        return (.plain, s)
    }

    static func rich(_ s: String) -> RichText {
        let (format, text) = takeFormat(s)
        // Feedback and answers may run over several lines; their layout is not content.
        let lines = unescape(text).split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        return RichText(lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines), format: format)
    }
}
