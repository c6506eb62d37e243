import Foundation
import FluentKit

/// A question bank: items owned together. Today a teacher's own bank; banks owned by a
/// school, district, province or the nation, reviewed and published like the Library's
/// resources, come next (issue #4, "Banks and sharing").
final class QuestionBank: Model, @unchecked Sendable {
    static let schema = "question_banks"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "owner_id") var ownerID: UUID
    @Field(key: "item_count") var itemCount: Int
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

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
