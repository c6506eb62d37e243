import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads Moodle XML (`<quiz><question type="…">…`): categories, multichoice (single and
/// multiple), truefalse, shortanswer, numerical with units, matching, essay, cloze
/// (embedded answers), ordering. XML has no useful line numbers here, so problems name the
/// question by its position and name. Documents with a DOCTYPE are refused outright:
/// Moodle never writes one, and entities are how XML files reach into a server.
public enum MoodleXMLReader {
    /// Fractions Moodle offers for an answer (percent); anything else is a typing error.
    static let allowedPercents: [Double] = [100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20,
                                            16.66667, 14.28571, 12.5, 11.11111, 10, 5, 0]

    static let repeating: [(Double, Double)] = [(33.33333, 1.0 / 3), (66.66667, 2.0 / 3), (83.33333, 5.0 / 6), (16.66667, 1.0 / 6),
                                                (14.28571, 1.0 / 7), (11.11111, 1.0 / 9)]

    public static func parse(_ data: Data) -> ParseResult {
        var result = ParseResult()
        let doc: XMLDocument
        switch SafeXML.load(data, reasons: "moodlexml") {
        case .success(let d): doc = d
        case .failure(let p):
            result.problems.append(p)
            return result
        }
        guard let root = doc.rootElement(), root.name == "quiz" else {
            result.problems.append(FormatProblem(line: nil, item: nil, reason: "moodlexml.no-quiz"))
            return result
        }
        var category: String?
        var position = 0
        for q in root.elements(forName: "question") {
            let type = q.attribute(forName: "type")?.stringValue ?? ""
            if type == "category" {
                category = text(q, "category").flatMap { $0.isEmpty ? nil : $0 }
                continue
            }
            position += 1
            let name = text(q, "name") ?? ""
            let label = "#\(position) \(name)"
            do {
                guard var item = try question(q, type: type, name: name) else {
                    result.problems.append(FormatProblem(line: nil, item: label, reason: "moodlexml.type-not-supported", detail: type))
                    continue
                }
                item.category = category
                item.generalFeedback = rich(q, "generalfeedback").flatMap { $0.isEmpty ? nil : $0 }
                let tags = q.elements(forName: "tags").first?.elements(forName: "tag").compactMap { text($0) } ?? []
                MetadataWords.apply(tags, to: &item, category: false)
                result.items.append(ParsedItem(line: nil, content: item))
            } catch let p as FormatProblem {
                var p = p
                p.item = label
                result.problems.append(p)
            } catch {
                result.problems.append(FormatProblem(line: nil, item: label, reason: "moodlexml.unreadable", detail: String(describing: error)))
            }
        }
        return result
    }

    static func question(_ q: XMLElement, type: String, name: String) throws -> ItemContent? {
        let stem = rich(q, "questiontext") ?? RichText("")
        switch type {
        case "multichoice":
            let single = (text(q, "single") ?? "true").lowercased() != "false" && text(q, "single") != "0"
            let choices = try q.elements(forName: "answer").map { a in
                Choice(text: RichText(text(a) ?? "", format: format(a)), fraction: try fraction(a, allowNegative: true),
                       feedback: rich(a, "feedback").flatMap { $0.isEmpty ? nil : $0 })
            }
            guard choices.count >= 2 else { throw FormatProblem(line: nil, item: nil, reason: "moodlexml.too-few-answers") }
            if single {
                guard choices.contains(where: { $0.fraction == 1 }) else { throw FormatProblem(line: nil, item: nil, reason: "moodlexml.no-full-mark") }
            } else {
                let sum = choices.map(\.fraction).filter { $0 > 0 }.reduce(0, +)
                guard abs(sum - 1) < 0.01 else {
                    throw FormatProblem(line: nil, item: nil, reason: "moodlexml.weights-not-100", detail: String(Int((sum * 100).rounded())))
                }
            }
            var item = ItemContent(type: single ? .singleChoice : .multipleResponse, name: name, stem: stem)
            item.choices = choices
            return item
        case "truefalse":
            var item = ItemContent(type: .trueFalse, name: name, stem: stem)
            for a in q.elements(forName: "answer") {
                let isTrue = (text(a) ?? "").lowercased() == "true"
                let f = rich(a, "feedback").flatMap { $0.isEmpty ? nil : $0 }
                if isTrue { item.feedbackTrue = f } else { item.feedbackFalse = f }
                if try fraction(a, allowNegative: false) == 1 { item.correct = isTrue }
            }
            guard item.correct != nil else { throw FormatProblem(line: nil, item: nil, reason: "moodlexml.no-full-mark") }
            return item
        case "shortanswer":
            var item = ItemContent(type: .shortAnswer, name: name, stem: stem)
            item.answers = try q.elements(forName: "answer").map {
                TextAnswer(pattern: text($0) ?? "", fraction: try fraction($0, allowNegative: false),
                           feedback: rich($0, "feedback").flatMap { $0.isEmpty ? nil : $0 })
            }
            item.caseSensitive = text(q, "usecase") == "1"
            guard item.answers!.contains(where: { $0.fraction == 1 }) else { throw FormatProblem(line: nil, item: nil, reason: "moodlexml.no-full-mark") }
            return item
        case "numerical":
            var item = ItemContent(type: .numeric, name: name, stem: stem)
            var list: [NumericAnswer] = []
            for a in q.elements(forName: "answer") {
                let raw = (text(a) ?? "").trimmingCharacters(in: .whitespaces)
                let fb = rich(a, "feedback").flatMap { $0.isEmpty ? nil : $0 }
                if raw == "*" { item.otherwiseFeedback = fb; continue }
                guard let value = Double(raw) else { throw FormatProblem(line: nil, item: nil, reason: "moodlexml.bad-number", detail: raw) }
                list.append(NumericAnswer(value: value, tolerance: Double(text(a, "tolerance") ?? "0") ?? 0,
                                          fraction: try fraction(a, allowNegative: false), feedback: fb))
            }
            guard list.contains(where: { $0.fraction == 1 }) else { throw FormatProblem(line: nil, item: nil, reason: "moodlexml.no-full-mark") }
            item.numeric = list
            let units = q.elements(forName: "units").first?.elements(forName: "unit").compactMap { u -> NumericUnit? in
                guard let n = text(u, "unit_name"), let m = Double(text(u, "multiplier") ?? "1") else { return nil }
                return NumericUnit(unit: n, multiplier: m)
            } ?? []
            item.units = units.isEmpty ? nil : units
            return item
        case "matching":
            var item = ItemContent(type: .matching, name: name, stem: stem)
            item.pairs = q.elements(forName: "subquestion").map { s in
                let prompt = RichText(text(s) ?? "", format: format(s))
                return MatchPair(prompt: prompt.isEmpty ? nil : prompt, answer: text(s, "answer") ?? "")
            }
            guard item.pairs!.filter({ $0.prompt != nil }).count >= 2 else {
                throw FormatProblem(line: nil, item: nil, reason: "moodlexml.too-few-answers")
            }
            return item
        case "essay":
            var item = ItemContent(type: .essay, name: name, stem: stem)
            item.graderInfo = rich(q, "graderinfo").flatMap { $0.isEmpty ? nil : $0 }
            return item
        case "ordering":
            var item = ItemContent(type: .ordering, name: name, stem: stem)
            item.sequence = q.elements(forName: "answer").map { RichText(text($0) ?? "", format: format($0)) }
            guard item.sequence!.count >= 2 else { throw FormatProblem(line: nil, item: nil, reason: "moodlexml.too-few-answers") }
            return item
        case "cloze", "multianswer":
            switch ClozeSyntax.parse(stem.text) {
            case .success(let parsed):
                var item = ItemContent(type: .cloze, name: name, stem: RichText(parsed.stem, format: stem.format))
                item.gaps = parsed.gaps
                return item
            case .failure(let p):
                throw p
            }
        default:
            return nil
        }
    }

    static func fraction(_ a: XMLElement, allowNegative: Bool) throws -> Double {
        let raw = a.attribute(forName: "fraction")?.stringValue ?? "0"
        guard let p = Double(raw), allowedPercents.contains(where: { abs($0 - abs(p)) < 0.0001 }), p >= 0 || allowNegative else {
            throw FormatProblem(line: nil, item: nil, reason: "moodlexml.fraction-not-allowed", detail: raw)
        }
        // Moodle writes thirds as 33.33333: keep the fraction exact.
        for (percent, exact) in repeating where abs(abs(p) - percent) < 0.0001 {
            return p < 0 ? -exact : exact
        }
        return p / 100
    }

    /// `<child><text>…</text></child>`, or the element's own `<text>` when `child` is nil.
    static func text(_ e: XMLElement, _ child: String? = nil) -> String? {
        let holder = child.flatMap { e.elements(forName: $0).first } ?? (child == nil ? e : nil)
        guard let holder else { return nil }
        if let t = holder.elements(forName: "text").first { return t.stringValue ?? "" }
        return child == nil ? nil : holder.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func rich(_ e: XMLElement, _ child: String) -> RichText? {
        guard let holder = e.elements(forName: child).first else { return nil }
        return RichText(holder.elements(forName: "text").first?.stringValue ?? "", format: format(holder))
    }

    static func format(_ e: XMLElement) -> TextFormat {
        switch e.attribute(forName: "format")?.stringValue ?? "" {
        case "html": .html
        case "markdown": .markdown
        case "moodle_auto_format": .moodle
        default: .plain
        }
    }
}
