import Foundation

/// Writes items as QTI 3.0 (`qti-assessment-item`), the inverse of `QTI3Reader`.
///
/// Scoring is written the way other QTI players read it: a correct response plus a
/// mapping (`map_response`) for choices, text and pairs; `qti-equal` with an absolute
/// tolerance for numbers. What QTI has no place for (the text format, a cloze gap's
/// display and weight, units, accent sensitivity, an essay's rubric) travels in `data-ec-*`
/// attributes, which QTI allows on body elements and other players ignore; per-answer
/// feedback travels as modal feedback named `answer-N` / `gap-G-N` / `otherwise`.
public enum QTI3Writer {
    /// The item's XML, or nil when its HTML is too broken to become XML.
    public static func item(_ c: ItemContent, identifier: String) -> String? {
        var w = ItemXML()
        guard w.build(c) else { return nil }
        var x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        x += "<qti-assessment-item xmlns=\"\(QTI3Reader.namespace)\" identifier=\"\(identifier)\" title=\"\(esc(c.name))\" adaptive=\"false\" time-dependent=\"false\">\n"
        x += w.declarations
        x += "  <qti-outcome-declaration identifier=\"SCORE\" cardinality=\"single\" base-type=\"float\"/>\n"
        x += "  <qti-outcome-declaration identifier=\"MAXSCORE\" cardinality=\"single\" base-type=\"float\"><qti-default-value><qti-value>1</qti-value></qti-default-value></qti-outcome-declaration>\n"
        x += "  <qti-outcome-declaration identifier=\"FEEDBACK\" cardinality=\"multiple\" base-type=\"identifier\"/>\n"
        x += "  <qti-item-body>\n" + w.body + "  </qti-item-body>\n"
        x += w.processing
        var feedback = w.feedback
        if let g = c.generalFeedback { feedback.append(("general", g)) }
        for (id, f) in feedback {
            guard let content = block(f) else { return nil }
            x += "  <qti-modal-feedback outcome-identifier=\"FEEDBACK\" identifier=\"\(id)\" show-hide=\"show\"><qti-content-body>\(content)</qti-content-body></qti-modal-feedback>\n"
        }
        return x + "</qti-assessment-item>\n"
    }

    /// Builds the parts of one item.
    struct ItemXML {
        var declarations = ""
        var body = ""
        var processing = ""
        var feedback: [(String, RichText)] = []

