import Foundation
import FluentKit
import Platform

public enum GuardianRelationship: String, Sendable, CaseIterable { case mother, father, guardian, other }

extension DirectoryService {
    /// Links a guardian to a pupil. Both must be people the actor manages.
    public func linkGuardian(guardianID: UUID, pupilID: UUID, relationship: String, actor: Actor) async throws -> GuardianLinkDTO {
        guard GuardianRelationship(rawValue: relationship) != nil else {
            throw DomainError.invalid(field: "relationship", reason: "validation.relationship")
        }
        if guardianID == pupilID { throw DomainError.invalid(field: "guardianId", reason: "validation.guardian-self") }
        let guardian = try await visiblePerson(guardianID, actor: actor)
        let pupil = try await visiblePerson(pupilID, actor: actor)
        guard try await canManage(personID: pupilID, actor: actor) else { throw DomainError.forbidden() }
        if let existing = try await Guardianship.query(on: db).filter(\.$guardianID == guardianID).filter(\.$pupilID == pupilID).first() {
            return GuardianLinkDTO(guardianID: guardianID, guardianName: guardian.fullName, pupilID: pupilID,
                                   pupilName: pupil.fullName, relationship: existing.relationship)
        }
        let org = try await pupil.orgID.asyncMap { try await Organisation.find($0, on: db) } ?? nil
        try await db.transaction { tx in
            let link = Guardianship()
            link.guardianID = guardianID
            link.pupilID = pupilID
            link.relationship = relationship
            link.orgID = pupil.orgID
            try await link.create(on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "guardian.link", entityType: "person", entityID: pupilID,
                                       orgID: org?.id, orgPath: org?.path ?? "/",
                                       changes: [AuditChange(field: "guardian", before: nil, after: "\(guardianID.uuidString) (\(relationship))")])
        }
        return GuardianLinkDTO(guardianID: guardianID, guardianName: guardian.fullName, pupilID: pupilID,
                               pupilName: pupil.fullName, relationship: relationship)
    }

    /// Links a guardian named by username or national ID, as a school office types it. The
    /// guardian must be someone the actor may see; an unknown name is a validation error,
    /// not a 404, so the form can say which field is wrong.
    public func linkGuardian(identifiedBy identifier: String, pupilID: UUID, relationship: String, actor: Actor) async throws -> GuardianLinkDTO {
        let key = identifier.trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty, key.count <= 64 else { throw DomainError.invalid(field: "guardian", reason: "validation.required") }
        var personID = try await Account.query(on: db).filter(\.$username == AccountRules.normaliseUsername(key)).first()?.personID
        if personID == nil {
            personID = try await Person.query(on: db).filter(\.$nationalID == NationalID.normalise(key)).first()?.id
        }
        guard let guardianID = personID, try await canView(personID: guardianID, actor: actor) else {
            throw DomainError.invalid(field: "guardian", reason: "validation.guardian-unknown", arguments: [key])
        }
        return try await linkGuardian(guardianID: guardianID, pupilID: pupilID, relationship: relationship, actor: actor)
    }

    /// Guardians of a pupil and wards of a guardian, as far as the actor may see them.
    public func guardianLinks(of personID: UUID, actor: Actor) async throws -> [GuardianLinkDTO] {
        _ = try await visiblePerson(personID, actor: actor)
        let links = try await Guardianship.query(on: db).group(.or) {
            $0.filter(\.$guardianID == personID).filter(\.$pupilID == personID)
        }.all()
        let ids = Array(Set(links.flatMap { [$0.guardianID, $0.pupilID] }))
        let people = Dictionary(uniqueKeysWithValues: try await Person.query(on: db).filter(\.$id ~~ ids).all().map { ($0.id!, $0) })
        var out: [GuardianLinkDTO] = []
        for l in links {
            let other = l.guardianID == personID ? l.pupilID : l.guardianID
            guard try await canView(personID: other, actor: actor) else { continue }
            out.append(GuardianLinkDTO(guardianID: l.guardianID, guardianName: people[l.guardianID]?.fullName ?? "",
                                       pupilID: l.pupilID, pupilName: people[l.pupilID]?.fullName ?? "", relationship: l.relationship))
        }
        return out
    }
}
