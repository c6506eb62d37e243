import Foundation
import Vapor
import Platform

/// Settings read once from the environment at start-up. A wrong value stops start-up
/// with a message naming the variable; nothing is silently replaced by a default.
public struct AppConfig: Sendable {
    public enum Database: Sendable, Equatable {
        case sqliteFile(String)
        case sqliteMemory
        case postgres(url: String, searchPath: [String]?)
    }

    public var port: Int
    public var hostname: String
    public var dataDirectory: String
    public var database: Database
    public var logLevel: Logger.Level
    public var demoPassword: String
    public var defaultLocale: AppLocale
    public var bcryptCost: Int
    /// Seconds a resolved token is reused before the database is asked again.
    public var identityCacheSeconds: Int = 30
    /// One JSON object per log line (`LOG_FORMAT=json`).
    public var jsonLogs: Bool = false
    /// Peers whose `X-Forwarded-For` is believed (the front proxy), for audit addresses.
    public var trustedProxies: Set<String> = []
    /// Where `Resources/` and `Public/` live; the working directory unless set.
    public var homeDirectory: String
    /// Upload limits in megabytes per resource kind (`EDUCOMMONS_UPLOAD_LIMIT_VIDEO_MB=2048`),
    /// over the defaults in Resources/Rules/library.json.
    public var uploadLimitsMB: [String: Int] = [:]

    /// OAI-PMH: the repository's identifier (a domain-like name) and its contact.
    public var oaiRepositoryID = "educommons.local"
    public var adminEmail = "admin@educommons.local"
    public var repositoryName = "EduCommons"

    /// The address people and tools reach the platform at, without a trailing slash
    /// (`EDUCOMMONS_PUBLIC_URL`, e.g. https://hoc.edu.vn). The LTI issuer and every URL
    /// given to tools derive from it; nil: http://HOST:PORT of this process.
    public var publicURL: String?
    public var publicBase: String { publicURL ?? "http://\(hostname):\(port)" }

    /// Signs links to package files; must be the same in every process behind one load
    /// balancer (`EDUCOMMONS_CONTENT_SECRET`). Nil: a random secret per process.
    public var contentSecret: String?

    /// Seconds a search answer is reused (0: never). Changes made by this process clear it.
    public var searchCacheSeconds = 30

    /// PostgreSQL connections per event loop (the pool is this times the core count).
    public var postgresConnectionsPerLoop: Int = 4

    /// Files (content-addressed) live under the data directory.
    /// The ffmpeg program for video renditions: a name on PATH or a full path.
    public var ffmpegPath = "ffmpeg"
    /// Threads one ffmpeg run may use.
    public var transcodeThreads = 1
    /// Whether `serve` also runs background jobs; off when dedicated `educommons jobs run`
    /// processes do them.
    public var runJobs = true
    public var blobDirectory: String { dataDirectory + "/blobs" }

    /// Live rooms across app processes through PostgreSQL's LISTEN/NOTIFY
    /// (`EDUCOMMONS_LIVE_BUS=postgres`, the default with PostgreSQL; `local` keeps a room's
    /// events in one process).
    public var liveLocalOnly = false
    public var liveAcrossProcesses: Bool {
        if case .postgres = database { return !liveLocalOnly }
        return false
    }
    /// STUN/TURN servers for live rooms' audio and video, as the browser's RTCIceServer list
    /// (`EDUCOMMONS_ICE_SERVERS='[{"urls":"stun:stun.example.org:3478"}]'`). Empty: peers
    /// on one network reach each other directly; across NATs a TURN server is needed.
    public var iceServers: [[String: ICEServerValue]] = []
    /// The operator's BigBlueButton server for large interactive rooms: its API base
    /// (`EDUCOMMONS_BBB_URL`, e.g. https://bbb.example.org/bigbluebutton/api), the shared
    /// secret (`EDUCOMMONS_BBB_SECRET`, from `bbb-conf --secret`) and the checksum hash
    /// (`EDUCOMMONS_BBB_CHECKSUM`: sha1, sha256 (default), sha384 or sha512).
    public var bbbURL: String?
    public var bbbSecret: String?
    public var bbbChecksum = "sha256"
    /// Origins a broadcast's HLS stream may come from (`EDUCOMMONS_STREAM_ORIGINS`,
    /// comma-separated, e.g. https://tv.example.vn).
    public var streamOrigins: [String] = []

