import Foundation
import FluentKit

/// A test or exam: a fixed paper of item versions from one bank, taken by the pupils of an
/// organisation (a class, a school) within a window, each attempt limited in time.
final class Exam: Model, @unchecked Sendable {
    static let schema = "exams"

    @ID(key: .id) var id: UUID?
    @Field(key: "owner_id") var ownerID: UUID
    @Field(key: "bank_id") var bankID: UUID
    @Field(key: "title") var title: String
    @Field(key: "org_id") var orgID: UUID
    @Field(key: "org_path") var orgPath: String
    @Field(key: "opens_at") var opensAt: Date
    @Field(key: "closes_at") var closesAt: Date
    @Field(key: "duration_seconds") var durationSeconds: Int
    @Field(key: "max_attempts") var maxAttempts: Int
    @Field(key: "max_score") var maxScore: Double
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "purpose") var purpose: String
    @OptionalField(key: "access_code") var accessCode: String?
    @OptionalField(key: "late_start_seconds") var lateStartSeconds: Int?
    @Field(key: "results") var results: String
    @OptionalField(key: "results_released_at") var resultsReleasedAt: Date?
    /// The exam matrix as JSON (`[MatrixCell]`) when each attempt draws its own paper.
    @OptionalField(key: "matrix") var matrix: String?
    /// Raised by a key correction (see `regrade`): grading reads the paper of this revision.
    @Field(key: "paper_rev") var paperRev: Int
    /// Adaptive settings as JSON (`AdaptiveSettings`) when the exam picks each next question.
    @OptionalField(key: "adaptive") var adaptive: String?

    init() {}
}

/// More time for a named pupil in one exam (a pupil with a disability, a late bus).
final class ExamExtraTime: Model, @unchecked Sendable {
    static let schema = "exam_extra_time"

    @ID(key: .id) var id: UUID?
    @Field(key: "exam_id") var examID: UUID
    @Field(key: "person_id") var personID: UUID
    @Field(key: "seconds") var seconds: Int

    init() {}
}

/// One question of an exam's paper: the item version every attempt sees, prepared when the
/// exam is made so that starting an attempt does no work.
final class ExamSlot: Model, @unchecked Sendable {
    static let schema = "exam_slots"

    @ID(key: .id) var id: UUID?
    @Field(key: "exam_id") var examID: UUID
    @Field(key: "slot") var slot: Int
    @Field(key: "item_id") var itemID: UUID
    @Field(key: "version") var version: Int
    @Field(key: "points") var points: Double

    init() {}
}

final class Attempt: Model, @unchecked Sendable {
    static let schema = "attempts"

    @ID(key: .id) var id: UUID?
    @Field(key: "exam_id") var examID: UUID
    @Field(key: "person_id") var personID: UUID
    @Field(key: "number") var number: Int
    @Field(key: "started_at") var startedAt: Date
    @Field(key: "deadline_at") var deadlineAt: Date
    @OptionalField(key: "submitted_at") var submittedAt: Date?
    @OptionalField(key: "score") var score: Double?
    /// Adaptive exams: the Rasch ability (logits) and its standard error at hand-in.
    @OptionalField(key: "ability") var ability: Double?
    @OptionalField(key: "ability_se") var abilitySE: Double?

    init() {}
}
