import Foundation
import FluentKit

/// A country's curriculum framework (Vietnam's 2018 general education programme, a
/// Chinese textbook series): a tree of subject > grade > [series > edition >] unit > lesson.
final class CurriculumFramework: Model, @unchecked Sendable {
    static let schema = "curriculum_frameworks"

    @ID(key: .id) var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "country") var country: String
    @Field(key: "name") var name: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

final class CurriculumNode: Model, @unchecked Sendable {
    static let schema = "curriculum_nodes"

    @ID(key: .id) var id: UUID?
    @Field(key: "framework_id") var frameworkID: UUID
    @OptionalField(key: "parent_id") var parentID: UUID?
    @Field(key: "kind") var kind: String
    @Field(key: "code") var code: String
    /// Codes from the subject down, `math/10/u1/l2/`: one prefix match finds a subtree.
    @Field(key: "path") var path: String
    @Field(key: "name") var name: String
    @Field(key: "position") var position: Int
    @Field(key: "subject") var subject: String
    @Field(key: "grade") var grade: String

    init() {}
}
