import Foundation
import FluentKit
import SQLKit
import Platform

/// What the SCORM 1.2 API in the package's frame sends on LMSCommit and LMSFinish.
public struct ScormCommit: Sendable, Codable {
    public var session: String
    public var seq: Int
    public var values: [String: String]
    public var finish: Bool?
}

public struct ScormCommitResult: Sendable, Codable, Equatable {
    public var seq: Int
    public var lessonStatus: String
    public var sessionOpen: Bool
    public var progress: ItemProgressDTO?
}

extension CoursesService {
    /// Whether a lesson item plays a SCORM 1.2 package with the run-time API.
    func isScormItem(_ i: LessonItem) async throws -> Bool {
        guard i.kind == ItemKind.resource.rawValue, i.refKind == "package", let ref = i.refID else { return false }
        return try await library.packageType(ref) == "scorm12"
    }

    /// Starts a learner's session of a SCORM item and answers the token the package's
    /// entry page is fetched with (the package runs sandboxed and sends no cookie). Nil for
    /// anyone but a learner: teachers and guardians look at the package without a record.
    /// A session left open (a closed tab) ends here, its committed time kept.
    public func scormSession(itemID: UUID, actor: Actor) async throws -> String? {
        guard let i = try await LessonItem.find(itemID, on: db), try await isScormItem(i) else { return nil }
        let c = try await readCourse(i.courseID)
        guard try await role(in: c, actor: actor) == .learner, let me = actor.personID else { return nil }
        let session = UUID()
        for attempt in 0..<3 {
            let row = try await ScormAttempt.query(on: db).filter(\.$itemID == itemID).filter(\.$personID == me).first() ?? {
                let r = ScormAttempt()
                r.id = UUID()
                r.courseID = i.courseID
                r.itemID = itemID
                r.personID = me
                r.data = "{}"
                r.lessonStatus = "not attempted"
                r.entry = "ab-initio"
                r.totalCentiseconds = 0
                r.sessionCentiseconds = 0
                r.sessions = 0
                r.prevSessionCentiseconds = 0
                return r
            }()
            row.prevSessionID = nil
            row.prevSessionCentiseconds = 0
            if row.$id.exists, row.sessionOpen {
                row.totalCentiseconds += row.sessionCentiseconds
                row.prevSessionID = row.sessionID
                row.prevSessionCentiseconds = row.sessionCentiseconds
                if row.entry == "ab-initio", row.sessions > 0 { row.entry = "" }
            }
            row.sessionID = session
            row.sessionSeq = 0
            row.sessionOpen = true
            row.sessionCentiseconds = 0
            row.sessions += 1
            row.updatedAt = now
            do {
                try await row.save(on: db)
                break
            } catch where attempt < 2 && !row.$id.exists {
                continue
            }
        }
        let expires = Int(now.timeIntervalSince1970) + 12 * 3600
        let claim = "\(itemID.uuidString.lowercased()).\(me.uuidString.lowercased()).\(session.uuidString.lowercased()).\(expires)"
        return claim + "." + Digest.hmacHex(key: ctx.library.contentSecret, "scorm." + claim).prefix(32)
    }

