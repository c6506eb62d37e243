import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Vapor
import Logging
import NIOCore
import NIOPosix
import Platform
import Directory
import Library
import Assessment
import Courses

/// The executable's whole life: read configuration, build the app, migrate and seed for
/// `serve`, run the command, shut down. A configuration problem stops here with a message
/// naming the variable.
public func runEduCommons() async -> Int32 {
    // Run Swift concurrency on NIO's event loops: handlers, database callbacks and socket
    // I/O then share two threads on a two-core box instead of hopping between thread pools.
    // Measured in bench/: a large part of the authenticated-request throughput.
    _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    tuneMalloc()
    var arguments = CommandLine.arguments
    let demo = arguments.contains("--demo")
    arguments.removeAll { $0 == "--demo" }
    let config: AppConfig
    var env: Environment
    do {
        env = try Environment.detect(arguments: arguments)
        config = try AppConfig.fromEnvironment()
        try LoggingSystem.bootstrap(from: &env) { _ in
            { label in
                if config.jsonLogs { return JSONLogHandler(label: label, level: config.logLevel) }
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = config.logLevel
                return handler
            }
        }
    } catch {
        FileHandle.standardError.write(Data("educommons: \(error)\n".utf8))
        return 2
    }
    let app: Application
    do {
        app = try await Application.make(env)
    } catch {
        FileHandle.standardError.write(Data("educommons: cannot start: \(error)\n".utf8))
        return 1
    }
    do {
        try await configure(app, config: config)
        let command = env.arguments.dropFirst().first { !$0.hasPrefix("-") }
        if command == nil || command == "serve" {
            try await migrate(app)
            if demo { try await seedDemo(app, config: config) }
            // Resumable uploads older than a day are abandoned: free their disk space.
            let swept = try await LibraryService(db: app.db, ctx: app.services.library).sweepUploads()
            if swept > 0 { app.logger.notice("removed \(swept) abandoned uploads") }
            if ChildProcess.locate(config.ffmpegPath) == nil {
                app.logger.warning("ffmpeg not found (\(config.ffmpegPath)): uploaded videos play as uploaded, without 360p/720p renditions or posters; install the Debian package ffmpeg or set EDUCOMMONS_FFMPEG")
            }
            if config.runJobs { app.services.jobs.start() }
        } else if demo {
            app.logger.warning("--demo only applies to serve")
        }
        try await app.execute()
        try await app.asyncShutdown()
        return 0
    } catch {
        if !(error is DomainError) { FileHandle.standardError.write(Data("educommons: \(error)\n".utf8)) }
        try? await app.asyncShutdown()
        return 1
    }
}

func seedDemo(_ app: Application, config: AppConfig) async throws {
    let seeded = try await DemoProvince(db: app.db, ctx: app.services.directory).seedIfEmpty(password: config.demoPassword)
    guard let accounts = seeded else {
        app.logger.notice("--demo: the database already holds data; nothing added")
        return
    }
    let resources = try await DemoLibrary(library: LibraryService(db: app.db, ctx: app.services.library))
        .seedIfEmpty(directory: DirectoryService(db: app.db, ctx: app.services.directory))
    let directory = DirectoryService(db: app.db, ctx: app.services.directory)
    let teacher = try await directory.actor(username: "teacher", acting: .system("demo"))
    let pupil = try await directory.actor(username: "pupil", acting: .system("demo"))
    let exam = try await DemoAssessment(service: AssessmentService(db: app.db, ctx: app.services.assessment)).seed(teacher: teacher, pupil: pupil)
    try await DemoCourses(service: CoursesService(db: app.db, ctx: app.services.courses)).seed(teacher: teacher, pupil: pupil, exam: exam)
    var lines = ["Demo province created, with \(resources) learning resources, a question bank with an exam, and a course for class 3A and an open course. Sign in with any of these accounts:"]
    for a in accounts { lines.append("  \(a.username.padding(toLength: 18, withPad: " ", startingAt: 0)) \(a.description)") }
    lines.append(config.demoPassword == AppConfig.defaultDemoPassword
                 ? "Password for all of them: \(config.demoPassword) (set EDUCOMMONS_DEMO_PASSWORD to choose another)"
                 : "Password for all of them: the value of EDUCOMMONS_DEMO_PASSWORD")
    // Straight to the descriptor: print() is block-buffered when stdout is a pipe.
    FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
}

/// Files are streamed in 1 MiB buffers. glibc serves allocations above 128 KiB with a fresh
/// mmap and returns them with munmap, so every buffer cost page faults, zeroing and TLB work
/// (a quarter of the CPU of a ranged download in a profile). Raising the threshold keeps
/// those buffers in the heap for reuse; the trim threshold lets up to 64 MiB of freed heap
/// stay mapped. Measured in bench/: 8 MB ranges 2-3x faster. Operators can still override
/// both with glibc's MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_.
func tuneMalloc() {
    #if canImport(Glibc)
    // mallopt is declared in <malloc.h>, which Swift's Glibc module does not import; the
    // parameter numbers are glibc's (M_TRIM_THRESHOLD -1, M_MMAP_THRESHOLD -3).
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
    let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
    let env = ProcessInfo.processInfo.environment
    if env["MALLOC_MMAP_THRESHOLD_"] == nil { _ = mallopt(-3, 4 * 1_048_576) }
    if env["MALLOC_TRIM_THRESHOLD_"] == nil { _ = mallopt(-1, 64 * 1_048_576) }
    #endif
}
