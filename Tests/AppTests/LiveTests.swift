import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
import Courses
import Live
@testable import Library
import Directory
@testable import App

/// What one WebSocket client received, in order.
final class Inbox: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [[String: Any]] = []
    func add(_ text: String) {
        guard let o = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return }
        lock.withLock { list.append(o) }
    }
    var all: [[String: Any]] { lock.withLock { list } }
    func of(_ type: String) -> [[String: Any]] { all.filter { $0["type"] as? String == type } }

    /// Waits up to 5 s for a message of `type` matching `match`.
    @discardableResult
    func wait(_ type: String, _ match: @escaping ([String: Any]) -> Bool = { _ in true }, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        for _ in 0..<100 {
            if let m = of(type).last(where: match) { return m }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        Issue.record("no \(type) message arrived; got \(all.map { $0["type"] as? String ?? "?" })", sourceLocation: sourceLocation)
        throw CancellationError()
    }
}

/// A WebSocket client of a live room, signed in with a page session.
struct RoomClient {
    let ws: WebSocket
    let inbox: Inbox

    static func connect(_ app: Application, port: Int, room: UUID, _ session: HTTPHeaders, origin: String? = nil) async throws -> RoomClient {
        let inbox = Inbox()
        let box = WSBox()
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .cookie, value: session.first(name: .cookie) ?? "")
        if let origin { headers.replaceOrAdd(name: .origin, value: origin) }
        try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/live/rooms/\(room.uuidString.lowercased())/socket", headers: headers, on: app.eventLoopGroup) { ws in
            ws.onText { _, text in inbox.add(text) }
            box.set(ws)
        }.get()
        for _ in 0..<100 where box.get() == nil { try await Task.sleep(nanoseconds: 20_000_000) }
        return RoomClient(ws: try #require(box.get()), inbox: inbox)
    }

    func send(_ o: [String: Any]) async throws {
        try await ws.send(String(decoding: try JSONSerialization.data(withJSONObject: o), as: UTF8.self))
    }
}

