import Foundation
import FluentKit
import SQLKit
import Synchronization
import Platform

/// Who is calling the LRS: a registered client, or the platform itself.
public struct XAPICaller: Sendable {
    public var clientID: UUID?
    public var readAll: Bool
    /// The statement's `authority`: the client as an Agent with an account here.
    public var authority: JSONValue
    /// A cmi5 AU's session credentials: statements and documents of its learner only.
    public var cmi5: Cmi5Scope? = nil
}

/// What a cmi5 session's credentials may do, and whose records they feed.
public struct Cmi5Scope: Sendable {
    public var launchID: UUID
    public var actorKey: String
    public var registration: UUID
    public var auID: String
}

public struct XAPIClientDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var name: String
    public var key: String
    public var readAll: Bool
    public var createdAt: Date
    /// Only when just made: it is stored hashed and cannot be shown again.
    public var secret: String?
}

/// The filters of `GET /xapi/statements` (xAPI 1.0.3, Part Three §2.1.3).
public struct StatementQuery: Sendable, Codable {
    public var agent: String?
    public var verb: String?
    public var activity: String?
    public var registration: String?
    public var relatedActivities = false
    public var relatedAgents = false
    public var since: String?
    public var until: String?
    public var limit: Int?
    public var format: String?
    public var ascending = false
    /// Keyset position for `more`: the last statement's stored time and id.
    public var afterMicros: Int64?
    public var afterID: UUID?

    public init() {}
}

/// A statement prepared for storage.
struct PreparedStatement: Sendable {
    var id: UUID
    var storedMicros: Int64
    var actorKey: String
    var verbID: String
    var objectKey: String
    var registration: UUID?
    var activities: String
    var agents: String
    var voids: UUID?
    var json: String
    var receivedHash: String
}

/// A request's statements, written together (all or none).
struct StatementJob: Sendable {
    var statements: [PreparedStatement]
    var clientID: UUID?
}

/// The Learning Record Store (issue #5, part 5): statements stored, voided and queried as
/// xAPI 1.0.3 says. Writes from many requests are committed together (GroupCommit).
public struct XAPIService: Sendable {
    public let db: any Database
    public let ctx: CoursesContext

    public init(db: any Database, ctx: CoursesContext) {
        self.db = db
        self.ctx = ctx
    }

    public static let version = "1.0.3"
    static let maxLimit = 500

    var now: Date { ctx.clock.now() }

    // MARK: clients

    /// Makes a client and answers its key and secret (the secret only now).
    public func createClient(name: String, readAll: Bool, actor: Actor) async throws -> XAPIClientDTO {
        guard actor.isSystem || actor.grants.contains(where: { $0.role == .administrator }) else { throw DomainError.forbidden() }
        let n = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !n.isEmpty, n.count <= 200 else { throw DomainError.invalid(field: "name", reason: n.isEmpty ? "validation.required" : "validation.too-long", arguments: n.isEmpty ? [] : ["200"]) }
        let c = XAPIClient()
        c.id = UUID()
        c.name = n
        c.key = "xk_" + Digest.randomToken(bytes: 12)
        let secret = Digest.randomToken(bytes: 24)
        c.secretHash = Digest.sha256Hex(secret)
        c.readAll = readAll
        c.enabled = true
        c.createdAt = now
        try await db.transaction { tx in
            try await c.create(on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "xapi.create-client", entityType: "xapi-client", entityID: c.id, orgID: nil,
                                       orgPath: "/", changes: [AuditChange(field: "name", before: nil, after: n)])
        }
        return XAPIClientDTO(id: c.id!, name: n, key: c.key, readAll: readAll, createdAt: c.createdAt, secret: secret)
    }