    /// The data the API in the package's frame starts from, as JSON, for a session token;
    /// `{"error": ...}` when the token is bad or old (the API then answers every call with
    /// a general error and says why).
    public func scormInit(token: String) async throws -> String {
        func fail(_ why: String) -> String { #"{"error":"\#(why)"}"# }
        let parts = token.split(separator: ".").map(String.init)
        guard parts.count == 5, let item = UUID(uuidString: parts[0]), let person = UUID(uuidString: parts[1]),
              let session = UUID(uuidString: parts[2]), let expires = Int(parts[3]),
              Digest.constantTimeEqual(parts[4], String(Digest.hmacHex(key: ctx.library.contentSecret, "scorm." + parts[0...3].joined(separator: ".")).prefix(32))) else {
            return fail("token")
        }
        guard Double(expires) > now.timeIntervalSince1970 else { return fail("expired") }
        guard let row = try await ScormAttempt.query(on: db).filter(\.$itemID == item).filter(\.$personID == person).first() else { return fail("token") }
        guard row.sessionID == session else { return fail("superseded") }
        let name = try await directory.briefs([person])[person]?.fullName ?? ""
        var values = (try? JSONDecoder().decode([String: String].self, from: Data(row.data.utf8))) ?? [:]
        values.removeValue(forKey: "cmi.core.exit")
        values["cmi.core.student_id"] = person.uuidString.lowercased()
        values["cmi.core.student_name"] = name
        values["cmi.core.entry"] = row.entry
        values["cmi.core.total_time"] = Scorm12Model.timespan(row.totalCentiseconds)
        values["cmi.core.credit"] = "credit"
        values["cmi.core.lesson_mode"] = "normal"
        values["cmi.core.lesson_status"] = row.lessonStatus
        let out: [String: JSONValue] = ["session": .string(session.uuidString.lowercased()), "item": .string(item.uuidString.lowercased()),
                                        "values": .object(values.mapValues { .string($0) })]
        return JSONValue.object(out).serialized()
    }

    /// `POST /course-items/{id}/scorm`: a commit of the learner's session. The values are
    /// checked against the SCORM 1.2 data model; commits of one session come in order
    /// (a repeat of the last is answered again, an older one is refused); a finished
    /// session takes no more. The record feeds the item's progress: completed or passed
    /// counts as handed in, `cmi.core.score.raw` over its range as the score.
    public func scormCommit(itemID: UUID, _ input: ScormCommit, actor: Actor) async throws -> ScormCommitResult {
        guard let i = try await LessonItem.find(itemID, on: db), try await isScormItem(i) else { throw DomainError.notFound(entity: "item") }
        let c = try await readCourse(i.courseID)
        guard try await role(in: c, actor: actor) == .learner, let me = actor.personID else { throw DomainError.forbidden(reason: "course.learners-only") }
        guard let row = try await ScormAttempt.query(on: db).filter(\.$itemID == itemID).filter(\.$personID == me).first() else {
            throw DomainError.conflict(reason: "scorm.session-stale")
        }
        if let prev = row.prevSessionID, UUID(uuidString: input.session) == prev {
            return try await scormLateCommit(row, input, item: i, course: c, person: me)
        }
        guard UUID(uuidString: input.session) == row.sessionID else { throw DomainError.conflict(reason: "scorm.session-stale") }
        if input.seq == row.sessionSeq, input.seq > 0 {
            return ScormCommitResult(seq: row.sessionSeq, lessonStatus: row.lessonStatus, sessionOpen: row.sessionOpen, progress: nil)
        }
        guard row.sessionOpen else { throw DomainError.conflict(reason: "scorm.session-finished") }
        guard input.seq > row.sessionSeq else { throw DomainError.conflict(reason: "scorm.out-of-order", arguments: [String(row.sessionSeq)]) }
        guard input.values.count <= 5000 else { throw DomainError.invalid(field: "values", reason: "scorm.too-many") }
        var data = (try? JSONDecoder().decode([String: String].self, from: Data(row.data.utf8))) ?? [:]
        let sessionTime = try Self.apply(input.values, to: &data)
        row.sessionSeq = input.seq
        if let t = sessionTime { row.sessionCentiseconds = t }
        row.lessonStatus = data["cmi.core.lesson_status"] ?? row.lessonStatus
        row.scoreRaw = data["cmi.core.score.raw"].flatMap(Double.init)
        if input.finish == true {
            row.totalCentiseconds += row.sessionCentiseconds
            row.sessionCentiseconds = 0
            row.sessionOpen = false
            row.entry = data["cmi.core.exit"] == "suspend" ? "resume" : ""
        }
        try Self.store(data, in: row, at: now)
        // The sequence is checked again in the write: two commits racing, the later wins.
        try await db.transaction { tx in
            let moved = try await tx.sql.raw("""
                UPDATE scorm_attempts SET session_seq = \(bind: row.sessionSeq) WHERE id = \(bind: row.id!) AND session_seq < \(bind: row.sessionSeq)
                  AND session_id = \(bind: row.sessionID) RETURNING id
                """).all()
            guard !moved.isEmpty else { throw DomainError.conflict(reason: "scorm.out-of-order", arguments: [String(row.sessionSeq)]) }
            try await row.save(on: tx)
        }
        return try await scormProgress(row, data: data, item: i, course: c, person: me)
    }

    /// The last commit of a session a newer one replaced, sent late from the browser's
    /// keeping: its values join the record, its time the total; then that session is closed.
    func scormLateCommit(_ row: ScormAttempt, _ input: ScormCommit, item i: LessonItem, course c: Course, person me: UUID) async throws -> ScormCommitResult {
        var data = (try? JSONDecoder().decode([String: String].self, from: Data(row.data.utf8))) ?? [:]
        let sessionTime = try Self.apply(input.values, to: &data)
        row.totalCentiseconds += max(0, (sessionTime ?? 0) - row.prevSessionCentiseconds)
        row.prevSessionID = nil
        row.prevSessionCentiseconds = 0
        row.lessonStatus = data["cmi.core.lesson_status"] ?? row.lessonStatus
        row.scoreRaw = data["cmi.core.score.raw"].flatMap(Double.init)
        try Self.store(data, in: row, at: now)
        try await row.save(on: db)
        return try await scormProgress(row, data: data, item: i, course: c, person: me)
    }

    /// Puts the kept values into the record, refusing a record over 1 MB.
    static func store(_ data: [String: String], in row: ScormAttempt, at now: Date) throws {
        guard let json = try? JSONEncoder().encode(data), json.count <= 1_000_000 else { throw DomainError.invalid(field: "values", reason: "scorm.too-many") }
        row.data = String(decoding: json, as: UTF8.self)
        row.updatedAt = now
    }

    /// Checks committed values against the data model and writes the kept ones into
    /// `data`; answers the session time when one was given.
    static func apply(_ values: [String: String], to data: inout [String: String]) throws -> Int? {
        guard values.count <= 5000 else { throw DomainError.invalid(field: "values", reason: "scorm.too-many") }
        var counts = listCounts(data)
        var problems: [FieldProblem] = []
        var sessionTime: Int?
        for (element, value) in values.sorted(by: { elementOrder($0.key, $1.key) }) {
            if let code = Scorm12Model.writeError(element, value, counts: counts) {
                problems.append(FieldProblem(field: String(element.prefix(255)), reason: "scorm.error-\(code)"))
                continue
            }
            if element == "cmi.core.session_time" { sessionTime = Scorm12Model.timespanCentiseconds(value) }
            if Scorm12Model.isKept(element) { data[element] = value }
            counts = listCounts(data)
        }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }
        return sessionTime
    }

