import FluentKit
import SQLKit
import Platform

public enum CoursesMigrations {
    public static var all: [any Migration] { [CreateCourses(), AddDiscussionPosts(), AddXAPI(), AddTimetables(), AddLTI(), AddScorm(), AddXAPIDocuments(), AddCmi5()] }
}

struct CreateCourses: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Course.schema)
            .id()
            .field("kind", .string, .required)
            .field("title", .string, .required)
            .field("description", .string, .required)
            .field("subject", .string)
            .field("grade", .string)
            .field("term", .string)
            .field("language", .string, .required)
            .field("org_id", .uuid, .required)
            .field("org_path", .string, .required)
            .field("owner_id", .uuid, .required)
            .field("status", .string, .required)
            .field("enrolment", .string, .required)
            .field("join_code", .string)
            .field("capacity", .int)
            .field("learner_count", .int, .required)
            .field("starts_on", .string)
            .field("ends_on", .string)
            .field("outline_rev", .int, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema(CourseStaff.schema)
            .id()
            .field("course_id", .uuid, .required, .references(Course.schema, "id"))
            .field("person_id", .uuid, .required)
            .field("role", .string, .required)
            .unique(on: "course_id", "person_id")
            .create()
        try await database.schema(CourseUnit.schema)
            .id()
            .field("course_id", .uuid, .required, .references(Course.schema, "id"))
            .field("position", .int, .required)
            .field("title", .string, .required)
            .create()
        try await database.schema(Lesson.schema)
            .id()
            .field("course_id", .uuid, .required, .references(Course.schema, "id"))
            .field("unit_id", .uuid, .required, .references(CourseUnit.schema, "id"))
            .field("position", .int, .required)
            .field("title", .string, .required)
            .create()
        try await database.schema(LessonItem.schema)
            .id()
            .field("course_id", .uuid, .required, .references(Course.schema, "id"))
            .field("lesson_id", .uuid, .required, .references(Lesson.schema, "id"))
            .field("position", .int, .required)
            .field("kind", .string, .required)
            .field("title", .string, .required)
            .field("ref_id", .uuid)
            .field("ref_kind", .string)
            .field("url", .string)
            .field("body", .string)
            .field("rule", .string, .required)
            .field("threshold", .double)
            .field("due_at", .datetime)
            .field("accept_late", .bool, .required)
            .field("max_points", .double)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(Enrolment.schema)
            .id()
            .field("course_id", .uuid, .required, .references(Course.schema, "id"))
            .field("person_id", .uuid, .required)
            .field("source", .string, .required)
            .field("status", .string, .required)
            .field("org_id", .uuid, .required)
            .field("enrolled_at", .datetime, .required)
            .field("left_at", .datetime)
            .unique(on: "course_id", "person_id")
            .create()
        try await database.schema(ItemProgress.schema)
            .id()
            .field("course_id", .uuid, .required)
            .field("item_id", .uuid, .required, .references(LessonItem.schema, "id"))
            .field("person_id", .uuid, .required)
            .field("viewed_at", .datetime)
            .field("percent", .int, .required)
            .field("position", .double)
            .field("submitted_at", .datetime)
            .field("score", .double)
            .field("completed_at", .datetime)
            .field("updated_at", .datetime, .required)
            .unique(on: "item_id", "person_id")
            .create()
        try await database.schema(Submission.schema)
            .id()
            .field("course_id", .uuid, .required)
            .field("item_id", .uuid, .required, .references(LessonItem.schema, "id"))
            .field("person_id", .uuid, .required)
            .field("text", .string, .required)
            .field("blob", .string)
            .field("file_name", .string)
            .field("file_size", .int)
            .field("submitted_at", .datetime, .required)
            .field("late", .bool, .required)
            .field("points", .double)
            .field("feedback", .string)
            .field("graded_by", .uuid)
            .field("graded_at", .datetime)
            .create()
        try await database.schema(CourseCompletion.schema)
            .id()
            .field("course_id", .uuid, .required, .references(Course.schema, "id"))
            .field("person_id", .uuid, .required)
            .field("org_id", .uuid, .required)
            .field("completed_at", .datetime, .required)
            .unique(on: "course_id", "person_id")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.createPrefixIndex(name: "courses_org_path", table: "courses", column: "org_path")
        for statement in [
            "CREATE INDEX courses_catalogue ON courses (kind, status, created_at)",
            "CREATE INDEX courses_owner ON courses (owner_id)",
            "CREATE INDEX course_staff_person ON course_staff (person_id)",
            "CREATE INDEX course_units_course ON course_units (course_id, position)",
            "CREATE INDEX lessons_unit ON lessons (unit_id, position)",
            "CREATE INDEX lesson_items_lesson ON lesson_items (lesson_id, position)",
            "CREATE INDEX lesson_items_course ON lesson_items (course_id)",
            "CREATE INDEX enrolments_person ON enrolments (person_id, status)",
            "CREATE INDEX enrolments_course ON enrolments (course_id, status, id)",
            "CREATE INDEX item_progress_learner ON item_progress (course_id, person_id)",
            "CREATE INDEX course_submissions_item ON course_submissions (item_id, person_id, submitted_at)",
            "CREATE INDEX course_completions_at ON course_completions (completed_at)",
        ] { try await sql.raw("\(unsafeRaw: statement)").run() }
    }

    func revert(on database: any Database) async throws {
        for schema in [CourseCompletion.schema, Submission.schema, ItemProgress.schema, Enrolment.schema, LessonItem.schema,
                       Lesson.schema, CourseUnit.schema, CourseStaff.schema, Course.schema] {
            try await database.schema(schema).delete()
        }
    }
}

struct AddDiscussionPosts: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(DiscussionPost.schema)
            .id()
            .field("course_id", .uuid, .required)
            .field("item_id", .uuid, .required, .references(LessonItem.schema, "id"))
            .field("person_id", .uuid, .required)
            .field("body", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await (database as! any SQLDatabase).raw("CREATE INDEX discussion_posts_item ON discussion_posts (item_id, id)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(DiscussionPost.schema).delete()
    }
}
