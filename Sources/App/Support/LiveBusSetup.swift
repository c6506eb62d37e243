import Foundation
import Vapor
import FluentPostgresDriver
import Courses
import Live

/// Starts the live rooms' hub on its bus: one process (SQLite, or `EDUCOMMONS_LIVE_BUS=local`),
/// or every process on one PostgreSQL through LISTEN/NOTIFY.
enum LiveBusSetup {
    static func start(_ app: Application, config: AppConfig, hub: RoomHub) async throws {
        let store = LiveEventStore(db: app.db)
        let media = JSONValue.object(["iceServers": .array(config.iceServers.map { server in
            .object(server.mapValues { v in
                switch v {
                case .one(let s): .string(s)
                case .many(let l): .array(l.map { .string($0) })
                }
            })
        })])
        guard config.liveAcrossProcesses, case .postgres(let url, let searchPath) = config.database else {
            await hub.use(LocalLiveBus(store: store, hub: hub), media: media)
            app.lifecycle.use(LiveLifecycle(hub: hub, listener: nil))
            return
        }
        // One channel per schema: processes of one installation share it, and test apps in
        // their own schemas do not hear each other.
        let channel = PostgresLiveBus.channel(schema: searchPath?.first)
        let bus = PostgresLiveBus(store: store, hub: hub, channel: channel)
        await hub.use(bus, media: media)
        let connection = try SQLPostgresConfiguration(url: url).coreConfiguration
        // Listening starts now, not at boot: the hub needs it as soon as anyone joins, and test
        // servers start without booting.
        let listener = PostgresLiveListener(configuration: connection, channel: channel, bus: bus)
        listener.start()
        app.lifecycle.use(LiveLifecycle(hub: hub, listener: listener))
    }
}

/// One PostgreSQL connection of this process that LISTENs on the live channel and hands each
/// notification to the bus. It reconnects after a failure, and the hub then reads from the
/// record what it may have missed.
final class PostgresLiveListener: @unchecked Sendable {
    let configuration: PostgresConnection.Configuration
    let channel: String
    let bus: PostgresLiveBus
    let logger = Logger(label: "educommons.live")
    private let lock = NSLock()
    private var task: Task<Void, Never>?
    private var connection: PostgresConnection?

    init(configuration: PostgresConnection.Configuration, channel: String, bus: PostgresLiveBus) {
        self.configuration = configuration
        self.channel = channel
        self.bus = bus
    }

    func start() {
        let t = Task { [self] in
            var missed = false
            while !Task.isCancelled {
                do {
                    let c = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
                    lock.withLock { connection = c }
                    try await c.listen(on: channel) { notifications in
                        if missed { await bus.resumed() }
                        for try await n in notifications { await bus.received(n.payload) }
                    }
                } catch {
                    if Task.isCancelled { break }
                    logger.warning("live: the listener lost PostgreSQL, reconnecting: \(error)")
                }
                missed = true
                let c = lock.withLock { () -> PostgresConnection? in defer { connection = nil }; return connection }
                try? await c?.close()
                try? await Task.sleep(for: .seconds(1))
            }
        }
        lock.withLock { task = t }
    }

    func stop() async {
        let (t, c) = lock.withLock { (task, connection) }
        t?.cancel()
        try? await c?.close()
    }
}

struct LiveLifecycle: LifecycleHandler {
    let hub: RoomHub
    let listener: PostgresLiveListener?

    func shutdownAsync(_ application: Application) async {
        await listener?.stop()
        await hub.stop()
    }
}
