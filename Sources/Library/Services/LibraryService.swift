import Foundation
import FluentKit
import SQLKit
import Platform
import Directory

/// The commons' public face: resources, versions, review and publication, ratings,
/// search and delivery. Every method takes the acting `Actor` and checks permission
/// itself, so the API, the pages, the bulk importer and jobs get the same answers.
public struct LibraryService: Sendable {
    public let db: any Database
    public let ctx: LibraryContext

    public init(db: any Database, ctx: LibraryContext) {
        self.db = db
        self.ctx = ctx
    }

    var directory: DirectoryService { DirectoryService(db: db, ctx: ctx.directory) }

    // MARK: who may do what

    /// Roles that oversee everything published below their organisation.
    static let overseeingRoles: Set<Role> = [.administrator, .official, .curator, .inspector]

    /// A published resource is visible to everyone under its publishing organisation,
    /// to those who oversee that organisation, and (national scope) to everyone.
    func canSeePublished(_ r: Resource, actor: Actor) -> Bool {
        guard r.publishedVersion != nil, let scope = r.scopePath else { return false }
        if actor.isSystem || r.scopeLevel == PublishLevel.nation.rawValue { return true }
        return actor.grants.contains { g in
            g.orgPath.hasPrefix(scope) || (scope.hasPrefix(g.orgPath) && Self.overseeingRoles.contains(g.role))
        }
    }

    /// The author, and managers of the owning organisation (a principal for the school's
    /// resources), may edit; colleagues may not touch each other's drafts.
    func canEdit(_ r: Resource, actor: Actor) -> Bool {
        if actor.isSystem { return true }
        if let me = actor.personID, me == r.ownerID, actor.can(.contributeResources, at: r.orgPath) { return true }
        return actor.can(.managePeople, at: r.orgPath) && actor.can(.contributeResources, at: r.orgPath)
    }

    /// Curators at the organisation asked to publish (or above it) review, never their
    /// own work.
    func canReview(_ r: Resource, actor: Actor) -> Bool {
        guard let scope = r.scopePath else { return false }
        if actor.isSystem { return true }
        if let me = actor.personID, me == r.ownerID { return false }
        return actor.can(.reviewResources, at: scope)
    }

    func canSeeWork(_ r: Resource, actor: Actor) -> Bool {
        canEdit(r, actor: actor) || canReview(r, actor: actor) || actor.can(.reviewResources, at: r.orgPath)
    }

    /// Loads a resource the actor may see (its working copy or its published version),
    /// or answers 404 so ids of other schools' drafts do not confirm they exist.
    func visible(_ id: UUID, actor: Actor) async throws -> (Resource, seesWork: Bool) {
        guard let r = try await Resource.find(id, on: db) else { throw DomainError.notFound(entity: "resource") }
        if canSeeWork(r, actor: actor) { return (r, true) }
        if canSeePublished(r, actor: actor) { return (r, false) }
        throw DomainError.notFound(entity: "resource")
    }

    // MARK: reading

    /// A resource's metadata. Readers who only see the published version get only that
    /// version's file listed.
    public func resource(_ id: UUID, actor: Actor) async throws -> ResourceDTO {
        let (r, seesWork) = try await visible(id, actor: actor)
        return try await dto(r, seesWork: seesWork, actor: actor)
    }

    /// The review history, for those who see the working copy.
    public func history(_ id: UUID, actor: Actor) async throws -> [ReviewEventDTO] {
        let (r, seesWork) = try await visible(id, actor: actor)
        guard seesWork else { throw DomainError.notFound(entity: "resource") }
        return try await ResourceReview.query(on: db).filter(\.$resourceID == r.id!).sort(\.$at).all().map {
            ReviewEventDTO(action: $0.action, actorName: $0.actorName, comment: $0.comment, version: $0.version, at: $0.at)
        }
    }

