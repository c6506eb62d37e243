import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads one QTI 3.0 item (`<qti-assessment-item>`) into the bank's model.
///
/// A bank item is one question, so an item maps when it has one block interaction (choice,
/// order, match, gap match, hottext, extended text, a text entry on its own) or only inline
/// interactions (inline choice, text entry: a cloze). Items that combine several block
/// interactions, generate values by template processing, or use graphic, slider, upload,
/// drawing or custom interactions are refused with a reason naming what was found
/// (docs/decisions/0005-qti-composite-items.md). Keys come from the correct response and
/// the mapping; response processing is read only for numeric tolerances.
public enum QTI3Reader {
    static let namespace = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"

    /// Interactions a bank item can be made of.
    static let block: Set<String> = ["qti-choice-interaction", "qti-order-interaction", "qti-match-interaction",
                                     "qti-gap-match-interaction", "qti-hottext-interaction", "qti-extended-text-interaction"]
    static let inline: Set<String> = ["qti-inline-choice-interaction", "qti-text-entry-interaction"]
    /// Content that is not part of the question a pupil reads.
    static let notStem: Set<String> = ["qti-feedback-block", "qti-feedback-inline", "qti-rubric-block", "qti-end-attempt-interaction",
                                       "qti-stylesheet", "qti-template-block", "qti-template-inline"]

    struct Declaration {
        var cardinality: String
        var baseType: String
        var correct: [String]
        var mapping: [(key: String, value: Double, caseSensitive: Bool)]
    }

    /// `resource` answers a package's file for a relative `src` (already resolved against
    /// the item's folder), so images travel inside the item as `data:` URIs.
    public static func item(_ data: Data, resource: ((String) -> Data?)? = nil) -> Result<ItemContent, FormatProblem> {
        let doc: XMLDocument
        switch SafeXML.load(data, reasons: "qti") {
        case .success(let d): doc = d
        case .failure(let p): return .failure(p)
        }
        do { return .success(try read(doc, resource: resource)) } catch let p as FormatProblem {
            return .failure(p)
        } catch {
            return .failure(FormatProblem(line: nil, item: nil, reason: "qti.unreadable", detail: String(describing: error)))
        }
    }

    static func fail(_ reason: String, _ detail: String = "") -> FormatProblem {
        FormatProblem(line: nil, item: nil, reason: reason, detail: detail)
    }

    static func read(_ doc: XMLDocument, resource: ((String) -> Data?)?) throws -> ItemContent {
        guard let root = doc.rootElement() else { throw fail("qti.not-item") }
        let rootName = root.localName ?? ""
        if rootName == "assessmentItem" { throw fail("qti.version-2") }
        guard rootName == "qti-assessment-item" else { throw fail("qti.not-item", rootName) }
        if !children(root, "qti-template-declaration").isEmpty || !children(root, "qti-template-processing").isEmpty {
            throw fail("qti.template-not-supported")
        }
        guard let body = children(root, "qti-item-body").first else { throw fail("qti.no-interaction") }
        try embedImages(in: body, resource: resource)
        var declarations: [String: Declaration] = [:]
        for d in children(root, "qti-response-declaration") {
            declarations[attr(d, "identifier") ?? ""] = declaration(d)
        }
        let interactions = findInteractions(in: body)
        let kinds = interactions.map { $0.localName ?? "" }
        if let odd = kinds.first(where: { !block.contains($0) && !inline.contains($0) }) {
            throw fail("qti.interaction-not-supported", odd.replacingOccurrences(of: "qti-", with: ""))
        }
        guard !interactions.isEmpty else { throw fail("qti.no-interaction") }
        let blocks = interactions.filter { block.contains($0.localName ?? "") }
        let name = attr(root, "title").map(SafeXML.collapse).flatMap { $0.isEmpty ? nil : $0 } ?? attr(root, "identifier") ?? "QTI"
        let feedback = modalFeedback(root)
        var item: ItemContent
        if blocks.count > 1 || (blocks.count == 1 && interactions.count > 1) {
            throw fail("qti.composite-item", String(interactions.count))
        } else if let only = blocks.first {
            item = try blockItem(only, body: body, declarations: declarations, name: name, root: root)
        } else if interactions.count == 1, let entry = interactions.first, standsAlone(entry) {
            item = try textEntryItem(entry, body: body, declarations: declarations, name: name, root: root, feedback: feedback)
        } else {
            item = try clozeItem(interactions, body: body, declarations: declarations, name: name, root: root, feedback: feedback)
        }
        item.generalFeedback = feedback["general"]
        if let problem = ItemValidator.problems(item).first { throw fail(problem.reason, problem.field) }
        return item
    }

