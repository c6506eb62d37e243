import Foundation
import FluentKit
import SQLKit

/// A claimed job: what to do and how many times it has been tried (this one included).
public struct Job: Sendable {
    public var id: UUID
    public var kind: String
    public var payload: String
    public var attempts: Int
    public var maxAttempts: Int

    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(payload.utf8))
    }
}

/// How a job ended badly. `retryable` false means trying again cannot help until a person
/// acts (a missing program, an unreadable file): the job is marked failed at once.
public struct JobFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var retryable: Bool

    public init(_ message: String, retryable: Bool) {
        self.message = message
        self.retryable = retryable
    }

    public var description: String { message }
}

public enum JobState: String, Sendable, Codable, CaseIterable {
    case queued, running, done, failed
}

/// Jobs kept in the database so they survive restarts and any app process can run them.
/// A claim is one conditional UPDATE: on PostgreSQL the candidate row is picked with
/// `FOR UPDATE SKIP LOCKED`, so workers in several processes never wait on each other or
/// take the same job; SQLite has one writer, which serialises claims by itself. A worker
/// that dies leaves its job `running` until the lease ends; the next claim takes it again.
public struct JobQueue: Sendable {
    public let clock: any PlatformClock

    public init(clock: any PlatformClock = SystemClock()) {
        self.clock = clock
    }

    private var now: Double { clock.now().timeIntervalSince1970 }

    /// Adds a job; pass the transaction that creates what the job refers to, so the job
    /// exists exactly when its subject does.
    @discardableResult
    public func enqueue(kind: String, payload: some Encodable & Sendable, maxAttempts: Int = 5, delay: TimeInterval = 0,
                        on db: any Database) async throws -> UUID {
        let id = UUIDv7.make(at: clock.now())
        let body = String(decoding: try JSONEncoder().encode(payload), as: UTF8.self)
        try await db.sql.raw("""
            INSERT INTO jobs (id, kind, payload, state, attempts, max_attempts, run_at, created_at)
            VALUES (\(bind: id), \(bind: kind), \(bind: body), 'queued', 0, \(bind: maxAttempts), \(bind: now + delay), \(bind: now))
            """).run()
        return id
    }

    /// Takes the oldest ready job of these kinds for `lease` seconds, or nil.
    public func claim(kinds: [String], lease: TimeInterval, on db: any Database) async throws -> Job? {
        guard !kinds.isEmpty else { return nil }
        let sql = db.sql
        let t = now
        let skipLocked: SQLQueryString = Dialect.of(sql) == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        var kindList = SQLQueryString("")
        for (i, k) in kinds.enumerated() { kindList.appendInterpolation(unsafeRaw: i == 0 ? "" : ", "); kindList.appendInterpolation(bind: k) }
        let ready: SQLQueryString = """
            kind IN (\(kindList)) AND ((state = 'queued' AND run_at <= \(bind: t)) OR (state = 'running' AND locked_until < \(bind: t)))
            """
        // A poll that finds nothing writes nothing. An UPDATE takes SQLite's write lock even
        // when no row matches: every few seconds, outside the process's write gate, a poll
        // would meet busy writers (an exam storm's answer batches) in the driver's spinning
        // busy handler, which retries on a database thread until the lock is free.
        guard try await sql.raw("SELECT 1 FROM jobs WHERE \(ready) LIMIT 1").first() != nil else { return nil }
        let row = try await sql.raw("""
            UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = \(bind: t + lease)
            WHERE id = (SELECT id FROM jobs WHERE \(ready) ORDER BY run_at LIMIT 1\(skipLocked))
            RETURNING id, kind, payload, attempts, max_attempts
            """).first()
        guard let row else { return nil }
        return Job(id: try row.decode(column: "id", as: UUID.self), kind: try row.decode(column: "kind", as: String.self),
                   payload: try row.decode(column: "payload", as: String.self), attempts: try row.decode(column: "attempts", as: Int.self),
                   maxAttempts: try row.decode(column: "max_attempts", as: Int.self))
    }

    public func complete(_ job: Job, on db: any Database) async throws {
        try await db.sql.raw("""
            UPDATE jobs SET state = 'done', locked_until = NULL, last_error = NULL, finished_at = \(bind: now) WHERE id = \(bind: job.id)
            """).run()
    }

    /// Records a failure: back to the queue after a growing pause (30 s, 2 min, 8 min, ...,
    /// at most an hour) while attempts remain and retrying can help; otherwise failed.
    @discardableResult
    public func fail(_ job: Job, failure: JobFailure, on db: any Database) async throws -> JobState {
        let message = String(failure.message.prefix(2000))
        if failure.retryable && job.attempts < job.maxAttempts {
            let pause = min(3600, 30 * pow(4, Double(job.attempts - 1)))
            try await db.sql.raw("""
                UPDATE jobs SET state = 'queued', locked_until = NULL, last_error = \(bind: message), run_at = \(bind: now + pause)
                WHERE id = \(bind: job.id)
                """).run()
            return .queued
        }
        try await db.sql.raw("""
            UPDATE jobs SET state = 'failed', locked_until = NULL, last_error = \(bind: message), finished_at = \(bind: now)
            WHERE id = \(bind: job.id)
            """).run()
        return .failed
    }

    /// Puts failed jobs (of one kind, or all) back in the queue with fresh attempts, for
    /// after an operator has fixed the cause. Answers how many.
    public func retryFailed(kind: String?, on db: any Database) async throws -> Int {
        let kindFilter: SQLQueryString = kind.map { "AND kind = \(bind: $0)" } ?? ""
        let rows = try await db.sql.raw("""
            UPDATE jobs SET state = 'queued', attempts = 0, run_at = \(bind: now), finished_at = NULL
            WHERE state = 'failed' \(kindFilter) RETURNING id
            """).all()
        return rows.count
    }

    public struct Count: Sendable, Equatable {
        public var kind: String
        public var state: String
        public var count: Int

        public init(kind: String, state: String, count: Int) {
            self.kind = kind
            self.state = state
            self.count = count
        }
    }

    public func counts(on db: any Database) async throws -> [Count] {
        try await db.sql.raw("SELECT kind, state, COUNT(*) AS n FROM jobs GROUP BY kind, state ORDER BY kind, state").all().map {
            Count(kind: try $0.decode(column: "kind", as: String.self), state: try $0.decode(column: "state", as: String.self),
                  count: try $0.decode(column: "n", as: Int.self))
        }
    }

    public struct Failure: Sendable {
        public var id: UUID
        public var kind: String
        public var attempts: Int
        public var lastError: String
        public var at: Date
    }

    public func failures(limit: Int, on db: any Database) async throws -> [Failure] {
        try await db.sql.raw("""
            SELECT id, kind, attempts, last_error, finished_at FROM jobs WHERE state = 'failed' ORDER BY finished_at DESC LIMIT \(bind: limit)
            """).all().map {
            Failure(id: try $0.decode(column: "id", as: UUID.self), kind: try $0.decode(column: "kind", as: String.self),
                    attempts: try $0.decode(column: "attempts", as: Int.self),
                    lastError: try $0.decode(column: "last_error", as: String?.self) ?? "",
                    at: Date(timeIntervalSince1970: try $0.decode(column: "finished_at", as: Double?.self) ?? 0))
        }
    }

    /// Forgets finished jobs older than `age`; failed ones stay until retried or handled.
    @discardableResult
    public func prune(olderThan age: TimeInterval, on db: any Database) async throws -> Int {
        try await db.sql.raw("DELETE FROM jobs WHERE state = 'done' AND finished_at < \(bind: now - age) RETURNING id").all().count
    }
}
