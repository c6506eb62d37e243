import Foundation
import FluentKit
import Platform

/// What a consent covers. Each purpose names the processing that stops when it is
/// withdrawn; later areas ask `hasActiveConsent` before they process.
public enum ConsentPurpose: String, Sendable, CaseIterable {
    /// Storing and showing a child's e-mail, phone and address. Withdrawal erases them.
    case contactDetails = "contact-details"
    /// Publishing a child's results beyond their teachers (Decree 56/2017): no public
    /// leaderboards without it.
    case publishResults = "publish-results"
    /// Photos and recordings of the child in lessons.
    case photosRecordings = "photos-recordings"
    /// Messages from the school to the family by e-mail or SMS.
    case familyMessages = "family-messages"
}

public struct ConsentInput: Sendable, Codable {
    public var purpose: String
    public var grantedByID: UUID
    public var childAgreed: Bool?
    public var policyVersion: String?

    enum CodingKeys: String, CodingKey { case purpose, grantedByID = "grantedById", childAgreed, policyVersion }

    public init(purpose: String, grantedByID: UUID, childAgreed: Bool? = nil, policyVersion: String? = nil) {
        self.purpose = purpose
        self.grantedByID = grantedByID
        self.childAgreed = childAgreed
        self.policyVersion = policyVersion
    }
}

extension DirectoryService {
    public func hasActiveConsent(subject: UUID, purpose: String) async throws -> Bool {
        try await Consent.query(on: db).filter(\.$subjectID == subject).filter(\.$purpose == purpose)
            .filter(\.$withdrawnAt == nil).first() != nil
    }

    /// Records consent for a person. For a child the consent must come from a linked
    /// guardian (and, in Vietnam from age 7, the child agrees too); an adult consents for
    /// themselves. The guardian or adult may record it, or a school manager from a form.
    public func recordConsent(subjectID: UUID, _ input: ConsentInput, actor: Actor) async throws -> ConsentDTO {
        let subject = try await visiblePerson(subjectID, actor: actor)
        guard let purpose = ConsentPurpose(rawValue: input.purpose) else {
            throw DomainError.invalid(field: "purpose", reason: "validation.consent-purpose", arguments: [input.purpose])
        }
        let rules = ctx.rules.rules(for: subject.country)
        let child = isChild(birthDate: subject.birthDate, rules: rules)
        let relationship: String
        if input.grantedByID == subjectID {
            if child { throw DomainError.invalid(field: "grantedById", reason: "validation.consent-guardian-needed") }
            relationship = "self"
        } else if try await Scope.isGuardian(input.grantedByID, of: subjectID, on: db) {
            relationship = "guardian"
        } else {
            throw DomainError.invalid(field: "grantedById", reason: "validation.consent-not-guardian")
        }
        if child, let from = rules.childOwnConsentFrom, let b = subject.birthDate,
           let age = DateOnly.age(birthDate: b, on: ctx.clock.now()), age >= from, input.childAgreed != true {
            throw DomainError.invalid(field: "childAgreed", reason: "validation.consent-child-agreement", arguments: [String(from)])
        }
        let isGranter = actor.personID == input.grantedByID
        let manages = try await canManage(personID: subjectID, actor: actor)
        guard isGranter || manages else { throw DomainError.forbidden() }
        let version = (input.policyVersion ?? "1").prefix(40)

        let c = Consent()
        c.id = UUID()
        c.subjectID = subjectID
        c.purpose = purpose.rawValue
        c.grantedByID = input.grantedByID
        c.grantedByRelationship = relationship
        c.childAgreed = input.childAgreed ?? false
        c.policyVersion = String(version)
        c.grantedAt = ctx.clock.now()
        c.recordedByID = actor.personID
        c.orgID = subject.orgID
        let org = try await subject.orgID.asyncMap { try await Organisation.find($0, on: db) } ?? nil
        try await db.transaction { tx in
            try await c.create(on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "consent.grant", entityType: "person", entityID: subjectID,
                                       orgID: org?.id, orgPath: org?.path ?? "/",
                                       changes: [AuditChange(field: "consent:\(purpose.rawValue)", before: nil,
                                                             after: "granted by \(relationship) \(input.grantedByID.uuidString)")])
        }
        return dto(c)
    }