    /// The actor's own resources, newest change first.
    public func myResources(actor: Actor, limit: Int? = nil, cursor: String? = nil) async throws -> ListPage<ResourceSummaryDTO> {
        guard let me = actor.personID else { return ListPage(items: [], nextCursor: nil) }
        let offset = try Paging.offset(from: cursor)
        let n = Paging.clamp(limit)
        let rows = try await Resource.query(on: db).filter(\.$ownerID == me).sort(\.$updatedAt, .descending)
            .range(offset..<(offset + n + 1)).all()
        let items = try await summaries(Array(rows.prefix(n)), actor: actor)
        return ListPage(items: items, nextCursor: rows.count > n ? Paging.cursor(offset: offset + n) : nil)
    }

    /// Submissions waiting for a curator with a reviewing role at their scope.
    public func reviewQueue(actor: Actor, limit: Int? = nil, cursor: String? = nil) async throws -> ListPage<ResourceSummaryDTO> {
        let prefixes = actor.isSystem ? ["/"] : actor.prefixes(for: .reviewResources)
        guard !prefixes.isEmpty else { throw DomainError.forbidden() }
        let offset = try Paging.offset(from: cursor)
        let n = Paging.clamp(limit)
        let rows = try await Resource.query(on: db)
            .filter(\.$status ~~ [ResourceStatus.submitted.rawValue, ResourceStatus.inReview.rawValue])
            .group(.or) { g in for p in prefixes { g.filter(\.$scopePath =~ p) } }
            .sort(\.$submittedAt).range(offset..<(offset + n + 1)).all()
            .filter { canReview($0, actor: actor) }
        let items = try await summaries(Array(rows.prefix(n)), actor: actor)
        return ListPage(items: items, nextCursor: rows.count > n ? Paging.cursor(offset: offset + n) : nil)
    }

    // MARK: DTOs

    func dto(_ r: Resource, seesWork: Bool, actor: Actor) async throws -> ResourceDTO {
        let id = r.id!
        var versionRows = try await ResourceVersion.query(on: db).filter(\.$resourceID == id).sort(\.$number).all()
        if !seesWork { versionRows = versionRows.filter { $0.number <= (r.publishedVersion ?? 0) } }
        let renditions = versionRows.isEmpty ? [] :
            try await ResourceRendition.query(on: db).filter(\.$versionID ~~ versionRows.map { $0.id! }).all()
        let byVersion = Dictionary(grouping: renditions, by: \.versionID)
        let versions = versionRows.map { v in
            VersionDTO(number: v.number, sha256: v.sha256, size: v.size, mediaType: v.mediaType, fileKind: v.fileKind,
                       filename: v.filename, note: v.note, entry: v.entry, packageType: v.packageType, createdAt: v.createdAt,
                       renditions: (byVersion[v.id!] ?? []).sorted { $0.label < $1.label }
                           .map { RenditionDTO(label: $0.label, size: $0.size, mediaType: $0.mediaType) },
                       processing: v.processingState, processingError: v.processingError)
        }
        let alignments = try await alignmentDTOs(resourceID: id, locale: actor.locale)
        let title = LocalizedText.fromJSON(r.title)
        let description = LocalizedText.fromJSON(r.description)
        let status = seesWork ? r.status : ResourceStatus.published.rawValue
        let editable = seesWork && canEdit(r, actor: actor)
        let st = ResourceStatus(rawValue: r.status) ?? .draft
        return ResourceDTO(
            id: id, kind: r.kind, status: status, title: title, description: description,
            displayTitle: title.pick(actor.locale), displayDescription: description.pick(actor.locale),
            language: r.language, licence: r.licence, licenceURL: Licence(rawValue: r.licence)?.url,
            subjects: Self.list(r.subjects), grades: Self.list(r.grades), keywords: Self.list(r.keywords), authors: Self.list(r.authors),
            alignments: alignments, orgId: r.orgID, ownerId: r.ownerID,
            scope: r.scopeOrgID.map { ScopeDTO(orgId: $0, level: r.scopeLevel ?? "", path: r.scopePath ?? "") },
            latestVersion: seesWork ? r.latestVersion : (r.publishedVersion ?? 0), publishedVersion: r.publishedVersion,
            versions: versions, url: r.linkURL, broadcastDate: r.broadcastDate, broadcastChannel: r.broadcastChannel,
            ratingAverage: r.ratingCount > 0 ? Double(r.ratingSum) / Double(r.ratingCount) : nil, ratingCount: r.ratingCount,
            usageCount: r.usageCount, createdAt: r.createdAt, updatedAt: r.updatedAt, publishedAt: r.publishedAt,
            can: .init(edit: editable && ![.submitted, .inReview].contains(st),
                       submit: editable && Self.submittable.contains(st) && (st != .published || r.latestVersion > (r.publishedVersion ?? 0)),
                       review: seesWork && canReview(r, actor: actor) && [.submitted, .inReview].contains(st),
                       withdraw: seesWork && (editable || canReview(r, actor: actor)) && st != .withdrawn,
                       rate: actor.personID != nil && actor.personID != r.ownerID && r.publishedVersion != nil
                           && actor.grants.contains { $0.capabilities.contains(.contributeResources) },
                       reprocess: seesWork && (editable || canReview(r, actor: actor))))
    }

