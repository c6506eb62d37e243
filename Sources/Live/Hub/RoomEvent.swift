import Foundation
import Courses

/// One thing that happened in a room, as every process applies it.
///
/// State events (chat, hands, questions, polls and votes, slides, the end) carry the room's
/// sequence number: they are kept in the room's record in that order and every process
/// applies them in it, so every process holds the same room. Passing events (presence,
/// reactions, WebRTC signals) have no number and are not kept.
public struct RoomEvent: Sendable, Equatable {
    public var room: UUID
    public var seq: Int?
    public var type: String
    /// Who did it (nil for the room's own events).
    public var person: UUID?
    public var name: String
    public var role: String
    /// The connection it came from: errors and WebRTC answers go back to it.
    public var connection: UUID?
    /// The process it came from (presence is counted per process).
    public var origin: UUID?
    public var at: Date
    /// What the type needs (text, question, poll, option, page...), already checked.
    public var fields: [String: JSONValue]

    public init(room: UUID, type: String, member: RoomMember?, connection: UUID? = nil, origin: UUID? = nil, at: Date, fields: [String: JSONValue] = [:]) {
        self.room = room
        self.type = type
        self.person = member?.personID
        self.name = member?.name ?? ""
        self.role = member?.role.rawValue ?? ""
        self.connection = connection
        self.origin = origin
        self.at = at
        self.fields = fields
    }

    /// The kinds that change the room's state and are kept in its record.
    public static let stateTypes: Set<String> = ["chat", "hand", "ask", "upvote", "answered", "publish", "poll", "vote", "closePoll", "slide", "ended"]
    public var isState: Bool { Self.stateTypes.contains(type) }

    public subscript(key: String) -> JSONValue? { fields[key] }

    public var json: JSONValue {
        var o: [String: JSONValue] = ["room": .string(room.uuidString), "type": .string(type), "name": .string(name), "role": .string(role),
                                      "at": .number((at.timeIntervalSince1970 * 1000).rounded() / 1000), "fields": .object(fields)]
        if let seq { o["seq"] = .number(Double(seq)) }
        if let person { o["person"] = .string(person.uuidString) }
        if let connection { o["connection"] = .string(connection.uuidString) }
        if let origin { o["origin"] = .string(origin.uuidString) }
        return .object(o)
    }

    public init?(json: JSONValue) {
        guard let room = json["room"]?.string.flatMap(UUID.init(uuidString:)), let type = json["type"]?.string,
              let at = json["at"]?.number, let fields = json["fields"]?.object else { return nil }
        self.room = room
        self.type = type
        self.seq = json["seq"]?.number.map { Int($0) }
        self.person = json["person"]?.string.flatMap(UUID.init(uuidString:))
        self.name = json["name"]?.string ?? ""
        self.role = json["role"]?.string ?? ""
        self.connection = json["connection"]?.string.flatMap(UUID.init(uuidString:))
        self.origin = json["origin"]?.string.flatMap(UUID.init(uuidString:))
        self.at = Date(timeIntervalSince1970: at)
        self.fields = fields
    }

    public init?(text: String) {
        guard let v = try? JSONValue.parse(Data(text.utf8)) else { return nil }
        self.init(json: v)
    }
}