    public func clients(actor: Actor) async throws -> [XAPIClientDTO] {
        guard actor.isSystem || actor.grants.contains(where: { $0.role == .administrator }) else { throw DomainError.forbidden() }
        return try await XAPIClient.query(on: db).sort(\.$createdAt, .descending).all()
            .map { XAPIClientDTO(id: $0.id!, name: $0.name, key: $0.key, readAll: $0.readAll, createdAt: $0.createdAt, secret: nil) }
    }

    /// Checks HTTP Basic credentials; clients are cached for a minute (one lookup per
    /// request would cost more than the statement itself in a burst).
    public func authenticate(key: String, secret: String) async throws -> XAPICaller {
        if key.hasPrefix(Cmi5Launch.keyPrefix) { return try await CoursesService(db: db, ctx: ctx).cmi5Caller(key: key, secret: secret) }
        let client: XAPIClient?
        if let hit = ctx.xapiClients.get(key), ctx.clock.now().timeIntervalSince(hit.at) < 60 { client = hit.client }
        else {
            client = try await XAPIClient.query(on: db).filter(\.$key == key).first()
            ctx.xapiClients.put(key, .init(client: client, at: ctx.clock.now()))
        }
        guard let client, client.enabled, Digest.constantTimeEqual(Digest.sha256Hex(secret), client.secretHash) else {
            throw DomainError.unauthenticated(reason: "xapi.credentials")
        }
        return XAPICaller(clientID: client.id, readAll: client.readAll,
                          authority: .object(["objectType": .string("Agent"), "name": .string(client.name),
                                              "account": .object(["homePage": .string(ctx.xapiHomePage), "name": .string(client.key)])]))
    }

    /// The platform's own statements (learning events of courses).
    var platform: XAPICaller {
        XAPICaller(clientID: nil, readAll: true, authority: .object(["objectType": .string("Agent"), "name": .string("EduCommons"),
                                                                     "account": .object(["homePage": .string(ctx.xapiHomePage), "name": .string("educommons")])]))
    }

    // MARK: writing

    /// `POST /xapi/statements`: one statement or a list; answers their ids in order.
    public func store(_ body: JSONValue, caller: XAPICaller) async throws -> [UUID] {
        let list = body.array ?? [body]
        guard !list.isEmpty else { return [] }
        var problems: [FieldProblem] = []
        for (i, s) in list.enumerated() {
            for p in StatementValidator.check(s) {
                var q = p
                if body.array != nil { q.field = "[\(i)].\(p.field)" }
                problems.append(q)
            }
        }
        guard problems.isEmpty else { throw DomainError.badInput(problems) }
        if let scope = caller.cmi5 { try Self.checkActors(list, scope) }
        var prepared: [PreparedStatement] = []
        var seen = Set<UUID>()
        for s in list {
            let p = prepare(s, id: nil, caller: caller)
            guard seen.insert(p.id).inserted else { throw DomainError.badInput([FieldProblem(field: "id", reason: "xapi.duplicate-id", arguments: [p.id.uuidString])]) }
            prepared.append(p)
        }
        try await ctx.xapiWriter.submit(StatementJob(statements: prepared, clientID: caller.clientID), on: db)
        if let scope = caller.cmi5 { try await CoursesService(db: db, ctx: ctx).cmi5Record(list, scope: scope) }
        return prepared.map(\.id)
    }

    /// `PUT /xapi/statements?statementId=`: one statement with its id given by the caller.
    public func put(id: UUID, _ statement: JSONValue, caller: XAPICaller) async throws {
        if let inBody = statement["id"], inBody.string.flatMap(UUID.init(uuidString:)) != id {
            throw DomainError.badInput([FieldProblem(field: "id", reason: "xapi.id-mismatch")])
        }
        let problems = StatementValidator.check(statement)
        guard problems.isEmpty else { throw DomainError.badInput(problems) }
        if let scope = caller.cmi5 { try Self.checkActors([statement], scope) }
        try await ctx.xapiWriter.submit(StatementJob(statements: [prepare(statement, id: id, caller: caller)], clientID: caller.clientID), on: db)
        if let scope = caller.cmi5 { try await CoursesService(db: db, ctx: ctx).cmi5Record([statement], scope: scope) }
    }

