import Foundation
import FluentKit
import SQLKit
import Platform

extension LibraryService {
    public static let searchPageSize = 20

    /// Full-text search of published resources the actor may see, with filters, facet
    /// counts (within the current filters) and relevance ranking; without words, the
    /// newest first.
    public func search(_ query: SearchQuery, actor: Actor) async throws -> SearchResultsDTO {
        let text = (query.q ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var problems: [FieldProblem] = []
        if text.count > 200 { problems.append(FieldProblem(field: "q", reason: "validation.too-long", arguments: ["200"])) }
        let tokens = Array(SearchText.queryTokens(text).prefix(32))
        if !text.isEmpty && tokens.isEmpty { problems.append(FieldProblem(field: "q", reason: "validation.search-no-words")) }
        let filters: [(String, String?, (String) -> Bool)] = [
            ("subject", query.subject, { ctx.rules.subjects[$0] != nil }),
            ("grade", query.grade, { ctx.rules.grades[$0] != nil }),
            ("type", query.kind, { ResourceKind(rawValue: $0) != nil }),
            ("language", query.language, { ctx.rules.languages.contains($0) }),
            ("licence", query.licence, { Licence(rawValue: $0) != nil }),
            ("scope", query.scope, { PublishLevel(rawValue: $0) != nil }),
        ]
        var active: [(String, String)] = []
        for (name, value, known) in filters {
            guard let value, !value.isEmpty else { continue }
            if known(value) { active.append((name, value)) } else {
                problems.append(FieldProblem(field: name, reason: "validation.filter-unknown", arguments: [value]))
            }
        }
        if !(1...500).contains(query.page) { problems.append(FieldProblem(field: "page", reason: "validation.page", arguments: ["500"])) }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }

        let sql = db.sql
        let dialect = Dialect.of(sql)
        // Matched documents with their score; lower is better on both engines here.
        let source: SQLQueryString
        if tokens.isEmpty {
            source = "SELECT s.doc_no, 0.0 AS score, s.published_at FROM resource_search s"
        } else if dialect == .postgres {
            source = """
                SELECT s.doc_no, -ts_rank(s.doc, q.query, 1) AS score, s.published_at
                FROM resource_search s, CAST(\(bind: SearchIndex.matchExpression(tokens, dialect: dialect)) AS tsquery) AS q(query)
                WHERE s.doc @@ q.query
                """
        } else {
            source = """
                SELECT s.doc_no, bm25(resource_fts, 4.0, 1.0) AS score, s.published_at
                FROM resource_fts JOIN resource_search s ON s.doc_no = resource_fts.rowid
                WHERE resource_fts MATCH \(bind: SearchIndex.matchExpression(tokens, dialect: dialect))
                """
        }
        var conditions: [SQLQueryString] = [visibilityCondition(actor)]
        for (facet, value) in active {
            conditions.append("EXISTS (SELECT 1 FROM resource_facets f WHERE f.doc_no = s.doc_no AND f.facet = \(bind: facet) AND f.value = \(bind: value))")
        }
        let whereClause = SQLQueryString(tokens.isEmpty ? " WHERE " : " AND ") + conditions.joined(separator: " AND ")
        let matched = source + whereClause
        let order: SQLQueryString = tokens.isEmpty ? "m.published_at DESC, m.doc_no DESC" : "m.score, m.published_at DESC, m.doc_no DESC"
        let offset = (query.page - 1) * Self.searchPageSize

        let pageRows = try await sql.raw("""
            SELECT r.resource_id FROM (\(matched)) m JOIN resource_search r ON r.doc_no = m.doc_no
            ORDER BY \(order) LIMIT \(bind: Self.searchPageSize) OFFSET \(bind: offset)
            """).all()
        let ids = try pageRows.map { try $0.decode(column: "resource_id", as: UUID.self) }
        let counts = try await sql.raw("""
            WITH hits AS (\(matched))
            SELECT '' AS facet, '' AS value, COUNT(*) AS n FROM hits
            UNION ALL
            SELECT f.facet, f.value, COUNT(*) AS n FROM hits JOIN resource_facets f ON f.doc_no = hits.doc_no GROUP BY f.facet, f.value
            """).all()

        var total = 0
        var facets: [String: [FacetValueDTO]] = [:]
        for row in counts {
            let facet = try row.decode(column: "facet", as: String.self)
            let value = try row.decode(column: "value", as: String.self)
            let n = try row.decode(column: "n", as: Int.self)
            if facet.isEmpty { total = n; continue }
            facets[facet, default: []].append(FacetValueDTO(value: value, label: facetLabel(facet, value, locale: actor.locale), count: n))
        }
        let gradeRank = Dictionary(uniqueKeysWithValues: ctx.rules.gradeOrder.enumerated().map { ($1, $0) })
        for (k, v) in facets {
            facets[k] = k == "grade" ? v.sorted { (gradeRank[$0.value] ?? 999) < (gradeRank[$1.value] ?? 999) }
                                     : v.sorted { ($1.count, $0.label) < ($0.count, $1.label) }
        }
        let rows = try await Resource.query(on: db).filter(\.$id ~~ ids).all()
        let byID = Dictionary(uniqueKeysWithValues: rows.map { ($0.id!, $0) })
        let items = try await summaries(ids.compactMap { byID[$0] }, actor: actor)
        return SearchResultsDTO(query: text, total: total, page: query.page, pageSize: Self.searchPageSize, items: items, facets: facets)
    }

    /// Published documents the actor may see: national ones; those published at an
    /// organisation the actor belongs to or sits under; and, for officials, curators,
    /// administrators and inspectors, everything published below their organisation.
    func visibilityCondition(_ actor: Actor) -> SQLQueryString {
        if actor.isSystem { return "1 = 1" }
        var parts: [SQLQueryString] = ["s.scope_level = \(bind: PublishLevel.nation.rawValue)"]
        let ancestors = Array(Set(actor.grants.flatMap { OrgPath.selfAndAncestors($0.orgPath) })).sorted()
        if !ancestors.isEmpty {
            parts.append("s.scope_path IN (" + ancestors.map { SQLQueryString("\(bind: $0)") }.joined(separator: ", ") + ")")
        }
        for p in OrgPath.minimalPrefixes(actor.grants.filter { Self.overseeingRoles.contains($0.role) }.map(\.orgPath)) {
            parts.append("s.scope_path LIKE \(bind: p + "%")")
        }
        return "(" + parts.joined(separator: " OR ") + ")"
    }

    func facetLabel(_ facet: String, _ value: String, locale: AppLocale) -> String {
        switch facet {
        case "subject": ctx.rules.subjects[value]?.pick(locale) ?? value
        case "grade": ctx.rules.grades[value]?.pick(locale) ?? value
        default: value
        }
    }
}
