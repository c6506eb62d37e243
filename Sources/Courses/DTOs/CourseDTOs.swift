import Foundation
import Platform

/// The three kinds of course, one model.
public enum CourseKind: String, Sendable, Codable, CaseIterable {
    /// A school class's subject for a term; the class's pupils are its learners.
    case `class`
    /// Open to anyone: a public catalogue page and self-enrolment.
    case mooc
    /// A small private course: learners join with a code or are invited by name.
    case spoc
}

public enum CourseStatus: String, Sendable, Codable, CaseIterable {
    case draft, published, archived
}

/// How learners come into a course.
public enum EnrolmentMode: String, Sendable, Codable, CaseIterable {
    /// A class course: the class's pupils, kept in step with the directory.
    case roster
    /// Anyone signed in may enrol (MOOCs).
    case open
    /// With the course's join code (SPOCs).
    case code
    /// Only people a teacher names.
    case invite
    /// Nobody new.
    case closed
}

public struct NewCourse: Sendable, Codable {
    public var kind: String
    public var title: String
    public var description: String?
    public var orgId: UUID
    public var subject: String?
    public var grade: String?
    public var term: String?
    public var language: String?
    public var enrolment: String?
    public var joinCode: String?
    public var capacity: Int?
    public var startsOn: String?
    public var endsOn: String?

    public init(kind: String, title: String, orgId: UUID) {
        self.kind = kind
        self.title = title
        self.orgId = orgId
    }
}

/// A change of a course's settings; absent fields stay as they are.
public struct CoursePatch: Sendable, Codable {
    public var title: String?
    public var description: String?
    public var status: String?
    public var enrolment: String?
    public var joinCode: String?
    public var capacity: Int?
    public var startsOn: String?
    public var endsOn: String?
    public var subject: String?
    public var grade: String?
    public var term: String?

    public init() {}
}

public struct CourseDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var kind: String
    public var title: String
    public var description: String
    public var subject: String?
    public var grade: String?
    public var term: String?
    public var language: String
    public var orgId: UUID
    public var status: String
    public var enrolment: String
    /// Only for the course's teachers.
    public var joinCode: String?
    public var capacity: Int?
    public var learnerCount: Int
    public var startsOn: String?
    public var endsOn: String?
    /// The caller's relation to the course: teacher, learner, guardian, overseer or visitor.
    public var role: String
    public var enrolled: Bool
    /// Changes with every change of the outline (units, lessons, items and their order).
    public var outlineRevision: Int
    /// A learner's own progress (in the detail view only).
    public var progress: CourseProgressSummary?
    /// The next periods of the timetable (in the detail view, not for visitors; at most 10).
    public var upcoming: [SlotDTO]?
    /// Units with their lessons and items (in the detail view only).
    public var units: [UnitDTO]?
}

public struct CourseProgressSummary: Sendable, Codable, Equatable {
    public var completed: Int
    public var total: Int
    public var percent: Int
    public var completedAt: Date?
}

public struct UnitDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var title: String
    public var lessons: [LessonDTO]
}

public struct LessonDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var unitId: UUID
    public var title: String
    public var items: [CourseItemDTO]
}

public struct CourseItemDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var lessonId: UUID
    public var kind: String
    public var title: String
    public var refId: UUID?
    public var refKind: String?
    public var url: String?
    /// A page's text; for visitors who have not enrolled, left out.
    public var body: String?
    public var completion: CompletionRule
    public var dueAt: Date?
    public var acceptLate: Bool
    public var maxPoints: Double?
    /// The caller's own record of the item (learners only).
    public var progress: ItemProgressDTO?
}

public struct NewCourseItem: Sendable, Codable {
    public var kind: String
    public var title: String?
    public var refId: UUID?
    public var url: String?
    public var body: String?
    public var completion: CompletionRule?
    public var dueAt: Date?
    public var acceptLate: Bool?
    public var maxPoints: Double?

    public init(kind: String, title: String? = nil) {
        self.kind = kind
        self.title = title
    }
}

public struct ItemProgressDTO: Sendable, Codable, Equatable {
    public var itemId: UUID
    public var viewed: Bool
    public var percent: Int
    public var position: Double?
    public var submitted: Bool
    public var score: Double?
    public var completed: Bool
    public var completedAt: Date?
}

/// What a learner did with an item, as the player reports it.
public struct ProgressEvent: Sendable, Codable {
    /// `viewed` or `watched` (a video's or audio's share and where it stopped).
    public var event: String
    public var percent: Int?
    public var position: Double?

    public init(event: String, percent: Int? = nil, position: Double? = nil) {
        self.event = event
        self.percent = percent
        self.position = position
    }
}

/// One learner's progress through a course.
public struct CourseProgressDTO: Sendable, Codable, Equatable {
    public var courseId: UUID
    public var personId: UUID
    public var completed: Int
    public var total: Int
    public var percent: Int
    public var units: [UnitProgressDTO]
    public var items: [ItemProgressDTO]
    public var completedAt: Date?
}

public struct UnitProgressDTO: Sendable, Codable, Equatable {
    public var unitId: UUID
    public var completed: Int
    public var total: Int
}

/// A row of the teacher's view of who is where, and who is behind and why.
public struct LearnerRowDTO: Sendable, Codable, Equatable {
    public var personId: UUID
    public var name: String
    public var username: String?
    public var completed: Int
    public var total: Int
    public var percent: Int
    /// Items past their due date and not done.
    public var overdue: Int
    public var lastActivity: Date?
    public var behind: Bool
    /// Why: `overdue`, `pace` (well under the share of the course's time gone), `inactive`.
    public var reasons: [String]
    public var completedAt: Date?
}

public struct EnrolRequest: Sendable, Codable {
    public var code: String?
    /// Teachers: enrol these people by username (a SPOC's cohort, an invited learner).
    public var usernames: [String]?

    public init(code: String? = nil, usernames: [String]? = nil) {
        self.code = code
        self.usernames = usernames
    }
}

public struct EnrolResultDTO: Sendable, Codable, Equatable {
    public var enrolled: [String]
    public var already: [String]
    public var unknown: [String]
    public var course: CourseDTO
}

public struct SubmissionDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var itemId: UUID
    public var personId: UUID
    public var name: String?
    public var text: String
    public var fileName: String?
    public var fileSize: Int?
    public var submittedAt: Date
    public var late: Bool
    public var points: Double?
    public var maxPoints: Double?
    public var feedback: String?
    public var gradedAt: Date?
}

public struct NewSubmission: Sendable, Codable {
    public var text: String?
    public init(text: String?) { self.text = text }
}

public struct GradeInput: Sendable, Codable {
    public var points: Double
    public var feedback: String?
    public init(points: Double, feedback: String? = nil) {
        self.points = points
        self.feedback = feedback
    }
}

/// A finished course, as areas that listen (credentials) receive it.
public struct CourseCompletionEvent: Sendable, Codable, Equatable {
    public var courseId: UUID
    public var personId: UUID
    public var orgId: UUID
    public var completedAt: Date
}
