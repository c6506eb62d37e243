import Foundation
import SQLKit
import Platform

/// What goes into the index for one published resource.
struct SearchDocument: Sendable {
    var resourceID: UUID
    var scopePath: String
    var scopeLevel: String
    var publishedAt: Date
    /// Titles in every language and keywords: matched first.
    var titleText: String
    /// Descriptions, authors, subject names.
    var bodyText: String
    /// (facet, value) pairs: subject, grade, kind, language, licence, level.
    var facets: [(String, String)]
}

/// Writes and removes search documents on either database. Callers pass their
/// transaction so a publication and its index entry commit together.
enum SearchIndex {
    static func put(_ doc: SearchDocument, on sql: any SQLDatabase) async throws {
        try await remove(doc.resourceID, on: sql)
        let title = SearchText.documentTokens(doc.titleText)
        let body = SearchText.documentTokens(doc.bodyText)
        let docNo: Int64
        switch Dialect.of(sql) {
        case .postgres:
            let row = try await sql.raw("""
                INSERT INTO resource_search (resource_id, scope_path, scope_level, published_at, doc)
                VALUES (\(bind: doc.resourceID), \(bind: doc.scopePath), \(bind: doc.scopeLevel), \(bind: doc.publishedAt),
                        CAST(\(bind: tsvectorLiteral(title: title, body: body)) AS tsvector))
                RETURNING doc_no
                """).first()
            docNo = try row!.decode(column: "doc_no", as: Int64.self)
        case .sqlite, .other:
            let row = try await sql.raw("""
                INSERT INTO resource_search (resource_id, scope_path, scope_level, published_at)
                VALUES (\(bind: doc.resourceID), \(bind: doc.scopePath), \(bind: doc.scopeLevel), \(bind: doc.publishedAt.timeIntervalSince1970))
                RETURNING doc_no
                """).first()
            docNo = try row!.decode(column: "doc_no", as: Int64.self)
            try await sql.raw("INSERT INTO resource_fts (rowid, title, body) VALUES (\(bind: docNo), \(bind: title.joined(separator: " ")), \(bind: body.joined(separator: " ")))").run()
        }
        let facetRows: [[any Encodable & Sendable]] = Set(doc.facets.map { "\($0.0)\u{1}\($0.1)" }).sorted().map {
            let parts = $0.split(separator: "\u{1}", omittingEmptySubsequences: false)
            return [docNo, String(parts[0]), String(parts[1])]
        }
        try await sql.bulkInsert(into: "resource_facets", columns: ["doc_no", "facet", "value"], rows: facetRows)
    }

    static func remove(_ resourceID: UUID, on sql: any SQLDatabase) async throws {
        guard let row = try await sql.raw("SELECT doc_no FROM resource_search WHERE resource_id = \(bind: resourceID)").first() else { return }
        let docNo = try row.decode(column: "doc_no", as: Int64.self)
        if Dialect.of(sql) != .postgres {
            try await sql.raw("DELETE FROM resource_fts WHERE rowid = \(bind: docNo)").run()
        }
        try await sql.raw("DELETE FROM resource_facets WHERE doc_no = \(bind: docNo)").run()
        try await sql.raw("DELETE FROM resource_search WHERE doc_no = \(bind: docNo)").run()
    }

    /// `'tok':1A 'tok':2A 'tok':3B`: built as a literal so PostgreSQL's parser (which
    /// depends on the database's locale) never re-splits our tokens. Tokens hold only
    /// letters, digits and Han characters, so no quoting is needed inside them.
    static func tsvectorLiteral(title: [String], body: [String]) -> String {
        var parts: [String] = []
        var pos = 1
        for (tokens, weight) in [(title, "A"), (body, "B")] {
            for t in tokens {
                parts.append("'\(t)':\(min(pos, 16383))\(weight)")
                pos += 1
            }
        }
        return parts.joined(separator: " ")
    }

    /// The engine's query for tokens that must all match.
    static func matchExpression(_ tokens: [String], dialect: Dialect) -> String {
        switch dialect {
        case .postgres: tokens.map { "'\($0)'" }.joined(separator: " & ")
        case .sqlite, .other: tokens.map { "\"\($0)\"" }.joined(separator: " ")
        }
    }
}