    static let submittable: Set<ResourceStatus> = [.draft, .changesRequested, .withdrawn, .published]

    func summaries(_ rows: [Resource], actor: Actor, publishedView: Bool = false) async throws -> [ResourceSummaryDTO] {
        guard !rows.isEmpty else { return [] }
        // One query for the sizes of the versions shown.
        let versions = try await ResourceVersion.query(on: db).filter(\.$resourceID ~~ rows.map { $0.id! }).all()
        var sizes: [UUID: [Int: Int64]] = [:]
        for v in versions { sizes[v.resourceID, default: [:]][v.number] = v.size }
        return rows.map { r in
            let seesWork = !publishedView && canSeeWork(r, actor: actor)
            let shown = seesWork ? r.latestVersion : (r.publishedVersion ?? 0)
            return ResourceSummaryDTO(
                id: r.id!, kind: r.kind, status: seesWork ? r.status : ResourceStatus.published.rawValue,
                displayTitle: LocalizedText.fromJSON(r.title).pick(actor.locale),
                displayDescription: String(LocalizedText.fromJSON(r.description).pick(actor.locale).prefix(240)),
                language: r.language, licence: r.licence, subjects: Self.list(r.subjects), grades: Self.list(r.grades),
                scopeLevel: r.scopeLevel, ratingAverage: r.ratingCount > 0 ? Double(r.ratingSum) / Double(r.ratingCount) : nil,
                ratingCount: r.ratingCount, usageCount: r.usageCount, size: sizes[r.id!]?[shown], publishedAt: r.publishedAt,
                updatedAt: r.updatedAt)
        }
    }

    func alignmentDTOs(resourceID: UUID, locale: AppLocale) async throws -> [AlignmentDTO] {
        let links = try await ResourceAlignment.query(on: db).filter(\.$resourceID == resourceID).all()
        guard !links.isEmpty else { return [] }
        let nodes = try await CurriculumNode.query(on: db).filter(\.$id ~~ links.map(\.nodeID)).all()
        let frameworks = try await CurriculumFramework.query(on: db).filter(\.$id ~~ Array(Set(nodes.map(\.frameworkID)))).all()
        let codes = Dictionary(uniqueKeysWithValues: frameworks.map { ($0.id!, $0.code) })
        return nodes.map { AlignmentDTO(nodeId: $0.id!, frameworkCode: codes[$0.frameworkID] ?? "", path: $0.path,
                                        name: LocalizedText.fromJSON($0.name).pick(locale)) }
            .sorted { ($0.frameworkCode, $0.path) < ($1.frameworkCode, $1.path) }
    }

    // MARK: stored lists

    static func list(_ json: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
    }

    static func json(_ list: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(list)) ?? Data("[]".utf8), as: UTF8.self)
    }
}
