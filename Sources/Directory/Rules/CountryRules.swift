import Foundation

/// Rules that change by country and year, read from `Resources/Rules/countries.json` so a
/// new regulation is a configuration change. Sources are in DOMAIN-RULES.md §4 and §7.
public struct CountryRules: Sendable, Codable, Equatable {
    public var country: String
    /// Below this age a person is a child whose data needs a guardian's consent
    /// (Vietnam: 16 under Decree 13/2023 Art. 20; China: 14 under PIPL Art. 31).
    public var childAgeBelow: Int
    /// From this age the child's own agreement is needed as well (Vietnam: 7). Nil: never.
    public var childOwnConsentFrom: Int?
    /// How full names are written: family name first (vi, zh) or given name first.
    public var familyNameFirst: Bool
    /// Whether parts are joined with a space (Vietnamese) or not (Chinese).
    public var nameSeparator: String
    /// Vietnamese class lists sort by given name, then family name.
    public var sortByGivenName: Bool
    public var timeZone: String

    public init(country: String, childAgeBelow: Int, childOwnConsentFrom: Int?, familyNameFirst: Bool,
                nameSeparator: String, sortByGivenName: Bool, timeZone: String) {
        self.country = country
        self.childAgeBelow = childAgeBelow
        self.childOwnConsentFrom = childOwnConsentFrom
        self.familyNameFirst = familyNameFirst
        self.nameSeparator = nameSeparator
        self.sortByGivenName = sortByGivenName
        self.timeZone = timeZone
    }

    /// A country without configured rules is treated conservatively: under-18s are
    /// children, names written given-name first.
    public static func fallback(_ country: String) -> CountryRules {
        CountryRules(country: country, childAgeBelow: 18, childOwnConsentFrom: nil, familyNameFirst: false,
                     nameSeparator: " ", sortByGivenName: false, timeZone: "UTC")
    }
}

public struct RuleBook: Sendable {
    public let countries: [String: CountryRules]

    public init(countries: [CountryRules]) {
        self.countries = Dictionary(uniqueKeysWithValues: countries.map { ($0.country.uppercased(), $0) })
    }

    public func rules(for country: String) -> CountryRules {
        countries[country.uppercased()] ?? .fallback(country.uppercased())
    }

    public static func load(file: URL) throws -> RuleBook {
        let data = try Data(contentsOf: file)
        return RuleBook(countries: try JSONDecoder().decode([CountryRules].self, from: data))
    }
}