    /// Sets what the LRS sets (id, stored, authority, version, timestamp) and the keys.
    func prepare(_ s: JSONValue, id given: UUID?, caller: XAPICaller) -> PreparedStatement {
        let stored = now
        // Version 4, not the time-ordered version 7 the platform's other bursty tables use:
        // xAPI 1.0.3 names RFC 4122, and clients such as Python's tincan refuse any other
        // version in the ids they are given back. Order comes from `stored_us` instead.
        let id = given ?? s["id"]?.string.flatMap(UUID.init(uuidString:)) ?? UUID()
        let received = s.setting("id", .string(id.uuidString.lowercased()))
        var full = received
            .setting("stored", .string(XAPITime.format(stored)))
            .setting("authority", caller.authority)
        if full["version"] == nil { full = full.setting("version", .string("1.0.0")) }
        if full["timestamp"] == nil { full = full.setting("timestamp", .string(XAPITime.format(stored))) }
        var activities = Set<String>(), agents = Set<String>()
        Self.collect(s, activities: &activities, agents: &agents)
        if let a = Self.agentKey(caller.authority) { agents.insert(a) }
        let object = s["object"]
        let objectKey: String
        switch object?["objectType"]?.string ?? "Activity" {
        case "Agent", "Group": objectKey = Self.agentKey(object ?? .null) ?? ""
        case "StatementRef": objectKey = "ref:" + (object?["id"]?.string?.lowercased() ?? "")
        case "SubStatement": objectKey = "sub:"
        default: objectKey = object?["id"]?.string ?? ""
        }
        let verb = s["verb"]?["id"]?.string ?? ""
        return PreparedStatement(id: id, storedMicros: ctx.xapiClock.next(stored), actorKey: Self.agentKey(s["actor"] ?? .null) ?? "", verbID: verb,
                                 objectKey: objectKey, registration: s["context"]?["registration"]?.string.flatMap(UUID.init(uuidString:)),
                                 activities: " " + activities.sorted().joined(separator: " ") + " ",
                                 agents: " " + agents.sorted().joined(separator: " ") + " ",
                                 voids: verb == XAPIVerbs.voided ? object?["id"]?.string.flatMap(UUID.init(uuidString:)) : nil,
                                 json: String(decoding: full.canonicalData(), as: UTF8.self),
                                 receivedHash: Digest.sha256Hex(String(decoding: received.canonicalData(), as: UTF8.self)))
    }

