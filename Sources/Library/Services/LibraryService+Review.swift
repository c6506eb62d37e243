import Foundation
import FluentKit
import SQLKit
import Platform
import Directory

/// Review and publication: draft > submitted > in review > published (school, district,
/// province or nation) > withdrawn, with changes requested sending it back to the author.
extension LibraryService {
    /// The author asks curators at `scopeOrgID` (their own organisation or one above it)
    /// to publish the latest version there.
    public func submit(_ id: UUID, scopeOrgID: UUID, comment: String?, actor: Actor) async throws -> ResourceDTO {
        let (r, seesWork) = try await visible(id, actor: actor)
        guard seesWork, canEdit(r, actor: actor) else { throw DomainError.forbidden() }
        let status = ResourceStatus(rawValue: r.status) ?? .draft
        guard Self.submittable.contains(status), status != .published || r.latestVersion > (r.publishedVersion ?? 0) else {
            throw DomainError.conflict(reason: "error.resource-transition", arguments: [r.status, ResourceStatus.submitted.rawValue])
        }
        if ResourceKind(rawValue: r.kind)?.needsFile == true && r.latestVersion == 0 {
            throw DomainError.invalid(field: "file", reason: "validation.file-required")
        }
        let scope = try await directory.organisation(scopeOrgID, actor: actor)
        guard let kind = OrgKind(rawValue: scope.kind), let level = PublishLevel(kind: kind) else {
            throw DomainError.invalid(field: "scopeOrgId", reason: "validation.scope-kind", arguments: [scope.kind])
        }
        guard r.orgPath.hasPrefix(scope.path) else {
            throw DomainError.invalid(field: "scopeOrgId", reason: "validation.scope-outside")
        }
        try checkComment(comment)
        try await transition(r, from: Self.submittable, to: .submitted, action: "submitted", comment: comment, actor: actor) { r in
            r.scopeOrgID = scope.id
            r.scopePath = scope.path
            r.scopeLevel = level.rawValue
            r.submittedAt = ctx.clock.now()
            r.reviewerID = nil
        }
        return try await resource(id, actor: actor)
    }

    /// A curator takes a submission so colleagues see it is being looked at.
    public func claim(_ id: UUID, actor: Actor) async throws -> ResourceDTO {
        let r = try await reviewable(id, actor: actor)
        try await transition(r, from: [.submitted], to: .inReview, action: "claimed", comment: nil, actor: actor) { r in
            r.reviewerID = actor.personID
        }
        return try await resource(id, actor: actor)
    }

