import Foundation
import Vapor
import Platform
import Live

extension RoomDTO: Content {}
extension RoomRecordDTO: Content {}
extension NewRoom: Content {}
extension RecordingDTO: Content {}
extension PairingDTO: Content {}
extension NewPairing: Content {}

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

    @Sendable func createPairing(req: Request) async throws -> Response {
        let input: NewPairing
        do { input = try req.content.decode(NewPairing.self) } catch { throw DomainError.malformed(reason: "error.malformed-json") }
        return try await req.live.createPairing(input, actor: try req.requireActor()).encodeResponse(status: .created, for: req)
    }

    @Sendable func pairings(req: Request) async throws -> [PairingDTO] {
        try await req.live.pairings(actor: try req.requireActor())
    }

    @Sendable func pairing(req: Request) async throws -> PairingDTO {
        try await req.live.pairingReport(try req.uuid("id"), actor: try req.requireActor())
    }

    @Sendable func list(req: Request) async throws -> [RoomDTO] {
        try await req.live.openRooms(actor: try req.requireActor())
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
