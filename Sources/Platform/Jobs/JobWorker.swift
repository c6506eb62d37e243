import Foundation
import FluentKit
import Logging
import Synchronization

/// Tells a worker in this process that a job was just queued, so it looks at once
/// instead of at its next poll. Jobs queued by other processes are found by polling.
public final class JobSignal: Sendable {
    private let pending = Mutex(false)

    public init() {}

    public func notify() { pending.withLock { $0 = true } }

    /// True once after `notify()`.
    func take() -> Bool { pending.withLock { p in defer { p = false }; return p } }
}

/// Work a worker does on a timer rather than from the queue: a look for things that are due
/// (attempts past their deadline), so that the request that created them queued nothing.
/// Several processes may sweep at once; a sweep must be harmless when repeated.
public struct Sweep: Sendable {
    public var name: String
    public var every: TimeInterval
    /// Does what is due; answers how many things it handled.
    public var run: @Sendable (any Database) async throws -> Int

    public init(name: String, every: TimeInterval, run: @escaping @Sendable (any Database) async throws -> Int) {
        self.name = name
        self.every = every
        self.run = run
    }
}

/// Runs jobs of the kinds it has handlers for: `runReady()` drains what is ready now
/// (tests, `educommons jobs run --once`); `start()` keeps doing so in the background
/// (`serve`, `educommons jobs run`). Handlers do their heavy work outside the event
/// loops (child processes, the thread pool): a job must never block request handling.
public final class JobWorker: Sendable {
    public typealias Handler = @Sendable (Job, any Database) async throws -> Void

    private let db: any Database
    private let queue: JobQueue
    private let handlers: [String: Handler]
    private let sweeps: [Sweep]
    private let signal: JobSignal
    private let lease: TimeInterval
    private let pollInterval: TimeInterval
    private let logger: Logger
    private let task = Mutex<Task<Void, Never>?>(nil)

    public init(db: any Database, queue: JobQueue, handlers: [String: Handler], sweeps: [Sweep] = [], signal: JobSignal,
                lease: TimeInterval = 2 * 3600, pollInterval: TimeInterval = 5, logger: Logger = Logger(label: "jobs")) {
        self.db = db
        self.queue = queue
        self.handlers = handlers
        self.sweeps = sweeps
        self.signal = signal
        self.lease = lease
        self.pollInterval = pollInterval
        self.logger = logger
    }

    public var kinds: [String] { handlers.keys.sorted() }

    /// Runs ready jobs one after another until none is left; answers how many ran.
    @discardableResult
    public func runReady() async throws -> Int {
        var ran = 0
        while !Task.isCancelled, let job = try await queue.claim(kinds: kinds, lease: lease, on: db) {
            await run(job)
            ran += 1
        }
        return ran
    }

    /// Runs every sweep once; answers how many things they handled in all.
    @discardableResult
    public func runSweeps() async -> Int {
        var handled = 0
        for sweep in sweeps { handled += await run(sweep) }
        return handled
    }

    private func run(_ sweep: Sweep) async -> Int {
        do {
            let n = try await sweep.run(db)
            if n > 0 { logger.info("sweep done", metadata: ["sweep": "\(sweep.name)", "handled": "\(n)"]) }
            return n
        } catch {
            // Tried again at the next tick: a sweep only looks for what is due.
            logger.warning("sweep failed", metadata: ["sweep": "\(sweep.name)", "error": "\(error)"])
            return 0
        }
    }

    func run(_ job: Job) async {
        guard let handler = handlers[job.kind] else { return }
        let started = Date()
        do {
            try await handler(job, db)
            try await queue.complete(job, on: db)
            logger.info("job done", metadata: ["kind": "\(job.kind)", "id": "\(job.id)", "seconds": "\(Int(Date().timeIntervalSince(started)))"])
        } catch {
            let failure = error as? JobFailure ?? JobFailure(String(describing: error), retryable: true)
            do {
                let state = try await queue.fail(job, failure: failure, on: db)
                logger.log(level: state == .failed ? .error : .warning, "job \(state == .failed ? "failed" : "will be retried")",
                           metadata: ["kind": "\(job.kind)", "id": "\(job.id)", "attempt": "\(job.attempts)", "error": "\(failure.message)"])
            } catch {
                // The lease will run out and another claim retries the job.
                logger.error("could not record a job failure", metadata: ["id": "\(job.id)", "error": "\(error)"])
            }
        }
    }

    /// Starts the background loop: drain, then wait for a signal or the poll interval.
    /// Finished jobs older than a week are pruned once an hour.
    public func start() {
        task.withLock { t in
            guard t == nil else { return }
            t = Task { [self] in
                var lastPoll = Date.distantPast
                var lastPrune = Date.distantPast
                var lastSweep = [Date](repeating: .distantPast, count: sweeps.count)
                while !Task.isCancelled {
                    for (i, sweep) in sweeps.enumerated() where Date().timeIntervalSince(lastSweep[i]) >= sweep.every {
                        lastSweep[i] = Date()
                        _ = await run(sweep)
                    }
                    if signal.take() || Date().timeIntervalSince(lastPoll) >= pollInterval {
                        lastPoll = Date()
                        do { try await runReady() } catch {
                            logger.warning("job queue unavailable", metadata: ["error": "\(error)"])
                        }
                        if Date().timeIntervalSince(lastPrune) >= 3600 {
                            lastPrune = Date()
                            _ = try? await queue.prune(olderThan: 7 * 86400, on: db)
                        }
                    }
                    // A quarter-second tick only checks a flag; the database is asked at
                    // the poll interval or when this process queued something.
                    try? await Task.sleep(nanoseconds: 250_000_000)
                }
            }
        }
    }

    public func stop() async {
        let t = task.withLock { t in defer { t = nil }; return t }
        t?.cancel()
        await t?.value
    }
}
