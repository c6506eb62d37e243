import Foundation

/// A parsed CSV file as real rostering exports produce it: optional UTF-8 BOM, CRLF or LF,
/// quoted fields with doubled quotes and embedded newlines, a missing final newline.
/// Headers are matched loosely (case, spaces, underscores ignored) and each record keeps
/// the line it started on, for error messages.
public struct CSVTable: Sendable {
    public var fileName: String
    public var headers: [String]
    public var rows: [Row]

    public struct Row: Sendable {
        public var line: Int
        public var values: [String]
    }

    public enum ParseError: Error, Equatable {
        case unterminatedQuote(line: Int)
        case notUTF8
    }

    /// `prefferedGivenName` is how one real exporter spells it; such known misspellings are
    /// read as the real column and reported as warnings by the importer.
    public static func normaliseHeader(_ h: String) -> String {
        h.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            .replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "_", with: "")
    }

    public static func parse(_ data: Data, fileName: String) throws -> CSVTable {
        guard var text = String(data: data, encoding: .utf8) else { throw ParseError.notUTF8 }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        var records: [Row] = []
        var field = ""
        var record: [String] = []
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var fieldStarted = false
        var chars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return chars.next()
        }
        while let c = next() {
            if inQuotes {
                if c == "\"" {
                    if let n = next() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = n }
                    } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty:
                inQuotes = true
                fieldStarted = true
            case ",":
                record.append(field)
                field = ""
                fieldStarted = true
            case "\r":
                break // CRLF: the LF ends the record
            case "\n":
                if fieldStarted || !field.isEmpty || !record.isEmpty {
                    record.append(field)
                    records.append(Row(line: recordLine, values: record))
                }
                record = []
                field = ""
                fieldStarted = false
                line += 1
                recordLine = line
            default:
                field.unicodeScalars.append(c)
                fieldStarted = true
            }
        }
        if inQuotes { throw ParseError.unterminatedQuote(line: recordLine) }
        if fieldStarted || !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(Row(line: recordLine, values: record))
        }
        guard let header = records.first else { return CSVTable(fileName: fileName, headers: [], rows: []) }
        return CSVTable(fileName: fileName, headers: header.values, rows: Array(records.dropFirst()))
    }

    /// Index of a column by its normalised name, with known aliases.
    public func column(_ name: String, aliases: [String] = []) -> Int? {
        let wanted = Set(([name] + aliases).map(Self.normaliseHeader))
        return headers.firstIndex { wanted.contains(Self.normaliseHeader($0)) }
    }
}
