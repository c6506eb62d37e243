import FluentKit
import SQLKit

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
    public static var all: [any Migration] { [CreateQuestionBanks()] }
}
