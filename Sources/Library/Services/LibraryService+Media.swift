import Foundation
import FluentKit
import Platform

extension LibraryService {
    /// Makes a video version's renditions again: after a failure, or after the operator
    /// installed ffmpeg. The resource's editors and its curators may ask.
    public func requestTranscode(_ id: UUID, version: Int, actor: Actor) async throws -> ResourceDTO {
        let (r, seesWork) = try await visible(id, actor: actor)
        guard seesWork, canEdit(r, actor: actor) || canReview(r, actor: actor) else { throw DomainError.forbidden() }
        guard let v = try await ResourceVersion.query(on: db).filter(\.$resourceID == id).filter(\.$number == version).first() else {
            throw DomainError.notFound(entity: "version")
        }
        guard LibraryJobs.videoKinds.contains(v.fileKind) else { throw DomainError.conflict(reason: "error.not-a-video") }
        try await db.transaction { tx in
            // Conditional, so two clicks cannot queue the work twice.
            let moved = try await tx.sql.raw("""
                UPDATE resource_versions SET processing_state = 'queued', processing_error = NULL
                WHERE id = \(bind: v.id!) AND (processing_state IS NULL OR processing_state IN ('done', 'failed')) RETURNING id
                """).first()
            guard moved != nil else { throw DomainError.conflict(reason: "error.processing-under-way") }
            try await queueTranscode(versionID: v.id!, on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "resource.transcode", entityType: "resource", entityID: id,
                                       orgID: r.orgID, orgPath: r.orgPath,
                                       changes: [AuditChange(field: "version", before: nil, after: String(version))])
        }
        ctx.jobSignal.notify()
        return try await resource(id, actor: actor)
    }
}
