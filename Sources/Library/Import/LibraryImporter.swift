import Foundation
import FluentKit
import SQLKit
import Platform
import Directory

/// What a bulk import did: counts, and every refused row with file, line, field, reason.
public struct LibraryImportReport: Sendable, Codable {
    public var imported = 0
    public var published = 0
    /// Rows whose source id is already in the commons (an earlier run).
    public var skipped = 0
    public var refused: [FieldProblem] = []

    public init() {}
}

/// Loads a province's existing repository: CSV files of metadata (one row per resource)
/// beside the files they name. Good rows are written a thousand at a time with multi-row
/// inserts; bad rows are refused with their reason and do not stop the others; a row
/// whose `source_id` is already there is skipped, so running the import again is safe.
///
/// Columns (header names are case- and underscore-insensitive): source_id, kind, file or
/// url, title_vi, title_en, title_zh, description_vi/_en/_zh, language, licence, subjects,
/// grades, keywords, authors (lists separated by `;`), broadcast_date, broadcast_channel.
public struct LibraryImporter: Sendable {
    public let library: LibraryService
    public static let batchSize = 1000

    public init(library: LibraryService) {
        self.library = library
    }

    var db: any Database { library.db }
    var ctx: LibraryContext { library.ctx }

    /// Imports every `*.csv` in `folder` (sorted by name) for `ownerOrgID`; with
    /// `publishAt`, the resources are published there at once (they were reviewed in the
    /// repository they come from), which needs a curator's right at that organisation.
    public func importFolder(_ folder: URL, ownerOrgID: UUID, publishAt scopeOrgID: UUID?, actor: Actor,
                             progress: (@Sendable (LibraryImportReport) -> Void)? = nil) async throws -> LibraryImportReport {
        let owner = try await library.directory.organisation(ownerOrgID, actor: actor)
        try actor.require(.contributeResources, at: owner.path)
        var scope: (id: UUID, path: String, level: PublishLevel)?
        if let scopeOrgID {
            let org = try await library.directory.organisation(scopeOrgID, actor: actor)
            guard let kind = OrgKind(rawValue: org.kind), let level = PublishLevel(kind: kind) else {
                throw DomainError.invalid(field: "publish", reason: "validation.scope-kind", arguments: [org.kind])
            }
            guard owner.path.hasPrefix(org.path) else { throw DomainError.invalid(field: "publish", reason: "validation.scope-outside") }
            try actor.require(.reviewResources, at: org.path)
            scope = (org.id, org.path, level)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.lowercased().hasSuffix(".csv") }.sorted()
        guard !files.isEmpty else { throw DomainError.invalid(field: "folder", reason: "validation.import-no-csv") }
        var report = LibraryImportReport()
        var seen = Set<String>()
        for name in files {
            let table: CSVTable
            do {
                table = try CSVTable.parse(try Data(contentsOf: folder.appendingPathComponent(name)), fileName: name)
            } catch CSVTable.ParseError.unterminatedQuote(let line) {
                report.refused.append(FieldProblem(field: "", line: line, file: name, reason: "validation.csv-quote"))
                continue
            } catch {
                report.refused.append(FieldProblem(field: "", file: name, reason: "validation.csv-encoding"))
                continue
            }
            let columns = Dictionary(table.headers.enumerated().map { (CSVTable.normaliseHeader($1), $0) }, uniquingKeysWith: { a, _ in a })
            for required in ["sourceid", "kind", "language", "licence"] where columns[required] == nil {
                report.refused.append(FieldProblem(field: required, line: 1, file: name, reason: "validation.csv-column-missing", arguments: [required]))
            }
            if report.refused.contains(where: { $0.file == name && $0.reason == "validation.csv-column-missing" }) { continue }
            var start = 0
            while start < table.rows.count {
                let rows = Array(table.rows[start..<min(start + Self.batchSize, table.rows.count)])
                try await importBatch(rows, file: name, columns: columns, folder: folder, owner: (owner.id, owner.path), scope: scope,
                                      actor: actor, seen: &seen, report: &report)
                start += Self.batchSize
                progress?(report)
            }
        }
        return report
    }

    private struct Prepared {
        var line: Int
        var input: NewResource
        var kind: ResourceKind
        var file: UploadedFile?
        var inspected: InspectedFile?
    }

