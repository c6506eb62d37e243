import Foundation
import Platform
import Courses

/// The rooms of this process: who is connected, the live state (hands, questions, the
/// poll, the slide), and the fan-out of every message to the right people. One actor for
/// all rooms keeps the order of a room's messages the same for everyone.
///
/// A connection is a `send` function (the WebSocket's, in the app) and its member; the
/// hub never sees the transport. Messages are JSON objects with a `type`.
public actor RoomHub {
    public typealias Send = @Sendable (String) -> Void

    struct Connection {
        var member: RoomMember
        var send: Send
        /// Token bucket of the rate limit: messages left and when it was last filled.
        var tokens: Double
        var filled: Date
    }

    struct Question { var id: Int; var from: String; var text: String; var votes: Set<UUID>; var answered: Bool; var published: Bool; var asker: UUID }
    struct Poll { var id: Int; var question: String; var options: [String]; var votes: [UUID: Int]; var open: Bool }

    struct Room {
        var connections: [UUID: Connection] = [:]
        var hands: [UUID: String] = [:]
        var questions: [Question] = []
        var poll: Poll?
        var slide: (resource: String?, page: Int)?
        var nextID = 1
    }

    var rooms: [UUID: Room] = [:]
    let clock: any PlatformClock
    /// Keeps what the record needs (chat, questions, polls, slides); set by the app.
    var recorder: (@Sendable (UUID, UUID?, String, String) async -> Void)?

    /// Per connection: a burst of `burst` messages, then `perSecond`.
    public var burst: Double = 8
    public var perSecond: Double = 0.5
    public static let maxText = 1000

    public init(clock: any PlatformClock) { self.clock = clock }

    public func setRecorder(_ f: @escaping @Sendable (UUID, UUID?, String, String) async -> Void) { recorder = f }

    public func present(in room: UUID) -> Int { rooms[room]?.connections.count ?? 0 }

    // MARK: connections

    /// A connection joins: it gets the room's state; the room its new head count.
    public func join(_ id: UUID, _ member: RoomMember, send: @escaping Send) {
        var room = rooms[member.roomID] ?? Room()
        room.connections[id] = Connection(member: member, send: send, tokens: burst, filled: clock.now())
        rooms[member.roomID] = room
        send(welcome(room, member))
        fanOut(member.roomID, .object(["type": .string("presence"), "count": .number(Double(room.connections.count))])) { _ in true }
    }

    public func leave(_ id: UUID, room roomID: UUID) {
        guard var room = rooms[roomID], let c = room.connections.removeValue(forKey: id) else { return }
        if room.connections.values.contains(where: { $0.member.personID == c.member.personID }) == false, room.hands.removeValue(forKey: c.member.personID) != nil {
            rooms[roomID] = room
            fanOut(roomID, .object(["type": .string("hand"), "from": .string(c.member.name), "up": .bool(false)])) { _ in true }
        }
        if room.connections.isEmpty { rooms[roomID] = nil; return }
        rooms[roomID] = room
        fanOut(roomID, .object(["type": .string("presence"), "count": .number(Double(room.connections.count))])) { _ in true }
    }

    /// The room ended: everyone is told.
    public func close(room roomID: UUID) {
        fanOut(roomID, .object(["type": .string("ended")])) { _ in true }
        rooms[roomID] = nil
    }

    func welcome(_ room: Room, _ m: RoomMember) -> String {
        var state: [String: JSONValue] = ["present": .number(Double(room.connections.count)),
                                          "hands": .array(room.hands.values.sorted().map { .string($0) }),
                                          "questions": .array(room.questions.filter { m.role.moderates || $0.published || $0.asker == m.personID }.map(questionJSON))]
        if let p = room.poll { state["poll"] = pollJSON(p) }
        if let s = room.slide { state["slide"] = .object(["resource": s.resource.map { .string($0) } ?? .null, "page": .number(Double(s.page))]) }
        return JSONValue.object(["type": .string("welcome"), "you": .object(["name": .string(m.name), "role": .string(m.role.rawValue)]),
                                 "mode": .string(m.broadcast ? "broadcast" : "interactive"), "state": .object(state)]).serialized()
    }

    func questionJSON(_ q: Question) -> JSONValue {
        .object(["type": .string("question"), "id": .number(Double(q.id)), "from": .string(q.from), "text": .string(q.text),
                 "votes": .number(Double(q.votes.count)), "answered": .bool(q.answered), "published": .bool(q.published)])
    }

    /// A poll with its counts. Everyone receives the counts; the page shows them to the
    /// moderators at once and to others after they voted or the poll closed.
    func pollJSON(_ p: Poll) -> JSONValue {
        var counts = Array(repeating: 0.0, count: p.options.count)
        for v in p.votes.values where v < counts.count { counts[v] += 1 }
        return .object(["type": .string("poll"), "id": .number(Double(p.id)), "question": .string(p.question), "options": .array(p.options.map { .string($0) }),
                        "counts": .array(counts.map { .number($0) }), "votes": .number(Double(p.votes.count)), "open": .bool(p.open)])
    }

    func fanOut(_ roomID: UUID, _ message: JSONValue, to include: (RoomMember) -> Bool) {
        guard let room = rooms[roomID] else { return }
        let text = message.serialized()
        for c in room.connections.values where include(c.member) { c.send(text) }
    }

    func error(_ id: UUID, _ roomID: UUID, _ code: String) {
        rooms[roomID]?.connections[id]?.send(JSONValue.object(["type": .string("error"), "code": .string(code)]).serialized())
    }

    func record(_ roomID: UUID, _ person: UUID?, _ kind: String, _ body: JSONValue) {
        guard let recorder else { return }
        let text = body.serialized()
        Task { await recorder(roomID, person, kind, text) }
    }

    /// Takes one token of the connection's bucket, or refuses.
    func allow(_ id: UUID, _ roomID: UUID) -> Bool {
        guard var c = rooms[roomID]?.connections[id] else { return false }
        let t = clock.now()
        c.tokens = min(burst, c.tokens + t.timeIntervalSince(c.filled) * perSecond)
        c.filled = t
        guard c.tokens >= 1 else { rooms[roomID]?.connections[id] = c; return false }
        c.tokens -= 1
        rooms[roomID]?.connections[id] = c
        return true
    }

    // MARK: messages

    /// One message from a connection. Anything malformed or not allowed is answered with an
    /// error to that connection alone; the room goes on.
    public func receive(_ id: UUID, room roomID: UUID, text: String) {
        guard let c = rooms[roomID]?.connections[id] else { return }
        let m = c.member
        guard text.utf8.count <= 8192 else { return error(id, roomID, "live.too-long") }
        guard let msg = try? JSONValue.parse(Data(text.utf8)), let type = msg["type"]?.string else { return error(id, roomID, "live.malformed") }
        let moderates = m.role.moderates
        func words(_ key: String) -> String? {
            guard let s = msg[key]?.string?.trimmingCharacters(in: .whitespacesAndNewlines), !s.isEmpty else { error(id, roomID, "live.empty"); return nil }
            guard s.count <= Self.maxText else { error(id, roomID, "live.too-long"); return nil }
            return s
        }
        switch type {
        case "chat":
            guard allow(id, roomID) else { return error(id, roomID, "live.rate-limited") }
            guard let t = words("text") else { return }
            // In a broadcast, the audience writes to the moderators only.
            let toModerators = m.broadcast && !moderates
            let out: JSONValue = .object(["type": .string("chat"), "from": .string(m.name), "role": .string(m.role.rawValue), "text": .string(t),
                                          "private": .bool(toModerators), "at": .string(XAPITime.format(clock.now()))])
            fanOut(roomID, out) { r in !toModerators || r.role.moderates || r.personID == m.personID }
            record(roomID, m.personID, "chat", out)
        case "hand":
            guard !m.broadcast || moderates else { return error(id, roomID, "live.not-in-broadcast") }
            let up = msg["up"]?.bool ?? true
            if up { rooms[roomID]?.hands[m.personID] = m.name } else { rooms[roomID]?.hands[m.personID] = nil }
            fanOut(roomID, .object(["type": .string("hand"), "from": .string(m.name), "up": .bool(up)])) { _ in true }
        case "react":
            guard allow(id, roomID) else { return error(id, roomID, "live.rate-limited") }
            guard let e = msg["emoji"]?.string, ["👍", "👏", "❤️", "😂", "😮", "❓"].contains(e) else { return error(id, roomID, "live.malformed") }
            fanOut(roomID, .object(["type": .string("react"), "emoji": .string(e)])) { _ in true }
        case "ask":
            guard allow(id, roomID) else { return error(id, roomID, "live.rate-limited") }
            guard let t = words("text"), var room = rooms[roomID] else { return }
            // Moderated in a broadcast: the audience sees a question once a moderator publishes it.
            let q = Question(id: room.nextID, from: m.name, text: t, votes: [], answered: false, published: !m.broadcast || moderates, asker: m.personID)
            room.nextID += 1
            room.questions.append(q)
            rooms[roomID] = room
            fanOut(roomID, questionJSON(q)) { r in q.published || r.role.moderates || r.personID == m.personID }
            record(roomID, m.personID, "question", questionJSON(q))
        case "upvote", "answered", "publish":
            guard let qid = msg["question"]?.number.map(Int.init), var room = rooms[roomID], let n = room.questions.firstIndex(where: { $0.id == qid }) else {
                return error(id, roomID, "live.unknown-question")
            }
            if type == "upvote" {
                guard room.questions[n].published else { return error(id, roomID, "live.unknown-question") }
                if room.questions[n].votes.contains(m.personID) { room.questions[n].votes.remove(m.personID) } else { room.questions[n].votes.insert(m.personID) }
            } else {
                guard moderates else { return error(id, roomID, "live.hosts-only") }
                if type == "answered" { room.questions[n].answered = true } else { room.questions[n].published = true }
            }
            rooms[roomID] = room
            let q = room.questions[n]
            fanOut(roomID, questionJSON(q)) { r in q.published || r.role.moderates || r.personID == q.asker }
            if type != "upvote" { record(roomID, m.personID, type, questionJSON(q)) }
        case "poll":
            guard moderates else { return error(id, roomID, "live.hosts-only") }
            guard let question = words("question") else { return }
            let options = (msg["options"]?.array ?? []).compactMap { $0.string?.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            guard (2...10).contains(options.count), options.allSatisfy({ $0.count <= 200 }) else { return error(id, roomID, "live.poll-options") }
            guard var room = rooms[roomID] else { return }
            let p = Poll(id: room.nextID, question: question, options: options, votes: [:], open: true)
            room.nextID += 1
            room.poll = p
            rooms[roomID] = room
            let out = pollJSON(p)
            fanOut(roomID, out) { _ in true }
            record(roomID, m.personID, "poll", out)
        case "vote":
            guard var room = rooms[roomID], var p = room.poll, msg["poll"]?.number.map(Int.init) == p.id else { return error(id, roomID, "live.unknown-poll") }
            guard p.open else { return error(id, roomID, "live.poll-closed") }
            guard let o = msg["option"]?.number.map(Int.init), o >= 0, o < p.options.count else { return error(id, roomID, "live.malformed") }
            p.votes[m.personID] = o
            room.poll = p
            rooms[roomID] = room
            // Results go out live: one message per vote is what makes a quiz feel live; the
            // client shows counts to moderators at once and to others after voting.
            fanOut(roomID, pollJSON(p)) { _ in true }
        case "closePoll":
            guard moderates else { return error(id, roomID, "live.hosts-only") }
            guard var room = rooms[roomID], var p = room.poll else { return error(id, roomID, "live.unknown-poll") }
            p.open = false
            room.poll = p
            rooms[roomID] = room
            let out = pollJSON(p)
            fanOut(roomID, out) { _ in true }
            record(roomID, m.personID, "poll-result", out)
        case "slide":
            guard moderates else { return error(id, roomID, "live.hosts-only") }
            guard let page = msg["page"]?.number.map(Int.init), page >= 1, page <= 10_000 else { return error(id, roomID, "live.malformed") }
            let resource = msg["resource"]?.string.flatMap { UUID(uuidString: $0) }?.uuidString.lowercased()
            rooms[roomID]?.slide = (resource, page)
            let out: JSONValue = .object(["type": .string("slide"), "resource": resource.map { .string($0) } ?? .null, "page": .number(Double(page))])
            fanOut(roomID, out) { _ in true }
            record(roomID, m.personID, "slide", out)
        case "ping":
            rooms[roomID]?.connections[id]?.send(#"{"type":"pong"}"#)
        default:
            error(id, roomID, "live.unknown-type")
        }
    }
}
