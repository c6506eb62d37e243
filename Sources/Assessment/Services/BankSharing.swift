import Foundation
import FluentKit
import SQLKit
import Platform

/// Where a bank is owned or published, resolved by the caller from the organisation
/// directory (the Assessment area does not read organisations itself).
public struct OrgRef: Sendable, Equatable {
    public var id: UUID
    public var path: String
    /// school, district, province or nation (nil: a bank cannot be published there).
    public var level: String?

    public init(id: UUID, path: String, level: String?) {
        self.id = id
        self.path = path
        self.level = level
    }
}

public enum BankStatus: String, Sendable, Codable, CaseIterable {
    case draft, submitted, inReview, changesRequested, published, withdrawn
}

public struct BankReviewDTO: Sendable, Codable, Equatable {
    public var at: Date
    public var actorName: String
    public var action: String
    public var comment: String?
}

/// Sharing banks (issue #4, part 2), the Library's flow for question banks: a bank owned by
/// a teacher or by an organisation is submitted for a scope (its organisation or one above),
/// curators there review it, and once published every teacher in that scope can read it,
/// export it and make exams from it. Pupils never see banks: they hold the keys.
extension AssessmentService {
    static let submittable: Set<BankStatus> = [.draft, .changesRequested, .published, .withdrawn]

    /// Grants that let the actor author assessments, by organisation path.
    static func authorPaths(_ actor: Actor) -> [String] {
        actor.grants.filter { $0.capabilities.contains(.authorAssessments) }.map(\.orgPath)
    }

    static func reviewPaths(_ actor: Actor) -> [String] {
        actor.grants.filter { $0.capabilities.contains(.reviewResources) }.map(\.orgPath)
    }

    /// The owner, or for an organisation's bank anyone who authors assessments at that
    /// organisation or above it.
    func canEdit(_ b: QuestionBank, actor: Actor) -> Bool {
        if actor.isSystem || b.ownerID == actor.personID { return true }
        guard let path = b.orgPath else { return false }
        return Self.authorPaths(actor).contains { path.hasPrefix($0) }
    }

    /// Curators at the scope the bank was submitted for, or above it.
    func canReview(_ b: QuestionBank, actor: Actor) -> Bool {
        guard let scope = b.scopePath else { return false }
        return actor.isSystem || Self.reviewPaths(actor).contains { scope.hasPrefix($0) }
    }

    /// Published, and the actor authors assessments somewhere inside the scope.
    func canUse(_ b: QuestionBank, actor: Actor) -> Bool {
        guard b.status == BankStatus.published.rawValue, let scope = b.scopePath else { return false }
        return Self.authorPaths(actor).contains { $0.hasPrefix(scope) || scope.hasPrefix($0) }
    }

    /// A bank the actor may change (items, imports, submission). Others get "not found"
    /// unless they may read it, then "forbidden".
    func editableBank(_ id: UUID, actor: Actor) async throws -> QuestionBank {
        guard let bank = try await QuestionBank.find(id, on: db) else { throw DomainError.notFound(entity: "question-bank") }
        if canEdit(bank, actor: actor) { return bank }
        if canUse(bank, actor: actor) || canReview(bank, actor: actor) { throw DomainError.forbidden() }
        throw DomainError.notFound(entity: "question-bank")
    }

    /// A bank the actor may read and make exams from: their own, their organisation's, one
    /// published for a scope they work in, or one they review.
    func readableBank(_ id: UUID, actor: Actor) async throws -> QuestionBank {
        guard let bank = try await QuestionBank.find(id, on: db),
              canEdit(bank, actor: actor) || canUse(bank, actor: actor) || canReview(bank, actor: actor) else {
            throw DomainError.notFound(entity: "question-bank")
        }
        return bank
    }

