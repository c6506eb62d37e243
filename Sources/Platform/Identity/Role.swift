import Foundation

/// Roles a person holds at an organisation. Stored as strings so new roles need no
/// migration; the level (national, provincial, district) comes from the organisation
/// where the role is held, not from the role name.
public enum Role: String, Sendable, Codable, CaseIterable {
    /// Full management of the organisation's subtree (national/provincial administrator).
    case administrator
    /// Education official: oversees the subtree (national, provincial, district office).
    case official
    /// Principal or school administrator: manages one school.
    case schoolAdmin
    case teacher
    case homeroomTeacher
    case pupil
    case guardian
    case providerAdmin
    case inspector
    /// Reviews and publishes learning resources for the organisation where the role is held.
    case curator
}

/// What a role allows, and where. Services ask for a capability on an organisation path;
/// a grant reaches its organisation's whole subtree.
public enum Capability: String, Sendable, CaseIterable {
    /// See organisations (names, kinds, structure).
    case viewOrganisations
    /// See people and their roles.
    case viewPeople
    /// Create and edit people, roles, guardianship, consent; import rosters.
    case managePeople
    /// Create, rename and move organisations.
    case manageOrganisations
    /// Browse the audit log.
    case viewAudit
    /// Make learning resources owned by the organisation (drafts, versions, submission).
    case contributeResources
    /// Review resources submitted for publication at the organisation and publish them.
    case reviewResources
    /// Keep question banks and write items, tests and exams.
    case authorAssessments
}

extension Role {
    /// Capabilities of a grant of this role held at an organisation of `kind`.
    /// Teachers see people only through classes they teach: a teacher role at a school
    /// is staff membership and reaches nobody's records.
    public func capabilities(atKind kind: OrgKind) -> Set<Capability> {
        switch self {
        case .administrator:
            return Set(Capability.allCases)
        case .schoolAdmin:
            return [.viewOrganisations, .viewPeople, .managePeople, .manageOrganisations, .viewAudit, .contributeResources, .authorAssessments]
        case .providerAdmin:
            return [.viewOrganisations, .viewPeople, .managePeople, .viewAudit, .contributeResources, .authorAssessments]
        case .curator:
            return [.viewOrganisations, .reviewResources, .contributeResources, .authorAssessments]
        case .official:
            return [.viewOrganisations, .viewPeople, .viewAudit]
        case .inspector:
            return [.viewOrganisations]
        case .teacher, .homeroomTeacher:
            return kind == .class ? [.viewOrganisations, .viewPeople, .contributeResources, .authorAssessments]
                                  : [.viewOrganisations, .contributeResources, .authorAssessments]
        case .pupil, .guardian:
            return [.viewOrganisations]
        }
    }
}
