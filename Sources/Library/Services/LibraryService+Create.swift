import Foundation
import FluentKit
import SQLKit
import Platform
import Directory

extension LibraryService {
    /// Creates a draft from metadata and, unless it is a link, a file already streamed
    /// into the blob store. Anything wrong (metadata, file type, size, an unsafe package)
    /// is refused with every problem listed, and a newly stored file is removed again.
    public func createResource(_ input: NewResource, file: UploadedFile?, actor: Actor) async throws -> ResourceDTO {
        do {
            return try await create(input, file: file, actor: actor)
        } catch {
            if let file { try? await discardIfUnreferenced(file.blob) }
            throw error
        }
    }

    private func create(_ input: NewResource, file: UploadedFile?, actor: Actor) async throws -> ResourceDTO {
        guard let kind = ResourceKind(rawValue: input.kind) else {
            throw DomainError.invalid(field: "kind", reason: "validation.resource-kind", arguments: [input.kind])
        }
        var problems = validate(title: input.title, description: input.description, language: input.language,
                                licence: input.licence, subjects: input.subjects ?? [], grades: input.grades ?? [],
                                keywords: input.keywords ?? [], authors: input.authors ?? [])
        problems += validateKindFields(kind: kind, url: input.url, broadcastDate: input.broadcastDate,
                                       broadcastChannel: input.broadcastChannel, hasFile: file != nil)
        if let s = input.sourceId, s.isEmpty || s.count > 200 {
            problems.append(FieldProblem(field: "sourceId", reason: "validation.too-long", arguments: ["200"]))
        }
        let nodes = try await alignmentNodes(input.alignments ?? [], problems: &problems)
        guard problems.isEmpty else { throw DomainError.invalid(problems) }

        let org = try await owningOrganisation(input.orgId, actor: actor)
        try actor.require(.contributeResources, at: org.path)
        let inspected: InspectedFile? = try file.map { try inspect($0, kind: kind) }
        if let source = input.sourceId,
           try await Resource.query(on: db).filter(\.$orgID == org.id).filter(\.$sourceID == source).first() != nil {
            throw DomainError.conflict(reason: "error.resource-source-exists", arguments: [source])
        }

        let now = ctx.clock.now()
        let r = Resource()
        r.id = UUIDv7.make(at: now)
        r.orgID = org.id
        r.orgPath = org.path
        r.ownerID = actor.personID
        r.kind = kind.rawValue
        r.status = ResourceStatus.draft.rawValue
        r.title = input.title.jsonString()
        r.description = (input.description ?? LocalizedText([:])).jsonString()
        r.language = input.language
        r.licence = input.licence
        r.subjects = Self.json(Self.unique(input.subjects ?? []))
        r.grades = Self.json(Self.unique(input.grades ?? []))
        r.keywords = Self.json(Self.unique((input.keywords ?? []).map { $0.trimmingCharacters(in: .whitespaces) }))
        r.authors = Self.json((input.authors ?? []).map { $0.trimmingCharacters(in: .whitespaces) })
        r.linkURL = kind == .link ? input.url?.trimmingCharacters(in: .whitespaces) : nil
        r.broadcastDate = kind == .tvLesson ? input.broadcastDate : nil
        r.broadcastChannel = kind == .tvLesson ? input.broadcastChannel : nil
        r.latestVersion = file == nil ? 0 : 1
        r.ratingSum = 0
        r.ratingCount = 0
        r.usageCount = 0
        r.sourceID = input.sourceId
        try await db.transaction { tx in
            try await r.create(on: tx)
            if let file, let inspected {
                try await insertVersion(resourceID: r.id!, number: 1, file: file, inspected: inspected, note: "", actor: actor, on: tx)
            }
            try await setAlignments(r.id!, nodes: nodes, on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "resource.create", entityType: "resource", entityID: r.id,
                                       orgID: org.id, orgPath: org.path,
                                       changes: [AuditChange(field: "title", before: nil, after: r.title),
                                                 AuditChange(field: "kind", before: nil, after: r.kind)]
                                           + (file.map { [AuditChange(field: "sha256", before: nil, after: $0.blob.sha256)] } ?? []))
        }
        if file != nil { ctx.jobSignal.notify() }
        return try await dto(r, seesWork: true, actor: actor)
    }

