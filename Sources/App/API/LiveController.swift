import Foundation
import Vapor
import Platform
import Live

extension RoomDTO: Content {}
extension RoomRecordDTO: Content {}
extension NewRoom: Content {}
extension RecordingDTO: Content {}

/// Live rooms over HTTP (make, read, end, the record) and the room's WebSocket.
struct LiveController {
    @Sendable func create(req: Request) async throws -> Response {
        let input: NewRoom
        do { input = try req.content.decode(NewRoom.self) } catch { throw DomainError.malformed(reason: "error.malformed-json") }
        return try await req.live.createRoom(input, actor: try req.requireActor()).encodeResponse(status: .created, for: req)
    }

    @Sendable func show(req: Request) async throws -> RoomDTO {
        try await req.live.detail(try req.uuid("id"), actor: try req.requireActor())
    }

    @Sendable func end(req: Request) async throws -> RoomDTO {
        try await req.live.end(try req.uuid("id"), actor: try req.requireActor())
    }

    @Sendable func record(req: Request) async throws -> RoomRecordDTO {
        try await req.live.export(try req.uuid("id"), actor: try req.requireActor())
    }

    struct JoinAddress: Content { var url: String }

    @Sendable func bbbJoin(req: Request) async throws -> JoinAddress {
        JoinAddress(url: try await req.live.bigBlueButtonJoin(try req.uuid("id"), actor: try req.requireActor()))
    }

    @Sendable func recordings(req: Request) async throws -> [RecordingDTO] {
        try await req.live.bigBlueButtonRecordings(try req.uuid("id"), actor: try req.requireActor())
    }

    /// The room's socket. The checks run in an ordinary route before any upgrade, so a
    /// refusal is a normal answer (403 another site's page, 404 not the caller's room, 409
    /// an ended room) rather than a dropped connection. A browser's Origin must be this
    /// site: the session cookie would otherwise let another site's page join as the person.
    static func route(_ app: Application) {
        app.get("live", "rooms", ":id", "socket") { req async throws -> Response in
            if let origin = req.headers.first(name: .origin), let host = req.headers.first(name: .host),
               URL(string: origin)?.host.map({ h in host == h || host.hasPrefix(h + ":") }) != true {
                throw DomainError.forbidden(reason: "live.origin")
            }
            let member = try await req.live.member(of: try req.uuid("id"), actor: try req.requireActor())
            return req.webSocket(maxFrameSize: WebSocketMaxFrameSize(integerLiteral: 16 * 1024)) { req, ws async in
                let hub = req.services.live.hub
                let live = req.live
                let connection = UUID()
                let stay = try? await live.joined(member)
                // Sends never wait for a slow reader: NIO queues the frame on that socket.
                await hub.join(connection, member, send: { text in ws.send(text) }, close: { _ = ws.close() })
                Task { try? await live.attended(member) }
                ws.onText { _, text async in await hub.receive(connection, room: member.roomID, text: text) }
                ws.onClose.whenComplete { _ in
                    Task {
                        await hub.leave(connection, room: member.roomID)
                        if let stay { try? await live.left(attendance: stay) }
                    }
                }
            }
        }
    }

}

struct LivePage: Encodable, Sendable {
    var base: PageBase
    var room: RoomDTO
    var moderates: Bool
    var broadcast: Bool
    var roleLabel: String
    var texts: [Text]
    struct Text: Encodable, Sendable { var key: String; var value: String }
}

/// `/live/{id}`: the room (phone-first). Works as a page without scripts (title, role, the
/// record link for hosts); live.js connects the socket and draws the room.
struct LivePages {
    @Sendable func room(req: Request) async throws -> Response {
        let room = try await req.live.detail(try req.uuid("id"), actor: try req.requireActor())
        var texts: [LivePage.Text] = []
        for key in ["live.connecting", "live.connected", "live.reconnecting", "live.ended-note", "live.present", "live.send", "live.ask",
                    "live.raise-hand", "live.lower-hand", "live.upvote", "live.answered", "live.publish", "live.vote", "live.close-poll",
                    "live.new-poll", "live.options", "live.slide", "live.page", "live.private", "live.rate-limited", "live.too-long",
                    "live.hosts-only", "live.error", "live.hands", "live.questions", "live.chat", "live.poll", "live.votes", "live.camera", "live.leave-call",
                    "live.audio-only", "live.video-back", "live.media-denied", "live.you", "live.not-in-call", "live.not-saved", "live.unavailable", "live.slides-only", "live.stream-back"] {
            texts.append(.init(key: key.replacingOccurrences(of: "live.", with: ""), value: req.t(key)))
        }
        let page = LivePage(base: await PageBase.make(req, title: room.title), room: room, moderates: room.role.moderates,
                            broadcast: room.mode == "broadcast", roleLabel: req.t("live.role.\(room.role.rawValue)"), texts: texts)
        let response = try await req.page("live", page)
        // The room's stream plays from the operator's stream origin; BigBlueButton's join
        // form sends people to its server. Nothing else leaves the site.
        var media = "", forms = ""
        if let s = room.streamUrl.flatMap(URL.init(string:)).flatMap(LiveService.origin) { media = "; media-src 'self' \(s)" }
        if room.video == "bbb", let s = req.services.live.bbb.flatMap({ URL(string: $0.api) }).flatMap(LiveService.origin) { forms = " \(s)" }
        response.headers.replaceOrAdd(name: "Content-Security-Policy",
                                      value: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'\(forms)\(media)")
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    /// The page's "join the video" button: to the BigBlueButton server, signed for the caller.
    @Sendable func bigBlueButton(req: Request) async throws -> Response {
        req.redirect(to: try await req.live.bigBlueButtonJoin(try req.uuid("id"), actor: try req.requireActor()), redirectType: .normal)
    }
}
