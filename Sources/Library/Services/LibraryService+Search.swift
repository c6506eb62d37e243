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

        let key = cacheKey(tokens: tokens, filters: active, page: query.page, actor: actor)
        let (page, chosen) = (query.page, active)
        return try await ctx.searchCache.answer(key) { [self] in
            try await execute(tokens: tokens, filters: chosen, page: page, text: text, actor: actor)
        }
    }

    /// How many of the newest matches are ranked, counted and faceted. Broad queries
    /// ("bài giảng") match hundreds of thousands of resources; scoring and faceting all of
    /// them costs hundreds of milliseconds, so a search works on the newest matches and
    /// says so (`facetsFromNewest`, `totalIsLowerBound`: "1,000 or more").
    public static let candidateLimit = 1000

    func execute(tokens: [String], filters active: [(String, String)], page: Int, text: String, actor: Actor) async throws -> SearchResultsDTO {
        let sql = db.sql
        let dialect = Dialect.of(sql)
        // Words, facet filters and visibility are all tokens of one index query, which the
        // engine walks newest-first and stops after `limit` matches.
        let expression = Self.indexQuery(words: tokens, filters: active, visibility: visibilityTags(actor), dialect: dialect)
        let matching: SQLQueryString
        let newestFirst: SQLQueryString
        if expression.isEmpty {
            matching = "SELECT doc_no FROM resource_search"
            newestFirst = " ORDER BY doc_no DESC"
        } else if dialect == .postgres {
            matching = "SELECT doc_no FROM resource_search WHERE doc @@ CAST(\(bind: expression) AS tsquery)"
            newestFirst = " ORDER BY doc_no DESC"
        } else {
            matching = "SELECT rowid AS doc_no FROM resource_fts WHERE resource_fts MATCH \(bind: expression)"
            newestFirst = " ORDER BY rowid DESC"
        }
        let limit = max(Self.candidateLimit, page * Self.searchPageSize)
        let candidates = try await Self.numbers(matching + newestFirst + " LIMIT \(bind: limit)", on: sql)

        // Past the candidate list the total is "at least": counting every match of a broad
        // query cost as much as the rest of the search together.
        let total = candidates.count
        let lowerBound = candidates.count == limit

        // Relevance: documents with every word in the title come first, then the others;
        // newest first within each group. Only as many title matches as reach the end of
        // the page are needed: when there are that many, the page holds nothing else;
        // when there are fewer, the query found them all.
        let needed = page * Self.searchPageSize
        var ordered = candidates
        if !tokens.isEmpty, let lowest = candidates.last {
            let titled = Self.indexQuery(words: tokens, filters: active, visibility: visibilityTags(actor), dialect: dialect, titleOnly: true)
            let titleHits: Set<Int64>
            if dialect == .postgres {
                titleHits = Set(try await Self.numbers("""
                    SELECT doc_no FROM resource_search WHERE doc @@ CAST(\(bind: titled) AS tsquery) AND doc_no >= \(bind: lowest)
                    ORDER BY doc_no DESC LIMIT \(bind: needed)
                    """, on: sql))
            } else {
                titleHits = Set(try await Self.numbers("""
                    SELECT rowid AS doc_no FROM resource_fts WHERE resource_fts MATCH \(bind: titled) AND rowid >= \(bind: lowest)
                    ORDER BY rowid DESC LIMIT \(bind: needed)
                    """, on: sql))
            }
            ordered = candidates.filter(titleHits.contains) + candidates.filter { !titleHits.contains($0) }
        }
        let offset = (page - 1) * Self.searchPageSize
        let pageDocs = Array(ordered.dropFirst(offset).prefix(Self.searchPageSize))

        var facets: [String: [FacetValueDTO]] = [:]
        if !candidates.isEmpty {
            // Integers from our own query: inlined rather than a thousand bind parameters.
            let list = candidates.map(String.init).joined(separator: ",")
            // One row holding "facet|value|count;..." instead of a row object per value.
            let aggregate = dialect == .postgres ? "string_agg" : "group_concat"
            let row = try await sql.raw("""
                SELECT \(unsafeRaw: aggregate)(facet || '|' || value || '|' || CAST(n AS TEXT), ';') AS f FROM
                (SELECT facet, value, COUNT(*) AS n FROM resource_facets WHERE doc_no IN (\(unsafeRaw: list)) GROUP BY facet, value) c
                """).first()
            for item in (try row?.decode(column: "f", as: String?.self) ?? "").split(separator: ";") {
                let parts = item.split(separator: "|", omittingEmptySubsequences: false)
                guard parts.count == 3, let n = Int(parts[2]) else { continue }
                let facet = String(parts[0]), value = String(parts[1])
                facets[facet, default: []].append(FacetValueDTO(value: value, label: facetLabel(facet, value, locale: actor.locale), count: n))
            }
        }
        let gradeRank = Dictionary(uniqueKeysWithValues: ctx.rules.gradeOrder.enumerated().map { ($1, $0) })
        for (k, v) in facets {
            facets[k] = k == "grade" ? v.sorted { (gradeRank[$0.value] ?? 999) < (gradeRank[$1.value] ?? 999) }
                                     : v.sorted { ($1.count, $0.label) < ($0.count, $1.label) }
        }
        var ids: [UUID] = []
        if !pageDocs.isEmpty {
            let rows = try await sql.raw("SELECT doc_no, resource_id FROM resource_search WHERE doc_no IN (\(unsafeRaw: pageDocs.map(String.init).joined(separator: ",")))").all()
            var byDoc: [Int64: UUID] = [:]
            for row in rows { byDoc[try row.decode(column: "doc_no", as: Int64.self)] = try row.decode(column: "resource_id", as: UUID.self) }
            ids = pageDocs.compactMap { byDoc[$0] }
        }
        let rows = try await Resource.query(on: db).filter(\.$id ~~ ids).all()
        let byID = Dictionary(uniqueKeysWithValues: rows.map { ($0.id!, $0) })
        // Search shows what everyone in the scope sees: the published view.
        let items = try await summaries(ids.compactMap { byID[$0] }, actor: actor, publishedView: true)
        return SearchResultsDTO(query: text, total: total, totalIsLowerBound: lowerBound, page: page, pageSize: Self.searchPageSize,
                                items: items, facets: facets,
                                facetsFromNewest: candidates.count == limit ? limit : nil)
    }

    /// The document numbers a query selects, newest first, read as one comma-separated
    /// string: decoding a row object for each of a thousand numbers cost more than the
    /// index walk that found them.
    static func numbers(_ query: SQLQueryString, on sql: any SQLDatabase) async throws -> [Int64] {
        let aggregate: SQLQueryString = Dialect.of(sql) == .postgres
            ? "SELECT string_agg(CAST(doc_no AS TEXT), ',' ORDER BY doc_no DESC) AS ids FROM ("
            : "SELECT group_concat(doc_no, ',' ORDER BY doc_no DESC) AS ids FROM ("
        let row = try await sql.raw(aggregate + query + ") q").first()
        guard let text = try row?.decode(column: "ids", as: String?.self), !text.isEmpty else { return [] }
        return text.split(separator: ",").compactMap { Int64($0) }
    }

    /// Searches with the same words, filters and page by people who see the same things
    /// share one cached answer (a school's pupils, everyone anonymous).
    func cacheKey(tokens: [String], filters: [(String, String)], page: Int, actor: Actor) -> String {
        var parts = [tokens.joined(separator: " "), filters.map { "\($0.0)=\($0.1)" }.joined(separator: "&"), String(page), actor.locale.rawValue]
        if actor.isSystem { parts.append("system") } else {
            parts.append(Set(actor.grants.flatMap { OrgPath.selfAndAncestors($0.orgPath) }).sorted().joined(separator: ","))
            parts.append(OrgPath.minimalPrefixes(actor.grants.filter { Self.overseeingRoles.contains($0.role) }.map(\.orgPath)).joined(separator: ","))
        }
        return parts.joined(separator: "|")
    }

    /// Tags of what the actor may see: national documents; documents published at an
    /// organisation the actor belongs to or sits under; and, for officials, curators,
    /// administrators and inspectors, everything published below their organisation.
    /// Nil for the system, which sees everything.
    func visibilityTags(_ actor: Actor) -> [String]? {
        if actor.isSystem { return nil }
        var tags = [SearchTags.facet("scope", PublishLevel.nation.rawValue)]
        tags += Set(actor.grants.flatMap { OrgPath.selfAndAncestors($0.orgPath) }).sorted().map { "zzs" + SearchTags.hash($0) }
        tags += OrgPath.minimalPrefixes(actor.grants.filter { Self.overseeingRoles.contains($0.role) }.map(\.orgPath)).map { "zzp" + SearchTags.hash($0) }
        return tags
    }

    /// `("a" "b") AND "zzf…" AND ("zzf…nation" OR "zzs…")` for FTS5, the same as a tsquery
    /// for PostgreSQL. Empty when there is nothing to match (the system browsing).
    static func indexQuery(words: [String], filters: [(String, String)], visibility: [String]?, dialect: Dialect, titleOnly: Bool = false) -> String {
        let pg = dialect == .postgres
        func quote(_ t: String) -> String { pg ? "'\(t)'" : "\"\(t)\"" }
        let and = pg ? " & " : " AND ", or = pg ? " | " : " OR "
        var groups: [String] = []
        if !words.isEmpty {
            // Title words: weight A in the tsvector, the title column in FTS5.
            if titleOnly {
                groups.append(pg ? "(" + words.map { "'\($0)':A" }.joined(separator: and) + ")"
                                 : "{title} : (" + words.map(quote).joined(separator: and) + ")")
            } else {
                groups.append("(" + words.map(quote).joined(separator: and) + ")")
            }
        }
        groups += filters.map { quote(SearchTags.facet($0.0, $0.1)) }
        if let visibility { groups.append("(" + visibility.map(quote).joined(separator: or) + ")") }
        return groups.joined(separator: and)
    }

    func facetLabel(_ facet: String, _ value: String, locale: AppLocale) -> String {
        switch facet {
        case "subject": ctx.rules.subjects[value]?.pick(locale) ?? value
        case "grade": ctx.rules.grades[value]?.pick(locale) ?? value
        default: value
        }
    }
}
