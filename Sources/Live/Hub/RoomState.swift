import Foundation
import Courses

/// Who receives a message of the room.
enum Audience: Sendable, Equatable {
    case everyone
    /// The moderators and one person (a broadcast viewer's own message, an unpublished question).
    case moderatorsAnd(UUID)

    func includes(_ m: RoomMember) -> Bool {
        switch self {
        case .everyone: true
        case .moderatorsAnd(let p): m.role.moderates || m.personID == p
        }
    }
}

/// A message the room sends because of an event.
struct RoomOutput: Sendable {
    var message: JSONValue
    var audience: Audience
    /// Poll counts after a vote: in a broadcast they go out at most once a second, the latest
    /// counts only (ten thousand votes would otherwise be ten thousand times ten thousand messages).
    var coalescible = false
}

/// One room's state (hands, questions, the poll, the slide) and what each event makes of it.
///
/// A pure value: the hub of every process applies the same events in the same order and so
/// holds the same room, and the record's export replays the events through it to show what
/// the room showed.
struct RoomState: Sendable {
    struct Question: Sendable { var id: Int; var from: String; var text: String; var votes: Set<UUID>; var answered: Bool; var published: Bool; var asker: UUID }
    struct Poll: Sendable {
        var id: Int; var question: String; var options: [String]; var votes: [UUID: Int]; var open: Bool
        /// A quick quiz's right option: shown to everyone when the poll closes.
        var correct: Int?
    }

    var hands: [UUID: String] = [:]
    var questions: [Question] = []
    var poll: Poll?
    var slide: (resource: String?, page: Int)?
    var ended = false
    /// The last state event applied.
    var seq = 0

    func question(_ id: Int) -> Question? { questions.first { $0.id == id } }

    /// Applies a state event and answers what it shows. An event that no longer fits the state
    /// (a vote for a poll closed just before) changes nothing and shows nothing, in every process.
    mutating func apply(_ e: RoomEvent) -> [RoomOutput] {
        if let s = e.seq { seq = max(seq, s) }
        let id = e.seq ?? 0
        switch e.type {
        case "chat":
            let isPrivate = e["private"]?.bool ?? false
            let out: JSONValue = .object(["type": .string("chat"), "from": .string(e.name), "role": .string(e.role), "text": e["text"] ?? .string(""),
                                          "private": .bool(isPrivate), "at": .string(XAPITime.format(e.at))])
            return [RoomOutput(message: out, audience: isPrivate ? .moderatorsAnd(e.person ?? UUID()) : .everyone)]
        case "hand":
            guard let person = e.person else { return [] }
            let up = e["up"]?.bool ?? true
            hands[person] = up ? e.name : nil
            return [RoomOutput(message: .object(["type": .string("hand"), "from": .string(e.name), "up": .bool(up)]), audience: .everyone)]
        case "ask":
            guard let person = e.person, let text = e["text"]?.string else { return [] }
            let q = Question(id: id, from: e.name, text: text, votes: [], answered: false, published: e["published"]?.bool ?? true, asker: person)
            questions.append(q)
            return [questionOutput(q)]
        case "upvote", "answered", "publish":
            guard let qid = e["question"]?.number.map(Int.init), let n = questions.firstIndex(where: { $0.id == qid }), let person = e.person else { return [] }
            switch e.type {
            case "upvote":
                guard questions[n].published else { return [] }
                if questions[n].votes.remove(person) == nil { questions[n].votes.insert(person) }
            case "answered": questions[n].answered = true
            default: questions[n].published = true
            }
            return [questionOutput(questions[n])]
        case "poll":
            guard let q = e["question"]?.string, let options = e["options"]?.array?.compactMap(\.string) else { return [] }
            let p = Poll(id: id, question: q, options: options, votes: [:], open: true, correct: e["correct"]?.number.map { Int($0) })
            poll = p
            return [RoomOutput(message: pollJSON(p), audience: .everyone)]
        case "vote":
            guard var p = poll, p.open, e["poll"]?.number.map(Int.init) == p.id, let o = e["option"]?.number.map(Int.init),
                  o >= 0, o < p.options.count, let person = e.person else { return [] }
            p.votes[person] = o
            poll = p
            return [RoomOutput(message: pollJSON(p), audience: .everyone, coalescible: true)]
        case "closePoll":
            guard var p = poll, p.open else { return [] }
            p.open = false
            poll = p
            return [RoomOutput(message: pollJSON(p), audience: .everyone)]
        case "slide":
            guard let page = e["page"]?.number.map(Int.init) else { return [] }
            let resource = e["resource"]?.string
            slide = (resource, page)
            return [RoomOutput(message: .object(["type": .string("slide"), "resource": resource.map { .string($0) } ?? .null, "page": .number(Double(page))]),
                               audience: .everyone)]
        case "ended":
            ended = true
            return [RoomOutput(message: .object(["type": .string("ended")]), audience: .everyone)]
        default:
            return []
        }
    }

    func questionOutput(_ q: Question) -> RoomOutput {
        RoomOutput(message: questionJSON(q), audience: q.published ? .everyone : .moderatorsAnd(q.asker))
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
        var o: [String: JSONValue] = ["type": .string("poll"), "id": .number(Double(p.id)), "question": .string(p.question), "options": .array(p.options.map { .string($0) }),
                                      "counts": .array(counts.map { .number($0) }), "votes": .number(Double(p.votes.count)), "open": .bool(p.open),
                                      "quiz": .bool(p.correct != nil)]
        // The answer stays with the host until the quiz closes.
        if let c = p.correct, !p.open { o["correct"] = .number(Double(c)) }
        return .object(o)
    }

    /// What a joining connection is sent: the whole room as this member may see it.
    func welcome(_ m: RoomMember, connection: UUID, present: Int, media: JSONValue) -> String {
        var state: [String: JSONValue] = ["present": .number(Double(present)),
                                          "hands": .array(hands.values.sorted().map { .string($0) }),
                                          "questions": .array(questions.filter { m.role.moderates || $0.published || $0.asker == m.personID }.map(questionJSON))]
        if let p = poll { state["poll"] = pollJSON(p) }
        if let s = slide { state["slide"] = .object(["resource": s.resource.map { .string($0) } ?? .null, "page": .number(Double(s.page))]) }
        return JSONValue.object(["type": .string("welcome"), "you": .object(["name": .string(m.name), "role": .string(m.role.rawValue), "id": .string(connection.uuidString)]),
                                 "mode": .string(m.broadcast ? "broadcast" : "interactive"), "state": .object(state), "media": media]).serialized()
    }

    /// The record as the room showed it: each kept event with the message it made. Votes and
    /// hands are left out (a person's vote is theirs; the poll's result is kept when it closes).
    static func replay(_ events: [RoomEvent]) -> [(event: RoomEvent, kind: String, body: String)] {
        var state = RoomState()
        var out: [(RoomEvent, String, String)] = []
        let kinds = ["chat": "chat", "ask": "question", "answered": "answered", "publish": "publish", "poll": "poll", "closePoll": "poll-result", "slide": "slide"]
        for e in events {
            let shown = state.apply(e)
            if let kind = kinds[e.type], let first = shown.first { out.append((e, kind, first.message.serialized())) }
        }
        return out
    }
}
