import Foundation

/// The three languages served from day one. Raw values are BCP 47 tags as used in
/// `<html lang>`, JSON text maps (`{"vi": ..., "zh-Hans": ..., "en": ...}`) and file names.
public enum AppLocale: String, Sendable, Codable, CaseIterable {
    case en
    case vi
    case zhHans = "zh-Hans"

    /// Parses a tag loosely: `vi-VN`, `zh`, `zh-CN`, `zh-Hans-CN`, `EN-us`.
    public init?(tag: String) {
        let t = tag.trimmingCharacters(in: .whitespaces).lowercased()
        if t.isEmpty { return nil }
        if t == "vi" || t.hasPrefix("vi-") { self = .vi; return }
        if t == "en" || t.hasPrefix("en-") { self = .en; return }
        // Traditional Chinese is not served; a zh-Hant reader still gets Simplified
        // rather than English, which is closer.
        if t == "zh" || t.hasPrefix("zh-") { self = .zhHans; return }
        return nil
    }

    /// Picks from an `Accept-Language` header by q-value, first supported wins.
    public static func negotiate(acceptLanguage: String?) -> AppLocale? {
        guard let header = acceptLanguage, !header.isEmpty else { return nil }
        let ranked: [(AppLocale, Double, Int)] = header.split(separator: ",").enumerated().compactMap { index, part in
            let pieces = part.split(separator: ";")
            guard let first = pieces.first, let locale = AppLocale(tag: String(first)) else { return nil }
            var q = 1.0
            for p in pieces.dropFirst() {
                let kv = p.trimmingCharacters(in: .whitespaces)
                if kv.hasPrefix("q="), let v = Double(kv.dropFirst(2)) { q = v }
            }
            return q > 0 ? (locale, q, index) : nil
        }
        return ranked.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.2 < $1.2 }.first?.0
    }
}
