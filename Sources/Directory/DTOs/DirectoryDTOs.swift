import Foundation
import Platform

public struct OrgDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var kind: String
    public var code: String
    public var parentID: UUID?
    public var path: String
    public var name: LocalizedText
    public var displayName: String
    public var country: String
    public var timeZone: String
    public var status: String

    enum CodingKeys: String, CodingKey {
        case id, kind, code, parentID = "parentId", path, name, displayName, country, timeZone, status
    }
}

public struct RoleDTO: Sendable, Codable, Equatable {
    public var role: String
    public var orgID: UUID
    public var orgName: String
    public var orgKind: String

    enum CodingKeys: String, CodingKey { case role, orgID = "orgId", orgName, orgKind }
}

public struct PersonDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var fullName: String
    public var familyName: String
    public var middleName: String
    public var givenName: String
    public var birthDate: String?
    public var gender: String
    public var country: String
    public var nationalID: String?
    public var email: String?
    public var phone: String?
    public var address: String?
    public var preferredLanguage: String
    public var username: String?
    public var orgID: UUID?
    public var roles: [RoleDTO]
    public var status: String

    enum CodingKeys: String, CodingKey {
        case id, fullName, familyName, middleName, givenName, birthDate, gender, country
        case nationalID = "nationalId", email, phone, address, preferredLanguage, username
        case orgID = "orgId", roles, status
    }
}

public struct PersonSummaryDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var fullName: String
    public var birthDate: String?
    public var roles: [String]
}

public struct GuardianLinkDTO: Sendable, Codable, Equatable {
    public var guardianID: UUID
    public var guardianName: String
    public var pupilID: UUID
    public var pupilName: String
    public var relationship: String

    enum CodingKeys: String, CodingKey {
        case guardianID = "guardianId", guardianName, pupilID = "pupilId", pupilName, relationship
    }
}

public struct ConsentDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var subjectID: UUID
    public var purpose: String
    public var grantedByID: UUID
    public var grantedByRelationship: String
    public var childAgreed: Bool
    public var policyVersion: String
    public var grantedAt: Date
    public var withdrawnAt: Date?
    public var active: Bool

    enum CodingKeys: String, CodingKey {
        case id, subjectID = "subjectId", purpose, grantedByID = "grantedById", grantedByRelationship
        case childAgreed, policyVersion, grantedAt, withdrawnAt, active
    }
}

public struct AuditEventDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var at: Date
    public var actorID: UUID?
    public var actorName: String
    public var actingAs: String
    public var action: String
    public var entityType: String
    public var entityID: UUID?
    public var orgPath: String
    public var changes: [AuditChange]
    public var ip: String?
    public var requestID: String?

    enum CodingKeys: String, CodingKey {
        case id, at, actorID = "actorId", actorName, actingAs, action, entityType
        case entityID = "entityId", orgPath, changes, ip, requestID = "requestId"
    }
}

/// Input for a new person (API, pages, CLI and import share it).
public struct NewPerson: Sendable, Codable {
    public var familyName: String
    public var middleName: String?
    public var givenName: String
    public var birthDate: String?
    public var gender: String?
    public var country: String?
    public var nationalID: String?
    public var email: String?
    public var phone: String?
    public var address: String?
    public var preferredLanguage: String?
    public var username: String?
    public var password: String?
    public var orgID: UUID
    public var role: String

    enum CodingKeys: String, CodingKey {
        case familyName, middleName, givenName, birthDate, gender, country, nationalID = "nationalId"
        case email, phone, address, preferredLanguage, username, password, orgID = "orgId", role
    }

    public init(familyName: String, middleName: String? = nil, givenName: String, birthDate: String? = nil,
                gender: String? = nil, country: String? = nil, nationalID: String? = nil, email: String? = nil,
                phone: String? = nil, address: String? = nil, preferredLanguage: String? = nil,
                username: String? = nil, password: String? = nil, orgID: UUID, role: String) {
        self.familyName = familyName
        self.middleName = middleName
        self.givenName = givenName
        self.birthDate = birthDate
        self.gender = gender
        self.country = country
        self.nationalID = nationalID
        self.email = email
        self.phone = phone
        self.address = address
        self.preferredLanguage = preferredLanguage
        self.username = username
        self.password = password
        self.orgID = orgID
        self.role = role
    }
}

/// A partial update: nil leaves a field as it is, "" clears an optional field.
public struct PersonPatch: Sendable, Codable {
    public var familyName: String?
    public var middleName: String?
    public var givenName: String?
    public var birthDate: String?
    public var gender: String?
    public var email: String?
    public var phone: String?
    public var address: String?
    public var preferredLanguage: String?
    public var nationalID: String?

    enum CodingKeys: String, CodingKey {
        case familyName, middleName, givenName, birthDate, gender, email, phone, address, preferredLanguage
        case nationalID = "nationalId"
    }

    public init(familyName: String? = nil, middleName: String? = nil, givenName: String? = nil,
                birthDate: String? = nil, gender: String? = nil, email: String? = nil, phone: String? = nil,
                address: String? = nil, preferredLanguage: String? = nil, nationalID: String? = nil) {
        self.familyName = familyName
        self.middleName = middleName
        self.givenName = givenName
        self.birthDate = birthDate
        self.gender = gender
        self.email = email
        self.phone = phone
        self.address = address
        self.preferredLanguage = preferredLanguage
        self.nationalID = nationalID
    }
}

public struct NewOrganisation: Sendable, Codable {
    public var kind: String
    public var code: String
    public var parentID: UUID?
    public var name: LocalizedText
    public var country: String?
    public var timeZone: String?

    enum CodingKeys: String, CodingKey { case kind, code, parentID = "parentId", name, country, timeZone }

    public init(kind: String, code: String, parentID: UUID?, name: LocalizedText, country: String? = nil, timeZone: String? = nil) {
        self.kind = kind
        self.code = code
        self.parentID = parentID
        self.name = name
        self.country = country
        self.timeZone = timeZone
    }
}
