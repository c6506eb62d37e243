import SQLKit

extension SQLDatabase {
    /// Inserts many rows with multi-row INSERTs, chunked to stay under both databases'
    /// bind-parameter limits (SQLite 32,766; PostgreSQL 65,535). Used where thousands of
    /// rows arrive at once (roster imports), where one model save per row is far slower.
    public func bulkInsert(into table: String, columns: [String], rows: [[any Encodable & Sendable]]) async throws {
        guard !rows.isEmpty else { return }
        let perChunk = max(1, 30_000 / max(1, columns.count))
        var start = 0
        while start < rows.count {
            let end = min(start + perChunk, rows.count)
            var insert = self.insert(into: table).columns(columns)
            for row in rows[start..<end] { insert = insert.values(row) }
            try await insert.run()
            start = end
        }
    }
}
