import Foundation

/// A small XML builder for protocol responses: escapes text and attributes and drops
/// characters XML 1.0 forbids (control characters sometimes found in imported metadata).
struct XMLWriter {
    private(set) var text: String

    /// A whole document starts with the XML declaration; a fragment does not.
    init(document: Bool = true) {
        text = document ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" : ""
    }

    static func escape(_ s: String, attribute: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            default:
                let v = u.value
                let allowed = v == 0x9 || v == 0xA || v == 0xD || (0x20...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v) || (0x10000...0x10FFFF).contains(v)
                if allowed { out.unicodeScalars.append(u) }
            }
        }
        return out
    }

    static func attributes(_ attrs: [(String, String)]) -> String {
        attrs.map { " \($0.0)=\"\(escape($0.1, attribute: true))\"" }.joined()
    }

    mutating func open(_ name: String, _ attrs: [(String, String)] = []) { text += "<\(name)\(Self.attributes(attrs))>" }
    mutating func close(_ name: String) { text += "</\(name)>" }
    mutating func element(_ name: String, _ value: String, _ attrs: [(String, String)] = []) {
        text += "<\(name)\(Self.attributes(attrs))>\(Self.escape(value))</\(name)>"
    }
    mutating func raw(_ s: String) { text += s }
}