        mutating func build(_ c: ItemContent) -> Bool {
            let stemText: String
            if c.type == .cloze {
                guard let s = clozeStem(c) else { return false }
                stemText = s
            } else {
                guard let s = block(c.stem) else { return false }
                stemText = s
            }
            body += "    " + stemText + "\n"
            switch c.type {
            case .singleChoice, .multipleResponse, .trueFalse:
                let single = c.type != .multipleResponse
                let options: [(String, RichText, Double, RichText?)]
                if c.type == .trueFalse {
                    let right = c.correct ?? true
                    options = [("TRUE", RichText("True"), right ? 1 : 0, c.feedbackTrue), ("FALSE", RichText("False"), right ? 0 : 1, c.feedbackFalse)]
                } else {
                    options = (c.choices ?? []).enumerated().map { ("C\($0 + 1)", $1.text, $1.fraction, $1.feedback) }
                }
                let correct = single ? options.filter { $0.2 == 1 }.prefix(1).map(\.0) : options.filter { $0.2 > 0 }.map(\.0)
                declarations += declaration("RESPONSE", single ? "single" : "multiple", "identifier", correct: correct,
                                            mapping: options.map { ($0.0, $0.2, nil) }, lowerBound: single ? nil : 0)
                body += "    <qti-choice-interaction response-identifier=\"RESPONSE\" shuffle=\"false\" max-choices=\"\(single ? 1 : 0)\">\n"
                for o in options {
                    guard let text = inline(o.1) else { return false }
                    var fb = ""
                    if let f = o.3 {
                        guard let t = inline(f) else { return false }
                        fb = "<qti-feedback-inline outcome-identifier=\"FEEDBACK\" identifier=\"\(o.0)\" show-hide=\"show\">\(t)</qti-feedback-inline>"
                    }
                    body += "      <qti-simple-choice identifier=\"\(o.0)\">\(text)\(fb)</qti-simple-choice>\n"
                }
                body += "    </qti-choice-interaction>\n"
                processing = mapResponse
            case .shortAnswer:
                let answers = c.answers ?? []
                declarations += declaration("RESPONSE", "single", "string", correct: answers.filter { $0.fraction == 1 }.prefix(1).map(\.pattern),
                                            mapping: answers.map { ($0.pattern, $0.fraction, c.caseSensitive == true) })
                let accent = c.accentSensitive == true ? " data-ec-accent-sensitive=\"true\"" : ""
                body += "    <p><qti-text-entry-interaction response-identifier=\"RESPONSE\"\(accent)/></p>\n"
                processing = mapResponse
                for (i, a) in answers.enumerated() { if let f = a.feedback { feedback.append(("answer-\(i + 1)", f)) } }
            case .numeric:
                let list = c.numeric ?? []
                declarations += declaration("RESPONSE", "single", "float", correct: list.filter { $0.fraction == 1 }.prefix(1).map { num($0.value) }, mapping: [])
                var units = ""
                if let u = c.units, let json = try? JSONEncoder().encode(u) { units = " data-ec-units=\"\(esc(String(decoding: json, as: UTF8.self)))\"" }
                body += "    <p><qti-text-entry-interaction response-identifier=\"RESPONSE\"\(units)/></p>\n"
                processing = "  <qti-response-processing>\n" + numericRules("RESPONSE", list, weight: 1) + "  </qti-response-processing>\n"
                for (i, a) in list.enumerated() { if let f = a.feedback { feedback.append(("answer-\(i + 1)", f)) } }
                if let o = c.otherwiseFeedback { feedback.append(("otherwise", o)) }
            case .matching:
                let pairs = c.pairs ?? []
                var targets: [String] = []
                for p in pairs where !targets.contains(p.answer) { targets.append(p.answer) }
                let sources = pairs.enumerated().filter { $0.element.prompt != nil }
                let keys = sources.map { "S\($0.offset + 1) T\(targets.firstIndex(of: $0.element.answer)! + 1)" }
                declarations += declaration("RESPONSE", "multiple", "directedPair", correct: keys,
                                            mapping: keys.map { ($0, 1 / Double(max(1, keys.count)), nil) })
                body += "    <qti-match-interaction response-identifier=\"RESPONSE\" shuffle=\"true\" max-associations=\"\(sources.count)\">\n      <qti-simple-match-set>\n"
                for s in sources {
                    guard let t = inline(s.element.prompt!) else { return false }
                    body += "        <qti-simple-associable-choice identifier=\"S\(s.offset + 1)\" match-max=\"1\">\(t)</qti-simple-associable-choice>\n"
                }
                body += "      </qti-simple-match-set>\n      <qti-simple-match-set>\n"
                for (i, t) in targets.enumerated() {
                    let uses = pairs.filter { $0.prompt != nil && $0.answer == t }.count
                    body += "        <qti-simple-associable-choice identifier=\"T\(i + 1)\" match-max=\"\(max(1, uses))\">\(esc(t))</qti-simple-associable-choice>\n"
                }
                body += "      </qti-simple-match-set>\n    </qti-match-interaction>\n"
                processing = mapResponse
            case .ordering:
                let seq = c.sequence ?? []
                declarations += declaration("RESPONSE", "ordered", "identifier", correct: seq.indices.map { "O\($0 + 1)" }, mapping: [])
                body += "    <qti-order-interaction response-identifier=\"RESPONSE\" shuffle=\"true\">\n"
                for (i, s) in seq.enumerated() {
                    guard let t = inline(s) else { return false }
                    body += "      <qti-simple-choice identifier=\"O\(i + 1)\">\(t)</qti-simple-choice>\n"
                }
                body += "    </qti-order-interaction>\n"
                processing = "  <qti-response-processing template=\"https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml\"/>\n"
            case .essay:
                declarations += "  <qti-response-declaration identifier=\"RESPONSE\" cardinality=\"single\" base-type=\"string\"/>\n"
                var rubric = ""
                if let r = c.rubric, let json = try? JSONEncoder().encode(r) { rubric = " data-ec-rubric=\"\(esc(String(decoding: json, as: UTF8.self)))\"" }
                body += "    <qti-extended-text-interaction response-identifier=\"RESPONSE\"\(rubric)/>\n"
                if let g = c.graderInfo {
                    guard let t = block(g) else { return false }
                    body += "    <qti-rubric-block view=\"scorer\" use=\"scoring\"><qti-content-body>\(t)</qti-content-body></qti-rubric-block>\n"
                }
            case .cloze:
                var rules = ""
                for (n, g) in (c.gaps ?? []).enumerated() {
                    let id = "RESPONSE_\(n + 1)"
                    switch g.kind {
                    case .choice:
                        let options = (g.choices ?? []).enumerated().map { ("G\(n + 1)C\($0 + 1)", $1) }
                        declarations += declaration(id, "single", "identifier", correct: options.filter { $0.1.fraction == 1 }.prefix(1).map(\.0),
                                                    mapping: options.map { ($0.0, $0.1.fraction, nil) })
                        rules += addMapped(id, weight: g.weight)
                        for (i, o) in options.enumerated() { if let f = o.1.feedback { feedback.append(("gap-\(n + 1)-\(i + 1)", f)) } }
                    case .text:
                        let answers = g.answers ?? []
                        declarations += declaration(id, "single", "string", correct: answers.filter { $0.fraction == 1 }.prefix(1).map(\.pattern),
                                                    mapping: answers.map { ($0.pattern, $0.fraction, g.variant.hasSuffix("_C")) })
                        rules += addMapped(id, weight: g.weight)
                        for (i, a) in answers.enumerated() { if let f = a.feedback { feedback.append(("gap-\(n + 1)-\(i + 1)", f)) } }
                    case .numeric:
                        let list = g.numeric ?? []
                        declarations += declaration(id, "single", "float", correct: list.filter { $0.fraction == 1 }.prefix(1).map { num($0.value) }, mapping: [])
                        rules += numericRules(id, list, weight: g.weight)
                        for (i, a) in list.enumerated() { if let f = a.feedback { feedback.append(("gap-\(n + 1)-\(i + 1)", f)) } }
                    }
                }
                processing = "  <qti-response-processing>\n    <qti-set-outcome-value identifier=\"SCORE\"><qti-base-value base-type=\"float\">0</qti-base-value></qti-set-outcome-value>\n"
                    + rules + "  </qti-response-processing>\n"
            }
            return true
        }

