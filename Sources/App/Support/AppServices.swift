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
import Live

/// What the application holds for its whole life: configuration, localisation, rules,
/// the directory context and the metrics registry. Built once in `configure`.
///
/// A class, not a struct: every `req.services` read copied the whole struct out of Vapor's
/// storage, retaining and releasing each of its members, a few dozen times per page
/// (every `req.t`). That was 6 % of a course page's CPU in a profile. Its properties are
/// set in `configure` (and by tests before they serve), never while requests run, hence
/// `@unchecked Sendable`.
final class AppServices: @unchecked Sendable {
    var config: AppConfig
    var localizer: Localizer
    var directory: DirectoryContext
    var library: LibraryContext
    var assessment: AssessmentContext
    var courses: CoursesContext
    var live: LiveContext
    /// Background jobs; started by `serve` (unless EDUCOMMONS_RUN_JOBS=false) and `jobs run`.
    var jobs: JobWorker
    var metrics: PrometheusCollectorRegistry
    var assets: AssetCatalog
    var openAPI: ByteBuffer
    /// Rendered page parts shared by many readers (a course's outline), keyed by what they depend on.
    let fragments = LRUCache<OutlineFragment>(capacity: 1024)

    init(config: AppConfig, localizer: Localizer, directory: DirectoryContext, library: LibraryContext, assessment: AssessmentContext,
         courses: CoursesContext, live: LiveContext, jobs: JobWorker, metrics: PrometheusCollectorRegistry, assets: AssetCatalog, openAPI: ByteBuffer) {
        self.config = config
        self.localizer = localizer
        self.directory = directory
        self.library = library
        self.assessment = assessment
        self.courses = courses
        self.live = live
        self.jobs = jobs
        self.metrics = metrics
        self.assets = assets
        self.openAPI = openAPI
    }
}

/// A course outline rendered once, cut where each item's tick may go: `texts` has one more
/// element than `items`, and a page is texts[0], tick?, texts[1], ...
struct OutlineFragment: Sendable {
    var texts: [String]
    var items: [String]

    init(_ html: String) {
        var texts: [String] = [], items: [String] = []
        var rest = html[...]
        // The standard library's search, not Foundation's: on text with Vietnamese marks
        // Foundation's bridged search rebuilt UTF-16 offsets for the whole page per call.
        while let r = rest.firstRange(of: "<!--done:"), let end = rest[r.upperBound...].firstRange(of: "-->") {
            texts.append(String(rest[..<r.lowerBound]))
            items.append(String(rest[r.upperBound..<end.lowerBound]))
            rest = rest[end.upperBound...]
        }
        texts.append(String(rest))
        self.texts = texts
        self.items = items
    }

    func render(done: Set<String>, tick: String) -> String {
        var out = texts[0]
        out.reserveCapacity(texts.reduce(0) { $0 + $1.utf8.count } + done.count * tick.utf8.count)
        for (n, item) in items.enumerated() {
            if done.contains(item) { out += tick }
            out += texts[n + 1]
        }
        return out
    }
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
    var live: LiveService { LiveService(db: db, ctx: services.live) }

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
