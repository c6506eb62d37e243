import Foundation
import FluentKit
import SQLKit
import Platform

/// A scheduled period of a course, taught in person, online live or online self-paced.
final class TimetableSlot: Model, @unchecked Sendable {
    static let schema = "timetable_slots"

    @ID(key: .id) var id: UUID?
    @Field(key: "course_id") var courseID: UUID
    @OptionalField(key: "lesson_id") var lessonID: UUID?
    @Field(key: "org_id") var orgID: UUID
    @Field(key: "starts_at") var startsAt: Date
    @Field(key: "ends_at") var endsAt: Date
    @Field(key: "mode") var mode: String
    @OptionalField(key: "place") var place: String?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// A person's private calendar address (the token is stored hashed).
final class CalendarFeed: Model, @unchecked Sendable {
    static let schema = "calendar_feeds"

    @ID(key: .id) var id: UUID?
    @Field(key: "person_id") var personID: UUID
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

struct AddTimetables: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(TimetableSlot.schema)
            .id()
            .field("course_id", .uuid, .required, .references(Course.schema, "id"))
            .field("lesson_id", .uuid)
            .field("org_id", .uuid, .required)
            .field("starts_at", .datetime, .required)
            .field("ends_at", .datetime, .required)
            .field("mode", .string, .required)
            .field("place", .string)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(CalendarFeed.schema)
            .id()
            .field("person_id", .uuid, .required)
            .field("token_hash", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "person_id")
            .unique(on: "token_hash")
            .create()
        try await database.sql.raw("CREATE INDEX timetable_slots_course ON timetable_slots (course_id, starts_at)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CalendarFeed.schema).delete()
        try await database.schema(TimetableSlot.schema).delete()
    }
}

/// How a period is taught.
public enum TeachingMode: String, Sendable, Codable, CaseIterable {
    case inPerson, onlineLive, onlineSelfPaced

    var isOnline: Bool { self != .inPerson }
}

/// The share of teaching a country expects online (a target) or allows (a cap), by level.
public struct OnlineTeachingRules: Sendable, Codable {
    public struct Level: Sendable, Codable {
        public var level: String
        public var grades: [String]
        public var targetPercent: Double?
        public var capPercent: Double?
    }
    public var country: String
    public var source: String
    public var levels: [Level]

    public static func load(file: URL) throws -> [String: OnlineTeachingRules] {
        let list = try JSONDecoder().decode([OnlineTeachingRules].self, from: Data(contentsOf: file))
        return Dictionary(uniqueKeysWithValues: list.map { ($0.country.uppercased(), $0) })
    }

    func level(of grade: String?) -> Level? {
        guard let grade else { return nil }
        return levels.first { $0.grades.contains(grade) }
    }
}