/// Runs `body` with the app serving on a free loopback port, and stops the server after.
func serving(_ app: Application, _ body: (Int) async throws -> Void) async throws {
    try await app.server.start(address: .hostname("127.0.0.1", port: 0))
    do {
        try await body(try #require(app.http.server.shared.localAddress?.port))
    } catch {
        await app.server.shutdown()
        throw error
    }
    await app.server.shutdown()
}

final class WSBox: @unchecked Sendable {
    private let lock = NSLock()
    private var ws: WebSocket?
    func set(_ w: WebSocket) { lock.withLock { ws = w } }
    func get() -> WebSocket? { lock.withLock { ws } }
}

@Suite("Live rooms", .serialized)
struct LiveTests {
    /// The test world, class 3A's published course (teacher1's) and a room of it.
    func classRoom(_ app: Application, _ title: String) async throws -> (World, HTTPHeaders, CourseDTO, RoomDTO) {
        let w = try await World.build(app)
        let teacher = try await app.bearer("teacher1")
        let (course, _) = try await app.publishedCourse(teacher, kind: "class", org: w.classA1.id)
        let room = try #require(try await app.call(.POST, "api/v1/live/rooms", teacher, ["title": title, "courseId": course.id.uuidString],
                                                   expect: .created).decoded(RoomDTO.self))
        return (w, teacher, course, room)
    }

    /// The room socket's answer before any upgrade (the route's checks), asked in memory.
    func upgradeStatus(_ app: Application, port: Int, room: UUID, _ session: HTTPHeaders, origin: String? = nil) async throws -> UInt {
        var headers: HTTPHeaders = ["Cookie": session.first(name: .cookie) ?? "", "Host": "127.0.0.1:\(port)"]
        if let origin { headers.replaceOrAdd(name: .origin, value: origin) }
        var status: UInt = 0
        try await app.testing().test(.GET, "live/rooms/\(room.uuidString.lowercased())/socket", headers: headers) { res in status = res.status.code }
        return status
    }

    @Test func roomsAreMadeByTeachersAndJoinedByTheirCourseOrOrganisationOnly() async throws {
        try await withTestApp { app in
            let (w, teacher, course, room) = try await classRoom(app, "Tiết 3: Bảng nhân 7")
            #expect(room.role == .host && room.mode == "interactive" && room.status == "open")
            #expect(try await app.call(.GET, "api/v1/live/rooms/\(room.id)", try await app.bearer("pupil1"), expect: .ok).decoded(RoomDTO.self)?.role == .participant)
            for other in ["pupil2", "pupilb", "guardian1", "teacher2"] {
                try await app.call(.GET, "api/v1/live/rooms/\(room.id)", try await app.bearer(other), expect: .notFound)
            }
            try await app.call(.POST, "api/v1/live/rooms", try await app.bearer("pupil1"), ["title": "x", "courseId": course.id.uuidString], expect: .forbidden)
            let bad = try await app.call(.POST, "api/v1/live/rooms", teacher, ["title": " ", "mode": "theatre", "courseId": course.id.uuidString], expect: .unprocessableEntity)
            #expect(bad.body.string.contains("\"title\"") && bad.body.string.contains("\"mode\""))
            try await app.call(.POST, "api/v1/live/rooms", teacher, ["title": "x", "courseId": UUID().uuidString], expect: .unprocessableEntity)
            // A staff meeting of school A: its teachers and the district office, not its pupils.
            let meeting = try #require(try await app.call(.POST, "api/v1/live/rooms", teacher, ["title": "Họp hội đồng", "orgId": w.schoolA.id.uuidString,
                                                                                                "mode": "broadcast", "cohosts": ["teacher2"]], expect: .created).decoded(RoomDTO.self))
            #expect(try await app.call(.GET, "api/v1/live/rooms/\(meeting.id)", try await app.bearer("teacher2"), expect: .ok).decoded(RoomDTO.self)?.role == .cohost)
            #expect(try await app.call(.GET, "api/v1/live/rooms/\(meeting.id)", try await app.bearer("official1"), expect: .ok).decoded(RoomDTO.self)?.role == .viewer)
            try await app.call(.GET, "api/v1/live/rooms/\(meeting.id)", try await app.bearer("pupil1"), expect: .notFound)
            try await app.call(.POST, "api/v1/live/rooms", try await app.bearer("teacher1"), ["title": "x", "orgId": w.schoolB.id.uuidString], expect: .forbidden)
            try await app.call(.POST, "api/v1/live/rooms", teacher, ["title": "x", "orgId": w.schoolA.id.uuidString, "cohosts": ["nobody.here"]], expect: .unprocessableEntity)
            // The page, in the reader's language.
            try await app.testing().test(.GET, "live/\(room.id)", headers: try await PageTests().signIn(app, "pupil1", lang: "vi")) { res in
                #expect(res.status == .ok && res.body.string.contains("Tiết 3: Bảng nhân 7") && res.body.string.contains("Người tham gia"))
            }
        }
    }

    @Test func aClassRoomCarriesChatPollsSlidesAndHandsAndKeepsItsRecord() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let (course, lesson) = try await app.publishedCourse(teacher, kind: "class", org: w.classA1.id)
            let item = try #require(try await app.call(.POST, "api/v1/lessons/\(lesson)/items", teacher, ["kind": "live", "title": "Tiết học trực tuyến"],
                                                       expect: .created).decoded(CourseItemDTO.self))
            let room = try #require(try await app.call(.POST, "api/v1/live/rooms", teacher, ["title": "Tiết 3", "courseId": course.id.uuidString,
                                                                                             "itemId": item.id.uuidString], expect: .created).decoded(RoomDTO.self))
            try await serving(app) { port in
                let host = try await RoomClient.connect(app, port: port, room: room.id, try await PageTests().signIn(app, "teacher1"))
                let pupil = try await RoomClient.connect(app, port: port, room: room.id, try await PageTests().signIn(app, "pupil1"))
                let welcome = try await pupil.inbox.wait("welcome")
                #expect((welcome["you"] as? [String: Any])?["role"] as? String == "participant")
                try await host.inbox.wait("presence") { $0["count"] as? Double == 2 }

                try await pupil.send(["type": "chat", "text": "Em chào cô ạ"])
                try await host.inbox.wait("chat") { $0["text"] as? String == "Em chào cô ạ" && $0["private"] as? Bool == false }
                try await pupil.send(["type": "hand", "up": true])
                try await host.inbox.wait("hand") { $0["up"] as? Bool == true }
                try await host.send(["type": "poll", "question": "7 × 8 = ?", "options": ["54", "56"]])
                let poll = try await pupil.inbox.wait("poll")
                try await pupil.send(["type": "vote", "poll": poll["id"]!, "option": 1])
                try await host.inbox.wait("poll") { ($0["counts"] as? [Double]) == [0, 1] }
                try await host.send(["type": "slide", "page": 3])
                try await pupil.inbox.wait("slide") { $0["page"] as? Double == 3 }
                // Not the pupil's to do; the room goes on.
                try await pupil.send(["type": "slide", "page": 9])
                try await pupil.inbox.wait("error") { $0["code"] as? String == "live.hosts-only" }
                try await pupil.send(["type": "chat", "text": String(repeating: "a", count: 1001)])
                try await pupil.inbox.wait("error") { $0["code"] as? String == "live.too-long" }
                try await pupil.send(["type": "nonsense"])
                try await pupil.inbox.wait("error") { $0["code"] as? String == "live.unknown-type" }
                // Flooding: the bucket empties and the rest is refused.
                for n in 0..<20 { try await pupil.send(["type": "chat", "text": "spam \(n)"]) }
                try await pupil.inbox.wait("error") { $0["code"] as? String == "live.rate-limited" }
                #expect(host.inbox.of("chat").filter { ($0["text"] as? String ?? "").hasPrefix("spam") }.count < 20)
                // A reconnecting client gets the state again: the poll and the slide.
                let again = try await RoomClient.connect(app, port: port, room: room.id, try await PageTests().signIn(app, "pupil1"))
                let state = try #require(try await again.inbox.wait("welcome")["state"] as? [String: Any])
                #expect((state["poll"] as? [String: Any])?["question"] as? String == "7 × 8 = ?" && (state["slide"] as? [String: Any])?["page"] as? Double == 3)
                // Another site's page cannot join with the pupil's cookie: the upgrade is refused.
                #expect(try await upgradeStatus(app, port: port, room: room.id, try await PageTests().signIn(app, "pupil1"), origin: "http://evil.example") == 403)
                #expect(try await upgradeStatus(app, port: port, room: room.id, try await PageTests().signIn(app, "pupil2")) == 404)
                // Attendance counts for the course's live item.
                let progress = try #require(try await app.call(.GET, "api/v1/courses/\(course.id)/progress", try await app.bearer("pupil1"), expect: .ok).decoded(CourseProgressDTO.self))
                #expect(progress.items.first { $0.itemId == item.id }?.viewed == true)
                // The host ends it: everyone is told; the record keeps chat, poll and slide, and time present.
                try await app.call(.POST, "api/v1/live/rooms/\(room.id)/end", teacher, expect: .ok)
                try await pupil.inbox.wait("ended")
                try await app.call(.POST, "api/v1/live/rooms/\(room.id)/end", teacher, expect: .conflict)
                try await Task.sleep(nanoseconds: 300_000_000)
                let record = try await app.call(.GET, "api/v1/live/rooms/\(room.id)/record", teacher, expect: .ok).body.string
                #expect(record.contains("Em chào cô ạ") && record.contains("7 × 8 = ?") && record.contains("\"kind\":\"slide\"") && record.contains("\"seconds\""))
                try await app.call(.GET, "api/v1/live/rooms/\(room.id)/record", try await app.bearer("pupil1"), expect: .forbidden)
                #expect(try await upgradeStatus(app, port: port, room: room.id, try await PageTests().signIn(app, "pupil1")) == 409, "an ended room takes no one")
                try? await host.ws.close(); try? await pupil.ws.close(); try? await again.ws.close()
            }
        }
    }

    @Test func aBroadcastAudienceWritesToTheModeratorsAndQuestionsWaitForThem() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let room = try #require(try await app.call(.POST, "api/v1/live/rooms", try await app.bearer("teacher1"),
                                                       ["title": "Họp toàn trường", "orgId": w.schoolA.id.uuidString, "mode": "broadcast"], expect: .created).decoded(RoomDTO.self))
            try await serving(app) { port in
                let host = try await RoomClient.connect(app, port: port, room: room.id, try await PageTests().signIn(app, "teacher1"))
                let viewer = try await RoomClient.connect(app, port: port, room: room.id, try await PageTests().signIn(app, "teacher2"))
                let other = try await RoomClient.connect(app, port: port, room: room.id, try await PageTests().signIn(app, "schooladmin"))
                try await other.inbox.wait("welcome")
                try await viewer.send(["type": "chat", "text": "Xin hỏi lịch thi?"])
                try await host.inbox.wait("chat") { $0["private"] as? Bool == true }
                try await viewer.inbox.wait("chat") { $0["private"] as? Bool == true }
                try await viewer.send(["type": "ask", "text": "Bao giờ thi học kỳ?"])
                let q = try await host.inbox.wait("question") { $0["published"] as? Bool == false }
                try await viewer.send(["type": "hand", "up": true])
                try await viewer.inbox.wait("error") { $0["code"] as? String == "live.not-in-broadcast" }
                try await Task.sleep(nanoseconds: 200_000_000)
                #expect(other.inbox.of("chat").isEmpty && other.inbox.of("question").isEmpty, "the audience does not see each other's messages")
                try await host.send(["type": "publish", "question": q["id"]!])
                try await other.inbox.wait("question") { $0["published"] as? Bool == true }
                try? await host.ws.close(); try? await viewer.ws.close(); try? await other.ws.close()
            }
        }
    }

    /// Two app processes on one PostgreSQL (two applications here, each with its own hub and
    /// its own LISTEN connection, as two `serve` processes behind a load balancer would be).
    @Test(.enabled(if: (ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "").isEmpty == false,
                   "needs PostgreSQL (DATABASE_URL): rooms across processes go through LISTEN/NOTIFY; .ci/run runs the suite on both databases"))
    func aRoomSplitAcrossTwoAppProcessesIsOneRoom() async throws {
        try await withTestApp { app in
            let (_, teacher, _, room) = try await classRoom(app, "Tiết 4")
            let other = try await Application.make(.testing)
            try await configure(other, config: app.services.config)
            try await other.asyncBoot()
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            try await other.server.start(address: .hostname("127.0.0.1", port: 0))
            do {
                let portA = try #require(app.http.server.shared.localAddress?.port), portB = try #require(other.http.server.shared.localAddress?.port)
                let host = try await RoomClient.connect(app, port: portA, room: room.id, try await PageTests().signIn(app, "teacher1"))
                let pupil = try await RoomClient.connect(other, port: portB, room: room.id, try await PageTests().signIn(app, "pupil1"))
                try await pupil.inbox.wait("welcome")
                // Each process counts the other's people.
                try await host.inbox.wait("presence") { $0["count"] as? Double == 2 }
                try await pupil.inbox.wait("presence") { $0["count"] as? Double == 2 }
                try await pupil.send(["type": "chat", "text": "Em ở máy chủ B"])
                try await host.inbox.wait("chat") { $0["text"] as? String == "Em ở máy chủ B" }
                try await host.send(["type": "poll", "question": "9 × 6 = ?", "options": ["54", "56"]])
                let poll = try await pupil.inbox.wait("poll")
                try await pupil.send(["type": "vote", "poll": poll["id"]!, "option": 0])
                try await host.inbox.wait("poll") { ($0["counts"] as? [Double]) == [1, 0] }
                try await host.send(["type": "slide", "page": 5])
                try await pupil.inbox.wait("slide") { $0["page"] as? Double == 5 }
                // A question asked on B, answered from A; both see one question with one id.
                try await pupil.send(["type": "ask", "text": "Cô ơi, 9 × 7 bằng mấy?"])
                let q = try await host.inbox.wait("question")
                try await host.send(["type": "answered", "question": q["id"]!])
                try await pupil.inbox.wait("question") { $0["answered"] as? Bool == true && $0["id"] as? Double == q["id"] as? Double }
                // Someone joining late on A reads the room from the record: the poll with B's vote, the slide, the question.
                let late = try await RoomClient.connect(app, port: portA, room: room.id, try await PageTests().signIn(app, "pupil1"))
                let state = try #require(try await late.inbox.wait("welcome")["state"] as? [String: Any])
                #expect(((state["poll"] as? [String: Any])?["counts"] as? [Double]) == [1, 0])
                #expect((state["slide"] as? [String: Any])?["page"] as? Double == 5 && (state["questions"] as? [Any])?.count == 1)
                // The end, from A, reaches B.
                try await app.call(.POST, "api/v1/live/rooms/\(room.id)/end", teacher, expect: .ok)
                try await pupil.inbox.wait("ended")
                // Every state message the host sent was seen once, in order, on B.
                #expect(pupil.inbox.of("slide").count == 1 && pupil.inbox.of("chat").count == 1)
                try? await host.ws.close(); try? await pupil.ws.close(); try? await late.ws.close()
            } catch {
                await other.server.shutdown(); try? await other.asyncShutdown()
                await app.server.shutdown()
                throw error
            }
            await other.server.shutdown()
            try await other.asyncShutdown()
            await app.server.shutdown()
        }
    }

    /// WebRTC: the room is the signalling server. Those who turn their camera on are told of
    /// each other and their offers, answers and candidates reach the one they are for.
    @Test func callersAreIntroducedAndTheirSignalsReachOnlyTheirPeer() async throws {
        try await withTestApp(adjust: { $0.iceServers = [["urls": .one("stun:stun.example.org:3478")]] }) { app in
            let (_, _, _, room) = try await classRoom(app, "Phụ đạo")
            try await serving(app) { port in
                let host = try await RoomClient.connect(app, port: port, room: room.id, try await PageTests().signIn(app, "teacher1"))
                let pupil = try await RoomClient.connect(app, port: port, room: room.id, try await PageTests().signIn(app, "pupil1"))
                let onlooker = try await RoomClient.connect(app, port: port, room: room.id, try await PageTests().signIn(app, "pupil1"))
                let welcome = try await host.inbox.wait("welcome")
                let ice = ((welcome["media"] as? [String: Any])?["iceServers"] as? [[String: Any]])?.first?["urls"] as? String
                #expect(ice == "stun:stun.example.org:3478", "the page is given the configured STUN/TURN servers")
                // Signals before joining the call are refused.
                try await pupil.send(["type": "signal", "to": UUID().uuidString, "data": ["sdp": "x"]])
                try await pupil.inbox.wait("error") { $0["code"] as? String == "live.not-in-call" }
                try await host.send(["type": "media", "on": true])
                try await pupil.send(["type": "media", "on": true])
                let peer = try await host.inbox.wait("peer") { $0["on"] as? Bool == true }
                let pupilID = try #require(peer["id"] as? String)
                try await host.send(["type": "signal", "to": pupilID, "data": ["type": "offer", "sdp": "v=0 fake offer"]])
                let offer = try await pupil.inbox.wait("signal")
                #expect((offer["data"] as? [String: Any])?["sdp"] as? String == "v=0 fake offer")
                try await pupil.send(["type": "signal", "to": try #require(offer["from"] as? String), "data": ["type": "answer", "sdp": "v=0 fake answer"]])
                try await host.inbox.wait("signal") { ($0["data"] as? [String: Any])?["type"] as? String == "answer" }
                try await Task.sleep(nanoseconds: 200_000_000)
                #expect(onlooker.inbox.of("signal").isEmpty && onlooker.inbox.of("peer").isEmpty, "someone not in the call hears nothing of it")
                try await pupil.send(["type": "signal", "to": pupilID, "data": "not an object"])
                try await pupil.inbox.wait("error") { $0["code"] as? String == "live.malformed" }
                // Leaving the call (or the room) tells the others.
                try? await pupil.ws.close()
                try await host.inbox.wait("peer") { $0["on"] as? Bool == false && $0["id"] as? String == pupilID }
                try? await host.ws.close(); try? await onlooker.ws.close()
            }
        }
    }

    /// State events are applied in the room's order: one that arrives early waits, and one
    /// that never arrives (a lost notification) is read from the record.
    @Test func anEarlyEventWaitsAndAMissingOneIsReadFromTheRecord() async throws {
        try await withTestApp { app in
            let (_, _, _, room) = try await classRoom(app, "Tiết 5")
            try await serving(app) { port in
                let host = try await RoomClient.connect(app, port: port, room: room.id, try await PageTests().signIn(app, "teacher1"))
                try await host.inbox.wait("welcome")
                // Two slide changes kept in the record, as another process would; only the second is delivered here.
                let store = LiveEventStore(db: app.db)
                _ = try await store.append(RoomEvent(room: room.id, type: "slide", member: nil, at: Date(), fields: ["page": .number(1), "resource": .null]))
                let second = try await store.append(RoomEvent(room: room.id, type: "slide", member: nil, at: Date(), fields: ["page": .number(2), "resource": .null]))
                await app.services.live.hub.deliver(second)
                try await Task.sleep(nanoseconds: 300_000_000)
                #expect(host.inbox.of("slide").isEmpty, "the second waits for the first")
                try await host.inbox.wait("slide") { $0["page"] as? Double == 2 }
                #expect(host.inbox.of("slide").map { $0["page"] as? Double } == [1, 2])
                // The second arriving again (its notification after the record was read) is
                // not shown twice and leaves nothing waiting.
                await app.services.live.hub.deliver(second)
                try await Task.sleep(nanoseconds: 300_000_000)
                #expect(host.inbox.of("slide").count == 2)
                #expect(await app.services.live.hub.waitingFor(room.id) == 0)
                try? await host.ws.close()
            }
        }
    }

    /// `/live`: the rooms open for the person, and the form that opens one.
    @Test func theRoomsPageListsOpenRoomsAndOpensOneForACourseOrAMeeting() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let (course, _) = try await app.publishedCourse(teacher, kind: "class", org: w.classA1.id)
            let session = try await PageTests().signIn(app, "teacher1")
            let csrf = (session.first(name: .cookie) ?? "").split(separator: ";").first { $0.hasPrefix("ec_csrf=") }?.dropFirst("ec_csrf=".count) ?? ""
            var form = session
            form.contentType = .urlEncodedForm
            try await app.testing().test(.GET, "live", headers: session) { res in
                #expect(res.status == .ok && res.body.string.contains("value=\"course:\(course.id.uuidString)\"") && res.body.string.contains("value=\"org:\(w.schoolA.id.uuidString)\""))
            }
            // A bad form comes back with its message and nothing made.
            try await app.testing().test(.POST, "live", headers: form, body: .init(string: "_csrf=\(csrf)&title=&place=course:\(course.id.uuidString)&mode=interactive&video=webrtc")) { res in
                #expect(res.status == .unprocessableEntity && res.body.string.contains("role=\"alert\""))
            }
            var location = ""
            try await app.testing().test(.POST, "live", headers: form,
                                         body: .init(string: "_csrf=\(csrf)&title=Ti%E1%BA%BFt+10&place=course:\(course.id.uuidString)&mode=interactive&video=webrtc")) { res in
                #expect(res.status == .seeOther)
                location = res.headers.first(name: .location) ?? ""
            }
            #expect(location.hasPrefix("/live/"))
            // The class's pupil finds it on the list (without the form); another school's pupil does not.
            try await app.testing().test(.GET, "live", headers: try await PageTests().signIn(app, "pupil1")) { res in
                #expect(res.body.string.contains("Tiết 10") && res.body.string.contains(location) && !res.body.string.contains("action=\"/live\""))
            }
            try await app.testing().test(.GET, "live", headers: try await PageTests().signIn(app, "pupilb")) { res in
                #expect(res.status == .ok && !res.body.string.contains("Tiết 10"))
            }
            let listed = try #require(try await app.call(.GET, "api/v1/live/rooms", try await app.bearer("pupil1"), expect: .ok).decoded([RoomDTO].self))
            #expect(listed.map(\.title) == ["Tiết 10"] && listed[0].role == .participant)
        }
    }

    /// The host's slide can be a Library resource at a page: each person gets it as the
    /// Library would show it to them, and only if they may see it.
    @Test func aSlideShowsALibraryResourceAtItsPageToThoseWhoMaySeeIt() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let file = { (title: String) in DemoFiles.pdf(title: title, lines: ["Trang 1", "Trang 2", "Trang 3"]) }
            let published = try await app.publishedResource(w, kind: "document", title: "Bài giảng: Bảng nhân 7", file: file("Bài giảng: Bảng nhân 7"), filename: "bai-giang.pdf")
            // A draft: its author's alone.
            let author = try await DirectoryService(db: app.db, ctx: app.services.directory).actor(username: "teacher1", acting: .system("test"))
            let draft = try await LibraryService(db: app.db, ctx: app.services.library).createResource(
                NewResource(kind: "document", title: LocalizedText(vi: "Bản nháp chưa duyệt"), language: "vi", licence: "CC-BY-4.0", orgId: w.schoolA.id),
                file: UploadedFile(blob: try app.services.library.blobs.store(file("Bản nháp chưa duyệt")), filename: "nhap.pdf"), actor: author)
            let teacher = try await app.bearer("teacher1")
            let (course, _) = try await app.publishedCourse(teacher, kind: "class", org: w.classA1.id)
            let room = try #require(try await app.call(.POST, "api/v1/live/rooms", teacher, ["title": "Tiết 11", "courseId": course.id.uuidString],
                                                       expect: .created).decoded(RoomDTO.self))
            let pupil = try await PageTests().signIn(app, "pupil1")
            var json = pupil
            json.replaceOrAdd(name: .accept, value: "application/json")
            try await app.testing().test(.GET, "live/\(room.id)/slide?resource=\(published.id)&page=3", headers: json) { res in
                #expect(res.status == .ok)
                let v = try? JSONSerialization.jsonObject(with: Data(res.body.string.utf8)) as? [String: Any]
                #expect(v?["type"] as? String == "pdf" && (v?["src"] as? String)?.hasSuffix("#page=3") == true, "\(res.body.string)")
            }
            try await app.testing().test(.GET, "live/\(room.id)/slide?resource=\(draft.id)&page=1", headers: json) { res in
                #expect(res.status == .notFound, "a draft is its author's alone")
            }
            try await app.testing().test(.GET, "live/\(room.id)/slide?resource=nonsense", headers: json) { res in #expect(res.status == .badRequest) }
            try await app.testing().test(.GET, "live/\(room.id)/slide?resource=\(published.id)&page=1", headers: try await PageTests().signIn(app, "pupilb")) { res in
                #expect(res.status == .notFound, "not this pupil's room")
            }
        }
    }

    /// A quick quiz keeps its answer until it closes; a host who vanishes is shown as gone and
    /// the room goes on without them.
    @Test func aQuickQuizRevealsItsAnswerWhenClosedAndAVanishedHostIsShown() async throws {
        try await withTestApp { app in
            let (_, _, _, room) = try await classRoom(app, "Tiết 12")
            try await serving(app) { port in
                let host = try await RoomClient.connect(app, port: port, room: room.id, try await PageTests().signIn(app, "teacher1"))
                let pupil = try await RoomClient.connect(app, port: port, room: room.id, try await PageTests().signIn(app, "pupil1"))
                try await pupil.inbox.wait("presence") { $0["count"] as? Double == 2 && $0["hosts"] as? Double == 1 }
                try await host.send(["type": "poll", "question": "6 × 7 = ?", "options": ["42", "48"], "correct": 5])
                try await host.inbox.wait("error") { $0["code"] as? String == "live.poll-options" }
                try await host.send(["type": "poll", "question": "6 × 7 = ?", "options": ["42", "48"], "correct": 0])
                let open = try await pupil.inbox.wait("poll") { $0["quiz"] as? Bool == true }
                #expect(open["correct"] == nil, "the answer is not sent while the quiz is open")
                try await pupil.send(["type": "vote", "poll": open["id"]!, "option": 1])
                try await host.inbox.wait("poll") { ($0["counts"] as? [Double]) == [0, 1] }
                try await host.send(["type": "closePoll"])
                try await pupil.inbox.wait("poll") { $0["open"] as? Bool == false && $0["correct"] as? Double == 0 }
                // The host's connection drops: the pupil is told, and can still write.
                try await host.ws.close()
                try await pupil.inbox.wait("presence") { $0["hosts"] as? Double == 0 }
                try await pupil.send(["type": "chat", "text": "Cô ơi?"])
                try await pupil.inbox.wait("chat") { $0["text"] as? String == "Cô ơi?" }
                try? await pupil.ws.close()
            }
        }
    }
}

