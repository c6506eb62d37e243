import FluentKit
import SQLKit

/// The background job table every area shares (video transcoding today; reports and exam
/// deadlines later). Times are epoch seconds in a double so the claim query compares them
/// the same way on both databases.
struct CreateJobs: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("jobs")
            .id()
            .field("kind", .string, .required)
            .field("payload", .string, .required)
            .field("state", .string, .required)
            .field("attempts", .int, .required)
            .field("max_attempts", .int, .required)
            .field("run_at", .double, .required)
            .field("locked_until", .double)
            .field("last_error", .string)
            .field("created_at", .double, .required)
            .field("finished_at", .double)
            .create()
        let sql = database as! any SQLDatabase
        // The claim walks ready jobs oldest first; finished ones are pruned by age.
        try await sql.raw("CREATE INDEX jobs_ready ON jobs (state, run_at)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("jobs").delete()
    }
}