    // MARK: The kinds of item

    static func blockItem(_ e: XMLElement, body: XMLElement, declarations: [String: Declaration], name: String,
                          root: XMLElement) throws -> ItemContent {
        let kind = e.localName ?? ""
        let decl = declarations[attr(e, "response-identifier") ?? ""]
        switch kind {
        case "qti-choice-interaction", "qti-hottext-interaction":
            let options = kind == "qti-choice-interaction" ? children(e, "qti-simple-choice") : descendants(e, "qti-hottext")
            let stem = stemAround(e, in: body) { inner in
                // A hottext's passage is part of the question: kept, its choices as plain words.
                kind == "qti-hottext-interaction" ? innerHTML(inner, dropping: ["qti-prompt"]) : ""
            }
            let choices = options.map { o -> (id: String, text: RichText, feedback: RichText?) in
                let fb = children(o, "qti-feedback-inline").first.map { rich(nodes($0)) }
                return (attr(o, "identifier") ?? "", rich(nodes(o).filter { ($0 as? XMLElement)?.localName != "qti-feedback-inline" }), fb)
            }
            guard let decl, !(decl.correct.isEmpty && decl.mapping.isEmpty) else { throw fail("qti.no-key") }
            let single = decl.cardinality == "single"
            if single, choices.count == 2, Set(choices.map(\.id)) == ["TRUE", "FALSE"] {
                var item = ItemContent(type: .trueFalse, name: name, stem: stem)
                item.correct = try fractions(choices.map(\.id), decl, single: true)["TRUE"] == 1
                item.feedbackTrue = choices.first { $0.id == "TRUE" }?.feedback
                item.feedbackFalse = choices.first { $0.id == "FALSE" }?.feedback
                return item
            }
            let marks = try fractions(choices.map(\.id), decl, single: single)
            var item = ItemContent(type: single ? .singleChoice : .multipleResponse, name: name, stem: stem)
            item.choices = choices.map { Choice(text: $0.text, fraction: marks[$0.id] ?? 0, feedback: $0.feedback) }
            return item
        case "qti-order-interaction":
            let options = Dictionary(children(e, "qti-simple-choice").map { (attr($0, "identifier") ?? "", rich(nodes($0))) },
                                     uniquingKeysWith: { a, _ in a })
            guard let decl, decl.correct.count == options.count, Set(decl.correct) == Set(options.keys) else { throw fail("qti.no-key") }
            var item = ItemContent(type: .ordering, name: name, stem: stemAround(e, in: body))
            item.sequence = decl.correct.map { options[$0]! }
            return item
        case "qti-match-interaction":
            let sets = children(e, "qti-simple-match-set")
            guard sets.count == 2 else { throw fail("qti.unreadable", "simple-match-set") }
            let sources = children(sets[0], "qti-simple-associable-choice")
            let targets = Dictionary(children(sets[1], "qti-simple-associable-choice").map { (attr($0, "identifier") ?? "", answerText(nodes($0))) },
                                     uniquingKeysWith: { a, _ in a })
            let targetOrder = children(sets[1], "qti-simple-associable-choice").map { attr($0, "identifier") ?? "" }
            guard let decl else { throw fail("qti.no-key") }
            let pairs = keyPairs(decl)
            var used = Set<String>()
            var out: [MatchPair] = []
            for s in sources {
                let id = attr(s, "identifier") ?? ""
                guard let target = pairs.first(where: { $0.0 == id })?.1, let answer = targets[target] else { throw fail("qti.no-key", id) }
                used.insert(target)
                out.append(MatchPair(prompt: rich(nodes(s)), answer: answer))
            }
            for t in targetOrder where !used.contains(t) { out.append(MatchPair(prompt: nil, answer: targets[t] ?? "")) }
            var item = ItemContent(type: .matching, name: name, stem: stemAround(e, in: body))
            item.pairs = out
            return item
        case "qti-gap-match-interaction":
            let texts = children(e, "qti-gap-text").map { (attr($0, "identifier") ?? "", rich(nodes($0))) }
            guard let decl else { throw fail("qti.no-key") }
            let pairs = keyPairs(decl)
            var gaps: [ClozeGap] = []
            var gapFailure: FormatProblem?
            let stem = stemAround(e, in: body) { inner in
                innerHTML(inner, dropping: ["qti-prompt", "qti-gap-text"]) { g in
                    guard g.localName == "qti-gap" else { return nil }
                    let id = attr(g, "identifier") ?? ""
                    guard let right = pairs.first(where: { $0.1 == id })?.0 else { gapFailure = gapFailure ?? fail("qti.no-key", id); return "" }
                    gaps.append(ClozeGap(kind: .choice, variant: "MULTICHOICE", weight: 1,
                                         choices: texts.map { Choice(text: $0.1, fraction: $0.0 == right ? 1 : 0) }))
                    return "{{\(gaps.count)}}"
                }
            }
            if let gapFailure { throw gapFailure }
            var item = ItemContent(type: .cloze, name: name, stem: stem)
            item.gaps = gaps
            return item
        case "qti-extended-text-interaction":
            var item = ItemContent(type: .essay, name: name, stem: stemAround(e, in: body))
            if let raw = attr(e, "data-ec-rubric"), let rubric = try? JSONDecoder().decode([RubricCriterion].self, from: Data(raw.utf8)) {
                item.rubric = rubric
            }
            item.graderInfo = descendants(body, "qti-rubric-block").first { (attr($0, "view") ?? "").contains("scorer") }
                .map { rich(nodes(children($0, "qti-content-body").first ?? $0)) }
            return item
        default:
            throw fail("qti.interaction-not-supported", kind)
        }
    }