    private func importBatch(_ rows: [CSVTable.Row], file: String, columns: [String: Int], folder: URL,
                             owner: (id: UUID, path: String), scope: (id: UUID, path: String, level: PublishLevel)?, actor: Actor,
                             seen: inout Set<String>, report: inout LibraryImportReport) async throws {
        func value(_ row: CSVTable.Row, _ key: String) -> String {
            guard let i = columns[key], i < row.values.count else { return "" }
            return row.values[i].trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func list(_ row: CSVTable.Row, _ key: String) -> [String] {
            value(row, key).split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        func text(_ row: CSVTable.Row, _ prefix: String) -> LocalizedText {
            LocalizedText(vi: value(row, prefix + "vi"), en: value(row, prefix + "en"), zhHans: value(row, prefix + "zh").isEmpty ? value(row, prefix + "zhhans") : value(row, prefix + "zh"))
        }
        // Which source ids are already in the commons, in one query per batch.
        let ids = rows.map { value($0, "sourceid") }.filter { !$0.isEmpty }
        var existing = Set<String>()
        if !ids.isEmpty {
            let found = try await db.sql.raw("""
                SELECT source_id FROM resources WHERE org_id = \(bind: owner.id) AND source_id IN (\(ids.map { SQLQueryString("\(bind: $0)") }.joined(separator: ", ")))
                """).all()
            existing = Set(try found.map { try $0.decode(column: "source_id", as: String.self) })
        }
        var good: [Prepared] = []
        for row in rows {
            func refuse(_ field: String, _ reason: String, _ args: [String] = []) {
                report.refused.append(FieldProblem(field: field, line: row.line, file: file, reason: reason, arguments: args))
            }
            let sourceID = value(row, "sourceid")
            guard !sourceID.isEmpty else { refuse("source_id", "validation.required"); continue }
            if existing.contains(sourceID) { report.skipped += 1; continue }
            guard seen.insert(sourceID).inserted else { refuse("source_id", "validation.duplicate-in-file", [sourceID]); continue }
            guard let kind = ResourceKind(rawValue: value(row, "kind")) else { refuse("kind", "validation.resource-kind", [value(row, "kind")]); continue }
            let input = NewResource(kind: kind.rawValue, title: text(row, "title"), description: text(row, "description"),
                                    language: value(row, "language"), licence: value(row, "licence"), subjects: list(row, "subjects"),
                                    grades: list(row, "grades"), keywords: list(row, "keywords"), authors: list(row, "authors"),
                                    orgId: owner.id, url: value(row, "url").isEmpty ? nil : value(row, "url"),
                                    broadcastDate: value(row, "broadcastdate").isEmpty ? nil : value(row, "broadcastdate"),
                                    broadcastChannel: value(row, "broadcastchannel").isEmpty ? nil : value(row, "broadcastchannel"),
                                    sourceId: sourceID)
            let path = value(row, "file")
            var problems = library.validate(title: input.title, description: input.description, language: input.language, licence: input.licence,
                                            subjects: input.subjects ?? [], grades: input.grades ?? [], keywords: input.keywords ?? [],
                                            authors: input.authors ?? [])
            problems += library.validateKindFields(kind: kind, url: input.url, broadcastDate: input.broadcastDate,
                                                   broadcastChannel: input.broadcastChannel, hasFile: !path.isEmpty)
            if let first = problems.first { refuse(first.field, first.reason, first.arguments); continue }
            var prepared = Prepared(line: row.line, input: input, kind: kind)
            if !path.isEmpty {
                guard ZipArchive.isSafePath(path), FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path) else {
                    refuse("file", "validation.import-file-missing", [path]); continue
                }
                do {
                    let blob = try ctx.blobs.storeFile(at: folder.appendingPathComponent(path), limit: ctx.rules.limit(for: kind))
                    let uploaded = UploadedFile(blob: blob, filename: path)
                    do {
                        prepared.inspected = try library.inspect(uploaded, kind: kind)
                        prepared.file = uploaded
                    } catch let e as DomainError {
                        try? await library.discardIfUnreferenced(blob)
                        let p = e.problems.first
                        refuse("file", p?.reason ?? e.detailKey, p?.arguments ?? e.detailArguments); continue
                    }
                } catch BlobStoreError.tooLarge(let limit) {
                    refuse("file", "validation.file-too-large", [String(limit / 1_048_576)]); continue
                }
            }
            good.append(prepared)
        }
        guard !good.isEmpty else { return }
        try await write(good, owner: owner, scope: scope, actor: actor)
        report.imported += good.count
        if scope != nil { report.published += good.count }
    }

    /// One transaction per batch: resources, versions, review history, audit and (when
    /// publishing) the search index, each as multi-row inserts.
    private func write(_ items: [Prepared], owner: (id: UUID, path: String), scope: (id: UUID, path: String, level: PublishLevel)?,
                       actor: Actor) async throws {
        let now = ctx.clock.now()
        var resources: [[any Encodable & Sendable]] = []
        var versions: [[any Encodable & Sendable]] = []
        var reviews: [[any Encodable & Sendable]] = []
        var audits: [[any Encodable & Sendable]] = []
        var docs: [SearchDocument] = []
        var videoVersions: [UUID] = []
        for item in items {
            let id = UUIDv7.make(at: now)
            let r = Resource()
            r.id = id
            r.orgID = owner.id
            r.orgPath = owner.path
            r.kind = item.kind.rawValue
            r.title = item.input.title.jsonString()
            r.description = (item.input.description ?? LocalizedText([:])).jsonString()
            r.language = item.input.language
            r.licence = item.input.licence
            r.subjects = LibraryService.json(LibraryService.unique(item.input.subjects ?? []))
            r.grades = LibraryService.json(LibraryService.unique(item.input.grades ?? []))
            r.keywords = LibraryService.json(LibraryService.unique(item.input.keywords ?? []))
            r.authors = LibraryService.json(item.input.authors ?? [])
            r.publishedAt = scope == nil ? nil : now
            let published = scope != nil
            resources.append([id, now, now, owner.id, owner.path, actor.personID, item.kind.rawValue,
                              (published ? ResourceStatus.published : .draft).rawValue, r.title, r.description, r.language, r.licence,
                              r.subjects, r.grades, r.keywords, r.authors, item.kind == .link ? item.input.url : nil,
                              item.kind == .tvLesson ? item.input.broadcastDate : nil, item.kind == .tvLesson ? item.input.broadcastChannel : nil,
                              item.file == nil ? 0 : 1, published ? (item.file == nil ? 0 : 1) : nil, scope?.id, scope?.path, scope?.level.rawValue,
                              published ? now : nil, published ? now : nil, 0, 0, 0, item.input.sourceId])
            if let file = item.file, let inspected = item.inspected {
                let versionID = UUIDv7.make(at: now)
                let isVideo = LibraryJobs.videoKinds.contains(inspected.kind.rawValue)
                versions.append([versionID, id, 1, file.blob.sha256, file.blob.size, inspected.kind.mediaType, inspected.kind.rawValue,
                                 LibraryService.cleanFilename(file.filename, kind: inspected.kind), "", inspected.entry, inspected.packageType,
                                 now, actor.personID, isVideo ? ProcessingState.queued.rawValue : nil])
                if isVideo { videoVersions.append(versionID) }
            }
            reviews.append([UUIDv7.make(at: now), id, item.file == nil ? 0 : 1, actor.personID, actor.displayName,
                            published ? "imported-published" : "imported", "", scope?.id, now])
            audits.append(try ctx.audit.values(actor: actor, action: "resource.import", entityType: "resource", entityID: id, orgID: owner.id,
                                               orgPath: owner.path, changes: [AuditChange(field: "sourceId", before: nil, after: item.input.sourceId)]))
            if let scope { docs.append(library.searchDocument(r, scopePath: scope.path, level: scope.level.rawValue)) }
        }
        let (resourceRows, versionRows, reviewRows, auditRows, searchDocs, videos) = (resources, versions, reviews, audits, docs, videoVersions)
        try await db.transaction { tx in
            let sql = tx.sql
            try await sql.bulkInsert(into: Resource.schema, columns: [
                "id", "created_at", "updated_at", "org_id", "org_path", "owner_id", "kind", "status", "title", "description", "language", "licence",
                "subjects", "grades", "keywords", "authors", "link_url", "broadcast_date", "broadcast_channel", "latest_version", "published_version",
                "scope_org_id", "scope_path", "scope_level", "submitted_at", "published_at", "rating_sum", "rating_count", "usage_count", "source_id",
            ], rows: resourceRows)
            try await sql.bulkInsert(into: ResourceVersion.schema, columns: [
                "id", "resource_id", "number", "sha256", "size", "media_type", "file_kind", "filename", "note", "entry", "package_type",
                "created_at", "created_by", "processing_state",
            ], rows: versionRows)
            try await sql.bulkInsert(into: ResourceReview.schema, columns: [
                "id", "resource_id", "version", "actor_id", "actor_name", "action", "comment", "scope_org_id", "at",
            ], rows: reviewRows)
            try await sql.bulkInsert(into: AuditEvent.schema, columns: AuditLog.columns, rows: auditRows)
            try await SearchIndex.putMany(searchDocs, on: sql)
            for v in videos { try await library.queueTranscode(versionID: v, on: tx) }
        }
        if !searchDocs.isEmpty { ctx.searchCache.invalidate() }
        if !videos.isEmpty { ctx.jobSignal.notify() }
    }
}
