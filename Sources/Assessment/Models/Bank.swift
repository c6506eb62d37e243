import Foundation
import FluentKit

/// A question bank: items owned together, by a teacher alone or by an organisation (its
/// editors are the people who author assessments there or above), published for a scope
/// after review like the Library's resources (see `BankSharing`).
final class QuestionBank: Model, @unchecked Sendable {
    static let schema = "question_banks"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "owner_id") var ownerID: UUID
    @Field(key: "item_count") var itemCount: Int
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    @OptionalField(key: "org_id") var orgID: UUID?
    @OptionalField(key: "org_path") var orgPath: String?
    @Field(key: "status") var status: String
    @OptionalField(key: "scope_org_id") var scopeOrgID: UUID?
    @OptionalField(key: "scope_path") var scopePath: String?
    @OptionalField(key: "scope_level") var scopeLevel: String?
    @OptionalField(key: "reviewer_id") var reviewerID: UUID?
    @OptionalField(key: "submitted_at") var submittedAt: Date?
    @OptionalField(key: "published_at") var publishedAt: Date?

    init() {}
}

/// One step of a bank's review: submitted, claimed, commented, changes requested,
/// approved, withdrawn.
final class BankReview: Model, @unchecked Sendable {
    static let schema = "bank_reviews"

    @ID(key: .id) var id: UUID?
    @Field(key: "bank_id") var bankID: UUID
    @Field(key: "at") var at: Date
    @OptionalField(key: "actor_id") var actorID: UUID?
    @Field(key: "actor_name") var actorName: String
    @Field(key: "action") var action: String
    @OptionalField(key: "comment") var comment: String?

    init() {}
}

/// One question. Its content lives in versions: an edit after the item has been used in an
/// attempt makes a new version, and attempts keep the version they saw.
final class Item: Model, @unchecked Sendable {
    static let schema = "items"

    @ID(key: .id) var id: UUID?
    @Field(key: "bank_id") var bankID: UUID
    @Field(key: "type") var type: String
    @Field(key: "name") var name: String
    @Field(key: "category") var category: String
    @Field(key: "current_version") var currentVersion: Int
    /// Order in the bank: files are imported in their own order (ids made in the same
    /// millisecond do not keep it).
    @Field(key: "position") var position: Int
    /// Folded stem and answers, hashed: the same question imported twice is found.
    @Field(key: "fingerprint") var fingerprint: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "created_by") var createdBy: UUID?

    init() {}
}

final class ItemVersion: Model, @unchecked Sendable {
    static let schema = "item_versions"

    @ID(key: .id) var id: UUID?
    @Field(key: "item_id") var itemID: UUID
    @Field(key: "number") var number: Int
    /// `ItemContent` as JSON: every type in one column, read whole when an item is shown.
    @Field(key: "content") var content: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}