    static func textEntryItem(_ e: XMLElement, body: XMLElement, declarations: [String: Declaration], name: String,
                              root: XMLElement, feedback: [String: RichText]) throws -> ItemContent {
        let id = attr(e, "response-identifier") ?? ""
        guard let decl = declarations[id] else { throw fail("qti.no-key", id) }
        // The text entry sits alone in its paragraph: that paragraph is the answer box, not
        // part of the question.
        let stem = stemAround(e.parent as? XMLElement ?? e, in: body)
        if ["float", "integer"].contains(decl.baseType) {
            var item = ItemContent(type: .numeric, name: name, stem: stem)
            item.numeric = try numericKey(id, decl, root: root, weight: 1, feedback: feedback, prefix: "answer")
            if let raw = attr(e, "data-ec-units"), let units = try? JSONDecoder().decode([NumericUnit].self, from: Data(raw.utf8)) {
                item.units = units.isEmpty ? nil : units
            }
            item.otherwiseFeedback = feedback["otherwise"]
            return item
        }
        var item = ItemContent(type: .shortAnswer, name: name, stem: stem)
        let key = try textKey(decl, feedback: feedback, prefix: "answer")
        item.answers = key.answers
        item.caseSensitive = key.caseSensitive
        if attr(e, "data-ec-accent-sensitive") == "true" { item.accentSensitive = true }
        return item
    }

    static func clozeItem(_ list: [XMLElement], body: XMLElement, declarations: [String: Declaration], name: String,
                          root: XMLElement, feedback: [String: RichText]) throws -> ItemContent {
        var gaps: [ClozeGap] = []
        for (n, e) in list.enumerated() {
            let id = attr(e, "response-identifier") ?? ""
            guard let decl = declarations[id] else { throw fail("qti.no-key", id) }
            let weight = attr(e, "data-ec-weight").flatMap(Double.init) ?? 1
            let prefix = "gap-\(n + 1)"
            if e.localName == "qti-inline-choice-interaction" {
                let options = children(e, "qti-inline-choice").map { (attr($0, "identifier") ?? "", rich(nodes($0))) }
                guard !(decl.correct.isEmpty && decl.mapping.isEmpty) else { throw fail("qti.no-key", id) }
                let marks = try fractions(options.map(\.0), decl, single: true)
                gaps.append(ClozeGap(kind: .choice, variant: attr(e, "data-ec-variant") ?? "MULTICHOICE", weight: weight,
                                     choices: options.enumerated().map { i, o in
                                         Choice(text: o.1, fraction: marks[o.0] ?? 0, feedback: feedback["\(prefix)-\(i + 1)"])
                                     }))
            } else if ["float", "integer"].contains(decl.baseType) {
                gaps.append(ClozeGap(kind: .numeric, variant: attr(e, "data-ec-variant") ?? "NUMERICAL", weight: weight,
                                     numeric: try numericKey(id, decl, root: root, weight: weight, feedback: feedback, prefix: prefix)))
            } else {
                let key = try textKey(decl, feedback: feedback, prefix: prefix)
                gaps.append(ClozeGap(kind: .text, variant: attr(e, "data-ec-variant") ?? (key.caseSensitive ? "SHORTANSWER_C" : "SHORTANSWER"),
                                     weight: weight, answers: key.answers))
            }
        }
        var n = 0
        let stem = rich(nodes(body)) { e in
            guard inline.contains(e.localName ?? "") else { return nil }
            n += 1
            return "{{\(n)}}"
        }
        var item = ItemContent(type: .cloze, name: name, stem: stem)
        item.gaps = gaps
        return item
    }

