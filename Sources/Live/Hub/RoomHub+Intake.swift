import Foundation
import Courses

extension RoomHub {
    /// One message from a connection. Anything malformed or not allowed is answered with an
    /// error to that connection alone; the room goes on. What passes becomes an event on the
    /// bus; nobody sees it before the bus has it (kept, for state events).
    public func receive(_ id: UUID, room rid: UUID, text: String) async {
        guard let c = rooms[rid]?.connections[id], let state = rooms[rid]?.state else { return }
        let m = c.member
        // WebRTC descriptions are a few kilobytes; everything else is far smaller.
        guard text.utf8.count <= 16_384 else { return send(error: "live.too-long", to: id, in: rid) }
        guard let msg = try? JSONValue.parse(Data(text.utf8)), let type = msg["type"]?.string else { return send(error: "live.malformed", to: id, in: rid) }
        let moderates = m.role.moderates
        func words(_ key: String, limit: Int = RoomHub.maxText) -> String? {
            guard let s = msg[key]?.string?.trimmingCharacters(in: .whitespacesAndNewlines), !s.isEmpty else { send(error: "live.empty", to: id, in: rid); return nil }
            guard s.count <= limit else { send(error: "live.too-long", to: id, in: rid); return nil }
            return s
        }
        func event(_ fields: [String: JSONValue]) -> RoomEvent { RoomEvent(room: rid, type: type, member: m, connection: id, origin: process, at: clock.now(), fields: fields) }
        let e: RoomEvent
        switch type {
        case "chat":
            guard allow(id, rid) else { return send(error: "live.rate-limited", to: id, in: rid) }
            guard let t = words("text") else { return }
            // In a broadcast, the audience writes to the moderators only.
            e = event(["text": .string(t), "private": .bool(m.broadcast && !moderates)])
        case "hand":
            guard !m.broadcast || moderates else { return send(error: "live.not-in-broadcast", to: id, in: rid) }
            e = event(["up": .bool(msg["up"]?.bool ?? true)])
        case "react":
            guard allow(id, rid) else { return send(error: "live.rate-limited", to: id, in: rid) }
            guard let emoji = msg["emoji"]?.string, ["👍", "👏", "❤️", "😂", "😮", "❓"].contains(emoji) else { return send(error: "live.malformed", to: id, in: rid) }
            e = event(["emoji": .string(emoji)])
        case "ask":
            guard allow(id, rid) else { return send(error: "live.rate-limited", to: id, in: rid) }
            guard let t = words("text") else { return }
            // Moderated in a broadcast: the audience sees a question once a moderator publishes it.
            e = event(["text": .string(t), "published": .bool(!m.broadcast || moderates)])
        case "upvote", "answered", "publish":
            guard let qid = msg["question"]?.number.map(Int.init), let q = state.question(qid), type != "upvote" || q.published else {
                return send(error: "live.unknown-question", to: id, in: rid)
            }
            guard type == "upvote" || moderates else { return send(error: "live.hosts-only", to: id, in: rid) }
            e = event(["question": .number(Double(qid))])
        case "poll":
            guard moderates else { return send(error: "live.hosts-only", to: id, in: rid) }
            guard let question = words("question") else { return }
            let options = (msg["options"]?.array ?? []).compactMap { $0.string?.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            guard (2...10).contains(options.count), options.allSatisfy({ $0.count <= 200 }) else { return send(error: "live.poll-options", to: id, in: rid) }
            var fields: [String: JSONValue] = ["question": .string(question), "options": .array(options.map { .string($0) })]
            // A quick quiz names its right option.
            if let c = msg["correct"], c != .null {
                guard let n = c.number.map(Int.init), n >= 0, n < options.count else { return send(error: "live.poll-options", to: id, in: rid) }
                fields["correct"] = .number(Double(n))
            }
            e = event(fields)
        case "vote":
            guard let p = state.poll, msg["poll"]?.number.map(Int.init) == p.id else { return send(error: "live.unknown-poll", to: id, in: rid) }
            guard p.open else { return send(error: "live.poll-closed", to: id, in: rid) }
            guard let o = msg["option"]?.number.map(Int.init), o >= 0, o < p.options.count else { return send(error: "live.malformed", to: id, in: rid) }
            e = event(["poll": .number(Double(p.id)), "option": .number(Double(o))])
        case "closePoll":
            guard moderates else { return send(error: "live.hosts-only", to: id, in: rid) }
            guard state.poll?.open == true else { return send(error: "live.unknown-poll", to: id, in: rid) }
            e = event([:])
        case "slide":
            guard moderates else { return send(error: "live.hosts-only", to: id, in: rid) }
            guard let page = msg["page"]?.number.map(Int.init), page >= 1, page <= 10_000 else { return send(error: "live.malformed", to: id, in: rid) }
            let resource = msg["resource"]?.string.flatMap { UUID(uuidString: $0) }?.uuidString.lowercased()
            e = event(["resource": resource.map { .string($0) } ?? .null, "page": .number(Double(page))])
        case "media":
            // Audio and video are for interactive rooms (a class, a tutoring group); a
            // broadcast's stage reaches its audience by the operator's stream.
            guard !m.broadcast else { return send(error: "live.not-in-broadcast", to: id, in: rid) }
            let on = msg["on"]?.bool ?? true
            rooms[rid]?.connections[id]?.media = on
            e = event(["on": .bool(on)])
        case "signal":
            // An SDP offer or answer or an ICE candidate for one other connection; the hub
            // passes it on and never reads it.
            guard !m.broadcast, c.media else { return send(error: "live.not-in-call", to: id, in: rid) }
            guard let to = msg["to"]?.string.flatMap(UUID.init(uuidString:)), let data = msg["data"], data.object != nil else {
                return send(error: "live.malformed", to: id, in: rid)
            }
            e = event(["to": .string(to.uuidString), "data": data])
        case "ping":
            return c.send(#"{"type":"pong"}"#)
        default:
            return send(error: "live.unknown-type", to: id, in: rid)
        }
        // The app starts the hub on its bus at start-up; a hub without one keeps nothing.
        guard let bus else { return send(error: "live.unavailable", to: id, in: rid) }
        do { try await bus.publish(e) } catch {
            logger.warning("live: event not kept: \(error)")
            send(error: "live.not-saved", to: id, in: rid)
        }
    }
}
