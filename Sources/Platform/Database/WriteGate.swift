import Foundation
import FluentKit
import SQLKit
import Synchronization

/// One writer at a time on SQLite, decided inside the process rather than by SQLite's
/// file lock. SQLite allows one writer; the driver's busy handler retries a locked write
/// at once, in a loop, on a thread of the database thread pool. With one connection per
/// event loop, a start storm's inserts met the answer batches' commits (each waiting for
/// its fsync) and spun: one core busy doing nothing, saves waiting seconds behind it
/// (bench/README.md, "Exams"). Hot write paths go through this gate instead, in arrival
/// order. On PostgreSQL, which has row locks, it lets everything through.
public final class WriteGate: Sendable {
    private struct State {
        var busy = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    public init() {}

    public func run<T: Sendable>(on db: any Database, _ body: () async throws -> T) async throws -> T {
        guard let sql = db as? any SQLDatabase, Dialect.of(sql) == .sqlite else { return try await body() }
        await enter()
        defer { leave() }
        return try await body()
    }

    private func enter() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if !s.busy { s.busy = true; return true }
                s.waiting.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    private func leave() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiting.isEmpty { s.busy = false; return nil }
            return s.waiting.removeFirst()
        }
        // The gate passes straight to the next writer: `busy` stays set.
        next?.resume()
    }
}
