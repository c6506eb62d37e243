import SQLKit

/// Makes a table refuse UPDATE and DELETE at the database, so even a bug or a hand-typed
/// query cannot rewrite history. Postgres and SQLite each get their own trigger syntax.
public enum AppendOnly {
    public static func protect(table: String, on sql: any SQLDatabase) async throws {
        switch Dialect.of(sql) {
        case .postgres:
            try await sql.raw("""
                CREATE OR REPLACE FUNCTION educommons_append_only() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME; END;
                $$ LANGUAGE plpgsql
                """).run()
            try await sql.raw(SQLQueryString("CREATE TRIGGER \(unsafeRaw: table)_append_only BEFORE UPDATE OR DELETE ON \(unsafeRaw: table) FOR EACH ROW EXECUTE FUNCTION educommons_append_only()")).run()
        case .sqlite, .other:
            for op in ["UPDATE", "DELETE"] {
                try await sql.raw(SQLQueryString("CREATE TRIGGER \(unsafeRaw: table)_no_\(unsafeRaw: op.lowercased()) BEFORE \(unsafeRaw: op) ON \(unsafeRaw: table) BEGIN SELECT RAISE(ABORT, 'append-only table'); END")).run()
            }
        }
    }
}
