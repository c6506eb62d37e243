import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Platform
import Courses

/// The rooms of this process: its connections, a copy of each room's state, and the
/// fan-out of every event to the right connections.
///
/// A message from a connection is checked here (role, size, rate) and becomes an event;
/// the bus numbers and keeps it and hands it to the hub of every process that holds the
/// room, this one included, which applies it in the room's order and sends what it shows.
/// So a room split across app processes is one room. A connection is a `send` function
/// (the WebSocket's, in the app); the hub never sees the transport.
public actor RoomHub {
    public typealias Send = @Sendable (String) -> Void

    struct Connection {
        var member: RoomMember
        var send: Send
        var close: @Sendable () -> Void
        /// Token bucket of the rate limit: messages left and when it was last filled.
        var tokens: Double
        var filled: Date
        /// Takes part in the room's audio and video (WebRTC).
        var media = false
    }

    struct Room {
        var state = RoomState()
        var connections: [UUID: Connection] = [:]
        var broadcast: Bool
        var loaded = false
        var loading = false
        /// Joined before the state was read: their welcome follows the read.
        var waiting: Set<UUID> = []
        /// State events that came ahead of one still missing, and since when one is missing.
        var pending: [Int: RoomEvent] = [:]
        var gapSince: Date?
        /// Connections per process, as each last said, and when.
        var presence: [UUID: (count: Int, hosts: Int, at: Date)] = [:]
        var presenceSent = Date.distantPast
        var localChanged = true
        var shownPresence = -1
        var shownHosts = -1
        var presenceShown = Date.distantPast
        /// The latest poll counts not yet sent (broadcast), and reactions since the last tick.
        var pollDue: JSONValue?
        var pollShown = Date.distantPast
        var reactions: [String: Int] = [:]

        init(broadcast: Bool) { self.broadcast = broadcast }
    }

    var rooms: [UUID: Room] = [:]
    /// Joins since memory was last given back, and the last one's time (see `tick`).
    var joinsSinceTrim = 0
    var lastJoin = Date.distantPast
    let clock: any PlatformClock
    let logger = Logger(label: "educommons.live")
    /// This process, as presence counts name it.
    public let process = UUID()
    var bus: (any LiveBus)?
    var ticker: Task<Void, Never>?
    /// What the page needs for audio and video (ICE servers), sent in every welcome.
    var media: JSONValue = .null

    /// Per connection: a burst of `burst` messages, then `perSecond`.
    public var burst: Double = 8
    public var perSecond: Double = 0.5
    public static let maxText = 1000
    /// How often presence, broadcast poll counts and reactions go out.
    static let tickInterval: Duration = .milliseconds(200)

    public init(clock: any PlatformClock) { self.clock = clock }

    /// Starts the hub on its bus; the ticker sends what is sent in batches.
    public func use(_ bus: any LiveBus, media: JSONValue = .null) {
        self.bus = bus
        self.media = media
        ticker?.cancel()
        ticker = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.tickInterval)
                await self?.tick()
            }
        }
    }

    public func stop() {
        ticker?.cancel()
        ticker = nil
    }

    /// People connected to the room, in every process that has said so in the last 30 s.
    public func present(in room: UUID) -> Int {
        guard let r = rooms[room] else { return 0 }
        return total(r, at: Date())
    }

    func total(_ r: Room, at t: Date) -> Int {
        r.presence.reduce(0) { sum, p in p.key == process ? sum : (t.timeIntervalSince(p.value.at) < 30 ? sum + p.value.count : sum) } + r.connections.count
    }

    /// Moderators connected, in every process: when none is left, the room says so (it stays
    /// open and its chat, questions and the poll go on).
    func hosts(_ r: Room, at t: Date) -> Int {
        r.presence.reduce(0) { sum, p in p.key == process ? sum : (t.timeIntervalSince(p.value.at) < 30 ? sum + p.value.hosts : sum) }
            + r.connections.values.filter { $0.member.role.moderates }.count
    }

    // MARK: connections

    /// A connection joins: it gets the room's whole state (read from the record when this
    /// process does not hold the room yet).
    public func join(_ id: UUID, _ member: RoomMember, send: @escaping Send, close: @escaping @Sendable () -> Void = {}) async {
        let rid = member.roomID
        joinsSinceTrim += 1
        lastJoin = Date()
        if rooms[rid] == nil {
            // New to this process: the others say how many they hold (they said it before).
            passOn(RoomEvent(room: rid, type: "presence", member: nil, origin: process, at: clock.now(), fields: ["count": .number(0), "ask": .bool(true)]))
        }
        var room = rooms[rid] ?? Room(broadcast: member.broadcast)
        room.connections[id] = Connection(member: member, send: send, close: close, tokens: burst, filled: clock.now())
        room.localChanged = true
        if room.loaded { send(room.state.welcome(member, connection: id, present: total(room, at: Date()), media: media)) } else { room.waiting.insert(id) }
        let mustLoad = !room.loaded && !room.loading
        if mustLoad { room.loading = true }
        rooms[rid] = room
        if mustLoad { await load(rid) }
    }

    func load(_ rid: UUID) async {
        do {
            let events = try await bus?.history(room: rid, after: 0) ?? []
            guard var room = rooms[rid] else { return }
            for e in events where (e.seq ?? 0) > room.state.seq { _ = room.state.apply(e) }
            room.loaded = true
            room.loading = false
            let waiting = room.waiting
            room.waiting = []
            rooms[rid] = room
            drain(rid)
            guard let r = rooms[rid] else { return }
            for id in waiting { if let c = r.connections[id] { c.send(r.state.welcome(c.member, connection: id, present: total(r, at: Date()), media: media)) } }
            if r.state.ended { end(rid) }
        } catch {
            // The ticker tries again; those waiting are told why nothing shows yet.
            logger.warning("live: room \(rid) not read: \(error)")
            rooms[rid]?.loading = false
            for id in rooms[rid]?.waiting ?? [] { send(error: "live.unavailable", to: id, in: rid) }
        }
    }

    public func leave(_ id: UUID, room rid: UUID) {
        guard var room = rooms[rid], let c = room.connections.removeValue(forKey: id) else { return }
        room.waiting.remove(id)
        room.localChanged = true
        let m = c.member
        if !room.connections.values.contains(where: { $0.member.personID == m.personID }), room.state.hands[m.personID] != nil {
            publish(RoomEvent(room: rid, type: "hand", member: m, at: clock.now(), fields: ["up": .bool(false)]))
        }
        if c.media { passOn(RoomEvent(room: rid, type: "media", member: m, connection: id, at: clock.now(), fields: ["on": .bool(false)])) }
        if room.connections.isEmpty {
            // Other processes stop counting this one's people at once.
            passOn(RoomEvent(room: rid, type: "presence", member: nil, origin: process, at: clock.now(), fields: ["count": .number(0)]))
            rooms[rid] = nil
        } else {
            rooms[rid] = room
        }
    }

    /// The room ended (in whichever process): everyone here is told and disconnected.
    func end(_ rid: UUID) {
        guard let room = rooms[rid] else { return }
        for c in room.connections.values { c.close() }
        rooms[rid] = nil
    }

    /// An event from the app (the end of the room), numbered and kept like the others.
    public func publish(end rid: UUID, by member: RoomMember?) async throws {
        guard let bus else { throw DomainError.unavailable(reason: "live.unavailable") }
        try await bus.publish(RoomEvent(room: rid, type: "ended", member: member, at: clock.now()))
    }

    // MARK: events from the bus

    /// An event from the bus. State events are applied in the room's order: one that comes
    /// early waits for those before it (and the ticker reads them from the record if they do
    /// not come within a second).
    public func deliver(_ e: RoomEvent) {
        guard var room = rooms[e.room] else { return }
        guard let seq = e.seq else { return passing(e) }
        guard seq > room.state.seq else { return }
        room.pending[seq] = e
        rooms[e.room] = room
        if room.loaded { drain(e.room) }
    }

    func drain(_ rid: UUID) {
        while var room = rooms[rid] {
            // Events the state already holds (read from the record while they were on their
            // way) are dropped, so they neither wait nor count as a gap.
            room.pending = room.pending.filter { $0.key > room.state.seq }
            guard let next = room.pending.removeValue(forKey: room.state.seq + 1) else {
                room.gapSince = room.pending.isEmpty ? nil : (room.gapSince ?? Date())
                rooms[rid] = room
                return
            }
            let shown = room.state.apply(next)
            for out in shown where out.coalescible && room.broadcast { room.pollDue = out.message }
            rooms[rid] = room
            for out in shown where !(out.coalescible && room.broadcast) { fanOut(rid, out.message.serialized(), to: out.audience) }
            if next.type == "ended" { return end(rid) }
        }
    }

    /// Events of a room held back until the ones before them arrive (tests and diagnostics).
    public func waitingFor(_ rid: UUID) -> Int { rooms[rid]?.pending.count ?? 0 }

    func passing(_ e: RoomEvent) {
        let rid = e.room
        switch e.type {
        case "presence":
            guard let origin = e.origin, origin != process, let n = e["count"]?.number else { return }
            rooms[rid]?.presence[origin] = (Int(n), Int(e["hosts"]?.number ?? 0), Date())
            if e["ask"]?.bool == true { rooms[rid]?.localChanged = true }
        case "react":
            guard let emoji = e["emoji"]?.string else { return }
            rooms[rid]?.reactions[emoji, default: 0] += 1
        case "media":
            // Someone's camera and microphone joined or left the call: the others (who take
            // part) are told, and the newcomer is offered a connection by each of them.
            guard let from = e.connection else { return }
            let out = JSONValue.object(["type": .string("peer"), "id": .string(from.uuidString), "name": .string(e.name), "on": e["on"] ?? .bool(false)]).serialized()
            for (id, c) in rooms[rid]?.connections ?? [:] where id != from && c.media { c.send(out) }
        case "signal":
            guard let to = e["to"]?.string.flatMap(UUID.init(uuidString:)), let c = rooms[rid]?.connections[to], let from = e.connection else { return }
            c.send(JSONValue.object(["type": .string("signal"), "from": .string(from.uuidString), "name": .string(e.name), "data": e["data"] ?? .null]).serialized())
        default:
            return
        }
    }

    // MARK: the ticker

    /// Five times a second: this process's head count to the others, the room's head count,
    /// broadcast poll counts and reactions to the connections, a late read, a gap filled.
    func tick() {
        let t = Date()
        // A surge of joins (a broadcast's audience arriving) leaves the allocator holding
        // the memory of its requests and queries after they are done; glibc keeps freed
        // memory until asked. Once the surge is over it is given back.
        if joinsSinceTrim >= 500, t.timeIntervalSince(lastJoin) > 2 {
            joinsSinceTrim = 0
            Task.detached(priority: .background) { Self.giveBackFreedMemory() }
        }
        for rid in Array(rooms.keys) {
            guard var room = rooms[rid] else { continue }
            if !room.loaded && !room.loading {
                room.loading = true
                Task { await self.load(rid) }
            }
            if room.localChanged || t.timeIntervalSince(room.presenceSent) > 10 {
                room.localChanged = false
                room.presenceSent = t
                passOn(RoomEvent(room: rid, type: "presence", member: nil, origin: process, at: t,
                                 fields: ["count": .number(Double(room.connections.count)),
                                          "hosts": .number(Double(room.connections.values.filter { $0.member.role.moderates }.count))]))
            }
            let present = total(room, at: t), hostCount = hosts(room, at: t)
            var messages: [String] = []
            // A broadcast's audience sees the count move every 2 s, not with every arrival; a
            // host leaving or coming back shows at once.
            if hostCount != room.shownHosts || (present != room.shownPresence && t.timeIntervalSince(room.presenceShown) >= (room.broadcast ? 2 : 0)) {
                room.shownPresence = present
                room.shownHosts = hostCount
                room.presenceShown = t
                messages.append(JSONValue.object(["type": .string("presence"), "count": .number(Double(present)), "hosts": .number(Double(hostCount))]).serialized())
            }
            if let poll = room.pollDue, t.timeIntervalSince(room.pollShown) >= 1 {
                room.pollDue = nil
                room.pollShown = t
                messages.append(poll.serialized())
            }
            for (emoji, n) in room.reactions.sorted(by: { $0.key < $1.key }) {
                messages.append(JSONValue.object(["type": .string("react"), "emoji": .string(emoji), "count": .number(Double(n))]).serialized())
            }
            room.reactions = [:]
            if let g = room.gapSince, t.timeIntervalSince(g) > 1 {
                room.gapSince = t
                Task { await self.resync(rid) }
            }
            rooms[rid] = room
            for text in messages { for c in room.connections.values { c.send(text) } }
        }
    }

    /// glibc's malloc_trim, looked up at run time (malloc.h is not in Swift's Glibc module);
    /// nothing elsewhere.
    static func giveBackFreedMemory() {
        #if canImport(Glibc)
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
        #endif
    }

    /// Reads a room's events after the last one applied (a notification went missing).
    func resync(_ rid: UUID) async {
        guard let after = rooms[rid]?.state.seq, let bus else { return }
        do {
            for e in try await bus.history(room: rid, after: after) { deliver(e) }
        } catch { logger.warning("live: room \(rid) not caught up: \(error)") }
    }

    /// After the bus's listener reconnected: every room held here catches up.
    public func resyncAll() async {
        for rid in Array(rooms.keys) { await resync(rid) }
    }

    // MARK: sending

    func fanOut(_ rid: UUID, _ text: String, to audience: Audience) {
        guard let room = rooms[rid] else { return }
        for c in room.connections.values where audience.includes(c.member) { c.send(text) }
    }

    func send(error code: String, to id: UUID, in rid: UUID) {
        rooms[rid]?.connections[id]?.send(JSONValue.object(["type": .string("error"), "code": .string(code)]).serialized())
    }

    /// Hands a state event to the bus without waiting (a lowered hand when someone leaves).
    func publish(_ e: RoomEvent) {
        guard let bus else { return }
        let logger = logger
        Task {
            do { try await bus.publish(e) } catch { logger.warning("live: event not kept: \(error)") }
        }
    }

    /// A passing event to the other processes (and this one, on a local bus).
    func passOn(_ e: RoomEvent) {
        guard let bus else { return }
        Task { try? await bus.publish(e) }
    }

    /// Takes one token of the connection's bucket, or refuses.
    func allow(_ id: UUID, _ rid: UUID) -> Bool {
        guard var c = rooms[rid]?.connections[id] else { return false }
        let t = clock.now()
        c.tokens = min(burst, c.tokens + t.timeIntervalSince(c.filled) * perSecond)
        c.filled = t
        guard c.tokens >= 1 else { rooms[rid]?.connections[id] = c; return false }
        c.tokens -= 1
        rooms[rid]?.connections[id] = c
        return true
    }
}