    /// Writes a batch of requests in one transaction. A request whose id is already stored
    /// with other content, or that voids a voiding statement, fails alone (409 / 400); a
    /// repeat of a stored statement is accepted without a second copy.
    static func write(_ jobs: [StatementJob], on db: any Database) async throws -> [Result<Void, any Error>] {
        try await db.transaction { tx in
            let sql = tx.sql
            let ids = jobs.flatMap { $0.statements.map(\.id) }
            let targets = jobs.flatMap { $0.statements.compactMap(\.voids) }
            var known: [UUID: (hash: String, voids: Bool)] = [:]
            for chunk in Self.chunks(ids + targets, 500) {
                for r in try await sql.raw("SELECT id, received_hash, voids FROM xapi_statements WHERE id IN (\(binds: chunk))").all() {
                    known[try r.decode(column: "id", as: UUID.self)] = (try r.decode(column: "received_hash", as: String.self), !(try r.decodeNil(column: "voids")))
                }
            }
            var results: [Result<Void, any Error>] = []
            var rows: [(PreparedStatement, UUID?)] = []
            var fresh = Set<UUID>()
            var voidedNow: [UUID] = []
            for job in jobs {
                var failure: DomainError?
                var take: [PreparedStatement] = []
                for s in job.statements {
                    if let k = known[s.id] {
                        if k.hash != s.receivedHash { failure = .conflict(reason: "xapi.id-conflict", arguments: [s.id.uuidString.lowercased()]) }
                        continue
                    }
                    if fresh.contains(s.id) { failure = .conflict(reason: "xapi.id-conflict", arguments: [s.id.uuidString.lowercased()]); continue }
                    if let t = s.voids, known[t]?.voids == true {
                        failure = .badInput([FieldProblem(field: "object.id", reason: "xapi.void-a-void")])
                    }
                    take.append(s)
                }
                if let failure { results.append(.failure(failure)); continue }
                for s in take {
                    fresh.insert(s.id)
                    rows.append((s, job.clientID))
                    if let t = s.voids { voidedNow.append(t) }
                }
                results.append(.success(()))
            }
            for chunk in Self.chunks(rows, 200) {
                var insert = sql.insert(into: XAPIStatement.schema)
                    .columns("id", "stored_us", "client_id", "actor_key", "verb_id", "object_key", "registration", "activities", "agents",
                             "voided", "voids", "statement", "received_hash")
                for (s, client) in chunk {
                    insert = insert.values(SQLBind(s.id), SQLBind(s.storedMicros), SQLBind(client), SQLBind(s.actorKey), SQLBind(s.verbID),
                                           SQLBind(s.objectKey), SQLBind(s.registration), SQLBind(s.activities), SQLBind(s.agents),
                                           SQLBind(false), SQLBind(s.voids), SQLBind(s.json), SQLBind(s.receivedHash))
                }
                try await insert.run()
            }
            // A voiding statement hides its target from queries (the target may arrive later: not then).
            for chunk in Self.chunks(voidedNow, 500) {
                try await sql.raw("UPDATE xapi_statements SET voided = \(bind: true) WHERE id IN (\(binds: chunk)) AND voids IS NULL").run()
            }
            return results
        }
    }

    static func chunks<T>(_ a: [T], _ n: Int) -> [[T]] {
        stride(from: 0, to: a.count, by: n).map { Array(a[$0..<min($0 + n, a.count)]) }
    }

    /// A cmi5 session writes statements about its own learner only.
    static func checkActors(_ list: [JSONValue], _ scope: Cmi5Scope) throws {
        for s in list where s["actor"].flatMap(agentKey) != scope.actorKey {
            throw DomainError.forbidden(reason: "xapi.not-your-actor")
        }
    }

    // MARK: keys

    /// The inverse functional identifier of an agent or identified group, as one string.
    static func agentKey(_ v: JSONValue) -> String? {
        if let m = v["mbox"]?.string { return "mbox:" + m.lowercased() }
        if let s = v["mbox_sha1sum"]?.string { return "sha1:" + s.lowercased() }
        if let o = v["openid"]?.string { return "openid:" + o }
        if let a = v["account"], let h = a["homePage"]?.string, let n = a["name"]?.string { return "account:" + h + "|" + n }
        return nil
    }

    /// Every activity and agent a statement names, in any position (for related_* queries).
    static func collect(_ s: JSONValue, activities: inout Set<String>, agents: inout Set<String>) {
        func agentOrGroup(_ v: JSONValue?) {
            guard let v else { return }
            if let k = agentKey(v) { agents.insert(k) }
            for m in v["member"]?.array ?? [] { if let k = agentKey(m) { agents.insert(k) } }
        }
        agentOrGroup(s["actor"])
        if let o = s["object"] {
            switch o["objectType"]?.string ?? "Activity" {
            case "Agent", "Group": agentOrGroup(o)
            case "SubStatement": collect(o, activities: &activities, agents: &agents)
            case "StatementRef": break
            default: if let id = o["id"]?.string { activities.insert(id) }
            }
        }
        if let c = s["context"] {
            agentOrGroup(c["instructor"])
            agentOrGroup(c["team"])
            for key in ["parent", "grouping", "category", "other"] {
                guard let v = c["contextActivities"]?[key] else { continue }
                for a in v.array ?? [v] { if let id = a["id"]?.string { activities.insert(id) } }
            }
        }
    }
}

