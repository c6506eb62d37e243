import Foundation
import FluentKit

/// A course of any kind: a class's subject for a term, a MOOC open to everyone, or a SPOC
/// for one cohort. One model, because what differs is who may enrol, not what a course is.
final class Course: Model, @unchecked Sendable {
    static let schema = "courses"

    @ID(key: .id) var id: UUID?
    @Field(key: "kind") var kind: String
    @Field(key: "title") var title: String
    @Field(key: "description") var description: String
    @OptionalField(key: "subject") var subject: String?
    @OptionalField(key: "grade") var grade: String?
    @OptionalField(key: "term") var term: String?
    @Field(key: "language") var language: String
    /// The owning organisation (for a class course, the class).
    @Field(key: "org_id") var orgID: UUID
    @Field(key: "org_path") var orgPath: String
    @Field(key: "owner_id") var ownerID: UUID
    @Field(key: "status") var status: String
    @Field(key: "enrolment") var enrolment: String
    @OptionalField(key: "join_code") var joinCode: String?
    @OptionalField(key: "capacity") var capacity: Int?
    /// Active learners, kept with each enrolment so a full course is refused by one guarded
    /// update, and a catalogue of MOOCs needs no count over 100,000 rows.
    @Field(key: "learner_count") var learnerCount: Int
    @OptionalField(key: "starts_on") var startsOn: String?
    @OptionalField(key: "ends_on") var endsOn: String?
    /// Bumped by every change of the outline; the cached outline is keyed by it.
    @Field(key: "outline_rev") var outlineRev: Int
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// A teacher of a course beyond its owner (co-teacher or assistant).
final class CourseStaff: Model, @unchecked Sendable {
    static let schema = "course_staff"

    @ID(key: .id) var id: UUID?
    @Field(key: "course_id") var courseID: UUID
    @Field(key: "person_id") var personID: UUID
    @Field(key: "role") var role: String

    init() {}
}

final class CourseUnit: Model, @unchecked Sendable {
    static let schema = "course_units"

    @ID(key: .id) var id: UUID?
    @Field(key: "course_id") var courseID: UUID
    @Field(key: "position") var position: Int
    @Field(key: "title") var title: String

    init() {}
}

final class Lesson: Model, @unchecked Sendable {
    static let schema = "lessons"

    @ID(key: .id) var id: UUID?
    @Field(key: "course_id") var courseID: UUID
    @Field(key: "unit_id") var unitID: UUID
    @Field(key: "position") var position: Int
    @Field(key: "title") var title: String

    init() {}
}

/// One thing to do in a lesson, with the rule that makes it complete.
final class LessonItem: Model, @unchecked Sendable {
    static let schema = "lesson_items"

    @ID(key: .id) var id: UUID?
    @Field(key: "course_id") var courseID: UUID
    @Field(key: "lesson_id") var lessonID: UUID
    @Field(key: "position") var position: Int
    @Field(key: "kind") var kind: String
    @Field(key: "title") var title: String
    /// The Library resource or the exam this item shows.
    @OptionalField(key: "ref_id") var refID: UUID?
    /// A Library resource's kind, kept so the rule check and the player need no lookup.
    @OptionalField(key: "ref_kind") var refKind: String?
    @OptionalField(key: "url") var url: String?
    @OptionalField(key: "body") var body: String?
    @Field(key: "rule") var rule: String
    @OptionalField(key: "threshold") var threshold: Double?
    @OptionalField(key: "due_at") var dueAt: Date?
    @Field(key: "accept_late") var acceptLate: Bool
    @OptionalField(key: "max_points") var maxPoints: Double?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

final class Enrolment: Model, @unchecked Sendable {
    static let schema = "enrolments"

    @ID(key: .id) var id: UUID?
    @Field(key: "course_id") var courseID: UUID
    @Field(key: "person_id") var personID: UUID
    /// roster (a class's pupil), self (MOOC), code (SPOC code), invite (named by a teacher).
    @Field(key: "source") var source: String
    @Field(key: "status") var status: String
    @Field(key: "org_id") var orgID: UUID
    @Field(key: "enrolled_at") var enrolledAt: Date
    @OptionalField(key: "left_at") var leftAt: Date?

    init() {}
}

/// Where one learner stands on one item.
final class ItemProgress: Model, @unchecked Sendable {
    static let schema = "item_progress"

    @ID(key: .id) var id: UUID?
    @Field(key: "course_id") var courseID: UUID
    @Field(key: "item_id") var itemID: UUID
    @Field(key: "person_id") var personID: UUID
    @OptionalField(key: "viewed_at") var viewedAt: Date?
    /// The furthest share of a video or audio heard, 0-100.
    @Field(key: "percent") var percent: Int
    /// Where playback stopped (seconds), to resume there.
    @OptionalField(key: "position") var position: Double?
    @OptionalField(key: "submitted_at") var submittedAt: Date?
    /// Best score as a percentage of the maximum.
    @OptionalField(key: "score") var score: Double?
    @OptionalField(key: "completed_at") var completedAt: Date?
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// What a learner handed in for an assignment; a new submission replaces the text of the
/// last one only until it is graded.
final class Submission: Model, @unchecked Sendable {
    static let schema = "course_submissions"

    @ID(key: .id) var id: UUID?
    @Field(key: "course_id") var courseID: UUID
    @Field(key: "item_id") var itemID: UUID
    @Field(key: "person_id") var personID: UUID
    @Field(key: "text") var text: String
    @OptionalField(key: "blob") var blob: String?
    @OptionalField(key: "file_name") var fileName: String?
    @OptionalField(key: "file_size") var fileSize: Int?
    @Field(key: "submitted_at") var submittedAt: Date
    @Field(key: "late") var late: Bool
    @OptionalField(key: "points") var points: Double?
    @OptionalField(key: "feedback") var feedback: String?
    @OptionalField(key: "graded_by") var gradedBy: UUID?
    @OptionalField(key: "graded_at") var gradedAt: Date?

    init() {}
}

/// A learner finished a course: written once, read by later areas (credentials).
final class CourseCompletion: Model, @unchecked Sendable {
    static let schema = "course_completions"

    @ID(key: .id) var id: UUID?
    @Field(key: "course_id") var courseID: UUID
    @Field(key: "person_id") var personID: UUID
    @Field(key: "org_id") var orgID: UUID
    @Field(key: "completed_at") var completedAt: Date

    init() {}
}

/// A message in a discussion item: learners and teachers of the course write, all of them read.
final class DiscussionPost: Model, @unchecked Sendable {
    static let schema = "discussion_posts"

    @ID(key: .id) var id: UUID?
    @Field(key: "course_id") var courseID: UUID
    @Field(key: "item_id") var itemID: UUID
    @Field(key: "person_id") var personID: UUID
    @Field(key: "body") var body: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}
