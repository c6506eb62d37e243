import Foundation
import FluentKit
import SQLKit
import Platform

/// cmi5 (the xAPI profile for launching content from an LMS): the platform launches a
/// package's AU with a one-time fetch URL, writes LMS.LaunchData to its LRS's state
/// resource, and reads the AU's own statements to decide when its moveOn criterion is met.
extension CoursesService {
    static let cmi5Ext = "https://w3id.org/xapi/cmi5/context/extensions/"
    static let cmi5Category = "https://w3id.org/xapi/cmi5/context/categories/cmi5"

    func cmi5AU(_ i: LessonItem) async throws -> Cmi5AU? {
        guard i.kind == ItemKind.resource.rawValue, i.refKind == "package", let ref = i.refID,
              try await library.packageType(ref) == "cmi5" else { return nil }
        let file = try await library.packageFile(ref, version: nil, path: "cmi5.xml", actor: .system("cmi5"))
        return Cmi5AU.first(in: file.data)
    }

    func learnerAgent(_ person: UUID) -> (json: JSONValue, key: String) {
        let name = person.uuidString.lowercased()
        return (.object(["objectType": .string("Agent"), "account": .object(["homePage": .string(ctx.xapiHomePage), "name": .string(name)])]),
                "account:" + ctx.xapiHomePage + "|" + name)
    }

    /// Starts a learner's AU session and answers the AU's address (relative to the package,
    /// or absolute for an AU hosted elsewhere) with the cmi5 launch parameters. Nil for
    /// anyone but a learner, and for items that are not cmi5 packages. `base` is the
    /// platform's address as the browser reached it (the AU calls back there).
    public func cmi5Launch(itemID: UUID, actor: Actor, base: String) async throws -> (url: String, absolute: Bool)? {
        guard let i = try await LessonItem.find(itemID, on: db), let au = try await cmi5AU(i) else { return nil }
        let c = try await readCourse(i.courseID)
        guard try await role(in: c, actor: actor) == .learner, let me = actor.personID else { return nil }
        let reg = try await Cmi5Registration.query(on: db).filter(\.$itemID == itemID).filter(\.$personID == me).first() ?? {
            let r = Cmi5Registration()
            r.id = UUID()
            r.courseID = i.courseID
            r.itemID = itemID
            r.personID = me
            r.registration = UUID()
            r.auID = au.id
            r.moveOn = au.moveOn
            r.masteryScore = au.masteryScore
            r.createdAt = now
            return r
        }()
        if !reg.$id.exists {
            do { try await reg.create(on: db) } catch {
                guard try await Cmi5Registration.query(on: db).filter(\.$itemID == itemID).filter(\.$personID == me).first() != nil else { throw error }
                return try await cmi5Launch(itemID: itemID, actor: actor, base: base)
            }
        }
        let token = Digest.randomToken(bytes: 24)
        let launch = Cmi5Launch()
        launch.id = UUID()
        launch.registrationID = reg.id!
        launch.sessionID = UUID()
        launch.fetchHash = Digest.sha256Hex(token)
        launch.secretHash = ""
        launch.createdAt = now
        launch.expiresAt = now.addingTimeInterval(12 * 3600)
        try await launch.create(on: db)

        let agent = learnerAgent(me)
        let xapi = XAPIService(db: db, ctx: ctx)
        let registration = reg.registration.uuidString.lowercased(), session = launch.sessionID.uuidString.lowercased()
        var launchData: [String: JSONValue] = [
            "contextTemplate": .object([
                "contextActivities": .object(["grouping": .array([.object(["id": .string(au.id)])])]),
                "extensions": .object([Self.cmi5Ext + "sessionid": .string(session)]),
            ]),
            "launchMode": .string("Normal"), "launchMethod": .string("AnyWindow"), "moveOn": .string(reg.moveOn),
            "returnURL": .string(base + "/course-items/\(itemID.uuidString.lowercased())"),
        ]
        if let m = reg.masteryScore { launchData["masteryScore"] = .number(m) }
        if let p = au.launchParameters { launchData["launchParameters"] = .string(p) }
        try await xapi.saveDocument(DocumentKey(kind: "state", activityID: au.id, agentKey: agent.key, registration: registration, docID: "LMS.LaunchData"),
                                    content: Data(JSONValue.object(launchData).serialized().utf8), contentType: "application/json",
                                    merge: false, ifMatch: nil, ifNoneMatch: nil, caller: xapi.platform)
        // The LMS's "launched" statement (cmi5 §9.3.1), in the AU's session.
        var ext: [String: JSONValue] = [Self.cmi5Ext + "sessionid": .string(session), Self.cmi5Ext + "launchmode": .string("Normal"),
                                        Self.cmi5Ext + "launchurl": .string(au.url), Self.cmi5Ext + "moveon": .string(reg.moveOn)]
        if let p = au.launchParameters { ext[Self.cmi5Ext + "launchparameters"] = .string(p) }
        let launched: JSONValue = .object([
            "actor": agent.json,
            "verb": .object(["id": .string(XAPIVerbs.launched), "display": .object(["en-US": .string("launched")])]),
            "object": .object(["objectType": .string("Activity"), "id": .string(au.id)]),
            "context": .object(["registration": .string(registration),
                                "contextActivities": .object(["category": .array([.object(["id": .string(Self.cmi5Category)])]),
                                                              "grouping": .array([.object(["id": .string(au.id)])])]),
                                "extensions": .object(ext)]),
        ])
        _ = try await xapi.store(launched, caller: xapi.platform)
        // Opening counts as viewing; NotApplicable is met by launching.
        if reg.moveOn == "NotApplicable", reg.satisfiedAt == nil {
            reg.satisfiedAt = now
            try await reg.save(on: db)
        }
        try await cmi5Progress(reg, item: i, course: c)

        func q(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? "" }
        let query = "endpoint=\(q(base + "/xapi/"))&fetch=\(q(base + "/cmi5/fetch/" + token))&actor=\(q(agent.json.serialized()))"
            + "&registration=\(registration)&activityId=\(q(au.id))"
        let absolute = au.url.hasPrefix("http://") || au.url.hasPrefix("https://")
        return (au.url + (au.url.contains("?") ? "&" : "?") + query, absolute)
    }

