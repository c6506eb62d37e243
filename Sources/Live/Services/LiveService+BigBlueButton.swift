import Foundation
import Crypto
import Logging
import Platform
import Courses

public struct RecordingDTO: Sendable, Codable, Equatable {
    public var recordId: String
    public var name: String
    public var published: Bool
    public var startTime: Date?
    public var endTime: Date?
    public var participants: Int?
    public var url: String?
}

extension LiveService {
    /// `POST /api/v1/live/rooms/{id}/bbb-join`: the room's meeting is made on the server
    /// (BigBlueButton answers the same meeting to a second create) and the caller gets a
    /// signed join address, as moderator when they moderate the room.
    public func bigBlueButtonJoin(_ id: UUID, actor: Actor) async throws -> String {
        let r = try await room(id)
        let role = try await self.role(r, actor: actor)
        guard r.status == "open" else { throw DomainError.conflict(reason: "live.ended") }
        guard r.video == "bbb" else { throw DomainError.conflict(reason: "live.not-bbb") }
        guard let server = ctx.bbb else { throw DomainError.unavailable(reason: "live.bbb-not-configured") }
        let meeting = r.id!.uuidString.lowercased()
        _ = try await server.call("create", [("name", r.title), ("meetingID", meeting), ("attendeePW", password(r, server, moderator: false)),
                                             ("moderatorPW", password(r, server, moderator: true)), ("record", "true"),
                                             ("logoutURL", "\(ctx.publicBase)/live/\(meeting)"), ("meta_educommons-room", meeting)])
        let moderator = role.moderates
        return server.url("join", [("fullName", actor.displayName), ("meetingID", meeting), ("password", password(r, server, moderator: moderator)),
                                   ("role", moderator ? "MODERATOR" : "VIEWER"), ("userID", actor.personID?.uuidString.lowercased() ?? ""), ("redirect", "true")])
    }

    /// `GET /api/v1/live/rooms/{id}/recordings`: the meeting's recordings on the server, for
    /// anyone in the room.
    public func bigBlueButtonRecordings(_ id: UUID, actor: Actor) async throws -> [RecordingDTO] {
        let r = try await room(id)
        _ = try await role(r, actor: actor)
        guard r.video == "bbb" else { throw DomainError.conflict(reason: "live.not-bbb") }
        guard let server = ctx.bbb else { throw DomainError.unavailable(reason: "live.bbb-not-configured") }
        let answer = try await server.call("getRecordings", [("meetingID", r.id!.uuidString.lowercased())])
        let millis: (String?) -> Date? = { $0.flatMap(Double.init).map { Date(timeIntervalSince1970: $0 / 1000) } }
        return answer.recordings.map { rec in
            RecordingDTO(recordId: rec["recordID"] ?? "", name: rec["name"] ?? r.title, published: rec["published"] == "true",
                         startTime: millis(rec["startTime"]), endTime: millis(rec["endTime"]), participants: rec["participants"].flatMap(Int.init), url: rec["url"])
        }
    }

    /// The room ended here: the meeting ends there too. A server that does not answer does
    /// not keep the room open (its meeting ends by itself when everyone has left).
    func endBigBlueButton(_ r: LiveRoom) async {
        guard let server = ctx.bbb else { return }
        do { _ = try await server.call("end", [("meetingID", r.id!.uuidString.lowercased()), ("password", password(r, server, moderator: true))]) } catch {
            Logger(label: "educommons.live").warning("live: BigBlueButton did not end meeting \(r.id!): \(error)")
        }
    }

    /// The meeting's passwords (older servers join by password; newer ones by role): derived
    /// from the shared secret and the room, so nothing more is stored.
    func password(_ r: LiveRoom, _ server: BigBlueButtonServer, moderator: Bool) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(r.id!.uuidString)/\(moderator ? "moderator" : "attendee")".utf8),
                                                  using: SymmetricKey(data: Data(server.secret.utf8)))
        return Data(mac).prefix(12).map { String(format: "%02x", $0) }.joined()
    }
}