    /// Attaches a new file as the next version. A published resource keeps showing its
    /// published version until the new one has been reviewed.
    public func addVersion(_ id: UUID, file: UploadedFile, note: String?, actor: Actor) async throws -> ResourceDTO {
        do {
            let (r, seesWork) = try await visible(id, actor: actor)
            guard seesWork, canEdit(r, actor: actor) else { throw DomainError.forbidden() }
            let status = ResourceStatus(rawValue: r.status) ?? .draft
            if [.submitted, .inReview].contains(status) { throw DomainError.conflict(reason: "error.resource-under-review") }
            let kind = ResourceKind(rawValue: r.kind) ?? .document
            guard kind.needsFile else { throw DomainError.invalid(field: "file", reason: "validation.link-has-no-file") }
            if let note, note.count > 500 { throw DomainError.invalid(field: "note", reason: "validation.too-long", arguments: ["500"]) }
            let inspected = try inspect(file, kind: kind)
            let number = r.latestVersion + 1
            try await db.transaction { tx in
                // The conditional update makes two concurrent uploads take different numbers.
                let newStatus = status == .published || status == .withdrawn ? ResourceStatus.draft : status
                let moved = try await tx.sql.raw("""
                    UPDATE resources SET latest_version = \(bind: number), status = \(bind: newStatus.rawValue), updated_at = \(bind: ctx.clock.now())
                    WHERE id = \(bind: id) AND latest_version = \(bind: r.latestVersion) RETURNING id
                    """).first()
                guard moved != nil else { throw DomainError.conflict(reason: "error.stale-write") }
                try await insertVersion(resourceID: id, number: number, file: file, inspected: inspected, note: note ?? "", actor: actor, on: tx)
                try await ctx.audit.record(on: tx, actor: actor, action: "resource.version", entityType: "resource", entityID: id,
                                           orgID: r.orgID, orgPath: r.orgPath,
                                           changes: [AuditChange(field: "version", before: String(r.latestVersion), after: String(number)),
                                                     AuditChange(field: "sha256", before: nil, after: file.blob.sha256)])
            }
            ctx.jobSignal.notify()
            return try await resource(id, actor: actor)
        } catch {
            try? await discardIfUnreferenced(file.blob)
            throw error
        }
    }

    /// Changes metadata. While a submission is under review the metadata is frozen so the
    /// curator approves what they read; a published resource's index entry is refreshed.
    public func updateResource(_ id: UUID, _ patch: ResourcePatch, actor: Actor) async throws -> ResourceDTO {
        let (r, seesWork) = try await visible(id, actor: actor)
        guard seesWork, canEdit(r, actor: actor) else { throw DomainError.forbidden() }
        let status = ResourceStatus(rawValue: r.status) ?? .draft
        if [.submitted, .inReview].contains(status) { throw DomainError.conflict(reason: "error.resource-under-review") }
        let kind = ResourceKind(rawValue: r.kind) ?? .document
        let title = patch.title ?? LocalizedText.fromJSON(r.title)
        let description = patch.description ?? LocalizedText.fromJSON(r.description)
        let subjects = patch.subjects ?? Self.list(r.subjects)
        let grades = patch.grades ?? Self.list(r.grades)
        var problems = validate(title: title, description: description, language: patch.language ?? r.language,
                                licence: patch.licence ?? r.licence, subjects: subjects, grades: grades,
                                keywords: patch.keywords ?? Self.list(r.keywords), authors: patch.authors ?? Self.list(r.authors))
        problems += validateKindFields(kind: kind, url: patch.url ?? r.linkURL, broadcastDate: patch.broadcastDate ?? r.broadcastDate,
                                       broadcastChannel: patch.broadcastChannel ?? r.broadcastChannel, hasFile: kind.needsFile)
        var found: [CurriculumNode]?
        if let ids = patch.alignments { found = try await alignmentNodes(ids, problems: &problems) }
        let nodes = found
        guard problems.isEmpty else { throw DomainError.invalid(problems) }

        let before = (r.title, r.description, r.language, r.licence, r.subjects, r.grades, r.keywords, r.authors, r.linkURL)
        r.title = title.jsonString()
        r.description = description.jsonString()
        r.language = patch.language ?? r.language
        r.licence = patch.licence ?? r.licence
        r.subjects = Self.json(Self.unique(subjects))
        r.grades = Self.json(Self.unique(grades))
        if let k = patch.keywords { r.keywords = Self.json(Self.unique(k)) }
        if let a = patch.authors { r.authors = Self.json(a) }
        if kind == .link, let u = patch.url { r.linkURL = u }
        if kind == .tvLesson {
            if let d = patch.broadcastDate { r.broadcastDate = d }
            if let c = patch.broadcastChannel { r.broadcastChannel = c }
        }
        let changes = AuditChange.diff([("title", before.0, r.title), ("description", before.1, r.description),
                                        ("language", before.2, r.language), ("licence", before.3, r.licence),
                                        ("subjects", before.4, r.subjects), ("grades", before.5, r.grades),
                                        ("keywords", before.6, r.keywords), ("authors", before.7, r.authors), ("url", before.8, r.linkURL)])
        try await db.transaction { tx in
            try await r.save(on: tx)
            if let nodes { try await setAlignments(id, nodes: nodes, on: tx) }
            if r.publishedVersion != nil { try await reindex(r, on: tx) }
            try await ctx.audit.record(on: tx, actor: actor, action: "resource.update", entityType: "resource", entityID: id,
                                       orgID: r.orgID, orgPath: r.orgPath, changes: changes)
        }
        if r.publishedVersion != nil { ctx.searchCache.invalidate() }
        return try await dto(r, seesWork: true, actor: actor)
    }

