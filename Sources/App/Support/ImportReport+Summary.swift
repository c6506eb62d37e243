import Foundation
import Platform
import Directory

extension ImportReport {
    /// "Created: orgs 1, users 30" and so on, in the reader's language; shared by the
    /// upload page and the command line.
    func summaryLines(_ localizer: Localizer, _ locale: AppLocale) -> [String] {
        var lines: [String] = []
        for (key, counts) in [("import.created", created), ("import.updated", updated),
                              ("import.unchanged", unchanged), ("import.deactivated", deactivated)] where !counts.isEmpty {
            lines.append(localizer.text(key, locale) + ": " + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        return lines.isEmpty ? [localizer.text("import.nothing", locale)] : lines
    }
}
