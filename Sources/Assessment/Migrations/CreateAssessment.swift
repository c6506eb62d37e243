import FluentKit
import SQLKit
import Platform

struct CreateQuestionBanks: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(QuestionBank.schema)
            .id()
            .field("name", .string, .required)
            .field("owner_id", .uuid, .required)
            .field("item_count", .int, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema(Item.schema)
            .id()
            .field("bank_id", .uuid, .required, .references(QuestionBank.schema, "id"))
            .field("type", .string, .required)
            .field("name", .string, .required)
            .field("category", .string, .required)
            .field("current_version", .int, .required)
            .field("position", .int, .required)
            .field("fingerprint", .string, .required)
            .field("created_at", .datetime, .required)
            .field("created_by", .uuid)
            .create()
        try await database.schema(ItemVersion.schema)
            .id()
            .field("item_id", .uuid, .required, .references(Item.schema, "id"))
            .field("number", .int, .required)
            .field("content", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "item_id", "number")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX question_banks_owner ON question_banks (owner_id)").run()
        try await sql.raw("CREATE INDEX items_bank ON items (bank_id, position)").run()
        try await sql.raw("CREATE INDEX items_fingerprint ON items (bank_id, fingerprint)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ItemVersion.schema).delete()
        try await database.schema(Item.schema).delete()
        try await database.schema(QuestionBank.schema).delete()
    }
}

public enum AssessmentMigrations {
    public static var all: [any Migration] { [CreateQuestionBanks(), CreateExams(), AddOpenAttemptIndex(), AddExamSettings(), AddExamMatrix(), AddAttemptScores(), AddRaschColumns(), AddBankSharing(), AddAdaptiveExams()] }
}

struct CreateExams: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Exam.schema)
            .id()
            .field("owner_id", .uuid, .required)
            .field("bank_id", .uuid, .required, .references(QuestionBank.schema, "id"))
            .field("title", .string, .required)
            .field("org_id", .uuid, .required)
            .field("org_path", .string, .required)
            .field("opens_at", .datetime, .required)
            .field("closes_at", .datetime, .required)
            .field("duration_seconds", .int, .required)
            .field("max_attempts", .int, .required)
            .field("max_score", .double, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(ExamSlot.schema)
            .id()
            .field("exam_id", .uuid, .required, .references(Exam.schema, "id"))
            .field("slot", .int, .required)
            .field("item_id", .uuid, .required)
            .field("version", .int, .required)
            .field("points", .double, .required)
            .unique(on: "exam_id", "slot")
            .create()
        try await database.schema(Attempt.schema)
            .id()
            .field("exam_id", .uuid, .required, .references(Exam.schema, "id"))
            .field("person_id", .uuid, .required)
            .field("number", .int, .required)
            .field("started_at", .datetime, .required)
            .field("deadline_at", .datetime, .required)
            .field("submitted_at", .datetime)
            .field("score", .double)
            // One attempt per number: two starts at once cannot both make attempt 1.
            .unique(on: "exam_id", "person_id", "number")
            .create()
        let sql = database as! any SQLDatabase
        // Answers: one row per attempt and question, replaced only by a newer sequence
        // number (see `saveAnswer`). Plain SQL for the composite primary key.
        try await sql.raw("""
            CREATE TABLE attempt_answers (
              attempt_id \(unsafeRaw: Dialect.of(sql) == .postgres ? "UUID" : "BLOB") NOT NULL,
              slot INTEGER NOT NULL, seq BIGINT NOT NULL, response TEXT NOT NULL, saved_at \(unsafeRaw: Dialect.of(sql) == .postgres ? "DOUBLE PRECISION" : "REAL") NOT NULL,
              PRIMARY KEY (attempt_id, slot))
            """).run()
        try await sql.raw("CREATE INDEX exams_org ON exams (org_path)").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP TABLE attempt_answers").run()
        try await database.schema(Attempt.schema).delete()
        try await database.schema(ExamSlot.schema).delete()
        try await database.schema(Exam.schema).delete()
    }
}

/// The deadline sweep looks for open attempts past their deadline every few seconds: a
/// partial index holds only the open ones, so the look stays small however many attempts
/// have been handed in.
struct AddOpenAttemptIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("CREATE INDEX attempts_open_deadline ON attempts (deadline_at) WHERE submitted_at IS NULL").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP INDEX attempts_open_deadline").run()
    }
}

/// What kind of assessment an exam is, exam-room access codes, late-start limits, results
/// released by the teacher, and extra time for named pupils.
struct AddExamSettings: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // Plain SQL: columns with defaults, so exams made before keep working.
        let sql = database as! any SQLDatabase
        let time = Dialect.of(sql) == .postgres ? "TIMESTAMPTZ" : "REAL"
        for column in ["purpose TEXT NOT NULL DEFAULT 'practice'", "access_code TEXT", "late_start_seconds BIGINT",
                       "results TEXT NOT NULL DEFAULT 'atSubmit'", "results_released_at \(time)"] {
            try await sql.raw("ALTER TABLE exams ADD COLUMN \(unsafeRaw: column)").run()
        }
        try await database.schema(ExamExtraTime.schema)
            .id()
            .field("exam_id", .uuid, .required, .references(Exam.schema, "id"))
            .field("person_id", .uuid, .required)
            .field("seconds", .int, .required)
            .unique(on: "exam_id", "person_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ExamExtraTime.schema).delete()
        for column in ["purpose", "access_code", "late_start_seconds", "results", "results_released_at"] {
            try await database.schema(Exam.schema).deleteField(.string(column)).update()
        }
    }
}