    // MARK: helpers

    /// The organisation that will own a new resource: the one named, or the first school
    /// (or provider, university) where the author may contribute.
    func owningOrganisation(_ id: UUID?, actor: Actor) async throws -> (id: UUID, path: String) {
        if let id {
            if let g = actor.grants.first(where: { $0.orgID == id }) { return (id, g.orgPath) }
            let org = try await directory.organisation(id, actor: actor)
            return (org.id, org.path)
        }
        let contributing = actor.grants.filter { $0.capabilities.contains(.contributeResources) }
        guard let g = contributing.first(where: { $0.orgKind != .class }) ?? contributing.first else {
            throw DomainError.forbidden()
        }
        return (g.orgID, g.orgPath)
    }

    func validate(title: LocalizedText, description: LocalizedText?, language: String, licence: String,
                  subjects: [String], grades: [String], keywords: [String], authors: [String]) -> [FieldProblem] {
        var p = title.problems(field: "title", maxLength: 300)
        if let description, !description.isEmpty { p += description.problems(field: "description", maxLength: 10_000) }
        if !ctx.rules.languages.contains(language) {
            p.append(FieldProblem(field: "language", reason: "validation.language-unknown", arguments: [language]))
        }
        if Licence(rawValue: licence) == nil {
            p.append(FieldProblem(field: "licence", reason: "validation.licence-unknown", arguments: [licence]))
        }
        for s in subjects where ctx.rules.subjects[s] == nil {
            p.append(FieldProblem(field: "subjects", reason: "validation.subject-unknown", arguments: [s]))
        }
        for g in grades where ctx.rules.grades[g] == nil {
            p.append(FieldProblem(field: "grades", reason: "validation.grade-unknown", arguments: [g]))
        }
        if keywords.count > 30 || keywords.contains(where: { $0.count > 80 }) {
            p.append(FieldProblem(field: "keywords", reason: "validation.keywords"))
        }
        if authors.count > 30 || authors.contains(where: { $0.count > 200 || $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            p.append(FieldProblem(field: "authors", reason: "validation.authors"))
        }
        return p
    }

    func validateKindFields(kind: ResourceKind, url: String?, broadcastDate: String?, broadcastChannel: String?, hasFile: Bool) -> [FieldProblem] {
        var p: [FieldProblem] = []
        if kind == .link {
            if hasFile { p.append(FieldProblem(field: "file", reason: "validation.link-has-no-file")) }
            if let u = url?.trimmingCharacters(in: .whitespaces), let parsed = URL(string: u),
               ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host?.isEmpty == false, u.count <= 2000 {
            } else {
                p.append(FieldProblem(field: "url", reason: "validation.url"))
            }
        } else if !hasFile {
            p.append(FieldProblem(field: "file", reason: "validation.file-required"))
        }
        if kind == .tvLesson {
            if broadcastDate.flatMap(DateOnly.parse) == nil {
                p.append(FieldProblem(field: "broadcastDate", reason: "validation.date"))
            }
            if (broadcastChannel ?? "").trimmingCharacters(in: .whitespaces).isEmpty || (broadcastChannel ?? "").count > 120 {
                p.append(FieldProblem(field: "broadcastChannel", reason: "validation.required"))
            }
        }
        return p
    }

    func alignmentNodes(_ ids: [UUID], problems: inout [FieldProblem]) async throws -> [CurriculumNode] {
        guard !ids.isEmpty else { return [] }
        if ids.count > 50 {
            problems.append(FieldProblem(field: "alignments", reason: "validation.too-many", arguments: ["50"]))
            return []
        }
        let nodes = try await CurriculumNode.query(on: db).filter(\.$id ~~ ids).all()
        let found = Set(nodes.compactMap(\.id))
        for id in ids where !found.contains(id) {
            problems.append(FieldProblem(field: "alignments", reason: "validation.alignment-unknown", arguments: [id.uuidString]))
        }
        return nodes
    }

    func setAlignments(_ resourceID: UUID, nodes: [CurriculumNode], on tx: any Database) async throws {
        try await ResourceAlignment.query(on: tx).filter(\.$resourceID == resourceID).delete()
        for n in nodes {
            let a = ResourceAlignment()
            a.resourceID = resourceID
            a.nodeID = n.id!
            a.frameworkID = n.frameworkID
            try await a.create(on: tx)
        }
    }

    func insertVersion(resourceID: UUID, number: Int, file: UploadedFile, inspected: InspectedFile, note: String,
                       actor: Actor, on tx: any Database) async throws {
        let v = ResourceVersion()
        v.id = UUIDv7.make(at: ctx.clock.now())
        v.resourceID = resourceID
        v.number = number
        v.sha256 = file.blob.sha256
        v.size = file.blob.size
        v.mediaType = inspected.kind.mediaType
        v.fileKind = inspected.kind.rawValue
        v.filename = Self.cleanFilename(file.filename, kind: inspected.kind)
        v.note = note
        v.entry = inspected.entry
        v.packageType = inspected.packageType
        v.createdAt = ctx.clock.now()
        v.createdBy = actor.personID
        let isVideo = LibraryJobs.videoKinds.contains(v.fileKind)
        if isVideo { v.processingState = ProcessingState.queued.rawValue }
        try await v.create(on: tx)
        if isVideo { try await queueTranscode(versionID: v.id!, on: tx) }
    }

    /// Queues renditions for a video version in the caller's transaction: the job exists
    /// exactly when the version does. The caller wakes the worker after committing.
    func queueTranscode(versionID: UUID, on tx: any Database) async throws {
        try await ctx.jobs.enqueue(kind: LibraryJobs.transcode, payload: LibraryJobs.TranscodePayload(versionId: versionID),
                                   maxAttempts: 3, on: tx)
    }

    /// For the edge: a file was streamed in but the request failed before the service
    /// took it (missing or malformed metadata). Nothing half-written remains.
    public func discardUnreferenced(_ blob: StoredBlob) async throws {
        try await discardIfUnreferenced(blob)
    }

    /// Removes a blob this request stored when no version or rendition refers to it.
    func discardIfUnreferenced(_ blob: StoredBlob) async throws {
        guard blob.isNew else { return }
        let inVersions = try await ResourceVersion.query(on: db).filter(\.$sha256 == blob.sha256).first() != nil
        let inRenditions = try await ResourceRendition.query(on: db).filter(\.$sha256 == blob.sha256).first() != nil
        if !inVersions && !inRenditions { try ctx.blobs.delete(blob.sha256) }
    }

    /// Only the last path component, without control characters, at most 200
    /// characters; a name is never trusted for the type, only for the download's name.
    static func cleanFilename(_ name: String, kind: FileKind) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = String(last.unicodeScalars.filter { $0.value >= 0x20 && $0 != "\"" }.map(Character.init)).trimmingCharacters(in: .whitespaces)
        return clean.isEmpty ? "file.\(kind.rawValue)" : String(clean.prefix(200))
    }

    static func unique(_ list: [String]) -> [String] {
        var seen = Set<String>()
        return list.filter { !$0.isEmpty && seen.insert($0).inserted }
    }
}