/// Stored times as microseconds, strictly increasing within the process, so `more` pages
/// by (time, id) never skip or repeat a statement.
final class MicroClock: Sendable {
    private let last = Mutex<Int64>(0)
    func next(_ d: Date) -> Int64 {
        let t = Int64((d.timeIntervalSince1970 * 1_000_000).rounded(.down))
        return last.withLock { l in
            l = max(l + 1, t)
            return l
        }
    }
}

struct CachedClient: Sendable {
    var client: XAPIClient?
    var at: Date
}

// MARK: reading

/// What `GET /xapi/statements` answers: a page and the link to the next.
public struct StatementPage: Sendable {
    public var statements: [JSONValue]
    public var more: StatementQuery?
}

extension XAPIService {
    /// One statement by id (`statementId`), or a voided one (`voidedStatementId`).
    public func statement(_ id: UUID, voided: Bool, format: String?, caller: XAPICaller) async throws -> JSONValue {
        guard let row = try await XAPIStatement.find(id, on: db), row.voided == voided,
              caller.readAll || row.clientID == caller.clientID else { throw DomainError.notFound(entity: "statement") }
        return Self.shaped(try JSONValue.parse(Data(row.statement.utf8)), format: try Self.format(format))
    }

    /// Statements matching the filters, newest stored first unless `ascending`; voided
    /// statements are left out.
    public func query(_ q: StatementQuery, caller: XAPICaller) async throws -> StatementPage {
        let format = try Self.format(q.format)
        let limit = (q.limit ?? 0) <= 0 ? Self.maxLimit : min(q.limit!, Self.maxLimit)
        var filters: [SQLQueryString] = ["voided = \(bind: false)"]
        var problems: [FieldProblem] = []
        if !caller.readAll { filters.append(caller.clientID.map { "client_id = \(bind: $0)" } ?? "1 = 0") }
        if let agent = q.agent {
            guard let json = try? JSONValue.parse(Data(agent.utf8)), StatementValidator.check(Self.probe(actor: json)).isEmpty,
                  let key = Self.agentKey(json) else { throw DomainError.badInput([FieldProblem(field: "agent", reason: "xapi.agent-parameter")]) }
            filters.append(q.relatedAgents ? "agents LIKE \(bind: "% " + Self.likeEscaped(key) + " %") ESCAPE '!'" : "(actor_key = \(bind: key) OR object_key = \(bind: key))")
        }
        if let verb = q.verb {
            if !StatementValidator.isIRI(verb) { problems.append(FieldProblem(field: "verb", reason: "xapi.iri")) }
            filters.append("verb_id = \(bind: verb)")
        }
        if let activity = q.activity {
            if !StatementValidator.isIRI(activity) { problems.append(FieldProblem(field: "activity", reason: "xapi.iri")) }
            filters.append(q.relatedActivities ? "activities LIKE \(bind: "% " + Self.likeEscaped(activity) + " %") ESCAPE '!'" : "object_key = \(bind: activity)")
        }
        if let r = q.registration {
            guard let u = UUID(uuidString: r) else { throw DomainError.badInput([FieldProblem(field: "registration", reason: "xapi.uuid")]) }
            filters.append("registration = \(bind: u)")
        }
        for (name, value, op) in [("since", q.since, ">"), ("until", q.until, "<=")] {
            guard let value else { continue }
            guard let d = XAPITime.parse(value) else { problems.append(FieldProblem(field: name, reason: "xapi.timestamp")); continue }
            filters.append("stored_us \(unsafeRaw: op) \(bind: Int64((d.timeIntervalSince1970 * 1_000_000).rounded(.down)))")
        }
        guard problems.isEmpty else { throw DomainError.badInput(problems) }
        let order = q.ascending ? "ASC" : "DESC"
        if let t = q.afterMicros, let id = q.afterID {
            filters.append(q.ascending ? "(stored_us > \(bind: t) OR (stored_us = \(bind: t) AND id > \(bind: id)))"
                                       : "(stored_us < \(bind: t) OR (stored_us = \(bind: t) AND id < \(bind: id)))")
        }
        let rows = try await db.sql.raw("""
            SELECT id, stored_us, statement FROM xapi_statements WHERE \(filters.joined(separator: " AND "))
            ORDER BY stored_us \(unsafeRaw: order), id \(unsafeRaw: order) LIMIT \(unsafeRaw: String(limit + 1))
            """).all()
        var out: [JSONValue] = []
        var last: (Int64, UUID)?
        for r in rows.prefix(limit) {
            out.append(Self.shaped(try JSONValue.parse(Data(try r.decode(column: "statement", as: String.self).utf8)), format: format))
            last = (try r.decode(column: "stored_us", as: Int64.self), try r.decode(column: "id", as: UUID.self))
        }
        var next: StatementQuery?
        if rows.count > limit, let last {
            next = q
            next?.afterMicros = last.0
            next?.afterID = last.1
        }
        return StatementPage(statements: out, more: next)
    }