/// Papers drawn from an exam matrix: the matrix on the exam, and on each slot of the pool
/// the matrix cell it was chosen for.
struct AddExamMatrix: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("ALTER TABLE exams ADD COLUMN matrix TEXT").run()
        try await sql.raw("ALTER TABLE exam_slots ADD COLUMN cell INTEGER").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Exam.schema).deleteField("matrix").update()
        try await database.schema(ExamSlot.schema).deleteField("cell").update()
    }
}

/// Marks per question of every handed-in attempt (what grading, regrading, the essay queue
/// and item analysis work from), and a revision number on each exam's paper that a key
/// correction raises, so no process grades with a key it cached before the correction.
struct AddAttemptScores: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        let pg = Dialect.of(sql) == .postgres
        let (uuid, real, time) = pg ? ("UUID", "DOUBLE PRECISION", "TIMESTAMPTZ") : ("BLOB", "REAL", "REAL")
        try await sql.raw("ALTER TABLE exams ADD COLUMN paper_rev INTEGER NOT NULL DEFAULT 0").run()
        try await sql.raw("""
            CREATE TABLE attempt_scores (
              attempt_id \(unsafeRaw: uuid) NOT NULL, slot INTEGER NOT NULL, item_id \(unsafeRaw: uuid) NOT NULL, version INTEGER NOT NULL,
              points \(unsafeRaw: real), max_points \(unsafeRaw: real) NOT NULL,
              rubric TEXT, comment TEXT, graded_by \(unsafeRaw: uuid), graded_at \(unsafeRaw: time),
              PRIMARY KEY (attempt_id, slot))
            """).run()
        try await sql.raw("CREATE INDEX attempt_scores_item ON attempt_scores (item_id)").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("DROP TABLE attempt_scores").run()
        try await database.schema(Exam.schema).deleteField("paper_rev").update()
    }
}

/// Rasch calibration kept on each item: difficulty (logits), its standard error, how many
/// responses it rests on, and when it was made.
struct AddRaschColumns: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        let pg = Dialect.of(sql) == .postgres
        let (real, time) = pg ? ("DOUBLE PRECISION", "TIMESTAMPTZ") : ("REAL", "REAL")
        for column in ["rasch_difficulty \(real)", "rasch_se \(real)", "rasch_n INTEGER", "rasch_at \(time)"] {
            try await sql.raw("ALTER TABLE items ADD COLUMN \(unsafeRaw: column)").run()
        }
    }

    func revert(on database: any Database) async throws {
        for column in ["rasch_difficulty", "rasch_se", "rasch_n", "rasch_at"] {
            try await database.schema(Item.schema).deleteField(.string(column)).update()
        }
    }
}

/// Banks owned by an organisation (school, district, province, nation) and published for a
/// scope after review, like the Library's resources; the review history.
struct AddBankSharing: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        let pg = Dialect.of(sql) == .postgres
        let (uuid, time) = pg ? ("UUID", "TIMESTAMPTZ") : ("BLOB", "REAL")
        for column in ["org_id \(uuid)", "org_path TEXT", "status TEXT NOT NULL DEFAULT 'draft'", "scope_org_id \(uuid)", "scope_path TEXT",
                       "scope_level TEXT", "reviewer_id \(uuid)", "submitted_at \(time)", "published_at \(time)"] {
            try await sql.raw("ALTER TABLE question_banks ADD COLUMN \(unsafeRaw: column)").run()
        }
        try await sql.raw("CREATE INDEX question_banks_org ON question_banks (org_path)").run()
        try await sql.raw("CREATE INDEX question_banks_scope ON question_banks (status, scope_path)").run()
        try await database.schema(BankReview.schema)
            .id()
            .field("bank_id", .uuid, .required, .references(QuestionBank.schema, "id"))
            .field("at", .datetime, .required)
            .field("actor_id", .uuid)
            .field("actor_name", .string, .required)
            .field("action", .string, .required)
            .field("comment", .string)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(BankReview.schema).delete()
        for column in ["org_id", "org_path", "status", "scope_org_id", "scope_path", "scope_level", "reviewer_id", "submitted_at", "published_at"] {
            try await database.schema(QuestionBank.schema).deleteField(.string(column)).update()
        }
    }
}

/// Adaptive exams: their settings, each pool item's Rasch difficulty fixed when the exam
/// is made, the questions each attempt was given in order, and the ability it ended with.
struct AddAdaptiveExams: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        let pg = Dialect.of(sql) == .postgres
        let (uuid, real) = pg ? ("UUID", "DOUBLE PRECISION") : ("BLOB", "REAL")
        try await sql.raw("ALTER TABLE exams ADD COLUMN adaptive TEXT").run()
        try await sql.raw("ALTER TABLE exam_slots ADD COLUMN difficulty \(unsafeRaw: real)").run()
        try await sql.raw("ALTER TABLE attempts ADD COLUMN ability \(unsafeRaw: real)").run()
        try await sql.raw("ALTER TABLE attempts ADD COLUMN ability_se \(unsafeRaw: real)").run()
        try await sql.raw("""
            CREATE TABLE attempt_items (attempt_id \(unsafeRaw: uuid) NOT NULL, position INTEGER NOT NULL, pool_slot INTEGER NOT NULL,
              PRIMARY KEY (attempt_id, position))
            """).run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("DROP TABLE attempt_items").run()
        try await database.schema(Exam.schema).deleteField("adaptive").update()
        try await database.schema(ExamSlot.schema).deleteField("difficulty").update()
        try await database.schema(Attempt.schema).deleteField("ability").update()
        try await database.schema(Attempt.schema).deleteField("ability_se").update()
    }
}