    // MARK: Keys

    static func declaration(_ d: XMLElement) -> Declaration {
        let correct = children(d, "qti-correct-response").first.map { children($0, "qti-value").map { SafeXML.collapse($0.stringValue ?? "") } } ?? []
        let mapping = children(d, "qti-mapping").first.map { m in
            children(m, "qti-map-entry").map { entry in
                (key: SafeXML.collapse(attr(entry, "map-key") ?? ""), value: Double(attr(entry, "mapped-value") ?? "") ?? 0,
                 caseSensitive: attr(entry, "case-sensitive") != "false")
            }
        } ?? []
        return Declaration(cardinality: attr(d, "cardinality") ?? "single", baseType: attr(d, "base-type") ?? "identifier",
                           correct: correct, mapping: mapping)
    }

    /// Each option's share of the mark. With a mapping, its values scaled so the best
    /// (single) or the positives together (multiple) earn the whole mark; with only a
    /// correct response, the right ones share it and, for multiple response, each wrong
    /// one takes as much away (ticking everything earns nothing).
    static func fractions(_ ids: [String], _ decl: Declaration, single: Bool) throws -> [String: Double] {
        if !decl.mapping.isEmpty {
            let values = Dictionary(decl.mapping.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
            let scale = single ? (values.values.max() ?? 0) : values.values.filter { $0 > 0 }.reduce(0, +)
            guard scale > 0 else { throw fail("qti.no-key") }
            return Dictionary(ids.map { ($0, max(-1, min(1, (values[$0] ?? 0) / scale))) }, uniquingKeysWith: { a, _ in a })
        }
        let right = Set(decl.correct)
        guard !right.isEmpty, right.isSubset(of: Set(ids)) else { throw fail("qti.no-key") }
        if single {
            guard right.count == 1 else { throw fail("qti.no-key") }
            return Dictionary(ids.map { ($0, right.contains($0) ? 1.0 : 0) }, uniquingKeysWith: { a, _ in a })
        }
        let share = 1 / Double(right.count)
        return Dictionary(ids.map { ($0, right.contains($0) ? share : -share) }, uniquingKeysWith: { a, _ in a })
    }

    /// Directed pairs `source target` from the correct response, or the mapping's
    /// positive entries.
    static func keyPairs(_ decl: Declaration) -> [(String, String)] {
        let raw = decl.correct.isEmpty ? decl.mapping.filter { $0.value > 0 }.map(\.key) : decl.correct
        return raw.compactMap { v in
            let parts = v.split(separator: " ").map(String.init)
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
    }

    static func textKey(_ decl: Declaration, feedback: [String: RichText], prefix: String) throws -> (answers: [TextAnswer], caseSensitive: Bool) {
        if !decl.mapping.isEmpty {
            let best = decl.mapping.map(\.value).max() ?? 0
            guard best > 0 else { throw fail("qti.no-key") }
            let answers = decl.mapping.enumerated().map { i, m in
                TextAnswer(pattern: m.key, fraction: max(0, min(1, m.value / best)), feedback: feedback["\(prefix)-\(i + 1)"])
            }
            return (answers, decl.mapping.contains { $0.caseSensitive })
        }
        guard !decl.correct.isEmpty else { throw fail("qti.no-key") }
        return (decl.correct.enumerated().map { i, v in TextAnswer(pattern: v, fraction: 1, feedback: feedback["\(prefix)-\(i + 1)"]) }, true)
    }

    /// Numbers with their tolerance, read from response processing's `qti-equal` tests
    /// on this response (absolute or relative tolerance; the mark is the last value set
    /// in that branch, over the gap's weight), else the correct response, exact.
    static func numericKey(_ id: String, _ decl: Declaration, root: XMLElement, weight: Double,
                           feedback: [String: RichText], prefix: String) throws -> [NumericAnswer] {
        var out: [NumericAnswer] = []
        let processing = children(root, "qti-response-processing").first
        for test in processing.map({ descendants($0, "qti-equal") }) ?? [] {
            let vars = children(test, "qti-variable").compactMap { attr($0, "identifier") }
            guard vars.contains(id), let raw = children(test, "qti-base-value").first?.stringValue,
                  let value = Double(SafeXML.collapse(raw)) else { continue }
            let t = Double((attr(test, "tolerance") ?? "0").split(separator: " ").first.map(String.init) ?? "0") ?? 0
            let tolerance = attr(test, "tolerance-mode") == "relative" ? abs(value) * t / 100 : t
            var mark = 1.0
            if let branch = test.parent as? XMLElement,
               let set = children(branch, "qti-set-outcome-value").first(where: { attr($0, "identifier") == "SCORE" }),
               let last = descendants(set, "qti-base-value").last?.stringValue, let v = Double(SafeXML.collapse(last)) {
                mark = max(0, min(1, v / weight))
            }
            out.append(NumericAnswer(value: value, tolerance: tolerance, fraction: mark, feedback: feedback["\(prefix)-\(out.count + 1)"]))
        }
        if out.isEmpty {
            out = decl.correct.compactMap(Double.init).enumerated().map { i, v in
                NumericAnswer(value: v, tolerance: 0, fraction: 1, feedback: feedback["\(prefix)-\(i + 1)"])
            }
        }
        guard !out.isEmpty else { throw fail("qti.no-key", id) }
        return out
    }

    // MARK: Text

    /// Modal feedback by identifier: `general`, and the ones this project's writer adds
    /// for answers (`answer-N`, `gap-G-N`, `otherwise`).
    static func modalFeedback(_ root: XMLElement) -> [String: RichText] {
        var out: [String: RichText] = [:]
        for f in children(root, "qti-modal-feedback") + descendants(root, "qti-feedback-block") {
            guard let id = attr(f, "identifier"), out[id] == nil else { continue }
            out[id] = rich(nodes(children(f, "qti-content-body").first ?? f))
        }
        return out
    }

    /// The question around a block interaction: the body without it (and without
    /// feedback), with the interaction's prompt (and `inner`'s part of it) where it stood.
    static func stemAround(_ e: XMLElement, in body: XMLElement, inner: (XMLElement) -> String = { _ in "" }) -> RichText {
        func extra(_ x: XMLElement) -> String {
            let prompt = children(x, "qti-prompt").first.map { SafeXML.html(nodes($0)) } ?? ""
            return [prompt, inner(x)].filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
                .map { "<div>\($0.trimmingCharacters(in: .whitespacesAndNewlines))</div>" }.joined()
        }
        // Directly in the body (as this project writes it): the rest is the question as
        // written, the prompt follows it.
        if e.parent === body {
            let base = rich(nodes(body).filter { $0 !== e })
            let more = extra(e)
            if more.isEmpty { return base }
            let head = base.format == .html ? base.text : (base.isEmpty ? "" : "<p>\(SafeXML.escape(base.text, quotes: false))</p>")
            return RichText(head + more, format: .html)
        }
        return rich(nodes(body)) { x in x === e ? extra(x) : nil }
    }

    static func innerHTML(_ e: XMLElement, dropping: Set<String>, replace: (XMLElement) -> String? = { _ in nil }) -> String {
        SafeXML.html(nodes(e)) { x in
            let n = x.localName ?? ""
            if dropping.contains(n) || notStem.contains(n) { return "" }
            if n == "qti-hottext" { return SafeXML.html(nodes(x)) }
            return replace(x)
        }
    }

    /// Text as the model keeps it. This project's writer wraps non-HTML text in an element
    /// with `data-ec-format`, which gives the text back exactly; anything else is HTML
    /// (white space runs made one), or plain text when it has no markup.
    static func rich(_ list: [XMLNode], replace: (XMLElement) -> String? = { _ in nil }) -> RichText {
        let elements = list.compactMap { $0 as? XMLElement }.filter { !notStem.contains($0.localName ?? "") }
        let strayText = list.contains { $0.kind == .text && !($0.stringValue ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        if elements.count == 1, !strayText, let wrapper = elements.first, let raw = attr(wrapper, "data-ec-format"),
           let format = TextFormat(rawValue: raw) {
            let inner = nodes(wrapper)
            if format == .html { return RichText(SafeXML.html(inner, replace: { replace($0) ?? dropNotStem($0) }), format: .html) }
            return RichText(plainText(inner, replace: replace), format: format)
        }
        let html = collapseSpace(SafeXML.html(list, replace: { replace($0) ?? dropNotStem($0) }))
        if !html.contains("<") {
            return RichText(SafeXML.collapse(plainText(list, replace: replace)), format: .plain)
        }
        return RichText(html, format: .html)
    }

    static func dropNotStem(_ e: XMLElement) -> String? { notStem.contains(e.localName ?? "") ? "" : nil }

    static func plainText(_ list: [XMLNode], replace: (XMLElement) -> String?) -> String {
        var out = ""
        for n in list {
            if n.kind == .text { out += n.stringValue ?? "" } else if let e = n as? XMLElement {
                if let r = replace(e) { out += r } else if !notStem.contains(e.localName ?? "") { out += plainText(nodes(e), replace: replace) }
            }
        }
        return out
    }

    /// A matching answer is a string: plain words, or the HTML when it is an image.
    static func answerText(_ list: [XMLNode]) -> String {
        let r = rich(list)
        return r.text
    }

    static func collapseSpace(_ html: String) -> String {
        var out = ""
        var lastSpace = false
        for ch in html {
            if ch == " " || ch == "\n" || ch == "\t" || ch == "\r" {
                if !lastSpace { out.append(" ") }
                lastSpace = true
            } else {
                out.append(ch)
                lastSpace = false
            }
        }
        return out.trimmingCharacters(in: .whitespaces)
    }

    /// Relative image sources become `data:` URIs from the package, so the item keeps
    /// its pictures without a second store.
    static func embedImages(in body: XMLElement, resource: ((String) -> Data?)?) throws {
        guard let resource else { return }
        for img in descendants(body, "img") {
            guard let src = attr(img, "src"), !src.contains(":"), !src.hasPrefix("//") else { continue }
            guard let data = resource(src) else { throw fail("qti.missing-file", src) }
            guard data.count <= 512 * 1024 else { throw fail("qti.image-too-large", src) }
            let ext = (src as NSString).pathExtension.lowercased()
            let type = ["png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "svg": "image/svg+xml",
                        "webp": "image/webp"][ext] ?? "application/octet-stream"
            attrNode(img, "src")?.stringValue = "data:\(type);base64,\(data.base64EncodedString())"
        }
    }

    /// A text entry is an answer box of its own when nothing but white space shares its
    /// parent element.
    static func standsAlone(_ e: XMLElement) -> Bool {
        guard e.localName == "qti-text-entry-interaction", let parent = e.parent as? XMLElement, parent.localName != "qti-item-body" else {
            return false
        }
        return nodes(parent).allSatisfy { $0 === e || ($0.kind == .text && ($0.stringValue ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty) }
    }

    // MARK: XML helpers

    static func findInteractions(in e: XMLElement) -> [XMLElement] {
        var out: [XMLElement] = []
        for c in nodes(e).compactMap({ $0 as? XMLElement }) {
            let n = c.localName ?? ""
            if n == "qti-end-attempt-interaction" { continue }
            if n.hasSuffix("-interaction") { out.append(c); continue }
            out += findInteractions(in: c)
        }
        return out
    }

    static func nodes(_ e: XMLElement) -> [XMLNode] { e.children ?? [] }

    static func children(_ e: XMLElement, _ name: String) -> [XMLElement] {
        nodes(e).compactMap { $0 as? XMLElement }.filter { $0.localName == name }
    }

    static func descendants(_ e: XMLElement, _ name: String) -> [XMLElement] {
        var out: [XMLElement] = []
        for c in nodes(e).compactMap({ $0 as? XMLElement }) {
            if c.localName == name { out.append(c) }
            out += descendants(c, name)
        }
        return out
    }

    /// An attribute by name. Foundation's `attribute(forName:)` on Linux finds nothing on
    /// an element in a default namespace (every QTI element), so the list is searched.
    static func attr(_ e: XMLElement, _ name: String) -> String? { attrNode(e, name)?.stringValue }

    static func attrNode(_ e: XMLElement, _ name: String) -> XMLNode? { e.attributes?.first { $0.name == name } }
}