    /// Banks published for the actor's scopes (not their own), newest first.
    public func sharedBanks(actor: Actor) async throws -> [BankDTO] {
        let paths = Self.authorPaths(actor)
        guard !paths.isEmpty else { return [] }
        // Published at an ancestor of (or at) one of the actor's places.
        let scopes = Array(Set(paths.flatMap { OrgPath.selfAndAncestors($0) }))
        return try await QuestionBank.query(on: db).filter(\.$status == BankStatus.published.rawValue).filter(\.$scopePath ~~ scopes)
            .sort(\.$publishedAt, .descending).all().filter { !canEdit($0, actor: actor) }.map { dto($0, actor: actor) }
    }

    /// Banks waiting for the actor's review.
    public func bankReviewQueue(actor: Actor) async throws -> [BankDTO] {
        let paths = OrgPath.minimalPrefixes(Self.reviewPaths(actor))
        guard !paths.isEmpty else { return [] }
        var out: [QuestionBank] = []
        for p in paths {
            out += try await QuestionBank.query(on: db).filter(\.$status ~~ [BankStatus.submitted.rawValue, BankStatus.inReview.rawValue])
                .filter(\.$scopePath, .custom("LIKE"), p + "%").sort(\.$submittedAt).all()
        }
        return out.map { dto($0, actor: actor) }
    }

    public func submitBank(_ id: UUID, scope: OrgRef, comment: String?, actor: Actor) async throws -> BankDTO {
        let bank = try await editableBank(id, actor: actor)
        let status = BankStatus(rawValue: bank.status) ?? .draft
        guard Self.submittable.contains(status) else {
            throw DomainError.conflict(reason: "error.resource-transition", arguments: [bank.status, BankStatus.submitted.rawValue])
        }
        guard bank.itemCount > 0 else { throw DomainError.invalid(field: "bank", reason: "bank.empty") }
        guard let level = scope.level else { throw DomainError.invalid(field: "scopeOrgId", reason: "validation.scope-kind", arguments: [scope.path]) }
        // An organisation's bank is published at that organisation or above; a teacher's
        // own bank where the teacher works or above.
        let home = bank.orgPath.map { [$0] } ?? Self.authorPaths(actor)
        guard home.contains(where: { $0.hasPrefix(scope.path) }) else {
            throw DomainError.invalid(field: "scopeOrgId", reason: "validation.scope-outside")
        }
        try Self.checkComment(comment)
        try await transition(bank, from: Self.submittable, to: .submitted, action: "submitted", comment: comment, actor: actor) { b in
            b.scopeOrgID = scope.id
            b.scopePath = scope.path
            b.scopeLevel = level
            b.submittedAt = ctx.clock.now()
            b.reviewerID = nil
        }
        return dto(bank, actor: actor)
    }

    /// A curator takes the submission, so colleagues see it is being looked at.
    public func claimBank(_ id: UUID, actor: Actor) async throws -> BankDTO {
        let bank = try await reviewableBank(id, actor: actor)
        try await transition(bank, from: [.submitted], to: .inReview, action: "claimed", comment: nil, actor: actor) { $0.reviewerID = actor.personID }
        return dto(bank, actor: actor)
    }

