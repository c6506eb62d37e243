import Foundation

/// Bank metadata that exchange formats have no field for, written as words a person can
/// read and other systems keep as plain tags or keywords: `level:<level>`,
/// `difficulty:<0..1>`, and (where the format has no category) `category:<path>`. Moodle
/// XML carries them as tags, QTI packages as LOM keywords; reading turns them back into
/// the fields.
enum MetadataWords {
    static func words(for item: ItemContent, category: Bool) -> [String] {
        var out = item.tags ?? []
        if let l = item.level { out.append("level:\(l.rawValue)") }
        if category, let c = item.category { out.append("category:\(c)") }
        if let d = item.difficulty { out.append("difficulty:\(ClozeSyntax.num(d))") }
        return out
    }

    /// Sets the fields from the words; the other words are the item's tags.
    static func apply(_ words: [String], to item: inout ItemContent, category: Bool) {
        var tags: [String] = []
        for w in words {
            if w.hasPrefix("level:"), let l = CognitiveLevel(rawValue: String(w.dropFirst(6))) {
                item.level = l
            } else if category, w.hasPrefix("category:") {
                item.category = String(w.dropFirst(9))
            } else if w.hasPrefix("difficulty:"), let d = Double(w.dropFirst(11)), (0...1).contains(d) {
                item.difficulty = d
            } else {
                tags.append(w)
            }
        }
        item.tags = tags.isEmpty ? nil : tags
    }
}
