import Foundation
import FluentKit
import Platform

/// A node of the organisation tree. `path` is the materialised ancestry of codes
/// (`/vn/19/164/19000101/`), rewritten for the whole subtree on a move; `id` never changes,
/// so everything that points at a school survives a move.
public final class Organisation: Model, @unchecked Sendable {
    public static let schema = "organisations"

    // managed fields
    @ID(key: .id) public var id: UUID?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    // data fields
    @Field(key: "kind") public var kind: String
    @Field(key: "code") public var code: String
    @OptionalField(key: "parent_id") public var parentID: UUID?
    @Field(key: "path") public var path: String
    @Field(key: "depth") public var depth: Int
    @Field(key: "name") public var nameJSON: String
    @Field(key: "name_search") public var nameSearch: String
    @Field(key: "country") public var country: String
    @Field(key: "time_zone") public var timeZone: String
    @Field(key: "status") public var status: String
    @OptionalField(key: "sourced_id") public var sourcedID: String?
    @Field(key: "attributes") public var attributesJSON: String

    public init() {}

    public var orgKind: OrgKind { OrgKind(rawValue: kind) ?? .other }
    public var name: LocalizedText {
        get { LocalizedText.fromJSON(nameJSON) }
        set {
            nameJSON = newValue.jsonString()
            nameSearch = TextFolding.fold(newValue.values.values.sorted().joined(separator: " "))
        }
    }
}

/// History of a move: where an organisation sat before, so reports for past years can
/// still roll a school up under the district it then belonged to.
public final class OrgMove: Model, @unchecked Sendable {
    public static let schema = "org_moves"

    @ID(key: .id) public var id: UUID?
    @Field(key: "org_id") public var orgID: UUID
    @OptionalField(key: "from_parent_id") public var fromParentID: UUID?
    @Field(key: "to_parent_id") public var toParentID: UUID
    @Field(key: "from_path") public var fromPath: String
    @Field(key: "to_path") public var toPath: String
    @Field(key: "moved_at") public var movedAt: Date
    @OptionalField(key: "moved_by") public var movedBy: UUID?

    public init() {}
}
