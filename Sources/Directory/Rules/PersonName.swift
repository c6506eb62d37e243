import Foundation
import Platform

/// Builds the displayed full name, the folded search text and the sort key from name
/// parts and the country's naming rule.
public enum PersonName {
    public static func full(family: String, middle: String, given: String, rules: CountryRules) -> String {
        let parts = rules.familyNameFirst ? [family, middle, given] : [given, middle, family]
        return parts.filter { !$0.isEmpty }.joined(separator: rules.nameSeparator)
    }

    public static func sortKey(family: String, middle: String, given: String, rules: CountryRules) -> String {
        let ordered = rules.sortByGivenName ? [given, family, middle] : [family, given, middle]
        return TextFolding.fold(ordered.filter { !$0.isEmpty }.joined(separator: " "))
    }

    public static func search(family: String, middle: String, given: String, full: String) -> String {
        TextFolding.fold([full, family, middle, given].joined(separator: " "))
    }
}

/// The three derived name fields at once.
struct NameFields {
    var full: String
    var search: String
    var sort: String

    init(family: String, middle: String, given: String, rules: CountryRules) {
        full = PersonName.full(family: family, middle: middle, given: given, rules: rules)
        search = PersonName.search(family: family, middle: middle, given: given, full: full)
        sort = PersonName.sortKey(family: family, middle: middle, given: given, rules: rules)
    }

    func apply(to p: Person) {
        p.fullName = full
        p.searchName = search
        p.sortKey = sort
    }
}
