import Foundation
import FluentKit

/// A OneRoster academic session (school year, semester, term, grading period).
public final class AcademicSession: Model, @unchecked Sendable {
    public static let schema = "academic_sessions"

    @ID(key: .id) public var id: UUID?
    @Field(key: "sourced_id") public var sourcedID: String
    @Field(key: "title") public var title: String
    @Field(key: "kind") public var kind: String
    @Field(key: "start_date") public var startDate: String
    @Field(key: "end_date") public var endDate: String
    @OptionalField(key: "parent_sourced_id") public var parentSourcedID: String?
    @Field(key: "school_year") public var schoolYear: String
    @Field(key: "status") public var status: String
    @OptionalField(key: "org_id") public var orgID: UUID?

    public init() {}
}

/// A catalogue course as rostering systems send it (title, code, grades, subjects).
/// The Courses area builds taught courses on top of these.
public final class CatalogCourse: Model, @unchecked Sendable {
    public static let schema = "catalog_courses"

    @ID(key: .id) public var id: UUID?
    @Field(key: "sourced_id") public var sourcedID: String
    @Field(key: "title") public var title: String
    @Field(key: "course_code") public var courseCode: String
    @Field(key: "grades") public var grades: String
    @Field(key: "subjects") public var subjects: String
    @OptionalField(key: "org_id") public var orgID: UUID?
    @OptionalField(key: "school_year_sourced_id") public var schoolYearSourcedID: String?
    @Field(key: "status") public var status: String

    public init() {}
}
