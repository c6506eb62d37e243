import Foundation
import Testing
import Vapor
import VaporTesting
import Crypto
import Platform
import Courses
import Live
@testable import App

/// A stand-in for a BigBlueButton server's API (no BigBlueButton can run on this machine):
/// it checks each call's checksum the way bbb-web does (SHA-256 of the call's name, its
/// query string as sent and the shared secret) and answers in BigBlueButton's XML.
final class BigBlueButtonStandIn: @unchecked Sendable {
    let app: Application
    let secret: String
    private let lock = NSLock()
    private var seen: [(call: String, query: [String: String])] = []
    var calls: [(call: String, query: [String: String])] { lock.withLock { seen } }
    var port: Int { app.http.server.shared.localAddress?.port ?? 0 }

    init(secret: String) async throws {
        self.secret = secret
        app = try await Application.make(.testing)
        app.logger.logLevel = .error
        app.get("bigbluebutton", "api", ":call") { [self] req async -> Response in
            let call = req.parameters.get("call") ?? ""
            let raw = req.url.query ?? ""
            let parts = raw.split(separator: "&").map(String.init)
            let sum = parts.last { $0.hasPrefix("checksum=") }?.dropFirst("checksum=".count) ?? ""
            let signed = parts.filter { !$0.hasPrefix("checksum=") }.joined(separator: "&")
            let expected = SHA256.hash(data: Data((call + signed + secret).utf8)).map { String(format: "%02x", $0) }.joined()
            var query: [String: String] = [:]
            for p in parts { let kv = p.split(separator: "=", maxSplits: 1).map(String.init); query[kv[0]] = kv.count > 1 ? kv[1].removingPercentEncoding : "" }
            lock.withLock { seen.append((call, query)) }
            func xml(_ body: String) -> Response {
                Response(status: .ok, headers: ["Content-Type": "text/xml"], body: .init(string: "<response>\(body)</response>"))
            }
            guard sum == expected else {
                return xml("<returncode>FAILED</returncode><messageKey>checksumError</messageKey><message>You did not pass the checksum security check</message>")
            }
            switch call {
            case "create":
                return xml("<returncode>SUCCESS</returncode><meetingID>\(query["meetingID"] ?? "")</meetingID><createTime>1795400000000</createTime><hasBeenForciblyEnded>false</hasBeenForciblyEnded><messageKey></messageKey><message></message>")
            case "getRecordings":
                return xml("""
                <returncode>SUCCESS</returncode><recordings><recording><recordID>ffbfc4cc24428694e8b53a4e144f414052431693-1530718721124</recordID>\
                <meetingID>\(query["meetingID"] ?? "")</meetingID><name>Tiết 6</name><published>true</published><state>published</state>\
                <startTime>1530718721124</startTime><endTime>1530718810456</endTime><participants>3</participants>\
                <playback><format><type>presentation</type><url>https://bbb.example.org/playback/presentation/2.3/ffbfc4cc-1530718721124</url></format>\
                <format><type>video</type><url>https://bbb.example.org/video/ffbfc4cc-1530718721124</url></format></playback></recording></recordings>
                """)
            case "join":
                // The real server redirects to its client page; a passed check is enough here.
                return xml("<returncode>SUCCESS</returncode><messageKey>joined</messageKey>")
            case "end":
                return xml("<returncode>SUCCESS</returncode><messageKey>sentEndMeetingRequest</messageKey>")
            default:
                return xml("<returncode>FAILED</returncode><messageKey>unsupportedRequest</messageKey>")
            }
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
    }

    /// A loopback port nobody listens on (a server started and stopped).
    static func unusedPort() async throws -> Int {
        let probe = try await Application.make(.testing)
        try await probe.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = probe.http.server.shared.localAddress?.port ?? 9
        await probe.server.shutdown()
        try await probe.asyncShutdown()
        return port
    }

    func stop() async {
        await app.server.shutdown()
        try? await app.asyncShutdown()
    }
}

@Suite("Live rooms: BigBlueButton and broadcast streams", .serialized)
struct LiveVideoTests {
    /// A BigBlueButton room of class 3A's course, made by its teacher.
    func bbbRoom(_ app: Application, _ title: String) async throws -> (HTTPHeaders, CourseDTO, RoomDTO) {
        let (teacher, course) = try await classCourse(app)
        let room = try #require(try await app.call(.POST, "api/v1/live/rooms", teacher, ["title": title, "courseId": course.id.uuidString, "video": "bbb"],
                                                   expect: .created).decoded(RoomDTO.self))
        return (teacher, course, room)
    }

    /// The test world, and class 3A's published course with teacher1's credentials.
    func classCourse(_ app: Application) async throws -> (HTTPHeaders, CourseDTO) {
        let w = try await World.build(app)
        let teacher = try await app.bearer("teacher1")
        return (teacher, try await app.publishedCourse(teacher, kind: "class", org: w.classA1.id).course)
    }

    @Test func theChecksumIsTheOnePublishedForBigBlueButtonsAPI() {
        // The worked example of bbbserver.com's API guide (a create call), both hashes.
        let query = "name=Demo&meetingID=replace-with-meeting-id&attendeePW=replace-with-password&moderatorPW=replace-with-password"
        #expect(BigBlueButtonServer.checksum(call: "create", query: query, secret: "replace-with-secret", algorithm: "sha1") == "7030bd96ede6a7ac41da848fe3bfc562e52a5914")
        #expect(BigBlueButtonServer.checksum(call: "create", query: query, secret: "replace-with-secret", algorithm: "sha256")
                == "7e5a0a48f1542462e56ca034dc83d741bff1deb5feab0cd9ef74fa6e009fe1fd")
    }

    @Test func aBigBlueButtonRoomIsMadeJoinedWithRolesListedAndEnded() async throws {
        let bbb = try await BigBlueButtonStandIn(secret: "bbb-shared-secret-1")
        defer { Task { await bbb.stop() } }
        try await withTestApp(adjust: { $0.bbbURL = "http://127.0.0.1:\(bbb.port)/bigbluebutton/api"; $0.bbbSecret = "bbb-shared-secret-1" }) { app in
            let (teacher, _, room) = try await bbbRoom(app, "Tiết 6: Hình học")
            #expect(room.video == "bbb")
            struct Address: Decodable { var url: String }
            let hostURL = try #require(try await app.call(.POST, "api/v1/live/rooms/\(room.id)/bbb-join", teacher, expect: .ok).decoded(Address.self)?.url)
            #expect(hostURL.hasPrefix("http://127.0.0.1:\(bbb.port)/bigbluebutton/api/join?") && hostURL.contains("role=MODERATOR"))
            let create = try #require(bbb.calls.first { $0.call == "create" })
            #expect(create.query["meetingID"] == room.id.uuidString.lowercased() && create.query["name"] == "Tiết 6: Hình học")
            let pupilURL = try #require(try await app.call(.POST, "api/v1/live/rooms/\(room.id)/bbb-join", try await app.bearer("pupil1"), expect: .ok).decoded(Address.self)?.url)
            #expect(pupilURL.contains("role=VIEWER") && !pupilURL.contains(create.query["moderatorPW"] ?? "-"))
            // The join address itself passes the server's checksum check.
            let joined = try await app.client.get(URI(string: pupilURL))
            #expect(joined.body.map { String(buffer: $0) }?.contains("<returncode>SUCCESS</returncode>") == true)
            #expect(bbb.calls.last?.call == "join" && bbb.calls.last?.query["fullName"] != nil)
            try await app.call(.POST, "api/v1/live/rooms/\(room.id)/bbb-join", try await app.bearer("guardian1"), expect: .notFound)
            let recordings = try #require(try await app.call(.GET, "api/v1/live/rooms/\(room.id)/recordings", teacher, expect: .ok).decoded([RecordingDTO].self))
            #expect(recordings.count == 1 && recordings[0].published && recordings[0].participants == 3
                    && recordings[0].url == "https://bbb.example.org/playback/presentation/2.3/ffbfc4cc-1530718721124")
            // The page's button goes to the server, and its policy lets the form go there.
            try await app.testing().test(.GET, "live/\(room.id)", headers: try await PageTests().signIn(app, "teacher1")) { res in
                #expect(res.status == .ok && res.body.string.contains("/live/\(room.id)/bbb"))
                #expect(res.headers.first(name: "Content-Security-Policy")?.contains("form-action 'self' http://127.0.0.1:\(bbb.port)") == true)
            }
            try await app.call(.POST, "api/v1/live/rooms/\(room.id)/end", teacher, expect: .ok)
            #expect(bbb.calls.contains { $0.call == "end" && $0.query["meetingID"] == room.id.uuidString.lowercased() })
            try await app.call(.POST, "api/v1/live/rooms/\(room.id)/bbb-join", teacher, expect: .conflict)
        }
    }

    @Test func aWrongSecretOrADeadServerIsAClearAnswerAndTheRoomGoesOn() async throws {
        let bbb = try await BigBlueButtonStandIn(secret: "the-real-secret")
        defer { Task { await bbb.stop() } }
        try await withTestApp(adjust: { $0.bbbURL = "http://127.0.0.1:\(bbb.port)/bigbluebutton/api"; $0.bbbSecret = "a-wrong-secret" }) { app in
            let (teacher, course, room) = try await bbbRoom(app, "Tiết 7")
            let refused = try await app.call(.POST, "api/v1/live/rooms/\(room.id)/bbb-join", teacher, expect: .serviceUnavailable)
            #expect(refused.body.string.contains("checksumError"))
            // A room that is not a BigBlueButton room has no meeting there.
            let plain = try #require(try await app.call(.POST, "api/v1/live/rooms", teacher, ["title": "Tiết 8", "courseId": course.id.uuidString],
                                                        expect: .created).decoded(RoomDTO.self))
            try await app.call(.POST, "api/v1/live/rooms/\(plain.id)/bbb-join", teacher, expect: .conflict)
        }
        // A server nobody answers at: 503 with the reason; ending the room still works.
        let closed = try await BigBlueButtonStandIn.unusedPort()
        try await withTestApp(adjust: { $0.bbbURL = "http://127.0.0.1:\(closed)/bigbluebutton/api"; $0.bbbSecret = "whatever-secret" }) { app in
            let (teacher, _, room) = try await bbbRoom(app, "Tiết 9")
            let dead = try await app.call(.POST, "api/v1/live/rooms/\(room.id)/bbb-join", teacher, expect: .serviceUnavailable)
            #expect(dead.body.string.contains("BigBlueButton"))
            try await app.call(.POST, "api/v1/live/rooms/\(room.id)/end", teacher, expect: .ok)
        }
        // Without a server, a BigBlueButton room cannot be made.
        try await withTestApp { app in
            let (teacher, course) = try await classCourse(app)
            let bad = try await app.call(.POST, "api/v1/live/rooms", teacher, ["title": "x", "courseId": course.id.uuidString, "video": "bbb"], expect: .unprocessableEntity)
            #expect(bad.body.string.contains("\"video\""))
        }
    }

    @Test func aBroadcastPlaysTheOperatorsStreamAndOnlyFromAnAllowedOrigin() async throws {
        try await withTestApp(adjust: { $0.streamOrigins = ["https://tv.example.vn"] }) { app in
            let w = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            @discardableResult
            func make(_ body: [String: String], _ status: HTTPStatus) async throws -> TestingHTTPResponse {
                var b = ["title": "Hội nghị", "orgId": w.schoolA.id.uuidString]
                for (k, v) in body { b[k] = v }
                return try await app.call(.POST, "api/v1/live/rooms", teacher, b, expect: status)
            }
            for bad in [["mode": "broadcast", "video": "stream", "streamUrl": "https://evil.example/live.m3u8"],
                        ["mode": "broadcast", "video": "stream", "streamUrl": "https://tv.example.vn/live.mp4"],
                        ["mode": "interactive", "video": "stream", "streamUrl": "https://tv.example.vn/live.m3u8"],
                        ["mode": "broadcast", "video": "carrier-pigeon"]] {
                try await make(bad, .unprocessableEntity)
            }
            let room = try #require(try await make(["mode": "broadcast", "video": "stream", "streamUrl": "https://tv.example.vn/hoi-nghi/index.m3u8"], .created)
                .decoded(RoomDTO.self))
            #expect(room.streamUrl == "https://tv.example.vn/hoi-nghi/index.m3u8")
            try await app.testing().test(.GET, "live/\(room.id)", headers: try await PageTests().signIn(app, "teacher2")) { res in
                #expect(res.status == .ok && res.body.string.contains("id=\"live-stream\"") && res.body.string.contains("https://tv.example.vn/hoi-nghi/index.m3u8"))
                #expect(res.headers.first(name: "Content-Security-Policy")?.contains("media-src 'self' https://tv.example.vn") == true)
                #expect(res.body.string.contains("id=\"live-call\"") == false, "a broadcast has no WebRTC call")
            }
        }
    }
}
