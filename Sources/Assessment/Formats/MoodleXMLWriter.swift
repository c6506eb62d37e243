import Foundation

/// Writes items as Moodle XML, the inverse of `MoodleXMLReader` for every type the bank
/// holds (Moodle's ordering type is the qtype_ordering plug-in).
public enum MoodleXMLWriter {
    public static func write(_ items: [ItemContent]) -> String {
        var x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<quiz>\n"
        var category: String?
        for item in items {
            // A category applies to every question after it, so leaving one is written too
            // (as an empty category, which reads back as none).
            if item.category != category {
                x += "  <question type=\"category\">\n    <category><text>\(esc(item.category ?? ""))</text></category>\n  </question>\n"
                category = item.category
            }
            x += question(item)
        }
        return x + "</quiz>\n"
    }

    static func question(_ item: ItemContent) -> String {
        let type: String = switch item.type {
        case .singleChoice, .multipleResponse: "multichoice"
        case .trueFalse: "truefalse"
        case .shortAnswer: "shortanswer"
        case .numeric: "numerical"
        case .matching: "matching"
        case .essay: "essay"
        case .ordering: "ordering"
        case .cloze: "cloze"
        }
        var stem = item.stem
        if item.type == .cloze { stem.text = ClozeSyntax.write(stem: stem.text, gaps: item.gaps ?? []) }
        var x = "  <question type=\"\(type)\">\n    <name><text>\(esc(item.name))</text></name>\n"
        x += "    " + rich("questiontext", stem) + "\n"
        if let g = item.generalFeedback { x += "    " + rich("generalfeedback", g) + "\n" }
        switch item.type {
        case .singleChoice, .multipleResponse:
            x += "    <single>\(item.type == .singleChoice)</single>\n"
            for c in item.choices ?? [] { x += answer(c.fraction, c.text, c.feedback) }
        case .trueFalse:
            let correct = item.correct ?? true
            x += answer(correct ? 1 : 0, RichText("true"), item.feedbackTrue)
            x += answer(correct ? 0 : 1, RichText("false"), item.feedbackFalse)
        case .shortAnswer:
            x += "    <usecase>\(item.caseSensitive == true ? 1 : 0)</usecase>\n"
            for a in item.answers ?? [] { x += answer(a.fraction, RichText(a.pattern), a.feedback) }
        case .numeric:
            for n in item.numeric ?? [] {
                x += answer(n.fraction, RichText(ClozeSyntax.num(n.value)), n.feedback, extra: "<tolerance>\(ClozeSyntax.num(n.tolerance))</tolerance>")
            }
            if let o = item.otherwiseFeedback { x += answer(0, RichText("*"), o) }
            if let units = item.units {
                x += "    <units>\n" + units.map { "      <unit><multiplier>\(ClozeSyntax.num($0.multiplier))</multiplier><unit_name>\(esc($0.unit))</unit_name></unit>\n" }.joined() + "    </units>\n"
            }
        case .matching:
            for p in item.pairs ?? [] {
                let prompt = p.prompt ?? RichText("")
                x += "    <subquestion format=\"\(fmt(prompt.format))\"><text>\(esc(prompt.text))</text><answer><text>\(esc(p.answer))</text></answer></subquestion>\n"
            }
        case .essay:
            if let g = item.graderInfo { x += "    " + rich("graderinfo", g) + "\n" }
        case .ordering:
            for (i, s) in (item.sequence ?? []).enumerated() {
                x += "    <answer fraction=\"\(i + 1)\" format=\"\(fmt(s.format))\"><text>\(esc(s.text))</text></answer>\n"
            }
        case .cloze:
            break
        }
        // Level and difficulty have no Moodle field: tags Moodle keeps and shows.
        let tags = MetadataWords.words(for: item, category: false)
        if !tags.isEmpty {
            x += "    <tags>" + tags.map { "<tag><text>\(esc($0))</text></tag>" }.joined() + "</tags>\n"
        }
        return x + "  </question>\n"
    }

    static func answer(_ fraction: Double, _ text: RichText, _ feedback: RichText?, extra: String = "") -> String {
        var a = "    <answer fraction=\"\(percent(fraction))\" format=\"\(fmt(text.format))\"><text>\(esc(text.text))</text>"
        a += extra
        if let f = feedback { a += rich("feedback", f) }
        return a + "</answer>\n"
    }

    static func rich(_ tag: String, _ t: RichText) -> String {
        "<\(tag) format=\"\(fmt(t.format))\"><text>\(esc(t.text))</text></\(tag)>"
    }

    static func fmt(_ f: TextFormat) -> String {
        switch f {
        case .plain: "plain_text"
        case .html: "html"
        case .markdown: "markdown"
        case .moodle: "moodle_auto_format"
        }
    }

    /// Percent as Moodle writes it: thirds and sevenths to five decimals.
    static func percent(_ f: Double) -> String {
        let p = f * 100
        if p == p.rounded() { return String(Int(p)) }
        return String(format: "%.5f", p)
    }

    static func esc(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }
}