    /// Withdraws a consent and stops what it covered: for contact details the stored
    /// e-mail, phone and address are erased in the same transaction (Decree 13/2023
    /// Art. 20: stop and delete on withdrawal).
    public func withdrawConsent(subjectID: UUID, consentID: UUID, actor: Actor) async throws -> ConsentDTO {
        let subject = try await visiblePerson(subjectID, actor: actor)
        guard let c = try await Consent.find(consentID, on: db), c.subjectID == subjectID else {
            throw DomainError.notFound(entity: "consent")
        }
        var mayWithdraw = actor.personID == c.grantedByID || actor.personID == subjectID
        if !mayWithdraw, let me = actor.personID { mayWithdraw = try await Scope.isGuardian(me, of: subjectID, on: db) }
        if !mayWithdraw { mayWithdraw = try await canManage(personID: subjectID, actor: actor) }
        guard mayWithdraw else { throw DomainError.forbidden() }
        if c.withdrawnAt != nil { return dto(c) }
        c.withdrawnAt = ctx.clock.now()
        c.withdrawnByID = actor.personID
        let org = try await subject.orgID.asyncMap { try await Organisation.find($0, on: db) } ?? nil
        try await db.transaction { tx in
            try await c.save(on: tx)
            var changes = [AuditChange(field: "consent:\(c.purpose)", before: "granted", after: "withdrawn")]
            if c.purpose == ConsentPurpose.contactDetails.rawValue,
               !(try await Consent.query(on: tx).filter(\.$subjectID == subjectID).filter(\.$purpose == c.purpose)
                    .filter(\.$withdrawnAt == nil).all().contains { $0.id != c.id }),
               isChild(birthDate: subject.birthDate, rules: ctx.rules.rules(for: subject.country)) {
                changes += AuditChange.diff([("email", subject.email, nil), ("phone", subject.phone, nil), ("address", subject.address, nil)])
                subject.email = nil
                subject.phone = nil
                subject.address = nil
                try await subject.save(on: tx)
            }
            try await ctx.audit.record(on: tx, actor: actor, action: "consent.withdraw", entityType: "person", entityID: subjectID,
                                       orgID: org?.id, orgPath: org?.path ?? "/", changes: changes)
        }
        return dto(c)
    }

    /// What the actor may do about a person's consents, for the person page: a linked
    /// guardian (or an adult for themselves) gives and withdraws; the page asks for the
    /// child's agreement where the country requires it.
    public func consentPanel(subjectID: UUID, actor: Actor) async throws -> ConsentPanel {
        let subject = try await visiblePerson(subjectID, actor: actor)
        let rules = ctx.rules.rules(for: subject.country)
        let child = isChild(birthDate: subject.birthDate, rules: rules)
        var grantor: UUID?
        if let me = actor.personID {
            if me == subjectID, !child { grantor = me }
            if me != subjectID, try await Scope.isGuardian(me, of: subjectID, on: db) { grantor = me }
        }
        var needsAgreement = false
        if child, let from = rules.childOwnConsentFrom, let b = subject.birthDate,
           let age = DateOnly.age(birthDate: b, on: ctx.clock.now()), age >= from { needsAgreement = true }
        let active = try await Consent.query(on: db).filter(\.$subjectID == subjectID).filter(\.$withdrawnAt == nil).all()
        return ConsentPanel(grantorID: grantor, needsChildAgreement: needsAgreement,
                            purposes: ConsentPurpose.allCases.map { p in
                                ConsentPanel.Purpose(purpose: p.rawValue, activeConsentID: active.first { $0.purpose == p.rawValue }?.id)
                            })
    }

    public func consents(of subjectID: UUID, actor: Actor) async throws -> [ConsentDTO] {
        _ = try await visiblePerson(subjectID, actor: actor)
        return try await Consent.query(on: db).filter(\.$subjectID == subjectID).sort(\.$grantedAt, .descending).all().map(dto)
    }

    func dto(_ c: Consent) -> ConsentDTO {
        ConsentDTO(id: c.id!, subjectID: c.subjectID, purpose: c.purpose, grantedByID: c.grantedByID,
                   grantedByRelationship: c.grantedByRelationship, childAgreed: c.childAgreed,
                   policyVersion: c.policyVersion, grantedAt: c.grantedAt, withdrawnAt: c.withdrawnAt,
                   active: c.withdrawnAt == nil)
    }
}

public struct ConsentPanel: Sendable {
    public struct Purpose: Sendable {
        public var purpose: String
        public var activeConsentID: UUID?
    }
    /// Who would be recorded as giving consent when the actor does; nil when the actor may not.
    public var grantorID: UUID?
    public var needsChildAgreement: Bool
    public var purposes: [Purpose]
}