    /// The item's progress from the SCORM record.
    func scormProgress(_ row: ScormAttempt, data: [String: String], item i: LessonItem, course c: Course, person me: UUID) async throws -> ScormCommitResult {
        let done = ["completed", "passed"].contains(row.lessonStatus)
        var percent: Double?
        if let raw = row.scoreRaw {
            let lo = data["cmi.core.score.min"].flatMap(Double.init) ?? 0, hi = data["cmi.core.score.max"].flatMap(Double.init) ?? 100
            if hi > lo { percent = min(max((raw - lo) / (hi - lo) * 100, 0), 100) }
        }
        let rule = CompletionRule(kind: RuleKind(rawValue: i.rule) ?? .viewed, threshold: i.threshold)
        let score = percent
        let p = try await upsertProgress(item: i, person: me) { p in
            p.viewedAt = p.viewedAt ?? now
            if done { p.submittedAt = p.submittedAt ?? now }
            if let score { p.score = score }
        } rule: { rule }
        if p.completedAt != nil { try await checkCompletion(c, people: [me]) }
        return ScormCommitResult(seq: row.sessionSeq, lessonStatus: row.lessonStatus, sessionOpen: row.sessionOpen, progress: Self.progressDTO(p))
    }

    /// How many objectives and interactions the record holds (the next index of each).
    static func listCounts(_ data: [String: String]) -> (objectives: Int, interactions: Int) {
        var o = 0, n = 0
        for k in data.keys {
            let parts = k.split(separator: ".")
            guard parts.count >= 3, let idx = Int(parts[2]) else { continue }
            if parts[1] == "objectives" { o = max(o, idx + 1) }
            if parts[1] == "interactions" { n = max(n, idx + 1) }
        }
        return (o, n)
    }

    /// Elements in an order where list entries come by their number (so entry 2 follows 1
    /// even when 10 is also present).
    static func elementOrder(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: "."), y = b.split(separator: ".")
        for (p, q) in zip(x, y) where p != q {
            if let m = Int(p), let n = Int(q) { return m < n }
            return p < q
        }
        return x.count < y.count
    }
}
