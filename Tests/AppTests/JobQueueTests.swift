import Foundation
import Testing
import Vapor
import Fluent
import SQLKit
import Synchronization
import Platform
@testable import App

/// A clock the test moves by hand, for backoff and lease expiry without sleeping.
final class ManualClock: PlatformClock, Sendable {
    private let t = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    func now() -> Date { t.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { t.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

private struct Payload: Codable, Sendable { var n: Int }

@Suite("Background jobs: claim, retry, lease, concurrency", .serialized)
struct JobQueueTests {
    @Test func jobsAreTakenOldestFirstAndOnlyOnce() async throws {
        try await withTestApp { app in
            let clock = ManualClock()
            let q = JobQueue(clock: clock)
            try await q.enqueue(kind: "test.a", payload: Payload(n: 1), on: app.db)
            clock.advance(1)
            try await q.enqueue(kind: "test.a", payload: Payload(n: 2), on: app.db)
            try await q.enqueue(kind: "test.other", payload: Payload(n: 3), on: app.db)
            let first = try #require(try await q.claim(kinds: ["test.a"], lease: 60, on: app.db))
            #expect(try first.decode(Payload.self).n == 1)
            #expect(first.attempts == 1)
            let second = try #require(try await q.claim(kinds: ["test.a"], lease: 60, on: app.db))
            #expect(try second.decode(Payload.self).n == 2)
            // Running jobs are not handed out again while their lease holds; other kinds are not ours.
            #expect(try await q.claim(kinds: ["test.a"], lease: 60, on: app.db) == nil)
            try await q.complete(first, on: app.db)
            #expect(try await q.counts(on: app.db) == [JobQueue.Count(kind: "test.a", state: "done", count: 1),
                                                      JobQueue.Count(kind: "test.a", state: "running", count: 1),
                                                      JobQueue.Count(kind: "test.other", state: "queued", count: 1)])
        }
    }

    @Test func aFailureIsRetriedAfterAPauseThenGivenUp() async throws {
        try await withTestApp { app in
            let clock = ManualClock()
            let q = JobQueue(clock: clock)
            try await q.enqueue(kind: "test.a", payload: Payload(n: 1), maxAttempts: 2, on: app.db)
            let job = try #require(try await q.claim(kinds: ["test.a"], lease: 60, on: app.db))
            #expect(try await q.fail(job, failure: JobFailure("disk full", retryable: true), on: app.db) == .queued)
            // Not before the 30-second pause.
            #expect(try await q.claim(kinds: ["test.a"], lease: 60, on: app.db) == nil)
            clock.advance(31)
            let again = try #require(try await q.claim(kinds: ["test.a"], lease: 60, on: app.db))
            #expect(again.attempts == 2)
            #expect(try await q.fail(again, failure: JobFailure("disk full", retryable: true), on: app.db) == .failed)
            let failures = try await q.failures(limit: 5, on: app.db)
            #expect(failures.map(\.lastError) == ["disk full"])
            #expect(failures.first?.attempts == 2)
            // An operator fixes the cause and retries: fresh attempts.
            #expect(try await q.retryFailed(kind: "test.a", on: app.db) == 1)
            #expect(try await q.claim(kinds: ["test.a"], lease: 60, on: app.db)?.attempts == 1)
        }
    }

    @Test func aPermanentFailureIsNotRetried() async throws {
        try await withTestApp { app in
            let q = JobQueue(clock: ManualClock())
            try await q.enqueue(kind: "test.a", payload: Payload(n: 1), maxAttempts: 5, on: app.db)
            let job = try #require(try await q.claim(kinds: ["test.a"], lease: 60, on: app.db))
            #expect(try await q.fail(job, failure: JobFailure("no such program", retryable: false), on: app.db) == .failed)
            #expect(try await q.retryFailed(kind: "test.other", on: app.db) == 0)
        }
    }

    @Test func aJobWhoseWorkerVanishedIsTakenAgainWhenItsLeaseEnds() async throws {
        try await withTestApp { app in
            let clock = ManualClock()
            let q = JobQueue(clock: clock)
            try await q.enqueue(kind: "test.a", payload: Payload(n: 1), on: app.db)
            _ = try #require(try await q.claim(kinds: ["test.a"], lease: 60, on: app.db))
            clock.advance(59)
            #expect(try await q.claim(kinds: ["test.a"], lease: 60, on: app.db) == nil)
            clock.advance(2)
            #expect(try await q.claim(kinds: ["test.a"], lease: 60, on: app.db)?.attempts == 2)
        }
    }

    @Test func concurrentWorkersNeverShareAJob() async throws {
        try await withTestApp(adjust: { $0.postgresConnectionsPerLoop = 4 }) { app in
            let q = JobQueue()
            for n in 0..<40 { try await q.enqueue(kind: "test.a", payload: Payload(n: n), on: app.db) }
            let db = app.db
            let claimed = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        var mine: [Int] = []
                        while let job = try await q.claim(kinds: ["test.a"], lease: 60, on: db) {
                            mine.append(try job.decode(Payload.self).n)
                            try await q.complete(job, on: db)
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            #expect(claimed.count == 40)
            #expect(Set(claimed) == Set(0..<40))
        }
    }

    @Test func theWorkerRecordsWhatHandlersThrow() async throws {
        try await withTestApp { app in
            let q = JobQueue()
            let seen = Mutex<[Int]>([])
            let worker = JobWorker(db: app.db, queue: q, handlers: [
                "test.ok": { job, _ in let n = try job.decode(Payload.self).n; seen.withLock { $0.append(n) } },
                "test.bad": { _, _ in throw JobFailure("cannot", retryable: false) },
            ], signal: JobSignal())
            try await q.enqueue(kind: "test.ok", payload: Payload(n: 7), on: app.db)
            try await q.enqueue(kind: "test.bad", payload: Payload(n: 8), on: app.db)
            try await q.enqueue(kind: "test.unknown", payload: Payload(n: 9), on: app.db)
            #expect(try await worker.runReady() == 2)
            #expect(seen.withLock { $0 } == [7])
            let counts = try await q.counts(on: app.db)
            #expect(counts.contains(JobQueue.Count(kind: "test.bad", state: "failed", count: 1)))
            #expect(counts.contains(JobQueue.Count(kind: "test.ok", state: "done", count: 1)))
            // A kind this worker has no handler for waits for a worker that has one.
            #expect(counts.contains(JobQueue.Count(kind: "test.unknown", state: "queued", count: 1)))
        }
    }
}
