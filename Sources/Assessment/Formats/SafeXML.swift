import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Loading XML from an uploaded file, and writing XML content back out as HTML, the same
/// way for every XML format the bank reads (Moodle XML, QTI 3.0).
enum SafeXML {
    /// The document, or why not. A DOCTYPE or entity declaration is refused outright: no
    /// format we read needs one, and entities are how XML files reach into a server.
    /// libxml2 behind `XMLDocument` silently recovers from broken markup, so a strict pass
    /// comes first, which also knows the line of the first error.
    static func load(_ data: Data, reasons prefix: String) -> Result<XMLDocument, FormatProblem> {
        let head = String(decoding: data.prefix(4096), as: UTF8.self)
        if head.contains("<!DOCTYPE") || head.contains("<!ENTITY") {
            return .failure(FormatProblem(line: nil, item: nil, reason: "\(prefix).doctype"))
        }
        let strict = XMLParser(data: data)
        strict.shouldResolveExternalEntities = false
        // A document cut short parses "successfully" but leaves its error behind.
        guard strict.parse(), strict.parserError == nil else {
            return .failure(FormatProblem(line: strict.lineNumber, item: nil, reason: "\(prefix).not-xml",
                                          detail: strict.parserError.map { String(describing: $0) } ?? ""))
        }
        do { return .success(try XMLDocument(data: data, options: [])) } catch {
            return .failure(FormatProblem(line: nil, item: nil, reason: "\(prefix).not-xml", detail: String(describing: error)))
        }
    }

    /// Elements that HTML writes without an end tag.
    static let voidElements: Set<String> = ["br", "hr", "img", "input", "col", "wbr", "area", "source", "track", "meta", "link"]

    /// A node's content as HTML that is also well-formed XML: local names (MathML's `m:`
    /// prefix dropped: HTML5 knows `<math>`), void elements self-closed (libxml2 would write
    /// `<br></br>`, which a browser reads as two line breaks), namespace declarations left
    /// out. `replace` may substitute any element with text of its own.
    static func html(_ nodes: [XMLNode], replace: (XMLElement) -> String? = { _ in nil }) -> String {
        var out = ""
        for n in nodes { write(n, into: &out, replace: replace) }
        return out
    }

    private static func write(_ node: XMLNode, into out: inout String, replace: (XMLElement) -> String?) {
        switch node.kind {
        case .text:
            out += escape(node.stringValue ?? "", quotes: false)
        case .element:
            guard let e = node as? XMLElement else { return }
            if let r = replace(e) { out += r; return }
            let name = e.localName ?? e.name ?? "span"
            out += "<" + name
            for a in e.attributes ?? [] {
                let an = a.name ?? ""
                if an == "xmlns" || an.hasPrefix("xmlns:") { continue }
                out += " \(an)=\"\(escape(a.stringValue ?? "", quotes: true))\""
            }
            let children = e.children ?? []
            if children.isEmpty && voidElements.contains(name) { out += "/>"; return }
            out += ">"
            for c in children { write(c, into: &out, replace: replace) }
            out += "</\(name)>"
        default:
            // Comments and processing instructions are not content.
            break
        }
    }

    static func escape(_ s: String, quotes: Bool) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where quotes: out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// Text with runs of white space (QTI files pad values with newlines and tabs) made one
    /// space, ends trimmed.
    static func collapse(_ s: String) -> String {
        s.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).joined(separator: " ")
    }

    /// HTML as people and Moodle write it, made into well-formed XML where that takes only
    /// the usual fixes (named entities, unclosed void elements); nil when it is more broken
    /// than that.
    static func xhtml(_ html: String) -> String? {
        func parses(_ s: String) -> Bool {
            let p = XMLParser(data: Data("<div>\(s)</div>".utf8))
            return p.parse() && p.parserError == nil
        }
        if parses(html) { return html }
        var s = html
        for (name, code) in [("nbsp", "#160"), ("copy", "#169"), ("reg", "#174"), ("deg", "#176"), ("plusmn", "#177"),
                             ("times", "#215"), ("divide", "#247"), ("ndash", "#8211"), ("mdash", "#8212"), ("hellip", "#8230"),
                             ("lsquo", "#8216"), ("rsquo", "#8217"), ("ldquo", "#8220"), ("rdquo", "#8221"), ("le", "#8804"), ("ge", "#8805")] {
            s = s.replacingOccurrences(of: "&\(name);", with: "&\(code);")
        }
        if let re = try? NSRegularExpression(pattern: "<(br|hr|img|input|col|wbr|area|source|track)(\\s[^<>]*?)?\\s*/?>", options: [.caseInsensitive]) {
            s = re.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: "<$1$2/>")
        }
        return parses(s) ? s : nil
    }
}
