import Foundation

/// Materialised organisation paths such as `/vn/19/164/19000101/`. A path always starts
/// and ends with "/", so "is X under Y" is `x.hasPrefix(y)` and, in SQL, `LIKE 'y%'`.
public enum OrgPath {
    /// Codes are path segments: letters, digits, dot and dash only, so a code can never
    /// contain "/" or a LIKE wildcard (`%`, `_`).
    public static func isValidCode(_ code: String) -> Bool {
        guard (1...40).contains(code.count) else { return false }
        return code.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "-"
        }
    }

    /// Every ancestor of a path and the path itself, root first:
    /// `/vn/19/164/` -> `[/vn/, /vn/19/, /vn/19/164/]`.
    public static func selfAndAncestors(_ path: String) -> [String] {
        var out: [String] = []
        var current = "/"
        for segment in path.split(separator: "/") {
            current += segment + "/"
            out.append(current)
        }
        return out
    }

    public static func child(of parent: String, code: String) -> String {
        parent + code + "/"
    }

    /// Drops prefixes already covered by a shorter one: `[/vn/, /vn/19/]` -> `[/vn/]`.
    public static func minimalPrefixes(_ paths: [String]) -> [String] {
        let sorted = Set(paths).sorted { $0.count < $1.count }
        var kept: [String] = []
        for p in sorted where !kept.contains(where: { p.hasPrefix($0) }) { kept.append(p) }
        return kept
    }

    /// A code made from an arbitrary external identifier (a OneRoster sourcedId): kept
    /// when already valid, otherwise folded to the allowed alphabet plus a short hash so
    /// two different identifiers never collide.
    public static func code(fromExternal id: String) -> String {
        if isValidCode(id) { return id }
        let folded = String(TextFolding.fold(id).unicodeScalars.map {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) ? Character($0) : "-"
        }.prefix(24))
        return folded + "." + String(Digest.sha256Hex(id).prefix(8))
    }
}
