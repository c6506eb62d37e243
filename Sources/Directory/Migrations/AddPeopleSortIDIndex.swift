import FluentKit
import SQLKit

/// People lists are ordered by (sort_key, id); with both in one index the database walks
/// the index and stops at the page's end instead of sorting the whole scope.
public struct AddPeopleSortIDIndex: AsyncMigration {
    public init() {}

    public func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("CREATE INDEX people_sort_id ON people (sort_key, id)").run()
    }

    public func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("DROP INDEX people_sort_id").run()
    }
}