    /// `_` and `%` are common in e-mail addresses and IRIs (percent-encoding): matched as
    /// themselves, not as LIKE's wildcards.
    static func likeEscaped(_ s: String) -> String {
        s.replacingOccurrences(of: "!", with: "!!").replacingOccurrences(of: "%", with: "!%").replacingOccurrences(of: "_", with: "!_")
    }

    static func format(_ f: String?) throws -> String {
        let f = f ?? "exact"
        guard ["exact", "ids", "canonical"].contains(f) else { throw DomainError.badInput([FieldProblem(field: "format", reason: "xapi.format")]) }
        return f
    }

    /// A minimal statement around an agent, to check the `agent` parameter with the same rules.
    static func probe(actor: JSONValue) -> JSONValue {
        .object(["actor": actor, "verb": .object(["id": .string("http://example.com/v")]), "object": .object(["id": .string("http://example.com/a")])])
    }

    /// `ids`: agents, groups, activities and verbs reduced to their identifiers;
    /// `canonical`: one language per language map (the first); `exact`: as stored.
    static func shaped(_ s: JSONValue, format: String) -> JSONValue {
        switch format {
        case "ids": return reduce(s, ids: true)
        case "canonical": return reduce(s, ids: false)
        default: return s
        }
    }

    static func reduce(_ v: JSONValue, ids: Bool, key: String? = nil) -> JSONValue {
        switch v {
        case .object(let o):
            if ids, o["mbox"] != nil || o["mbox_sha1sum"] != nil || o["openid"] != nil || o["account"] != nil {
                var kept: [String: JSONValue] = [:]
                for k in ["objectType", "mbox", "mbox_sha1sum", "openid", "account"] where o[k] != nil { kept[k] = o[k] }
                if let members = o["member"]?.array { kept["member"] = .array(members.map { reduce($0, ids: true) }) }
                return .object(kept)
            }
            if ids, (key == "verb" || o["definition"] != nil), let id = o["id"] {
                var kept: [String: JSONValue] = ["id": id]
                if let t = o["objectType"] { kept["objectType"] = t }
                return .object(kept)
            }
            if !ids, ["display", "name", "description"].contains(key ?? ""), let first = o.keys.sorted().first {
                return .object([first: o[first]!])
            }
            return .object(Dictionary(uniqueKeysWithValues: o.map { ($0.key, reduce($0.value, ids: ids, key: $0.key)) }))
        case .array(let a):
            return .array(a.map { reduce($0, ids: ids, key: key) })
        default:
            return v
        }
    }
}