    /// A remark on a submission; the state does not change.
    public func comment(_ id: UUID, text: String, actor: Actor) async throws -> [ReviewEventDTO] {
        let (r, seesWork) = try await visible(id, actor: actor)
        guard seesWork, canEdit(r, actor: actor) || canReview(r, actor: actor) else { throw DomainError.forbidden() }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw DomainError.invalid(field: "comment", reason: "validation.required") }
        try checkComment(trimmed)
        try await db.transaction { tx in try await recordReview(r, action: "commented", comment: trimmed, actor: actor, on: tx) }
        return try await history(id, actor: actor)
    }

    /// Back to the author with what to change (a comment is required).
    public func requestChanges(_ id: UUID, comment: String, actor: Actor) async throws -> ResourceDTO {
        let r = try await reviewable(id, actor: actor)
        let trimmed = comment.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw DomainError.invalid(field: "comment", reason: "validation.required") }
        try checkComment(trimmed)
        try await transition(r, from: [.submitted, .inReview], to: .changesRequested, action: "changesRequested", comment: trimmed, actor: actor) { _ in }
        return try await resource(id, actor: actor)
    }

    /// Publishes the latest version at the requested scope and puts it in the search index.
    public func approve(_ id: UUID, comment: String?, actor: Actor) async throws -> ResourceDTO {
        let r = try await reviewable(id, actor: actor)
        try checkComment(comment)
        try await transition(r, from: [.submitted, .inReview], to: .published, action: "approved", comment: comment, actor: actor,
                             reindex: true) { r in
            r.publishedVersion = r.latestVersion
            r.publishedAt = ctx.clock.now()
            r.withdrawnAt = nil
            r.reviewerID = actor.personID
        }
        return try await resource(id, actor: actor)
    }

    /// Takes a resource out of circulation (the author, a manager of the owning
    /// organisation, or a curator at its scope). It leaves the index at once.
    public func withdraw(_ id: UUID, reason: String?, actor: Actor) async throws -> ResourceDTO {
        let (r, seesWork) = try await visible(id, actor: actor)
        guard seesWork, canEdit(r, actor: actor) || canReview(r, actor: actor) else { throw DomainError.forbidden() }
        try checkComment(reason)
        let from: Set<ResourceStatus> = [.draft, .submitted, .inReview, .changesRequested, .published]
        try await transition(r, from: from, to: .withdrawn, action: "withdrawn", comment: reason, actor: actor, reindex: true) { r in
            r.publishedVersion = nil
            r.withdrawnAt = ctx.clock.now()
        }
        return try await resource(id, actor: actor)
    }

    /// A teacher's 1-5 stars; rating again replaces the earlier rating.
    public func rate(_ id: UUID, stars: Int, actor: Actor) async throws -> ResourceDTO {
        let (r, _) = try await visible(id, actor: actor)
        guard let me = actor.personID, r.publishedVersion != nil, me != r.ownerID,
              actor.grants.contains(where: { $0.capabilities.contains(.contributeResources) }) else { throw DomainError.forbidden() }
        guard (1...5).contains(stars) else { throw DomainError.invalid(field: "stars", reason: "validation.stars") }
        try await db.transaction { tx in
            if let existing = try await ResourceRating.query(on: tx).filter(\.$resourceID == id).filter(\.$personID == me).first() {
                existing.stars = stars
                existing.at = ctx.clock.now()
                try await existing.save(on: tx)
            } else {
                let rating = ResourceRating()
                rating.id = UUIDv7.make(at: ctx.clock.now())
                rating.resourceID = id
                rating.personID = me
                rating.stars = stars
                rating.at = ctx.clock.now()
                try await rating.create(on: tx)
            }
            // Recounted from the ratings, so concurrent raters cannot drift the totals.
            try await tx.sql.raw("""
                UPDATE resources SET rating_sum = (SELECT COALESCE(SUM(stars), 0) FROM resource_ratings WHERE resource_id = \(bind: id)),
                  rating_count = (SELECT COUNT(*) FROM resource_ratings WHERE resource_id = \(bind: id)) WHERE id = \(bind: id)
                """).run()
        }
        return try await resource(id, actor: actor)
    }

    /// "Used in my course": counted once per teacher and course.
    public func markUsed(_ id: UUID, courseRef: String, actor: Actor) async throws -> ResourceDTO {
        let (r, _) = try await visible(id, actor: actor)
        guard let me = actor.personID, r.publishedVersion != nil || r.ownerID == me,
              actor.grants.contains(where: { $0.capabilities.contains(.contributeResources) }) else { throw DomainError.forbidden() }
        let ref = courseRef.trimmingCharacters(in: .whitespaces)
        guard !ref.isEmpty, ref.count <= 200 else { throw DomainError.invalid(field: "courseRef", reason: "validation.required") }
        try await db.transaction { tx in
            guard try await ResourceUsage.query(on: tx).filter(\.$resourceID == id).filter(\.$personID == me)
                .filter(\.$courseRef == ref).first() == nil else { return }
            let u = ResourceUsage()
            u.id = UUIDv7.make(at: ctx.clock.now())
            u.resourceID = id
            u.personID = me
            u.courseRef = ref
            u.at = ctx.clock.now()
            try await u.create(on: tx)
            try await tx.sql.raw("UPDATE resources SET usage_count = (SELECT COUNT(*) FROM resource_usages WHERE resource_id = \(bind: id)) WHERE id = \(bind: id)").run()
        }
        return try await resource(id, actor: actor)
    }

    // MARK: helpers

    func reviewable(_ id: UUID, actor: Actor) async throws -> Resource {
        let (r, seesWork) = try await visible(id, actor: actor)
        guard seesWork, canReview(r, actor: actor) else { throw DomainError.forbidden() }
        return r
    }

    func checkComment(_ c: String?) throws {
        if let c, c.count > 4000 { throw DomainError.invalid(field: "comment", reason: "validation.too-long", arguments: ["4000"]) }
    }

    /// Moves the state with a conditional UPDATE (two curators approving at once: one
    /// wins, the other gets a conflict), records the review step and the audit event,
    /// and refreshes the search index, all in one transaction.
    func transition(_ r: Resource, from: Set<ResourceStatus>, to: ResourceStatus, action: String, comment: String?,
                    actor: Actor, reindex: Bool = false, apply: (Resource) -> Void) async throws {
        let before = r.status
        guard let current = ResourceStatus(rawValue: r.status), from.contains(current) else {
            throw DomainError.conflict(reason: "error.resource-transition", arguments: [r.status, to.rawValue])
        }
        r.status = to.rawValue
        apply(r)
        try await db.transaction { tx in
            let claimed = try await tx.sql.raw("""
                UPDATE resources SET status = \(bind: to.rawValue) WHERE id = \(bind: r.id!) AND status = \(bind: before) RETURNING id
                """).first()
            guard claimed != nil else { throw DomainError.conflict(reason: "error.stale-write") }
            try await r.save(on: tx)
            try await recordReview(r, action: action, comment: comment ?? "", actor: actor, on: tx)
            if reindex { try await self.reindex(r, on: tx) }
            try await ctx.audit.record(on: tx, actor: actor, action: "resource.\(action)", entityType: "resource", entityID: r.id,
                                       orgID: r.orgID, orgPath: r.orgPath,
                                       changes: AuditChange.diff([("status", before, to.rawValue), ("scope", nil, r.scopePath)])
                                           + (comment.map { [AuditChange(field: "comment", before: nil, after: $0)] } ?? []))
        }
        // After the commit, so no search can cache the state before it.
        if reindex { ctx.searchCache.invalidate() }
    }

    func recordReview(_ r: Resource, action: String, comment: String, actor: Actor, on tx: any Database) async throws {
        let e = ResourceReview()
        e.id = UUIDv7.make(at: ctx.clock.now())
        e.resourceID = r.id!
        e.version = r.latestVersion
        e.actorID = actor.personID
        e.actorName = actor.displayName
        e.action = action
        e.comment = comment
        e.scopeOrgID = r.scopeOrgID
        e.at = ctx.clock.now()
        try await e.create(on: tx)
    }

    /// Puts a published resource's current metadata in the index, or takes it out.
    func reindex(_ r: Resource, on tx: any Database) async throws {
        guard r.publishedVersion != nil, let scopePath = r.scopePath, let level = r.scopeLevel else {
            try await SearchIndex.remove(r.id!, on: tx.sql)
            return
        }
        try await SearchIndex.put(searchDocument(r, scopePath: scopePath, level: level), on: tx.sql)
    }

    func searchDocument(_ r: Resource, scopePath: String, level: String) -> SearchDocument {
        let title = LocalizedText.fromJSON(r.title)
        let description = LocalizedText.fromJSON(r.description)
        let subjects = Self.list(r.subjects)
        let grades = Self.list(r.grades)
        let subjectNames = subjects.flatMap { ctx.rules.subjects[$0]?.values.values.sorted() ?? [] }
        var facets: [(String, String)] = [("type", r.kind), ("language", r.language), ("licence", r.licence), ("scope", level)]
        facets += subjects.map { ("subject", $0) } + grades.map { ("grade", $0) }
        return SearchDocument(
            resourceID: r.id!, scopePath: scopePath, scopeLevel: level, publishedAt: r.publishedAt ?? ctx.clock.now(),
            titleText: (title.values.values.sorted() + Self.list(r.keywords)).joined(separator: " \n "),
            bodyText: (description.values.values.sorted() + Self.list(r.authors) + subjectNames).joined(separator: " \n "),
            facets: facets)
    }
}
