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

    /// Facet and visibility tags, indexed beside the words.
    var tags: [String] {
        facets.map { SearchTags.facet($0.0, $0.1) } + SearchTags.visibility(scopePath: scopePath)
    }
}

/// Tokens that put filters and visibility inside the full-text index: `zzf<facet><value>`
/// for facet values, `zzs<hash>` for the exact scope path, `zzp<hash>` for every ancestor
/// of it (what an overseer of that subtree may see). Words never look like these: query
/// tokens are folded words, and no word starts with "zz" and runs on with a hash.
enum SearchTags {
    static func clean(_ s: String) -> String {
        String(s.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) }.map(Character.init))
    }

    static func facet(_ facet: String, _ value: String) -> String { "zzf" + clean(facet) + "x" + clean(value) }

    static func hash(_ path: String) -> String { String(Digest.sha256Hex(path).prefix(16)) }

    static func visibility(scopePath: String) -> [String] {
        ["zzs" + hash(scopePath)] + OrgPath.selfAndAncestors(scopePath).map { "zzp" + hash($0) }
    }
}

/// Writes and removes search documents on either database. Callers pass their
/// transaction so a publication and its index entry commit together.
enum SearchIndex {
    static func put(_ doc: SearchDocument, on sql: any SQLDatabase) async throws {
        try await remove(doc.resourceID, on: sql)
        try await putMany([doc], on: sql)
    }

    /// Numbers for `count` new documents. Called inside the writing transaction: SQLite
    /// has one writer, and PostgreSQL's identity sequence never hands a number out twice.
    static func reserveDocNumbers(_ count: Int, on sql: any SQLDatabase) async throws -> [Int64] {
        guard count > 0 else { return [] }
        switch Dialect.of(sql) {
        case .postgres:
            return try await sql.raw("""
                SELECT nextval(pg_get_serial_sequence('resource_search', 'doc_no')) AS n FROM generate_series(1, \(bind: count))
                """).all().map { try $0.decode(column: "n", as: Int64.self) }
        case .sqlite, .other:
            let row = try await sql.raw("SELECT COALESCE(MAX(doc_no), 0) AS n FROM resource_search").first()
            let top = try row?.decode(column: "n", as: Int64.self) ?? 0
            return (1...Int64(count)).map { top + $0 }
        }
    }

    /// Indexes documents not yet in the index, with multi-row INSERTs (bulk import
    /// writes a thousand at a time).
    static func putMany(_ docs: [SearchDocument], on sql: any SQLDatabase) async throws {
        guard !docs.isEmpty else { return }
        let numbers = try await reserveDocNumbers(docs.count, on: sql)
        let dialect = Dialect.of(sql)
        for chunkStart in stride(from: 0, to: docs.count, by: 500) {
            let range = chunkStart..<min(chunkStart + 500, docs.count)
            var searchRows: [SQLQueryString] = []
            var ftsRows: [SQLQueryString] = []
            for i in range {
                let doc = docs[i]
                let title = SearchText.documentTokens(doc.titleText)
                let body = SearchText.documentTokens(doc.bodyText)
                let tags = doc.tags
                if dialect == .postgres {
                    searchRows.append("""
                        (\(bind: numbers[i]), \(bind: doc.resourceID), \(bind: doc.scopePath), \(bind: doc.scopeLevel), \(bind: doc.publishedAt),
                         CAST(\(bind: tsvectorLiteral(title: title, body: body, tags: tags)) AS tsvector))
                        """)
                } else {
                    searchRows.append("(\(bind: numbers[i]), \(bind: doc.resourceID), \(bind: doc.scopePath), \(bind: doc.scopeLevel), \(bind: doc.publishedAt.timeIntervalSince1970))")
                    ftsRows.append("(\(bind: numbers[i]), \(bind: title.joined(separator: " ")), \(bind: body.joined(separator: " ")), \(bind: tags.joined(separator: " ")))")
                }
            }
            let columns = dialect == .postgres ? "doc_no, resource_id, scope_path, scope_level, published_at, doc" : "doc_no, resource_id, scope_path, scope_level, published_at"
            try await sql.raw("INSERT INTO resource_search (\(unsafeRaw: columns)) VALUES " + searchRows.joined(separator: ", ")).run()
            if !ftsRows.isEmpty {
                try await sql.raw("INSERT INTO resource_fts (rowid, title, body, tags) VALUES " + ftsRows.joined(separator: ", ")).run()
            }
        }
        var facetRows: [[any Encodable & Sendable]] = []
        for (i, doc) in docs.enumerated() {
            var seen = Set<String>()
            for (facet, value) in doc.facets where seen.insert(facet + "\u{1}" + value).inserted {
                facetRows.append([numbers[i], facet, value])
            }
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
    static func tsvectorLiteral(title: [String], body: [String], tags: [String] = []) -> String {
        var parts: [String] = []
        var pos = 1
        for (tokens, weight) in [(title, "A"), (body, "B"), (tags, "D")] {
            for t in tokens {
                parts.append("'\(t)':\(min(pos, 16383))\(weight)")
                pos += 1
            }
        }
        return parts.joined(separator: " ")
    }
}