    public func requestBankChanges(_ id: UUID, comment: String, actor: Actor) async throws -> BankDTO {
        let bank = try await reviewableBank(id, actor: actor)
        let trimmed = comment.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw DomainError.invalid(field: "comment", reason: "validation.required") }
        try Self.checkComment(trimmed)
        try await transition(bank, from: [.submitted, .inReview], to: .changesRequested, action: "changesRequested", comment: trimmed, actor: actor) { _ in }
        return dto(bank, actor: actor)
    }

    public func approveBank(_ id: UUID, comment: String?, actor: Actor) async throws -> BankDTO {
        let bank = try await reviewableBank(id, actor: actor)
        try Self.checkComment(comment)
        try await transition(bank, from: [.submitted, .inReview], to: .published, action: "approved", comment: comment, actor: actor) { b in
            b.publishedAt = ctx.clock.now()
            b.reviewerID = actor.personID
        }
        return dto(bank, actor: actor)
    }

    /// Out of circulation (its editors or a curator at its scope). Exams already made from
    /// it keep their papers.
    public func withdrawBank(_ id: UUID, reason: String?, actor: Actor) async throws -> BankDTO {
        guard let bank = try await QuestionBank.find(id, on: db), canEdit(bank, actor: actor) || canReview(bank, actor: actor) else {
            throw DomainError.notFound(entity: "question-bank")
        }
        try Self.checkComment(reason)
        try await transition(bank, from: [.submitted, .inReview, .changesRequested, .published], to: .withdrawn, action: "withdrawn",
                             comment: reason, actor: actor) { $0.publishedAt = nil }
        return dto(bank, actor: actor)
    }

    public func bankHistory(_ id: UUID, actor: Actor) async throws -> [BankReviewDTO] {
        _ = try await readableBank(id, actor: actor)
        return try await BankReview.query(on: db).filter(\.$bankID == id).sort(\.$at).all().map {
            BankReviewDTO(at: $0.at, actorName: $0.actorName, action: $0.action, comment: $0.comment)
        }
    }

    func reviewableBank(_ id: UUID, actor: Actor) async throws -> QuestionBank {
        guard let bank = try await QuestionBank.find(id, on: db) else { throw DomainError.notFound(entity: "question-bank") }
        guard canReview(bank, actor: actor) else {
            if canEdit(bank, actor: actor) || canUse(bank, actor: actor) { throw DomainError.forbidden() }
            throw DomainError.notFound(entity: "question-bank")
        }
        // Nobody approves their own work.
        if bank.ownerID == actor.personID { throw DomainError.forbidden() }
        return bank
    }

    static func checkComment(_ c: String?) throws {
        if let c, c.count > 5000 { throw DomainError.invalid(field: "comment", reason: "validation.too-long", arguments: ["5000"]) }
    }

    /// A state change, conditional on the state read (two curators approving at once: one
    /// wins, the other is told), with its review record and audit entry.
    func transition(_ bank: QuestionBank, from: Set<BankStatus>, to: BankStatus, action: String, comment: String?, actor: Actor,
                    change: @Sendable (QuestionBank) -> Void) async throws {
        let before = bank.status
        guard let current = BankStatus(rawValue: before), from.contains(current) else {
            throw DomainError.conflict(reason: "error.resource-transition", arguments: [before, to.rawValue])
        }
        change(bank)
        bank.status = to.rawValue
        bank.updatedAt = ctx.clock.now()
        let now = ctx.clock.now()
        try await db.transaction { tx in
            let claimed = try await tx.sql.raw("""
                UPDATE question_banks SET status = \(bind: to.rawValue), scope_org_id = \(bind: bank.scopeOrgID), scope_path = \(bind: bank.scopePath),
                scope_level = \(bind: bank.scopeLevel), reviewer_id = \(bind: bank.reviewerID), submitted_at = \(bind: bank.submittedAt),
                published_at = \(bind: bank.publishedAt), updated_at = \(bind: now)
                WHERE id = \(bind: bank.id!) AND status = \(bind: before) RETURNING id
                """).all()
            guard !claimed.isEmpty else { throw DomainError.conflict(reason: "error.resource-transition", arguments: [before, to.rawValue]) }
            let review = BankReview()
            review.id = UUIDv7.make(at: now)
            review.bankID = bank.id!
            review.at = now
            review.actorID = actor.personID
            review.actorName = actor.displayName
            review.action = action
            review.comment = comment?.isEmpty == false ? comment : nil
            try await review.create(on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "bank.\(action)", entityType: "question_bank", entityID: bank.id,
                                       orgID: bank.orgID ?? bank.scopeOrgID, orgPath: bank.scopePath ?? bank.orgPath ?? Self.auditPath(actor),
                                       changes: [AuditChange(field: "status", before: before, after: to.rawValue)])
        }
    }
}
