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

/// A new attempt waiting to be stored.
struct PendingStart: Sendable {
    var id: UUID
    var examID: UUID
    var personID: UUID
    var number: Int
    var startedAt: Date
    var deadlineAt: Date
}

/// Group commit for the exam storm's writes: answer saves and new attempts. When a province
/// starts an exam at once, thousands of pupils save answers every second while others are
/// still starting; one statement and one commit per request spends the machine on statement
/// overhead and, on SQLite, lines every request up for its own fsync. Here everything that
/// arrives while a batch is being written joins the next batch: its new attempts are one
/// multi-row insert, its answers one multi-row upsert, both in one transaction with one
/// commit; each waiting request is answered only after that commit.
///
/// Starts used to commit one by one through the write gate. When fsync slowed down (it
/// varies on this kind of virtual disk), 80 starts a second each waiting for their own fsync
/// took the gate from the answer batches, which shrank to one a second of 500 rows: saves
/// waited seconds (bench/README.md, "Exams").
///
/// The answer statement re-checks, per row, that the attempt is still open and the row's
/// time is before its deadline, so a submit or deadline hand-in made by another app process
/// can never be overtaken by a late save. A row is also skipped when a newer save of the same
/// question is stored (the sequence rule). Skipped rows answer `false`; the caller finds out
/// why. A start that meets an attempt with the same number (two starts of one pupil at once)
/// is not inserted and answers `false`; the caller resumes the winner. No lock is held
/// between pupils: the only shared thing is this queue's mutex for the length of an append.
final class AttemptWriter: Sendable {
    private struct Waiting<Item: Sendable>: Sendable {
        var item: Item
        var continuation: CheckedContinuation<Bool, any Error>
    }
    private struct State {
        var answers: [Waiting<PendingAnswer>] = []
        var starts: [Waiting<PendingStart>] = []
        var writers = 0
    }
    private let state = Mutex(State())
    /// SQLite's one writer, shared with hand-ins and other areas' group commits (see `WriteGate`).
    let gate: WriteGate

    init(gate: WriteGate) {
        self.gate = gate
    }

    /// At most this many rows, and about this many bytes, per statement.
    static let maxRows = 500
    static let maxBytes = 4 << 20

    /// Stores the answer with the next batch; true when this row is what is now stored.
    func save(_ answer: PendingAnswer, on db: any Database) async throws -> Bool {
        try await enqueue(on: db) { s, c in s.answers.append(Waiting(item: answer, continuation: c)) }
    }

    /// Stores the new attempt with the next batch; false when the pupil already has an
    /// attempt with that number.
    func start(_ attempt: PendingStart, on db: any Database) async throws -> Bool {
        try await enqueue(on: db) { s, c in s.starts.append(Waiting(item: attempt, continuation: c)) }
    }

