import Foundation

/// A page of results: `{"items": [...], "nextCursor": ...}`.
public struct ListPage<Item: Sendable & Codable>: Sendable, Codable {
    public var items: [Item]
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// Lists are capped; a caller asking for more gets the cap, not an error.
public enum Paging {
    public static let defaultLimit = 50
    public static let maximumLimit = 200

    public static func clamp(_ limit: Int?) -> Int {
        min(max(limit ?? defaultLimit, 1), maximumLimit)
    }

    /// Offset cursors are opaque to callers (base64 of the offset) so a keyset cursor can
    /// replace them later without changing the API.
    public static func offset(from cursor: String?) throws -> Int {
        guard let cursor, !cursor.isEmpty else { return 0 }
        guard let data = Data(base64Encoded: cursor), let s = String(data: data, encoding: .utf8),
              let n = Int(s), n >= 0 else {
            throw DomainError.invalid(field: "cursor", reason: "validation.cursor")
        }
        return n
    }

    public static func cursor(offset: Int) -> String {
        Data(String(offset).utf8).base64EncodedString()
    }
}
