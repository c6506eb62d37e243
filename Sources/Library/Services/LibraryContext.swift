import Foundation
import Platform
import Directory

/// Long-lived dependencies of the Library: vocabularies and limits, the blob store, the
/// clock and the audit log. Built once at start-up.
public struct LibraryContext: Sendable {
    public var rules: LibraryRules
    public var blobs: any BlobStore
    public var clock: any PlatformClock
    public var audit: AuditLog
    public var directory: DirectoryContext
    public let searchCache: SearchCache
    /// Where resumable uploads grow until complete (local disk, beside the blobs).
    public var stagingRoot: URL
    let uploadLocks = UploadLocks()
    /// Signs links to package files (see `packageLink`). Random per process unless the
    /// operator sets one for all processes behind a load balancer.
    public var contentSecret: String = Digest.randomToken()
    /// Background jobs (video renditions) and the signal that wakes this process's worker.
    public var jobs: JobQueue
    public let jobSignal = JobSignal()
    /// Directories of packages and e-books being served (their files are asked one by one).
    public let zipDirectories = ZipDirectoryCache()
    /// The ffmpeg program: a name looked up on PATH or a full path (EDUCOMMONS_FFMPEG).
    public var ffmpegPath = "ffmpeg"
    /// Threads one ffmpeg may use; one leaves the other core to requests on a small box.
    public var transcodeThreads = 1

    public init(rules: LibraryRules, blobs: any BlobStore, directory: DirectoryContext, clock: any PlatformClock = SystemClock(),
                searchCacheSeconds: TimeInterval = 30, stagingRoot: URL = FileManager.default.temporaryDirectory.appendingPathComponent("educommons-uploads")) {
        self.searchCache = SearchCache(ttl: searchCacheSeconds)
        self.stagingRoot = stagingRoot
        self.rules = rules
        self.blobs = blobs
        self.clock = clock
        self.audit = AuditLog(clock: clock)
        self.jobs = JobQueue(clock: clock)
        self.directory = directory
    }

    /// Rewrites the organisation paths copied into library rows when an organisation
    /// moves; registered with the Directory by the App.
    public static let orgMoveHook: OrgMoveHook = { db, oldPrefix, newPrefix in
        let sql = db.sql
        let n = oldPrefix.count + 1
        for (table, column) in [("resources", "org_path"), ("resources", "scope_path"), ("resource_search", "scope_path")] {
            try await sql.raw("""
                UPDATE \(unsafeRaw: table) SET \(unsafeRaw: column) = \(bind: newPrefix) || SUBSTR(\(unsafeRaw: column), CAST(\(bind: n) AS INTEGER))
                WHERE \(unsafeRaw: column) LIKE \(bind: oldPrefix + "%")
                """).run()
        }
    }
}