        /// The cloze stem with each `{{n}}` made its interaction.
        func clozeStem(_ c: ItemContent) -> String? {
            var text = c.stem.format == .html ? (SafeXML.xhtml(c.stem.text) ?? "") : esc(c.stem.text)
            if c.stem.format == .html && text.isEmpty && !c.stem.text.isEmpty { return nil }
            for (n, g) in (c.gaps ?? []).enumerated() {
                let id = "RESPONSE_\(n + 1)"
                let meta = " data-ec-variant=\"\(esc(g.variant))\" data-ec-weight=\"\(num(g.weight))\""
                var x: String
                if g.kind == .choice {
                    x = "<qti-inline-choice-interaction response-identifier=\"\(id)\" shuffle=\"false\"\(meta)>"
                    for (i, o) in (g.choices ?? []).enumerated() {
                        guard let t = inline(o.text) else { return nil }
                        x += "<qti-inline-choice identifier=\"G\(n + 1)C\(i + 1)\">\(t)</qti-inline-choice>"
                    }
                    x += "</qti-inline-choice-interaction>"
                } else {
                    x = "<qti-text-entry-interaction response-identifier=\"\(id)\"\(meta)/>"
                }
                text = text.replacingOccurrences(of: "{{\(n + 1)}}", with: x)
            }
            return "<div data-ec-format=\"\(c.stem.format.rawValue)\">\(text)</div>"
        }
    }

