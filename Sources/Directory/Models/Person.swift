import Foundation
import FluentKit
import Platform

/// One human being. Names are stored in parts plus the order the person's culture writes
/// them in; `searchName` is folded (no diacritics) and `sortKey` follows the local rule
/// (Vietnamese lists sort by given name first).
public final class Person: Model, @unchecked Sendable {
    public static let schema = "people"

    // managed fields
    @ID(key: .id) public var id: UUID?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    // data fields
    @Field(key: "family_name") public var familyName: String
    @Field(key: "middle_name") public var middleName: String
    @Field(key: "given_name") public var givenName: String
    @Field(key: "name_order") public var nameOrder: String
    @Field(key: "full_name") public var fullName: String
    @Field(key: "search_name") public var searchName: String
    @Field(key: "sort_key") public var sortKey: String
    @OptionalField(key: "birth_date") public var birthDate: String?
    @Field(key: "gender") public var gender: String
    @Field(key: "country") public var country: String
    @OptionalField(key: "national_id") public var nationalID: String?
    @OptionalField(key: "email") public var email: String?
    @OptionalField(key: "phone") public var phone: String?
    @OptionalField(key: "address") public var address: String?
    @Field(key: "preferred_locale") public var preferredLocale: String
    @OptionalField(key: "org_id") public var orgID: UUID?
    @OptionalField(key: "sourced_id") public var sourcedID: String?
    @Field(key: "status") public var status: String

    public init() {}
}

/// The sign-in account of a person: one per person.
public final class Account: Model, @unchecked Sendable {
    public static let schema = "accounts"

    @ID(key: .id) public var id: UUID?
    @Field(key: "person_id") public var personID: UUID
    @Field(key: "username") public var username: String
    @Field(key: "password_hash") public var passwordHash: String
    @Field(key: "failed_attempts") public var failedAttempts: Int
    @OptionalField(key: "locked_until") public var lockedUntil: Date?
    @OptionalField(key: "password_changed_at") public var passwordChangedAt: Date?
    @Field(key: "enabled") public var enabled: Bool

    public init() {}
}

/// A role held at an organisation; reaches the organisation's subtree.
public final class RoleGrant: Model, @unchecked Sendable {
    public static let schema = "role_grants"

    @ID(key: .id) public var id: UUID?
    @Field(key: "person_id") public var personID: UUID
    @Field(key: "org_id") public var orgID: UUID
    @Field(key: "role") public var role: String
    @OptionalField(key: "sourced_id") public var sourcedID: String?
    @OptionalField(key: "begin_date") public var beginDate: String?
    @OptionalField(key: "end_date") public var endDate: String?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}
}

/// A guardian's link to a pupil.
public final class Guardianship: Model, @unchecked Sendable {
    public static let schema = "guardianships"

    @ID(key: .id) public var id: UUID?
    @Field(key: "guardian_id") public var guardianID: UUID
    @Field(key: "pupil_id") public var pupilID: UUID
    @Field(key: "relationship") public var relationship: String
    @OptionalField(key: "org_id") public var orgID: UUID?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}
}

/// A consent record: who consented, for whom, to what, when; a withdrawal is recorded on
/// the same row (withdrawn_at/by) and stops the processing it covered.
public final class Consent: Model, @unchecked Sendable {
    public static let schema = "consents"

    @ID(key: .id) public var id: UUID?
    @Field(key: "subject_id") public var subjectID: UUID
    @Field(key: "purpose") public var purpose: String
    @Field(key: "granted_by_id") public var grantedByID: UUID
    @Field(key: "granted_by_relationship") public var grantedByRelationship: String
    @Field(key: "child_agreed") public var childAgreed: Bool
    @Field(key: "policy_version") public var policyVersion: String
    @Field(key: "granted_at") public var grantedAt: Date
    @OptionalField(key: "recorded_by_id") public var recordedByID: UUID?
    @OptionalField(key: "withdrawn_at") public var withdrawnAt: Date?
    @OptionalField(key: "withdrawn_by_id") public var withdrawnByID: UUID?
    @OptionalField(key: "org_id") public var orgID: UUID?

    public init() {}
}

/// A bearer token or a page session. Only the SHA-256 of the secret is stored, so a
/// database leak yields no usable tokens.
public final class AccessToken: Model, @unchecked Sendable {
    public static let schema = "access_tokens"

    @ID(key: .id) public var id: UUID?
    @Field(key: "person_id") public var personID: UUID
    @Field(key: "token_hash") public var tokenHash: String
    @Field(key: "kind") public var kind: String
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "expires_at") public var expiresAt: Date
    @OptionalField(key: "revoked_at") public var revokedAt: Date?
    @OptionalField(key: "ip") public var ip: String?

    public init() {}
}
