import Foundation
import Vapor
import Fluent
import FluentSQLiteDriver
import FluentPostgresDriver
import Leaf
import LeafKit
import Prometheus
import NIOCore
import Platform
import Directory
import Library
import Assessment
import Courses
import Live

/// Builds the whole application from a configuration: database, migrations, services,
/// middleware, pages and routes. Tests call it with their own configuration.
public func configure(_ app: Application, config: AppConfig) async throws {
    app.logger.logLevel = config.logLevel
    app.directory = DirectoryConfiguration(workingDirectory: config.homeDirectory.hasSuffix("/") ? config.homeDirectory : config.homeDirectory + "/")
    app.http.server.configuration.port = config.port
    app.http.server.configuration.hostname = config.hostname
    // Pages and JSON are compressed: a pupil's first visit must stay far below 100 KB.
    app.http.server.configuration.responseCompression = .enabled(initialByteBufferCapacity: 1024)
    app.routes.defaultMaxBodySize = "2mb"

    switch config.database {
    case .sqliteFile(let path):
        let dir = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw AppConfig.Problem(variable: "EDUCOMMONS_DATA", message: "cannot create '\(dir)': \(error.localizedDescription)")
        }
        guard FileManager.default.isWritableFile(atPath: dir) else {
            throw AppConfig.Problem(variable: "EDUCOMMONS_DATA", message: "'\(dir)' is not writable")
        }
        app.databases.use(.sqlite(.file(path), maxConnectionsPerEventLoop: 1, sqlLogLevel: .trace), as: .sqlite)
    case .sqliteMemory:
        app.databases.use(.sqlite(.memory, maxConnectionsPerEventLoop: 1, sqlLogLevel: .trace), as: .sqlite)
    case .postgres(let url, let searchPath):
        var pg: SQLPostgresConfiguration
        do {
            pg = try SQLPostgresConfiguration(url: url)
        } catch {
            throw AppConfig.Problem(variable: "DATABASE_URL", message: "cannot be read: \(error)")
        }
        pg.searchPath = searchPath
        app.databases.use(.postgres(configuration: pg, maxConnectionsPerEventLoop: config.postgresConnectionsPerLoop, sqlLogLevel: .trace), as: .psql)
    }
    if case .sqliteFile = config.database {
        // WAL lets readers proceed while the single writer commits (a property of the file).
        try await (app.db as? any SQLDatabase)?.raw("PRAGMA journal_mode=WAL").run()
        // FULL: a commit is on disk before it is acknowledged (an exam answer a pupil saw
        // saved must survive a power cut, not only a crash of the process). In WAL mode that
        // is one fsync of the log per commit; answer saves are committed in batches
        // (AttemptWriter), so a storm pays it per batch, not per answer.
        // synchronous is a setting of each connection, not of the file: the pool holds one
        // connection per event loop and keeps it, so asking through each loop's pool
        // reaches every connection. (The vendored SQLite's compiled-in default is FULL too.)
        for loop in app.eventLoopGroup.makeIterator() {
            guard let db = app.databases.database(.sqlite, logger: app.logger, on: loop) as? any SQLDatabase else { continue }
            try await db.raw("PRAGMA synchronous=FULL").run()
        }
    }
    for m in PlatformMigrations.all + DirectoryMigrations.all + LibraryMigrations.all + AssessmentMigrations.all + CoursesMigrations.all + LiveMigrations.all { app.migrations.add(m) }

    let home = URL(fileURLWithPath: config.homeDirectory)
    let localizer = try Localizer.load(directory: home.appendingPathComponent("Resources/Localization"))
    let rules = try RuleBook.load(file: home.appendingPathComponent("Resources/Rules/countries.json"))
    let assets = try AssetCatalog.load(directory: home.appendingPathComponent("Public").path)
    let openAPI = try Data(contentsOf: home.appendingPathComponent("Resources/openapi.json"))
    var directory = DirectoryContext(rules: rules, hasher: BcryptHasher(cost: config.bcryptCost),
                                     identityCacheSeconds: TimeInterval(config.identityCacheSeconds))
    directory.orgMoveHooks.append(LibraryContext.orgMoveHook)
    let libraryRules = try LibraryRules.load(file: home.appendingPathComponent("Resources/Rules/library.json"),
                                             overrides: Dictionary(uniqueKeysWithValues: config.uploadLimitsMB.compactMap { k, v in
                                                 ResourceKind(rawValue: k).map { ($0, v) } }))
    let blobs: LocalBlobStore
    do {
        blobs = try LocalBlobStore(root: URL(fileURLWithPath: config.blobDirectory))
    } catch {
        throw AppConfig.Problem(variable: "EDUCOMMONS_DATA", message: "cannot create '\(config.blobDirectory)': \(error.localizedDescription)")
    }
    var library = LibraryContext(rules: libraryRules, blobs: blobs, directory: directory,
                                                        searchCacheSeconds: TimeInterval(config.searchCacheSeconds),
                                                        stagingRoot: URL(fileURLWithPath: config.dataDirectory + "/uploads"))
    if let secret = config.contentSecret { library.contentSecret = secret }
    library.ffmpegPath = config.ffmpegPath
    library.transcodeThreads = config.transcodeThreads
    let assessment = AssessmentContext()
    let jobs = JobWorker(db: app.db, queue: library.jobs,
                         handlers: LibraryJobs.handlers(ctx: library).merging(AssessmentJobs.handlers(ctx: assessment)) { a, _ in a },
                         sweeps: AssessmentJobs.sweeps(ctx: assessment),
                         signal: library.jobSignal, logger: Logger(label: "educommons.jobs"))
    app.lifecycle.use(JobWorkerLifecycle(worker: jobs))
    var courses = CoursesContext(directory: directory, library: library, assessment: assessment)
    courses.xapiHomePage = "https://\(config.oaiRepositoryID)"
    courses.ltiIssuer = config.publicBase
    // Tools' key sets are fetched with the app's HTTP client: 5 s, 256 KB at most, http(s) only.
    let client = app.client
    courses.ltiFetch = { url in
        guard let u = URL(string: url), ["http", "https"].contains(u.scheme ?? "") else { throw DomainError.conflict(reason: "lti.keys-unreachable") }
        let response = try await client.send(ClientRequest(method: .GET, url: URI(string: url), headers: [:], body: nil, timeout: .seconds(5)))
        guard response.status == .ok, let body = response.body, body.readableBytes <= 256 * 1024 else { throw DomainError.conflict(reason: "lti.keys-unreachable") }
        return Data(buffer: body)
    }
    courses.onlineRules = try OnlineTeachingRules.load(file: home.appendingPathComponent("Resources/Rules/online-teaching.json"))
    var live = LiveContext(directory: directory, courses: courses)
    live.publicBase = config.publicBase
    live.streamOrigins = config.streamOrigins
    if let api = config.bbbURL, let secret = config.bbbSecret {
        // BigBlueButton answers in well under a second; a server that does not is reported
        // as unreachable after 5 s, and the room's own chat and polls go on.
        live.bbb = BigBlueButtonServer(api: api, secret: secret, algorithm: config.bbbChecksum) { url in
            let response = try await client.send(ClientRequest(method: .GET, url: URI(string: url), headers: [:], body: nil, timeout: .seconds(5)))
            return (Int(response.status.code), response.body.map { Data(buffer: $0) } ?? Data())
        }
    }
    try await LiveBusSetup.start(app, config: config, hub: live.hub)
    app.services = AppServices(config: config, localizer: localizer, directory: directory, library: library,
                               assessment: assessment, courses: courses, live: live, jobs: jobs,
                               metrics: PrometheusCollectorRegistry(), assets: assets, openAPI: ByteBuffer(data: openAPI))

    app.leaf.tags["t"] = LocalizeTag()
    app.leaf.tags["asset"] = AssetTag()
    // Templates are read once in a release build; in a debug build edits show at once.
    // Leaf's own provider turns its cache off whenever the environment is "development",
    // which is what `serve` runs in unless told otherwise: every page was read and lexed
    // again, a fifth of the server's time on a course page (bench/README.md, "Courses").
    // So the renderer is made here, with the cache decided by the build alone.
    app.leaf.cache.isEnabled = app.environment.isRelease
    app.views.use { app in
        var info = app.leaf.userInfo
        info["application"] = app
        return LeafRenderer(configuration: app.leaf.configuration, tags: app.leaf.tags, cache: app.leaf.cache,
                            sources: app.leaf.sources, eventLoop: app.eventLoopGroup.next(), userInfo: info)
    }

    app.middleware = Middlewares()
    app.middleware.use(MetricsMiddleware(registry: app.services.metrics))
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(ProblemMiddleware())
    app.middleware.use(CORSForLRS())
    app.middleware.use(RequestContextMiddleware())
    app.middleware.use(CSRFMiddleware())

    try routes(app)
    registerCommands(app)
}

/// Runs pending migrations (both databases), used by `serve` and `migrate`.
public func migrate(_ app: Application) async throws {
    try await app.autoMigrate()
}
