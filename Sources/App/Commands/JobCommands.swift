import Foundation
import Vapor
import Platform

/// Operators' view of background jobs (video renditions today).
struct JobCommands: AsyncCommandGroup {
    var commands: [String: any AnyAsyncCommand] { ["status": JobStatusCommand(), "retry": JobRetryCommand(), "run": JobRunCommand()] }
    var help: String { "Background jobs: see what is queued or failed, retry failures, run a worker." }
}

/// `educommons jobs status`: counts by kind and state, and the latest failures with why.
struct JobStatusCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Counts jobs by kind and state and lists the latest failures with their reason." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await migrate(app)
        let l = app.services.localizer
        let locale = app.services.config.defaultLocale
        let queue = app.services.library.jobs
        let counts = try await queue.counts(on: app.db)
        if counts.isEmpty { context.console.print(l.text("cli.jobs-none", locale)) }
        for c in counts { context.console.print("\(c.kind.padding(toLength: 22, withPad: " ", startingAt: 0)) \(c.state.padding(toLength: 8, withPad: " ", startingAt: 0)) \(c.count)") }
        let failures = try await queue.failures(limit: 20, on: app.db)
        if !failures.isEmpty { context.console.print(l.text("cli.jobs-failures", locale)) }
        for f in failures {
            context.console.warning("  \(f.id.uuidString.lowercased()) \(f.kind) ×\(f.attempts): \(f.lastError)")
        }
    }
}

/// `educommons jobs retry [--kind library.transcode]`: after fixing the cause.
struct JobRetryCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "kind", help: "Only jobs of this kind, e.g. library.transcode") var kind: String?
    }
    var help: String { "Queues failed jobs again with fresh attempts (after installing ffmpeg, for example)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await migrate(app)
        let n = try await app.services.library.jobs.retryFailed(kind: signature.kind, on: app.db)
        context.console.print(app.services.localizer.text("cli.jobs-retried", app.services.config.defaultLocale, [String(n)]))
    }
}

/// `educommons jobs run [--once]`: a worker process of its own, for deployments that run
/// jobs apart from the web servers (set EDUCOMMONS_RUN_JOBS=false on those).
struct JobRunCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "once", help: "Run what is ready now, then exit") var once: Bool
    }
    var help: String { "Runs background jobs: until stopped, or with --once until none is ready." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await migrate(app)
        let worker = app.services.jobs
        if signature.once {
            let n = try await worker.runReady() + worker.runSweeps()
            context.console.print(app.services.localizer.text("cli.jobs-ran", app.services.config.defaultLocale, [String(n)]))
            return
        }
        worker.start()
        // Until the process is told to stop (SIGINT/SIGTERM end it; jobs left running are
        // taken again by the next claim once their lease ends).
        while true { try await Task.sleep(nanoseconds: 3_600_000_000_000) }
    }
}
