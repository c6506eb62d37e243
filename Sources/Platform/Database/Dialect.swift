import SQLKit

/// Which SQL dialect a database speaks, for the few places where PostgreSQL and SQLite
/// need different SQL (triggers, pattern indexes). Everything else stays portable.
public enum Dialect: Sendable {
    case postgres, sqlite, other

    public static func of(_ db: any SQLDatabase) -> Dialect {
        switch db.dialect.name {
        case "postgresql": .postgres
        case "sqlite": .sqlite
        default: .other
        }
    }
}

extension SQLDatabase {
    /// An index that serves `LIKE 'prefix%'` on both databases: PostgreSQL needs
    /// `text_pattern_ops` unless the database uses the C collation.
    public func createPrefixIndex(name: String, table: String, column: String) async throws {
        switch Dialect.of(self) {
        case .postgres:
            try await raw(SQLQueryString("CREATE INDEX \(unsafeRaw: name) ON \(unsafeRaw: table) (\(unsafeRaw: column) text_pattern_ops)")).run()
        case .sqlite, .other:
            try await raw(SQLQueryString("CREATE INDEX \(unsafeRaw: name) ON \(unsafeRaw: table) (\(unsafeRaw: column))")).run()
        }
    }
}

import FluentKit

extension Database {
    /// The SQL view of a Fluent database. Both supported drivers are SQL databases;
    /// anything else is a configuration bug.
    public var sql: any SQLDatabase {
        guard let s = self as? any SQLDatabase else { preconditionFailure("EduCommons needs an SQL database") }
        return s
    }
}