    /// `POST /cmi5/fetch/{token}`: the AU's one-time request for its LRS credentials
    /// (cmi5 §8.2). Answers the JSON the specification names, an error code included.
    public func cmi5Fetch(token: String) async throws -> String {
        func error(_ code: String, _ text: String) -> String { JSONValue.object(["error-code": .string(code), "error-text": .string(text)]).serialized() }
        guard let launch = try await Cmi5Launch.query(on: db).filter(\.$fetchHash == Digest.sha256Hex(token)).first() else {
            return error("3", "unknown fetch URL")
        }
        guard launch.expiresAt > now else { return error("2", "the launch has expired; open the lesson again") }
        let secret = Digest.randomToken(bytes: 24)
        let taken = try await db.sql.raw("""
            UPDATE cmi5_launches SET fetched_at = \(bind: now), secret_hash = \(bind: Digest.sha256Hex(secret))
             WHERE id = \(bind: launch.id!) AND fetched_at IS NULL RETURNING id
            """).all()
        guard !taken.isEmpty else { return error("1", "the fetch URL was already used") }
        let key = Cmi5Launch.keyPrefix + launch.id!.uuidString.lowercased()
        return JSONValue.object(["auth-token": .string(Data("\(key):\(secret)".utf8).base64EncodedString())]).serialized()
    }

    /// The LRS caller behind a cmi5 session's credentials.
    func cmi5Caller(key: String, secret: String) async throws -> XAPICaller {
        guard let id = UUID(uuidString: String(key.dropFirst(Cmi5Launch.keyPrefix.count))),
              let launch = try await Cmi5Launch.find(id, on: db), launch.fetchedAt != nil, launch.expiresAt > now,
              Digest.constantTimeEqual(Digest.sha256Hex(secret), launch.secretHash),
              let reg = try await Cmi5Registration.find(launch.registrationID, on: db) else {
            throw DomainError.unauthenticated(reason: "xapi.credentials")
        }
        return XAPICaller(clientID: nil, readAll: false,
                          authority: .object(["objectType": .string("Agent"), "name": .string("cmi5 AU"),
                                              "account": .object(["homePage": .string(ctx.xapiHomePage), "name": .string(key)])]),
                          cmi5: Cmi5Scope(launchID: id, actorKey: learnerAgent(reg.personID).key, registration: reg.registration, auID: reg.auID))
    }

    /// Reads the AU's statements of its registration: completed, passed and failed, with
    /// the score, and the moveOn criterion met.
    func cmi5Record(_ statements: [JSONValue], scope: Cmi5Scope) async throws {
        guard let reg = try await Cmi5Registration.query(on: db).filter(\.$registration == scope.registration).first() else { return }
        var changed = false
        for s in statements {
            guard s["object"]?["id"]?.string == scope.auID,
                  s["context"]?["registration"]?.string?.lowercased() == scope.registration.uuidString.lowercased(),
                  let verb = s["verb"]?["id"]?.string else { continue }
            let scaled = s["result"]?["score"]?["scaled"]?.number
            switch verb {
            case "http://adlnet.gov/expapi/verbs/completed": if reg.completedAt == nil { reg.completedAt = now; changed = true }
            case "http://adlnet.gov/expapi/verbs/passed":
                if reg.passedAt == nil { reg.passedAt = now }
                if let scaled { reg.score = scaled * 100 }
                changed = true
            case "http://adlnet.gov/expapi/verbs/failed":
                reg.failedAt = now
                if let scaled { reg.score = scaled * 100 }
                changed = true
            default: continue
            }
        }
        guard changed else { return }
        let met: Bool = switch reg.moveOn {
        case "Completed": reg.completedAt != nil
        case "Passed": reg.passedAt != nil
        case "CompletedAndPassed": reg.completedAt != nil && reg.passedAt != nil
        case "CompletedOrPassed": reg.completedAt != nil || reg.passedAt != nil
        default: true
        }
        if met, reg.satisfiedAt == nil { reg.satisfiedAt = now }
        try await reg.save(on: db)
        guard let i = try await LessonItem.find(reg.itemID, on: db) else { return }
        try await cmi5Progress(reg, item: i, course: try await readCourse(reg.courseID))
    }

    /// The item's progress from the registration: viewed, handed in once moveOn is met,
    /// and the AU's score.
    func cmi5Progress(_ reg: Cmi5Registration, item i: LessonItem, course c: Course) async throws {
        let rule = CompletionRule(kind: RuleKind(rawValue: i.rule) ?? .viewed, threshold: i.threshold)
        let satisfied = reg.satisfiedAt != nil, score = reg.score
        let p = try await upsertProgress(item: i, person: reg.personID) { p in
            p.viewedAt = p.viewedAt ?? now
            if satisfied { p.submittedAt = p.submittedAt ?? now }
            if let score { p.score = min(max(score, 0), 100) }
        } rule: { rule }
        if p.completedAt != nil { try await checkCompletion(c, people: [reg.personID]) }
    }
}
