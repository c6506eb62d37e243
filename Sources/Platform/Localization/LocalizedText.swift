import Foundation

/// Text in several languages: `{"vi": "...", "zh-Hans": "...", "en": "..."}`. The reader's
/// language is picked for display; the others are kept.
public struct LocalizedText: Sendable, Codable, Equatable, Hashable {
    public var values: [String: String]

    public init(_ values: [String: String]) {
        self.values = values.filter { !$0.value.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    public init(vi: String? = nil, en: String? = nil, zhHans: String? = nil) {
        var v: [String: String] = [:]
        if let vi { v["vi"] = vi }
        if let en { v["en"] = en }
        if let zhHans { v["zh-Hans"] = zhHans }
        self.init(v)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        self.init(try c.decode([String: String].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(values)
    }

    public var isEmpty: Bool { values.isEmpty }

    /// The reader's language, else Vietnamese, English, Chinese, else any.
    public func pick(_ locale: AppLocale) -> String {
        values[locale.rawValue] ?? values["vi"] ?? values["en"] ?? values["zh-Hans"] ?? values.values.sorted().first ?? ""
    }

    /// Language tags must be ones we know; text length is bounded.
    public func problems(field: String, maxLength: Int = 200) -> [FieldProblem] {
        var out: [FieldProblem] = []
        if values.isEmpty { out.append(FieldProblem(field: field, reason: "validation.required")) }
        for (tag, text) in values.sorted(by: { $0.key < $1.key }) {
            if AppLocale(rawValue: tag) == nil {
                out.append(FieldProblem(field: "\(field).\(tag)", reason: "validation.language-unknown", arguments: [tag]))
            }
            if text.count > maxLength {
                out.append(FieldProblem(field: "\(field).\(tag)", reason: "validation.too-long", arguments: [String(maxLength)]))
            }
        }
        return out
    }

    public func jsonString() -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? enc.encode(values)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }

    public static func fromJSON(_ s: String) -> LocalizedText {
        guard let data = s.data(using: .utf8),
              let v = try? JSONDecoder().decode([String: String].self, from: data) else { return LocalizedText([:]) }
        return LocalizedText(v)
    }
}
