import Foundation
import FluentKit
import Platform

/// What an import did (or, on a dry run, would do).
public struct ImportReport: Sendable, Codable {
    public var dryRun: Bool
    public var created: [String: Int] = [:]
    public var updated: [String: Int] = [:]
    public var unchanged: [String: Int] = [:]
    public var deactivated: [String: Int] = [:]
    public var warnings: [FieldProblem] = []

    public var totalChanges: Int { created.values.reduce(0, +) + updated.values.reduce(0, +) + deactivated.values.reduce(0, +) }
}

/// Imports a OneRoster 1.2 CSV set as one transaction: everything or nothing. The
/// sourcedId of each record is its key, so importing the same files twice changes nothing.
/// Passwords in users.csv are not imported: hashing tens of thousands of them would take
/// minutes, and administrators issue passwords through the platform instead.
public struct OneRosterImporter: Sendable {
    public let db: any Database
    public let ctx: DirectoryContext

    public init(db: any Database, ctx: DirectoryContext) {
        self.db = db
        self.ctx = ctx
    }

    public func run(files: [String: Data], into targetID: UUID?, dryRun: Bool, actor: Actor) async throws -> ImportReport {
        var reader = OneRosterReader()
        reader.read(files: files)
        guard reader.problems.isEmpty else { throw DomainError.invalid(reader.problems) }

        // The organisation new top-level orgs go under: the one named, or the only root.
        let target: Organisation
        if let targetID {
            guard let t = try await Organisation.find(targetID, on: db) else { throw DomainError.invalid(field: "into", reason: "validation.org-unknown") }
            target = t
        } else {
            let roots = try await Organisation.query(on: db).filter(\.$parentID == nil).all()
            guard roots.count == 1 else { throw DomainError.invalid(field: "into", reason: "validation.oneroster.target-needed") }
            target = roots[0]
        }
        try actor.require(.managePeople, at: target.path)
        if !reader.orgs.isEmpty || !reader.classes.isEmpty { try actor.require(.manageOrganisations, at: target.path) }

        var plan = ImportPlan(reader: reader, target: target, ctx: ctx, actor: actor, now: ctx.clock.now())
        try await plan.load(on: db)
        plan.check()
        guard plan.problems.isEmpty else { throw DomainError.invalid(plan.problems) }
        if dryRun {
            var report = plan.report
            report.dryRun = true
            report.warnings = reader.warnings + plan.warnings
            return report
        }
        let finalPlan = plan
        var report = try await db.transaction { tx in
            var p = finalPlan
            try await p.write(on: tx)
            return p.report
        }
        report.dryRun = false
        // Roles and statuses of many people may have changed: resolve tokens afresh.
        ctx.identities.removeAll()
        report.warnings = reader.warnings + plan.warnings
        return report
    }
}