    private func enqueue(on db: any Database, _ append: @escaping @Sendable (inout State, CheckedContinuation<Bool, any Error>) -> Void) async throws -> Bool {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Bool, any Error>) in
            // SQLite has one writer at a time anyway; PostgreSQL commits two batches at once
            // (their rows lock separately, and the sequence rule holds whichever commits first).
            let most = Dialect.of(db.sql) == .postgres ? 2 : 1
            let lead = state.withLock { s -> Bool in
                append(&s, c)
                guard s.writers < most else { return false }
                s.writers += 1
                return true
            }
            // The first request to find the writer idle starts it; it runs until the queue is empty.
            if lead { Task { await self.drain(on: db) } }
        }
    }

    private func drain(on db: any Database) async {
        while true {
            let (answers, starts) = state.withLock { s -> ([Waiting<PendingAnswer>], [Waiting<PendingStart>]) in
                guard !s.answers.isEmpty || !s.starts.isEmpty else {
                    s.writers -= 1
                    return ([], [])
                }
                var bytes = 0
                var n = 0
                while n < s.answers.count, n < Self.maxRows, bytes < Self.maxBytes {
                    bytes += s.answers[n].item.body.utf8.count
                    n += 1
                }
                let answers = Array(s.answers.prefix(n))
                s.answers.removeFirst(n)
                let m = min(s.starts.count, Self.maxRows)
                let starts = Array(s.starts.prefix(m))
                s.starts.removeFirst(m)
                return (answers, starts)
            }
            guard !answers.isEmpty || !starts.isEmpty else { return }
            do {
                let (begun, stored) = try await write(answers.map(\.item), starts.map(\.item), on: db)
                for w in starts { w.continuation.resume(returning: begun.contains(w.item.id)) }
                for w in answers { w.continuation.resume(returning: stored.contains(Stamp(w.item))) }
            } catch {
                // Nothing of this batch is acknowledged; each request gets the error.
                for w in starts { w.continuation.resume(throwing: error) }
                for w in answers { w.continuation.resume(throwing: error) }
            }
        }
    }

    private struct Stamp: Hashable {
        var key: PendingAnswer.Key
        var seq: Int64
        init(_ a: PendingAnswer) { key = a.key; seq = a.seq }
        init(key: PendingAnswer.Key, seq: Int64) { self.key = key; self.seq = seq }
    }

    /// One commit for the batch: answers which attempts were begun and which answer rows were
    /// stored. A batch of one kind is one statement in autocommit; both kinds share a
    /// transaction, attempts first.
    private func write(_ answers: [PendingAnswer], _ starts: [PendingStart], on db: any Database) async throws -> (Set<UUID>, Set<Stamp>) {
        return try await gate.run(on: db) {
            if starts.isEmpty { return ([], try await Self.upsert(answers, on: db)) }
            if answers.isEmpty { return (try await Self.insert(starts, on: db), []) }
            return try await db.transaction { tx in (try await Self.insert(starts, on: tx), try await Self.upsert(answers, on: tx)) }
        }
    }

    private static func insert(_ starts: [PendingStart], on db: any Database) async throws -> Set<UUID> {
        let rows = starts.map { s -> SQLQueryString in
            "(\(bind: s.id), \(bind: s.examID), \(bind: s.personID), \(bind: s.number), \(bind: s.startedAt), \(bind: s.deadlineAt))"
        }.joined(separator: ", ")
        return Set(try await db.sql.raw("""
            INSERT INTO attempts (id, exam_id, person_id, number, started_at, deadline_at) VALUES \(rows)
            ON CONFLICT DO NOTHING RETURNING id
            """).all().map { try $0.decode(column: "id", as: UUID.self) })
    }

    private static func upsert(_ answers: [PendingAnswer], on db: any Database) async throws -> Set<Stamp> {
        // One row per question in a statement (PostgreSQL refuses to update a row twice in
        // one upsert): the highest sequence number wins, the others are older saves anyway.
        var newest: [PendingAnswer.Key: PendingAnswer] = [:]
        for a in answers where (newest[a.key]?.seq ?? .min) < a.seq { newest[a.key] = a }
        let rows = newest.values.map { a -> SQLQueryString in
            "(\(bind: a.attemptID), \(bind: a.slot), \(bind: a.seq), \(bind: a.body), \(bind: a.savedAt))"
        }.joined(separator: ", ")
        let sql = db.sql
        // Times: attempts keep theirs as the database's own date type, answers as seconds.
        let rowTime: SQLQueryString = Dialect.of(sql) == .postgres ? "to_timestamp(v.t)" : "v.t"
        // Committed before the batch is answered: PostgreSQL's synchronous_commit is on by
        // default, and the platform opens SQLite with synchronous=FULL.
        let returned = try await sql.raw("""
            WITH v(a, s, q, r, t) AS (VALUES \(rows))
            INSERT INTO attempt_answers (attempt_id, slot, seq, response, saved_at)
            SELECT v.a, v.s, v.q, v.r, v.t FROM v JOIN attempts ON attempts.id = v.a
            WHERE attempts.submitted_at IS NULL AND attempts.deadline_at > \(rowTime)
            ON CONFLICT (attempt_id, slot) DO UPDATE SET seq = excluded.seq, response = excluded.response, saved_at = excluded.saved_at
            WHERE attempt_answers.seq < excluded.seq
            RETURNING attempt_id, slot, seq
            """).all()
        var stored = Set<Stamp>()
        for row in returned {
            stored.insert(Stamp(key: .init(attemptID: try row.decode(column: "attempt_id", as: UUID.self),
                                           slot: try row.decode(column: "slot", as: Int.self)),
                                seq: try row.decode(column: "seq", as: Int64.self)))
        }
        return stored
    }
}
