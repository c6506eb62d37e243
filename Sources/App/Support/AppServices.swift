import Foundation
import Vapor
import Fluent
import Prometheus
import NIOPosix
import Platform
import Directory
import Library
import Assessment
import Courses

/// What the application holds for its whole life: configuration, localisation, rules,
/// the directory context and the metrics registry. Built once in `configure`.
struct AppServices: Sendable {
    var config: AppConfig
    var localizer: Localizer
    var directory: DirectoryContext
    var library: LibraryContext
    var assessment: AssessmentContext
    var courses: CoursesContext
    /// Background jobs; started by `serve` (unless EDUCOMMONS_RUN_JOBS=false) and `jobs run`.
    var jobs: JobWorker
    var metrics: PrometheusCollectorRegistry
    var assets: AssetCatalog
    var openAPI: ByteBuffer
    /// Rendered page parts shared by many readers (a course's outline), keyed by what they depend on.
    let fragments = LRUCache<String>(capacity: 1024)
}

extension Application {
    private struct ServicesKey: StorageKey { typealias Value = AppServices }

    var services: AppServices {
        get {
            guard let s = storage[ServicesKey.self] else { fatalError("configure(_:) has not run") }
            return s
        }
        set { storage[ServicesKey.self] = newValue }
    }
}

extension Request {
    var services: AppServices { application.services }
    var directory: DirectoryService { DirectoryService(db: db, ctx: services.directory) }
    var auth: AuthService { AuthService(db: db, ctx: services.directory) }
    var auditLog: AuditService { AuditService(db: db) }
    var library: LibraryService { LibraryService(db: db, ctx: services.library) }
    var assessment: AssessmentService { AssessmentService(db: db, ctx: services.assessment) }
    var courses: CoursesService { CoursesService(db: db, ctx: services.courses) }

    func t(_ key: String, _ args: [String] = []) -> String {
        services.localizer.text(key, locale, args)
    }
}

/// bcrypt from Vapor, behind the Platform protocol so areas stay free of Vapor. The work
/// runs on NIO's blocking-work thread pool: Swift concurrency runs on the event loops
/// (see Entrypoint), and 60 ms of bcrypt there would stall every request on that loop,
/// which is exactly what a class signing in at once would cause.
struct BcryptHasher: Platform.PasswordHasher {
    var cost: Int

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { try Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, against hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { try Bcrypt.verify(password, created: hash) }
    }
}

/// Stops the job worker before the database pools close.
struct JobWorkerLifecycle: LifecycleHandler {
    let worker: JobWorker
    func shutdownAsync(_ application: Application) async {
        await worker.stop()
    }
}
