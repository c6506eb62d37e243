import Foundation

/// Folding for search and sorting: lower-case, Vietnamese diacritics removed (đ -> d),
/// Chinese characters kept as they are. "Phương trình" and "phuong trinh" fold alike.
public enum TextFolding {
    public static func fold(_ s: String) -> String {
        let lowered = s.lowercased()
            .replacingOccurrences(of: "đ", with: "d")
        let stripped = lowered.applyingTransform(.stripDiacritics, reverse: false) ?? lowered
        return stripped.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