    public static let defaultDemoPassword = "educommons-demo"

    public struct Problem: Error, CustomStringConvertible {
        public var variable: String
        public var message: String
        public var description: String { "configuration error: \(variable): \(message)" }
    }

    /// Reads the process environment. `overrides` win, for tests and the command line.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfig {
        func value(_ key: String) -> String? {
            guard let v = env[key]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        var port = 8080
        if let p = value("PORT") {
            guard let n = Int(p), (1...65535).contains(n) else {
                throw Problem(variable: "PORT", message: "'\(p)' is not a port number between 1 and 65535")
            }
            port = n
        }
        let data = value("EDUCOMMONS_DATA") ?? "./data"
        let database: Database
        if let url = value("DATABASE_URL") {
            guard let comps = URLComponents(string: url), ["postgres", "postgresql"].contains(comps.scheme ?? ""),
                  comps.host != nil else {
                throw Problem(variable: "DATABASE_URL", message: "expected postgres://user:password@host:port/database, got '\(Self.redact(url))'")
            }
            database = .postgres(url: url, searchPath: nil)
        } else {
            database = .sqliteFile(data + "/educommons.sqlite")
        }
        var level = Logger.Level.info
        if let l = value("LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: l.lowercased()) else {
                throw Problem(variable: "LOG_LEVEL", message: "'\(l)' is not one of trace, debug, info, notice, warning, error, critical")
            }
            level = parsed
        }
        let demoPassword = value("EDUCOMMONS_DEMO_PASSWORD") ?? defaultDemoPassword
        if demoPassword.count < PasswordPolicy.minimumLength {
            throw Problem(variable: "EDUCOMMONS_DEMO_PASSWORD", message: "must be at least \(PasswordPolicy.minimumLength) characters")
        }
        var locale = AppLocale.en
        if let l = value("EDUCOMMONS_DEFAULT_LANGUAGE") {
            guard let parsed = AppLocale(tag: l) else {
                throw Problem(variable: "EDUCOMMONS_DEFAULT_LANGUAGE", message: "'\(l)' is not one of en, vi, zh-Hans")
            }
            locale = parsed
        }
        var cost = 10
        if let c = value("EDUCOMMONS_BCRYPT_COST") {
            guard let n = Int(c), (4...31).contains(n) else {
                throw Problem(variable: "EDUCOMMONS_BCRYPT_COST", message: "'\(c)' is not a bcrypt cost between 4 and 31")
            }
            cost = n
        }
        var cacheSeconds = 5
        if let c = value("EDUCOMMONS_IDENTITY_CACHE_SECONDS") {
            guard let n = Int(c), (0...300).contains(n) else {
                throw Problem(variable: "EDUCOMMONS_IDENTITY_CACHE_SECONDS", message: "'\(c)' is not a number of seconds between 0 and 300")
            }
            cacheSeconds = n
        }
        var jsonLogs = false
        if let f = value("LOG_FORMAT") {
            guard ["text", "json"].contains(f.lowercased()) else {
                throw Problem(variable: "LOG_FORMAT", message: "'\(f)' is not text or json")
            }
            jsonLogs = f.lowercased() == "json"
        }
        var proxies: Set<String> = []
        if let list = value("EDUCOMMONS_TRUSTED_PROXIES") {
            for item in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
                guard item.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == ":" }) else {
                    throw Problem(variable: "EDUCOMMONS_TRUSTED_PROXIES", message: "'\(item)' is not an IP address")
                }
                proxies.insert(item)
            }
        }
        var limits: [String: Int] = [:]
        for (key, raw) in env where key.hasPrefix("EDUCOMMONS_UPLOAD_LIMIT_") && key.hasSuffix("_MB") {
            let kind = String(key.dropFirst("EDUCOMMONS_UPLOAD_LIMIT_".count).dropLast(3))
            let known = ["DOCUMENT": "document", "VIDEO": "video", "AUDIO": "audio", "IMAGE": "image", "EBOOK": "ebook",
                         "SIMULATION": "simulation", "PACKAGE": "package", "TVLESSON": "tvLesson"]
            guard let name = known[kind] else {
                throw Problem(variable: key, message: "unknown resource kind '\(kind)'; use one of \(known.keys.sorted().joined(separator: ", "))")
            }
            guard let n = Int(raw.trimmingCharacters(in: .whitespaces)), (1...1_048_576).contains(n) else {
                throw Problem(variable: key, message: "'\(raw)' is not a number of megabytes between 1 and 1048576")
            }
            limits[name] = n
        }
        var oaiID = "educommons.local"
        if let id = value("EDUCOMMONS_OAI_REPOSITORY_ID") {
            let ok = id.range(of: #"^[a-zA-Z][a-zA-Z0-9-]*(\.[a-zA-Z][a-zA-Z0-9-]*)+$"#, options: .regularExpression) != nil
            guard ok else { throw Problem(variable: "EDUCOMMONS_OAI_REPOSITORY_ID", message: "'\(id)' is not a domain-like name such as library.moet.gov.vn") }
            oaiID = id
        }
        let adminEmail = value("EDUCOMMONS_ADMIN_EMAIL") ?? "admin@educommons.local"
        guard adminEmail.contains("@") else {
            throw Problem(variable: "EDUCOMMONS_ADMIN_EMAIL", message: "'\(adminEmail)' is not an e-mail address")
        }
        var searchCache = 30
        if let c = value("EDUCOMMONS_SEARCH_CACHE_SECONDS") {
            guard let n = Int(c), (0...3600).contains(n) else {
                throw Problem(variable: "EDUCOMMONS_SEARCH_CACHE_SECONDS", message: "'\(c)' is not a number of seconds between 0 and 3600")
            }
            searchCache = n
        }
        let home = value("EDUCOMMONS_HOME") ?? FileManager.default.currentDirectoryPath
        guard FileManager.default.fileExists(atPath: home + "/Resources/Localization/en.json") else {
            throw Problem(variable: "EDUCOMMONS_HOME", message: "'\(home)' does not contain Resources/Localization; run from the project folder or set EDUCOMMONS_HOME")
        }
        var config = AppConfig(port: port, hostname: "127.0.0.1", dataDirectory: data, database: database,
                               logLevel: level, demoPassword: demoPassword, defaultLocale: locale, bcryptCost: cost, homeDirectory: home)
        config.identityCacheSeconds = cacheSeconds
        config.jsonLogs = jsonLogs
        config.trustedProxies = proxies
        config.uploadLimitsMB = limits
        config.oaiRepositoryID = oaiID
        config.searchCacheSeconds = searchCache
        if let secret = value("EDUCOMMONS_CONTENT_SECRET") {
            guard secret.count >= 32 else {
                throw Problem(variable: "EDUCOMMONS_CONTENT_SECRET", message: "must be at least 32 characters (e.g. openssl rand -hex 32)")
            }
            config.contentSecret = secret
        }
        config.adminEmail = adminEmail
        if let name = value("EDUCOMMONS_REPOSITORY_NAME") { config.repositoryName = name }
        if let u = value("EDUCOMMONS_PUBLIC_URL") {
            let trimmed = u.hasSuffix("/") ? String(u.dropLast()) : u
            guard let c = URLComponents(string: trimmed), ["http", "https"].contains(c.scheme ?? ""), c.host?.isEmpty == false,
                  c.query == nil, c.fragment == nil else {
                throw Problem(variable: "EDUCOMMONS_PUBLIC_URL", message: "'\(u)' is not an http(s) address such as https://hoc.edu.vn")
            }
            config.publicURL = trimmed
        }
        if let ffmpeg = value("EDUCOMMONS_FFMPEG") { config.ffmpegPath = ffmpeg }
        if let t = value("EDUCOMMONS_TRANSCODE_THREADS") {
            guard let n = Int(t), (1...64).contains(n) else {
                throw Problem(variable: "EDUCOMMONS_TRANSCODE_THREADS", message: "'\(t)' is not a number between 1 and 64")
            }
            config.transcodeThreads = n
        }
        if let j = value("EDUCOMMONS_RUN_JOBS") {
            switch j.lowercased() {
            case "true", "1", "yes", "on": config.runJobs = true
            case "false", "0", "no", "off": config.runJobs = false
            default: throw Problem(variable: "EDUCOMMONS_RUN_JOBS", message: "'\(j)' is not true or false")
            }
        }
        if let b = value("EDUCOMMONS_LIVE_BUS") {
            switch (b.lowercased(), config.database) {
            case ("local", _): config.liveLocalOnly = true
            case ("postgres", .postgres): config.liveLocalOnly = false
            case ("postgres", _): throw Problem(variable: "EDUCOMMONS_LIVE_BUS", message: "'postgres' needs DATABASE_URL to be a PostgreSQL database")
            default: throw Problem(variable: "EDUCOMMONS_LIVE_BUS", message: "'\(b)' is not local or postgres")
            }
        }
        if let ice = value("EDUCOMMONS_ICE_SERVERS") {
            let problem = Problem(variable: "EDUCOMMONS_ICE_SERVERS",
                                  message: "must be a JSON list of servers such as [{\"urls\":\"stun:stun.example.org:3478\"},{\"urls\":\"turn:turn.example.org\",\"username\":\"u\",\"credential\":\"p\"}]")
            guard let list = try? JSONDecoder().decode([[String: ICEServerValue]].self, from: Data(ice.utf8)) else { throw problem }
            for server in list {
                let urls: [String]
                switch server["urls"] {
                case .one(let u)?: urls = [u]
                case .many(let u)?: urls = u
                default: throw problem
                }
                guard !urls.isEmpty, urls.allSatisfy({ u in ["stun:", "turn:", "turns:"].contains { u.hasPrefix($0) } }) else { throw problem }
            }
            config.iceServers = list
        }
        if let u = value("EDUCOMMONS_BBB_URL") {
            guard let url = URL(string: u), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw Problem(variable: "EDUCOMMONS_BBB_URL", message: "'\(u)' is not an http(s) address such as https://bbb.example.org/bigbluebutton/api")
            }
            guard let secret = value("EDUCOMMONS_BBB_SECRET"), secret.count >= 8 else {
                throw Problem(variable: "EDUCOMMONS_BBB_SECRET", message: "is needed with EDUCOMMONS_BBB_URL (the server's shared secret: bbb-conf --secret)")
            }
            config.bbbURL = u.hasSuffix("/api") || u.hasSuffix("/api/") ? u : (u.hasSuffix("/") ? u + "api" : u + "/api")
            config.bbbSecret = secret
        }
        if let c = value("EDUCOMMONS_BBB_CHECKSUM") {
            guard ["sha1", "sha256", "sha384", "sha512"].contains(c.lowercased()) else {
                throw Problem(variable: "EDUCOMMONS_BBB_CHECKSUM", message: "'\(c)' is not sha1, sha256, sha384 or sha512")
            }
            config.bbbChecksum = c.lowercased()
        }
        if let list = value("EDUCOMMONS_STREAM_ORIGINS") {
            for item in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
                guard let u = URL(string: item), ["http", "https"].contains(u.scheme ?? ""), let host = u.host, u.path.isEmpty || u.path == "/" else {
                    throw Problem(variable: "EDUCOMMONS_STREAM_ORIGINS", message: "'\(item)' is not an origin such as https://tv.example.vn")
                }
                config.streamOrigins.append("\(u.scheme!.lowercased())://\(host.lowercased())\(u.port.map { ":\($0)" } ?? "")")
            }
        }
        return config
    }

    static func redact(_ url: String) -> String {
        guard var c = URLComponents(string: url) else { return "<unparseable>" }
        if c.password != nil { c.password = "***" }
        return c.string ?? "<unparseable>"
    }
}

/// A value of an RTCIceServer entry: a string (username, credential, one URL) or a list of URLs.
public enum ICEServerValue: Codable, Sendable, Equatable {
    case one(String)
    case many([String])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .one(s) } else { self = .many(try c.decode([String].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .one(let s): try c.encode(s)
        case .many(let l): try c.encode(l)
        }
    }
}
