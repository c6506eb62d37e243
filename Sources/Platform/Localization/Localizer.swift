import Foundation

/// Message catalogues loaded from `Resources/Localization/<locale>.json` (flat key -> text,
/// `{0}`, `{1}` placeholders). Loaded once at start-up; immutable afterwards.
public struct Localizer: Sendable {
    public let catalogues: [AppLocale: [String: String]]

    public init(catalogues: [AppLocale: [String: String]]) {
        self.catalogues = catalogues
    }

    public enum LoadError: Error, CustomStringConvertible {
        case missing(URL)
        case unreadable(URL, String)
        public var description: String {
            switch self {
            case .missing(let u): "localisation file missing: \(u.path)"
            case .unreadable(let u, let why): "localisation file \(u.path) is not a JSON object of strings: \(why)"
            }
        }
    }

    public static func load(directory: URL) throws -> Localizer {
        var result: [AppLocale: [String: String]] = [:]
        for locale in AppLocale.allCases {
            let url = directory.appendingPathComponent("\(locale.rawValue).json")
            guard FileManager.default.fileExists(atPath: url.path) else { throw LoadError.missing(url) }
            do {
                let data = try Data(contentsOf: url)
                result[locale] = try JSONDecoder().decode([String: String].self, from: data)
            } catch {
                throw LoadError.unreadable(url, "\(error)")
            }
        }
        return Localizer(catalogues: result)
    }

    /// The text for `key` in `locale`, falling back to English and then to the key
    /// itself; a missing key is caught by the catalogue-completeness test, not hidden.
    public func text(_ key: String, _ locale: AppLocale, _ arguments: [String] = []) -> String {
        var s = catalogues[locale]?[key] ?? catalogues[.en]?[key] ?? key
        for (i, a) in arguments.enumerated() {
            s = s.replacingOccurrences(of: "{\(i)}", with: a)
        }
        return s
    }

    /// Keys present in one catalogue and absent from another.
    public func missingKeys() -> [AppLocale: [String]] {
        let all = catalogues.values.reduce(into: Set<String>()) { $0.formUnion($1.keys) }
        var missing: [AppLocale: [String]] = [:]
        for locale in AppLocale.allCases {
            let have = Set(catalogues[locale]?.keys.map { $0 } ?? [])
            let gap = all.subtracting(have).sorted()
            if !gap.isEmpty { missing[locale] = gap }
        }
        return missing
    }
}
