import Foundation

/// Something wrong in an imported file, placed as precisely as the format allows: the
/// line (GIFT, Aiken), or the item (Moodle XML, QTI), with a reason code the pages and the
/// API translate (`assessment.format.<reason>`) and the offending text for the operator.
public struct FormatProblem: Error, Sendable, Codable, Equatable {
    public var line: Int?
    public var item: String?
    public var reason: String
    public var detail: String
    /// The reason in the reader's language, filled in at the edge (API answers).
    public var message: String?

    public init(line: Int?, item: String?, reason: String, detail: String = "") {
        self.line = line
        self.item = item
        self.reason = reason
        self.detail = detail
    }
}

/// An item read from a file, with where it started.
public struct ParsedItem: Sendable, Equatable {
    public var line: Int?
    public var content: ItemContent
}

/// What a parser made of a file: the good items and every problem. Items with a problem
/// are not among `items`; the caller decides whether the rest may be imported.
public struct ParseResult: Sendable {
    public var items: [ParsedItem] = []
    public var problems: [FormatProblem] = []
}