    static let mapResponse = "  <qti-response-processing template=\"https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/map_response.xml\"/>\n"

    static func declaration(_ id: String, _ cardinality: String, _ base: String, correct: [String],
                            mapping: [(String, Double, Bool?)], lowerBound: Double? = nil) -> String {
        var x = "  <qti-response-declaration identifier=\"\(id)\" cardinality=\"\(cardinality)\" base-type=\"\(base)\">\n"
        if !correct.isEmpty {
            x += "    <qti-correct-response>" + correct.map { "<qti-value>\(esc($0))</qti-value>" }.joined() + "</qti-correct-response>\n"
        }
        if !mapping.isEmpty {
            let lower = lowerBound.map { " lower-bound=\"\(num($0))\"" } ?? ""
            x += "    <qti-mapping default-value=\"0\"\(lower) upper-bound=\"1\">"
            for (key, value, caseSensitive) in mapping {
                let cs = caseSensitive.map { " case-sensitive=\"\($0)\"" } ?? ""
                x += "<qti-map-entry map-key=\"\(esc(key))\" mapped-value=\"\(num(value))\"\(cs)/>"
            }
            x += "</qti-mapping>\n"
        }
        return x + "  </qti-response-declaration>\n"
    }

    /// SCORE += mapped(response) × weight.
    static func addMapped(_ id: String, weight: Double) -> String {
        "    <qti-set-outcome-value identifier=\"SCORE\"><qti-sum><qti-variable identifier=\"SCORE\"/><qti-product><qti-map-response identifier=\"\(id)\"/><qti-base-value base-type=\"float\">\(num(weight))</qti-base-value></qti-product></qti-sum></qti-set-outcome-value>\n"
    }

    /// The first number the response is within tolerance of adds its mark × weight.
    static func numericRules(_ id: String, _ list: [NumericAnswer], weight: Double) -> String {
        guard !list.isEmpty else { return "" }
        var x = "    <qti-response-condition>\n"
        for (i, a) in list.enumerated() {
            let tag = i == 0 ? "qti-response-if" : "qti-response-else-if"
            x += "      <\(tag)><qti-equal tolerance-mode=\"absolute\" tolerance=\"\(num(a.tolerance)) \(num(a.tolerance))\"><qti-variable identifier=\"\(id)\"/><qti-base-value base-type=\"float\">\(num(a.value))</qti-base-value></qti-equal>"
            x += "<qti-set-outcome-value identifier=\"SCORE\"><qti-sum><qti-variable identifier=\"SCORE\"/><qti-base-value base-type=\"float\">\(num(a.fraction * weight))</qti-base-value></qti-sum></qti-set-outcome-value></\(tag)>\n"
        }
        return x + "    </qti-response-condition>\n"
    }

    /// Text as a block: kept exactly inside an element that says its format.
    static func block(_ t: RichText) -> String? {
        if t.format == .html {
            guard let x = SafeXML.xhtml(t.text) else { return nil }
            return "<div data-ec-format=\"html\">\(x)</div>"
        }
        return "<div data-ec-format=\"\(t.format.rawValue)\" style=\"white-space: pre-wrap\">\(esc(t.text))</div>"
    }

    /// Text inside a choice: plain words as they are, anything else wrapped with its format.
    static func inline(_ t: RichText) -> String? {
        if t.format == .plain && !t.text.contains("\n") && t.text == SafeXML.collapse(t.text) { return esc(t.text) }
        if t.format == .html {
            guard let x = SafeXML.xhtml(t.text) else { return nil }
            return "<span data-ec-format=\"html\">\(x)</span>"
        }
        return "<span data-ec-format=\"\(t.format.rawValue)\">\(esc(t.text))</span>"
    }

    static func num(_ v: Double) -> String { ClozeSyntax.num(v) }
    static func esc(_ s: String) -> String { SafeXML.escape(s, quotes: true) }
}
