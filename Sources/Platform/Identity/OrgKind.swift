import Foundation

/// Kinds of organisation. The school system is a tree nation > province > district >
/// school > class; universities, providers and other bodies hang where they belong.
public enum OrgKind: String, Sendable, Codable, CaseIterable {
    case nation, province, district, school, `class`, university, provider, department, other

    /// Which kinds may sit directly under this one. Keeps the tree believable without
    /// forbidding the odd shapes real systems have (a university directly under a nation).
    public var allowedChildren: Set<OrgKind> {
        switch self {
        case .nation: [.province, .university, .provider, .other, .department]
        case .province: [.district, .school, .university, .provider, .other, .department]
        case .district: [.school, .other, .department]
        case .school: [.class, .department]
        case .university: [.department, .class]
        case .provider: [.department, .class]
        case .department: [.class, .department]
        case .other: [.department, .other]
        case .class: []
        }
    }
}
