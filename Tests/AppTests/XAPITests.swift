import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
@testable import Courses
@testable import App

extension Application {
    /// Basic credentials of a new xAPI client.
    func xapiClient(_ name: String = "test client", readAll: Bool = false) async throws -> HTTPHeaders {
        let c = try await XAPIService(db: db, ctx: services.courses).createClient(name: name, readAll: readAll, actor: .system("test"))
        var h = HTTPHeaders()
        h.basicAuthorization = BasicAuthorization(username: c.key, password: c.secret!)
        h.replaceOrAdd(name: "X-Experience-API-Version", value: "1.0.3")
        return h
    }

    @discardableResult
    func xapi(_ method: HTTPMethod, _ path: String, _ h: HTTPHeaders, json: String? = nil, expect status: HTTPStatus,
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestingHTTPResponse {
        var headers = h
        if json != nil { headers.contentType = .json }
        var out: TestingHTTPResponse?
        try await testing().test(method, path, headers: headers, body: json.map { ByteBuffer(string: $0) }) { res in
            #expect(res.status == status, "\(method) \(path): \(res.body.string.prefix(500))", sourceLocation: sourceLocation)
            #expect(res.headers.first(name: "X-Experience-API-Version") == "1.0.3", sourceLocation: sourceLocation)
            out = res
        }
        return try #require(out)
    }

    func xapiJSON(_ res: TestingHTTPResponse) throws -> JSONValue { try JSONValue.parse(Data(buffer: res.body)) }
}

/// A small statement: `who` did `verb` to `activity`.
func statement(_ who: String, _ verb: String = "http://adlnet.gov/expapi/verbs/attempted", activity: String = "http://example.com/act/1",
               id: UUID? = nil, extra: String = "") -> String {
    """
    {\(id.map { "\"id\": \"\($0.uuidString)\"," } ?? "") "actor": {"mbox": "mailto:\(who)@example.com", "name": "\(who)"},
     "verb": {"id": "\(verb)", "display": {"en-US": "did"}}, "object": {"id": "\(activity)"}\(extra)}
    """
}

@Suite("xAPI: the Learning Record Store", .serialized)
struct XAPITests {
    @Test func statementsAreStoredOnceQueriedAndVoided() async throws {
        try await withTestApp { app in
            let a = try await app.xapiClient()
            // about needs neither credentials nor a version header.
            let about = try app.xapiJSON(try await app.xapi(.GET, "xapi/about", [:], expect: .ok))
            #expect(about["version"]?.array?.first?.string == "1.0.3")
            // Without the version header, 400; without credentials, 401 asking for Basic; a wrong secret, 401.
            var noVersion = a
            noVersion.remove(name: "X-Experience-API-Version")
            try await app.xapi(.POST, "xapi/statements", noVersion, json: statement("an"), expect: .badRequest)
            var anonymous = HTTPHeaders()
            anonymous.replaceOrAdd(name: "X-Experience-API-Version", value: "1.0.3")
            let res = try await app.xapi(.GET, "xapi/statements", anonymous, expect: .unauthorized)
            #expect(res.headers.first(name: .wwwAuthenticate)?.hasPrefix("Basic") == true)
            var wrong = a
            wrong.basicAuthorization = BasicAuthorization(username: a.basicAuthorization!.username, password: "nope")
            try await app.xapi(.GET, "xapi/statements", wrong, expect: .unauthorized)

            // POST answers the ids; the LRS sets stored, authority, version and timestamp.
            let ids = try app.xapiJSON(try await app.xapi(.POST, "xapi/statements", a, json: "[\(statement("an")), \(statement("binh", activity: "http://example.com/act/2"))]", expect: .ok))
            let first = try #require(ids.array?.first?.string)
            let got = try app.xapiJSON(try await app.xapi(.GET, "xapi/statements?statementId=\(first)", a, expect: .ok))
            #expect(got["stored"]?.string != nil && got["authority"]?["account"]?["name"]?.string == a.basicAuthorization?.username)
            #expect(got["version"]?.string == "1.0.0" && got["timestamp"]?.string != nil && got["actor"]?["name"]?.string == "an")

            // PUT with an id: stored; the same again is fine; other content under that id is a conflict.
            let id = UUID()
            try await app.xapi(.PUT, "xapi/statements?statementId=\(id)", a, json: statement("chi"), expect: .noContent)
            try await app.xapi(.PUT, "xapi/statements?statementId=\(id)", a, json: statement("chi"), expect: .noContent)
            try await app.xapi(.PUT, "xapi/statements?statementId=\(id)", a, json: statement("dung"), expect: .conflict)
            try await app.xapi(.POST, "xapi/statements", a, json: statement("dung", id: id), expect: .conflict)
            try await app.xapi(.PUT, "xapi/statements", a, json: statement("chi"), expect: .badRequest)
            try await app.xapi(.PUT, "xapi/statements?statementId=\(UUID())", a, json: statement("chi", id: UUID()), expect: .badRequest)
            let twice = UUID()
            try await app.xapi(.POST, "xapi/statements", a, json: "[\(statement("e", id: twice)), \(statement("f", id: twice))]", expect: .badRequest)

            // Filters: verb, agent, activity (and related), limit with more, ascending, format=ids.
            var page = try app.xapiJSON(try await app.xapi(.GET, "xapi/statements", a, expect: .ok))
            #expect(page["statements"]?.array?.count == 3 && page["more"]?.string == "")
            let agent = "{\"mbox\":\"mailto:an@example.com\"}".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            page = try app.xapiJSON(try await app.xapi(.GET, "xapi/statements?agent=\(agent)", a, expect: .ok))
            #expect(page["statements"]?.array?.map { $0["actor"]?["name"]?.string } == ["an"])
            // Form encoding writes spaces as "+" (Python's urlencode does): still the same agent.
            page = try app.xapiJSON(try await app.xapi(.GET, "xapi/statements?agent=%7B%22mbox%22:+%22mailto:an@example.com%22%7D", a, expect: .ok))
            #expect(page["statements"]?.array?.count == 1)
            page = try app.xapiJSON(try await app.xapi(.GET, "xapi/statements?activity=http%3A%2F%2Fexample.com%2Fact%2F2", a, expect: .ok))
            #expect(page["statements"]?.array?.count == 1)
            // related_activities matches whole identifiers: "_" and "%" are not wildcards.
            page = try app.xapiJSON(try await app.xapi(.GET, "xapi/statements?activity=http%3A%2F%2Fexample.com%2Fact%2F_&related_activities=true", a, expect: .ok))
            #expect(page["statements"]?.array?.isEmpty == true)
            page = try app.xapiJSON(try await app.xapi(.GET, "xapi/statements?activity=http%3A%2F%2Fexample.com%2Fact%2F2&related_activities=true", a, expect: .ok))
            #expect(page["statements"]?.array?.count == 1)
            page = try app.xapiJSON(try await app.xapi(.GET, "xapi/statements?limit=2&ascending=true", a, expect: .ok))
            let names = page["statements"]?.array?.map { $0["actor"]?["name"]?.string ?? "" } ?? []
            #expect(names == ["an", "binh"])
            let more = try #require(page["more"]?.string)
            #expect(more.hasPrefix("/xapi/statements?more="))
            page = try app.xapiJSON(try await app.xapi(.GET, String(more.dropFirst()), a, expect: .ok))
            #expect(page["statements"]?.array?.map { $0["actor"]?["name"]?.string ?? "" } == ["chi"] && page["more"]?.string == "")
            page = try app.xapiJSON(try await app.xapi(.GET, "xapi/statements?format=ids&limit=1", a, expect: .ok))
            #expect(page["statements"]?.array?.first?["actor"]?["name"] == nil && page["statements"]?.array?.first?["actor"]?["mbox"] != nil)
            for bad in ["verb=not-an-iri", "agent=%7B%7D", "since=yesterday", "format=pretty", "limit=-1", "ascending=yes", "registration=x",
                        "statementId=\(first)&verb=http%3A%2F%2Fx.org%2Fv", "color=red", "more=%%%"] {
                try await app.xapi(.GET, "xapi/statements?\(bad)", a, expect: .badRequest)
            }

            // Voiding hides the statement from queries; it stays reachable as voided; a voiding statement cannot be voided.
            let voiding = UUID()
            try await app.xapi(.PUT, "xapi/statements?statementId=\(voiding)", a,
                               json: statement("an", "http://adlnet.gov/expapi/verbs/voided", extra: "").replacingOccurrences(of: "\"object\": {\"id\": \"http://example.com/act/1\"}",
                                                                                                                               with: "\"object\": {\"objectType\": \"StatementRef\", \"id\": \"\(first)\"}"),
                               expect: .noContent)
            try await app.xapi(.GET, "xapi/statements?statementId=\(first)", a, expect: .notFound)
            try await app.xapi(.GET, "xapi/statements?voidedStatementId=\(first)", a, expect: .ok)
            page = try app.xapiJSON(try await app.xapi(.GET, "xapi/statements?agent=\(agent)", a, expect: .ok))
            #expect(page["statements"]?.array?.map { $0["verb"]?["id"]?.string } == ["http://adlnet.gov/expapi/verbs/voided"])
            let voidVoid = statement("an", "http://adlnet.gov/expapi/verbs/voided").replacingOccurrences(of: "\"object\": {\"id\": \"http://example.com/act/1\"}",
                                                                                                      with: "\"object\": {\"objectType\": \"StatementRef\", \"id\": \"\(voiding)\"}")
            try await app.xapi(.POST, "xapi/statements", a, json: voidVoid, expect: .badRequest)
            // A voiding statement must point at a statement.
            try await app.xapi(.POST, "xapi/statements", a, json: statement("an", "http://adlnet.gov/expapi/verbs/voided"), expect: .badRequest)

            // Another client sees only its own; a read-all client sees everything.
            let b = try await app.xapiClient("other")
            page = try app.xapiJSON(try await app.xapi(.GET, "xapi/statements", b, expect: .ok))
            #expect(page["statements"]?.array?.isEmpty == true)
            try await app.xapi(.GET, "xapi/statements?statementId=\(id)", b, expect: .notFound)
            let all = try await app.xapiClient("reports", readAll: true)
            page = try app.xapiJSON(try await app.xapi(.GET, "xapi/statements", all, expect: .ok))
            #expect(page["statements"]?.array?.count == 3)
        }
    }

    @Test func badStatementsAreRefusedWithEveryProblemNamed() async throws {
        try await withTestApp { app in
            let a = try await app.xapiClient()
            let cases: [(String, String)] = [
                ("{\"verb\": {\"id\": \"http://x.org/v\"}, \"object\": {\"id\": \"http://x.org/a\"}}", "actor"),
                (statement("an").replacingOccurrences(of: "\"mbox\": \"mailto:an@example.com\",", with: ""), "xapi.agent-no-identifier"),
                (statement("an").replacingOccurrences(of: "\"name\": \"an\"", with: "\"openid\": \"http://openid.example.com/an\""), "xapi.agent-many-identifiers"),
                (statement("an", "not an iri"), "verb.id"),
                (statement("an", extra: ", \"result\": {\"score\": {\"scaled\": 1.5}}"), "xapi.scaled-range"),
                (statement("an", extra: ", \"result\": {\"duration\": \"10 minutes\"}"), "xapi.duration"),
                (statement("an", extra: ", \"context\": {\"registration\": \"nope\"}"), "xapi.uuid"),
                (statement("an", extra: ", \"colour\": \"red\""), "xapi.unknown-property"),
                (statement("an", extra: ", \"timestamp\": \"yesterday\""), "xapi.timestamp"),
                (statement("an", extra: ", \"version\": \"2.0.0\""), "xapi.version"),
                (statement("an").replacingOccurrences(of: "\"en-US\"", with: "\"something\""), "xapi.language-tag"),
                (statement("an", extra: ", \"attachments\": [{\"usageType\": \"http://x.org/u\", \"display\": {\"en\": \"a\"}, \"contentType\": \"text/plain\", \"length\": 3, \"sha2\": \"abc\"}]"),
                 "xapi.attachment-content"),
                ("[1, 2]", "xapi.not-object"),
                ("{\"actor\": ", "xapi.not-json"),
            ]
            for (json, needle) in cases {
                let res = try await app.xapi(.POST, "xapi/statements", a, json: json, expect: .badRequest)
                #expect(res.body.string.contains(needle), "\(needle) not in \(res.body.string.prefix(300))")
                #expect(res.headers.contentType?.description.contains("problem+json") == true)
            }
            var text = a
            text.contentType = .plainText
            try await app.testing().test(.POST, "xapi/statements", headers: text, body: ByteBuffer(string: statement("an"))) { res in #expect(res.status == .badRequest) }
            // Nothing of a rejected batch is kept.
            try await app.xapi(.POST, "xapi/statements", a, json: "[\(statement("ok")), \(statement("bad", "nope"))]", expect: .badRequest)
            let page = try app.xapiJSON(try await app.xapi(.GET, "xapi/statements", a, expect: .ok))
            #expect(page["statements"]?.array?.isEmpty == true)
        }
    }

    @Test func concurrentSendersAreCommittedTogetherAndNoneIsLost() async throws {
        try await withTestApp { app in
            let a = try await app.xapiClient()
            let service = XAPIService(db: app.db, ctx: app.services.courses)
            let caller = try await service.authenticate(key: a.basicAuthorization!.username, secret: a.basicAuthorization!.password)
            let ids = try await withThrowingTaskGroup(of: [UUID].self) { group in
                for n in 0..<120 {
                    group.addTask { try await service.store(try JSONValue.parse(Data(statement("p\(n)").utf8)), caller: caller) }
                }
                var all: [UUID] = []
                for try await ids in group { all += ids }
                return all
            }
            #expect(Set(ids).count == 120)
            let stored = try await XAPIStatement.query(on: app.db).count()
            #expect(stored == 120)
            // A repeat of a stored statement in a concurrent burst is accepted once, a conflicting one refused.
            let id = UUID()
            let results = await withTaskGroup(of: Bool.self) { group in
                for n in 0..<6 {
                    group.addTask { (try? await service.put(id: id, try JSONValue.parse(Data(statement(n < 3 ? "same" : "other\(n)").utf8)), caller: caller)) != nil }
                }
                var ok: [Bool] = []
                for await r in group { ok.append(r) }
                return ok
            }
            #expect(try await XAPIStatement.query(on: app.db).count() == 121)
            #expect(results.filter { $0 }.count >= 1 && results.filter { !$0 }.count >= 2)
        }
    }

    @Test func theCoursesRecordTheirLearningEvents() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let (course, lesson) = try await app.publishedCourse(teacher, kind: "class", org: w.classA1.id)
            let page = try #require(try await app.call(.POST, "api/v1/lessons/\(lesson)/items", teacher, ["kind": "page", "title": "Đọc", "body": "x"], expect: .created).decoded(CourseItemDTO.self))
            try await app.call(.POST, "api/v1/course-items/\(page.id)/progress", try await app.bearer("pupil1"), ["event": "viewed"], expect: .ok)
            let all = try await app.xapiClient("reports", readAll: true)
            let result = try app.xapiJSON(try await app.xapi(.GET, "xapi/statements?ascending=true", all, expect: .ok))
            let verbs = result["statements"]?.array?.compactMap { $0["verb"]?["id"]?.string.map { String($0.split(separator: "/").last!) } }
            #expect(verbs == ["launched", "completed", "completed"])
            let first = try #require(result["statements"]?.array?.first)
            #expect(first["actor"]?["account"]?["name"]?.string == w.pupilA1.id.uuidString.lowercased())
            #expect(first["object"]?["id"]?.string?.hasSuffix("/course-items/\(page.id.uuidString.lowercased())") == true)
            #expect(first["context"]?["contextActivities"]?["parent"]?.array?.first?["id"]?.string?.hasSuffix(course.id.uuidString.lowercased()) == true)
            // Nothing personal: no name, no e-mail.
            #expect(first["actor"]?["name"] == nil && first["actor"]?["mbox"] == nil)
            // The platform's statements are not shown to an ordinary client.
            let own = try await app.xapiClient()
            #expect(try app.xapiJSON(try await app.xapi(.GET, "xapi/statements", own, expect: .ok))["statements"]?.array?.isEmpty == true)
        }
    }
}

@Suite("xAPI: the clients page", .serialized)
struct XAPIClientPageTests {
    @Test func administratorsMakeClientsOnAPageAndSeeTheSecretOnce() async throws {
        try await withTestApp { app in
            _ = try await World.build(app)
            let admin = try await PageTests().signIn(app, "admin", lang: "vi")
            var key = "", secret = ""
            try await CoursePageTests().post(app, "xapi-clients", admin, ["name": "Trình phát bài học", "readAll": "1"]) { res in
                #expect(res.status == .created)
                let html = res.body.string
                #expect(html.contains("Hãy sao chép mật mã ngay"))
                key = html.components(separatedBy: "<code class=\"code\">")[1].components(separatedBy: "<")[0]
                secret = html.components(separatedBy: "<code class=\"code\">")[2].components(separatedBy: "<")[0]
            }
            #expect(key.hasPrefix("xk_") && secret.count > 20)
            // The credentials work; the list never shows the secret again.
            var h = HTTPHeaders()
            h.basicAuthorization = BasicAuthorization(username: key, password: secret)
            h.replaceOrAdd(name: "X-Experience-API-Version", value: "1.0.3")
            try await app.xapi(.GET, "xapi/statements", h, expect: .ok)
            try await app.testing().test(.GET, "xapi-clients", headers: admin) { res in
                #expect(res.status == .ok && res.body.string.contains(key) && !res.body.string.contains(secret))
            }
            try await CoursePageTests().post(app, "xapi-clients", admin, ["name": " "]) { res in #expect(res.status == .unprocessableEntity) }
            // Nobody else may.
            let teacher = try await PageTests().signIn(app, "teacher1")
            try await app.testing().test(.GET, "xapi-clients", headers: teacher) { res in #expect(res.status == .forbidden) }
            try await CoursePageTests().post(app, "xapi-clients", teacher, ["name": "x"]) { res in #expect(res.status == .forbidden) }
        }
    }
}
