import Foundation
import FluentKit
import SQLKit
import Synchronization
import Platform

/// One answer waiting to be stored, already in the item's own terms.
struct PendingAnswer: Sendable {
    var attemptID: UUID
    var slot: Int
    var seq: Int64
    var body: String
    var savedAt: Double

    struct Key: Hashable { var attemptID: UUID; var slot: Int }
    var key: Key { Key(attemptID: attemptID, slot: slot) }
}

/// Group commit for answer saves. When a province starts an exam at once, thousands of
/// pupils save answers every second; one statement and one commit per save spends most of
/// the machine on statement overhead. Here every save that arrives while a batch is being
/// written joins the next batch, which is stored by ONE statement (a multi-row upsert) and
/// one commit; each waiting request is answered only after that commit.
///
/// The statement itself re-checks, per row, that the attempt is still open and the row's
/// time is before its deadline, so a submit or deadline hand-in made by another app process
/// can never be overtaken by a late save. A row is also skipped when a newer save of the same
/// question is stored (the sequence rule). Skipped rows answer `false`; the caller finds out
/// why. No lock is held between pupils: the only shared thing is this queue's mutex for the
/// length of an append.
final class AnswerWriter: Sendable {
    private struct Waiting {
        var answer: PendingAnswer
        var continuation: CheckedContinuation<Bool, any Error>
    }
    private struct State {
        var pending: [Waiting] = []
        var writers = 0
    }
    private let state = Mutex(State())
    /// SQLite's one writer, shared with starts and hand-ins (see `WriteGate`).
    let gate: WriteGate

    init(gate: WriteGate) {
        self.gate = gate
    }

    /// At most this many rows, and about this many bytes, per statement.
    static let maxRows = 500
    static let maxBytes = 4 << 20

    /// Stores the answer with the next batch; true when this row is what is now stored.
    func save(_ answer: PendingAnswer, on db: any Database) async throws -> Bool {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Bool, any Error>) in
            // SQLite has one writer at a time anyway; PostgreSQL commits two batches at once
            // (their rows lock separately, and the sequence rule holds whichever commits first).
            let most = Dialect.of(db.sql) == .postgres ? 2 : 1
            let lead = state.withLock { s -> Bool in
                s.pending.append(Waiting(answer: answer, continuation: c))
                guard s.writers < most else { return false }
                s.writers += 1
                return true
            }
            // The first save to find the writer idle starts it; it runs until the queue is empty.
            if lead { Task { await self.drain(on: db) } }
        }
    }

    private func drain(on db: any Database) async {
        while true {
            let batch = state.withLock { s -> [Waiting] in
                guard !s.pending.isEmpty else {
                    s.writers -= 1
                    return []
                }
                var bytes = 0
                var n = 0
                while n < s.pending.count, n < Self.maxRows, bytes < Self.maxBytes {
                    bytes += s.pending[n].answer.body.utf8.count
                    n += 1
                }
                let taken = Array(s.pending.prefix(n))
                s.pending.removeFirst(n)
                return taken
            }
            guard !batch.isEmpty else { return }
            do {
                let stored = try await write(batch.map(\.answer), on: db)
                for w in batch { w.continuation.resume(returning: stored.contains(Stamp(w.answer))) }
            } catch {
                // Nothing of this batch is acknowledged; each request gets the error.
                for w in batch { w.continuation.resume(throwing: error) }
            }
        }
    }

    private struct Stamp: Hashable {
        var key: PendingAnswer.Key
        var seq: Int64
        init(_ a: PendingAnswer) { key = a.key; seq = a.seq }
        init(key: PendingAnswer.Key, seq: Int64) { self.key = key; self.seq = seq }
    }

    /// One upsert for the batch; answers which rows were stored.
    private func write(_ answers: [PendingAnswer], on db: any Database) async throws -> Set<Stamp> {
        // One row per question in a statement (PostgreSQL refuses to update a row twice in
        // one upsert): the highest sequence number wins, the others are older saves anyway.
        var newest: [PendingAnswer.Key: PendingAnswer] = [:]
        for a in answers where (newest[a.key]?.seq ?? .min) < a.seq { newest[a.key] = a }
        let rows = newest.values.map { a -> SQLQueryString in
            "(\(bind: a.attemptID), \(bind: a.slot), \(bind: a.seq), \(bind: a.body), \(bind: a.savedAt))"
        }.joined(separator: ", ")
        let sql = db.sql
        let postgres = Dialect.of(sql) == .postgres
        // Times: attempts keep theirs as the database's own date type, answers as seconds.
        let rowTime: SQLQueryString = postgres ? "to_timestamp(v.t)" : "v.t"
        let statement: SQLQueryString = """
            WITH v(a, s, q, r, t) AS (VALUES \(rows))
            INSERT INTO attempt_answers (attempt_id, slot, seq, response, saved_at)
            SELECT v.a, v.s, v.q, v.r, v.t FROM v JOIN attempts ON attempts.id = v.a
            WHERE attempts.submitted_at IS NULL AND attempts.deadline_at > \(rowTime)
            ON CONFLICT (attempt_id, slot) DO UPDATE SET seq = excluded.seq, response = excluded.response, saved_at = excluded.saved_at
            WHERE attempt_answers.seq < excluded.seq
            RETURNING attempt_id, slot, seq
            """
        // Committed before this returns: PostgreSQL's synchronous_commit is on by default,
        // and the platform opens SQLite with synchronous=FULL.
        let returned = try await gate.run(on: db) { try await sql.raw(statement).all() }
        var stored = Set<Stamp>()
        for row in returned {
            stored.insert(Stamp(key: .init(attemptID: try row.decode(column: "attempt_id", as: UUID.self),
                                           slot: try row.decode(column: "slot", as: Int.self)),
                                seq: try row.decode(column: "seq", as: Int64.self)))
        }
        return stored
    }
}
