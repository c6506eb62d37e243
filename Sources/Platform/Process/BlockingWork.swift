import Foundation

/// Runs blocking work (hashing a large file, reading it from disk) on a thread of its
/// own. Swift concurrency here runs on the event loops (see Entrypoint), so work that
/// holds a thread for long must not run inline in a task.
public enum BlockingWork {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            let thread = Thread { c.resume(with: Result { try body() }) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }
}
