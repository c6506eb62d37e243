import Foundation
import Testing
import VaporTesting
@testable import App

@Suite("Configuration and operations")
struct ConfigAndOperationsTests {
    let base = ["EDUCOMMONS_HOME": packageRoot]

    func problem(_ env: [String: String]) -> AppConfig.Problem? {
        do {
            _ = try AppConfig.fromEnvironment(base.merging(env) { $1 })
            return nil
        } catch let p as AppConfig.Problem {
            return p
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func defaultsAreDocumentedOnes() throws {
        let c = try AppConfig.fromEnvironment(base)
        #expect(c.port == 8080)
        #expect(c.database == .sqliteFile("./data/educommons.sqlite"))
        #expect(c.demoPassword == "educommons-demo")
        #expect(c.logLevel == .info)
        #expect(c.ffmpegPath == "ffmpeg")
        #expect(c.transcodeThreads == 1)
        #expect(c.runJobs)
        let jobs = try AppConfig.fromEnvironment(base.merging(["EDUCOMMONS_RUN_JOBS": "false", "EDUCOMMONS_FFMPEG": "/opt/ffmpeg/bin/ffmpeg",
                                                               "EDUCOMMONS_TRANSCODE_THREADS": "2"]) { $1 })
        #expect(!jobs.runJobs)
        #expect(jobs.ffmpegPath == "/opt/ffmpeg/bin/ffmpeg")
        #expect(jobs.transcodeThreads == 2)
        let pg = try AppConfig.fromEnvironment(base.merging(["DATABASE_URL": "postgres://u:p@db.example:5432/edu", "PORT": "9000"]) { $1 })
        #expect(pg.database == .postgres(url: "postgres://u:p@db.example:5432/edu", searchPath: nil))
        #expect(pg.port == 9000)
    }

    @Test func wrongSettingsStopStartUpNamingTheVariable() {
        #expect(problem(["PORT": "eighty"])?.variable == "PORT")
        #expect(problem(["PORT": "70000"])?.variable == "PORT")
        #expect(problem(["DATABASE_URL": "mysql://x@y/z"])?.variable == "DATABASE_URL")
        #expect(problem(["LOG_LEVEL": "loud"])?.variable == "LOG_LEVEL")
        #expect(problem(["EDUCOMMONS_DEMO_PASSWORD": "short"])?.variable == "EDUCOMMONS_DEMO_PASSWORD")
        #expect(problem(["EDUCOMMONS_DEFAULT_LANGUAGE": "fr"])?.variable == "EDUCOMMONS_DEFAULT_LANGUAGE")
        #expect(problem(["EDUCOMMONS_HOME": "/nonexistent"])?.variable == "EDUCOMMONS_HOME")
        #expect(problem(["LOG_FORMAT": "xml"])?.variable == "LOG_FORMAT")
        // The commons' settings.
        #expect(problem(["EDUCOMMONS_UPLOAD_LIMIT_HOLOGRAM_MB": "10"])?.variable == "EDUCOMMONS_UPLOAD_LIMIT_HOLOGRAM_MB")
        #expect(problem(["EDUCOMMONS_UPLOAD_LIMIT_VIDEO_MB": "lots"])?.variable == "EDUCOMMONS_UPLOAD_LIMIT_VIDEO_MB")
        #expect(problem(["EDUCOMMONS_SEARCH_CACHE_SECONDS": "-1"])?.variable == "EDUCOMMONS_SEARCH_CACHE_SECONDS")
        #expect(problem(["EDUCOMMONS_OAI_REPOSITORY_ID": "not a domain"])?.variable == "EDUCOMMONS_OAI_REPOSITORY_ID")
        #expect(problem(["EDUCOMMONS_ADMIN_EMAIL": "nobody"])?.variable == "EDUCOMMONS_ADMIN_EMAIL")
        #expect(problem(["EDUCOMMONS_CONTENT_SECRET": "short"])?.variable == "EDUCOMMONS_CONTENT_SECRET")
        #expect(problem(["EDUCOMMONS_TRANSCODE_THREADS": "0"])?.variable == "EDUCOMMONS_TRANSCODE_THREADS")
        #expect(problem(["EDUCOMMONS_RUN_JOBS": "sometimes"])?.variable == "EDUCOMMONS_RUN_JOBS")
        // The password in a bad URL is not echoed.
        #expect(problem(["DATABASE_URL": "mysql://user:secret@host/db"])?.message.contains("secret") == false)
    }

    @Test func metricsCountRequestsByRoutePattern() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let h = try await app.bearer("admin")
            try await app.testing().test(.GET, "api/v1/people/\(w.pupilA1.id)", headers: h) { _ in }
            try await app.testing().test(.GET, "metrics") { res in
                #expect(res.status == .ok)
                let text = res.body.string
                #expect(text.contains("educommons_http_requests_total{method=\"GET\",route=\"/api/v1/people/:id\",status=\"2xx\"} 1"))
                #expect(text.contains("educommons_http_request_duration_seconds_bucket"))
                #expect(!text.contains(w.pupilA1.id.uuidString))
            }
        }
    }

    @Test func everyResponseCarriesARequestID() async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, "healthz", headers: ["X-Request-ID": "abc-123"]) { res in
                #expect(res.headers.first(name: "X-Request-ID") == "abc-123")
            }
            var made: [String] = []
            for _ in 0..<2 {
                try await app.testing().test(.GET, "healthz", headers: ["X-Request-ID": "<script>"]) { res in
                    let id = res.headers.first(name: "X-Request-ID") ?? ""
                    #expect(id != "<script>")
                    #expect(!id.isEmpty && id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" })
                    made.append(id)
                }
            }
            // A made id is new for every request.
            #expect(Set(made).count == 2)
        }
    }
}

extension ConfigAndOperationsTests {
    @Test func trustedProxiesAreParsedAndCheckedAtStartUp() throws {
        let c = try AppConfig.fromEnvironment(base.merging(["EDUCOMMONS_TRUSTED_PROXIES": "127.0.0.1, ::1"]) { $1 })
        #expect(c.trustedProxies == ["127.0.0.1", "::1"])
        #expect(problem(["EDUCOMMONS_TRUSTED_PROXIES": "nginx.local"])?.variable == "EDUCOMMONS_TRUSTED_PROXIES")
    }
}
