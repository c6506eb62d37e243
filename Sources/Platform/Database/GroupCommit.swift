import Foundation
import FluentKit
import SQLKit
import Synchronization

/// Group commit for small writes that arrive in bursts (xAPI statements): every job that
/// arrives while a batch is being written joins the next batch, which `write` stores in
/// one transaction; each caller is answered only after that commit. One commit (one fsync
/// on SQLite) then serves many requests. `write` answers one result per job, so one bad job
/// (a conflict) fails alone; if the whole batch throws, the jobs are written again one by
/// one so that each gets its own answer.
public final class GroupCommit<Job: Sendable, Output: Sendable>: Sendable {
    public typealias Write = @Sendable ([Job], any Database) async throws -> [Result<Output, any Error>]

    private struct Waiting {
        var job: Job
        var continuation: CheckedContinuation<Output, any Error>
    }
    private struct State {
        var pending: [Waiting] = []
        var writers = 0
    }
    private let state = Mutex(State())
    private let write: Write
    private let maxJobs: Int
    private let gate: WriteGate

    /// `gate`: SQLite's one writer, shared with the process's other hot writers.
    public init(maxJobs: Int = 200, gate: WriteGate, write: @escaping Write) {
        self.maxJobs = maxJobs
        self.gate = gate
        self.write = write
    }

    public func submit(_ job: Job, on db: any Database) async throws -> Output {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Output, any Error>) in
            // PostgreSQL takes two batches at once (one waits for its commit while the next is
            // sent); SQLite has one writer anyway.
            let most = Dialect.of(db.sql) == .postgres ? 2 : 1
            let lead = state.withLock { s -> Bool in
                s.pending.append(Waiting(job: job, continuation: c))
                guard s.writers < most else { return false }
                s.writers += 1
                return true
            }
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
                let n = min(s.pending.count, maxJobs)
                let taken = Array(s.pending.prefix(n))
                s.pending.removeFirst(n)
                return taken
            }
            guard !batch.isEmpty else { return }
            do {
                let results = try await gate.run(on: db) { try await write(batch.map(\.job), db) }
                for (w, r) in zip(batch, results) { w.continuation.resume(with: r) }
                for w in batch.dropFirst(results.count) { w.continuation.resume(throwing: GroupCommitError.noResult) }
            } catch {
                for w in batch {
                    do {
                        let one = try await gate.run(on: db) { try await write([w.job], db) }
                        w.continuation.resume(with: one.first ?? .failure(GroupCommitError.noResult))
                    } catch {
                        w.continuation.resume(throwing: error)
                    }
                }
            }
        }
    }
}

public enum GroupCommitError: Error { case noResult }
