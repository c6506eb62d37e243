import Foundation
import FluentKit
import SQLKit
import Logging
import Platform
import Courses

/// How a room's events reach the hubs: every process that holds the room gets every event,
/// state events in the room's order.
public protocol LiveBus: Sendable {
    /// Numbers and keeps a state event, or passes on a passing one, and has every hub
    /// (this process's included) apply it. Throws when the event could not be kept: the
    /// sender is told and nothing was shown to anyone.
    func publish(_ e: RoomEvent) async throws
    /// A room's state events after `seq`, in order (a process joining a room late, or one
    /// that missed some).
    func history(room: UUID, after seq: Int) async throws -> [RoomEvent]
}

/// The room's record in the database, numbered per room.
///
/// The number comes from `UPDATE live_rooms SET seq = seq + 1 ... RETURNING seq` inside the
/// transaction that inserts the event: the row lock makes a room's transactions commit in
/// number order, and PostgreSQL delivers a transaction's NOTIFY at its commit, so listeners
/// get a room's events in number order without any lock outside the database.
public struct LiveEventStore: Sendable {
    public let db: any Database

    public init(db: any Database) { self.db = db }

    /// Keeps a state event; answers it with its number. With `notify`, PostgreSQL tells the
    /// channel's listeners at commit (the event itself, or a reference when too long for a
    /// notification's 8,000 bytes).
    public func append(_ event: RoomEvent, notify channel: String? = nil) async throws -> RoomEvent {
        try await db.transaction { tx in
            let sql = tx.sql
            guard let row = try await sql.raw("UPDATE live_rooms SET seq = seq + 1 WHERE id = \(bind: event.room) RETURNING seq").first() else {
                throw DomainError.notFound(entity: "room")
            }
            var e = event
            e.seq = try row.decode(column: "seq", as: Int.self)
            let stored = LiveEvent()
            stored.id = UUID()
            stored.roomID = e.room
            stored.personID = e.person
            stored.kind = e.type
            stored.seq = e.seq
            stored.body = e.json.serialized()
            stored.createdAt = e.at
            try await stored.create(on: tx)
            if let channel { try await Self.notify(sql, channel, stored.body, ref: stored.id!) }
            return e
        }
    }

    /// A passing event to the channel's listeners (PostgreSQL), kept only when too long for a
    /// notification.
    public func pass(_ event: RoomEvent, notify channel: String) async throws {
        let body = event.json.serialized()
        let ref = UUID()
        if body.utf8.count > Self.notifyLimit {
            let stored = LiveEvent()
            stored.id = ref
            stored.roomID = event.room
            stored.personID = event.person
            stored.kind = "relay"
            stored.body = body
            stored.createdAt = event.at
            try await stored.create(on: db)
        }
        try await Self.notify(db.sql, channel, body, ref: ref)
    }

    /// PostgreSQL refuses a notification payload of 8,000 bytes or more.
    static let notifyLimit = 7_800

    static func notify(_ sql: any SQLDatabase, _ channel: String, _ body: String, ref: UUID) async throws {
        let payload = body.utf8.count > notifyLimit ? JSONValue.object(["ref": .string(ref.uuidString)]).serialized() : body
        try await sql.raw("SELECT pg_notify(\(bind: channel), \(bind: payload))").run()
    }

    /// A kept event by its row (a notification that carried only a reference).
    public func event(ref: UUID) async throws -> RoomEvent? {
        try await LiveEvent.find(ref, on: db).flatMap { RoomEvent(text: $0.body) }
    }

    public func history(room: UUID, after seq: Int) async throws -> [RoomEvent] {
        try await LiveEvent.query(on: db).filter(\.$roomID == room).filter(\.$seq > seq).sort(\.$seq).all().compactMap { RoomEvent(text: $0.body) }
    }
}

/// One process (SQLite, or PostgreSQL with one app server): events are numbered and kept in
/// the database, then applied by this process's hub.
public struct LocalLiveBus: LiveBus {
    let store: LiveEventStore
    let hub: RoomHub

    public init(store: LiveEventStore, hub: RoomHub) {
        self.store = store
        self.hub = hub
    }

    public func publish(_ e: RoomEvent) async throws {
        await hub.deliver(e.isState ? try await store.append(e) : e)
    }

    public func history(room: UUID, after seq: Int) async throws -> [RoomEvent] { try await store.history(room: room, after: seq) }
}

/// Several app processes on one PostgreSQL: events go out by NOTIFY on one channel and come
/// back to every process's listener (the app's `PostgresLiveListener`), this one's included,
/// which hands them to `received`.
public struct PostgresLiveBus: LiveBus {
    public let channel: String
    let store: LiveEventStore
    let hub: RoomHub
    let logger = Logger(label: "educommons.live")

    public init(store: LiveEventStore, hub: RoomHub, channel: String) {
        self.store = store
        self.hub = hub
        self.channel = channel
    }

    /// The channel of an installation (its schema, when not the default one).
    public static func channel(schema: String?) -> String {
        let s = (schema ?? "").lowercased().filter { $0.isLetter || $0.isNumber || $0 == "_" }
        return String(("educommons_live" + (s.isEmpty || s == "public" ? "" : "_" + s)).prefix(63))
    }

    public func publish(_ e: RoomEvent) async throws {
        if e.isState { _ = try await store.append(e, notify: channel) } else { try await store.pass(e, notify: channel) }
    }

    public func history(room: UUID, after seq: Int) async throws -> [RoomEvent] { try await store.history(room: room, after: seq) }

    /// A notification's payload: the event, or a reference to its row.
    public func received(_ payload: String) async {
        guard let v = try? JSONValue.parse(Data(payload.utf8)) else { return logger.warning("live: unreadable notification") }
        if let ref = v["ref"]?.string.flatMap(UUID.init(uuidString:)) {
            do {
                if let e = try await store.event(ref: ref) { await hub.deliver(e) }
            } catch { logger.warning("live: referenced event not read: \(error)") }
        } else if let e = RoomEvent(json: v) {
            await hub.deliver(e)
        }
    }

    /// The listener reconnected: notifications may have been missed meanwhile.
    public func resumed() async { await hub.resyncAll() }
}
