import Foundation
import Testing
import Vapor
import VaporTesting
import JWTKit
import CryptoExtras
import Platform
@testable import Courses
@testable import App

/// An LTI tool played by the test: its own RSA key, JWTs signed by hand (not through
/// JWTKit, so the platform's verification is checked against an independent signer).
struct TestTool {
    let key: _RSA.Signing.PrivateKey
    let kid: String

    init(kid: String = "tool-key-1") throws {
        key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        self.kid = kid
    }

    var jwks: String {
        let p = try! Insecure.RSA.PublicKey(backing: key.publicKey).getKeyPrimitives()
        return #"{"keys":[{"kty":"RSA","alg":"RS256","use":"sig","kid":"\#(kid)","n":"\#(LTIKeyRing.base64URL(p.modulus))","e":"\#(LTIKeyRing.base64URL(p.publicExponent))"}]}"#
    }

    func sign(_ claims: [String: Any]) throws -> String {
        let header = try JSONSerialization.data(withJSONObject: ["alg": "RS256", "typ": "JWT", "kid": kid])
        let body = try JSONSerialization.data(withJSONObject: claims)
        let input = LTIKeyRing.base64URL(header) + "." + LTIKeyRing.base64URL(body)
        let sig = try key.signature(for: Data(input.utf8), padding: .insecurePKCS1v1_5)
        return input + "." + LTIKeyRing.base64URL(sig.rawRepresentation)
    }
}

/// The hidden fields and target of an LTI hand-over page.
struct HandOver {
    var action: String
    var fields: [String: String]

    init(_ html: String) throws {
        func unescape(_ s: String) -> String {
            s.replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
                .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
        }
        let a = try #require(html.firstMatch(of: /id="lti-autopost"|action="([^"]*)" id="lti-autopost"/))
        action = unescape(String(a.output.1 ?? ""))
        var f: [String: String] = [:]
        for m in html.matches(of: /<input type="hidden" name="([^"]+)" value="([^"]*)">/) { f[String(m.output.1)] = unescape(String(m.output.2)) }
        fields = f
    }

    /// The query string of the tool's authentication request (what pylti1p3 sends).
    func authQuery(nonce: String = UUID().uuidString, state: String = "st-1", redirect: String, client: String? = nil) -> String {
        var c = URLComponents()
        c.queryItems = [
            .init(name: "scope", value: "openid"), .init(name: "response_type", value: "id_token"), .init(name: "response_mode", value: "form_post"),
            .init(name: "prompt", value: "none"), .init(name: "client_id", value: client ?? fields["client_id"]),
            .init(name: "redirect_uri", value: redirect), .init(name: "login_hint", value: fields["login_hint"]),
            .init(name: "lti_message_hint", value: fields["lti_message_hint"]), .init(name: "nonce", value: nonce), .init(name: "state", value: state),
        ]
        return c.percentEncodedQuery ?? ""
    }
}

@Suite("Courses: LTI 1.3 platform", .serialized)
struct LTITests {
    let launchURL = "https://tool.example.org/launch"

    func register(_ app: Application, _ tool: TestTool, extra: [String: Any] = [:]) async throws -> LTIToolDTO {
        var body: [String: Any] = ["name": "GeoGebra", "loginUrl": "https://tool.example.org/login", "launchUrl": launchURL,
                                   "deepLinkUrl": "https://tool.example.org/deep", "jwks": tool.jwks]
        body.merge(extra) { _, b in b }
        return try #require(try await app.call(.POST, "api/v1/lti/tools", try await app.bearer("admin"), body, expect: .created).decoded(LTIToolDTO.self))
    }

    func page(_ app: Application, _ path: String, _ h: HTTPHeaders, expect status: HTTPStatus = .ok, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        var html = ""
        try await app.testing().test(.GET, path, headers: h) { res in
            #expect(res.status == status, "\(path): \(res.body.string.prefix(600))", sourceLocation: sourceLocation)
            html = res.body.string
        }
        return html
    }

    func platformKeys(_ app: Application) async throws -> JWTKeyCollection {
        let jwks = try await app.call(.GET, "lti/jwks", expect: .ok).body.string
        let keys = JWTKeyCollection()
        try await keys.add(jwksJSON: jwks)
        return keys
    }

    /// A class course for 3A with one LTI item, and the pupil's view of it.
    func courseWithTool(_ app: Application, _ w: World, tool: LTIToolDTO) async throws -> (course: CourseDTO, lesson: UUID, item: CourseItemDTO) {
        let teacher = try await app.bearer("teacher1")
        let (course, lesson) = try await app.publishedCourse(teacher, kind: "class", org: w.classA1.id)
        let item = try #require(try await app.call(.POST, "api/v1/lessons/\(lesson)/items", teacher,
                                                   ["kind": "lti", "refId": tool.id.uuidString, "maxPoints": 20, "completion": ["kind": "scored", "threshold": 50]],
                                                   expect: .created).decoded(CourseItemDTO.self))
        #expect(item.title == "GeoGebra" && item.refId == tool.id)
        return (course, lesson, item)
    }

    @Test func registrationIsForAdministratorsAndChecksWhatItIsGiven() async throws {
        try await withTestApp { app in
            _ = try await World.build(app)
            let tool = try TestTool()
            let made = try await register(app, tool)
            #expect(made.clientId.hasPrefix("ec-") && made.redirectUris == [launchURL] && made.hasPastedKeys && !made.sharesName)
            #expect(made.platform.jwksUrl.hasSuffix("/lti/jwks") && made.platform.tokenUrl.hasSuffix("/lti/token"))
            let admin = try await app.bearer("admin")
            try await app.call(.POST, "api/v1/lti/tools", try await app.bearer("teacher1"), ["name": "X", "loginUrl": launchURL, "launchUrl": launchURL, "jwks": tool.jwks], expect: .forbidden)
            let bad = try await app.call(.POST, "api/v1/lti/tools", admin, ["name": "", "loginUrl": "javascript:alert(1)", "launchUrl": "ftp://x"], expect: .unprocessableEntity)
            for field in ["name", "loginUrl", "launchUrl", "jwksUrl"] { #expect(bad.body.string.contains("\"\(field)\""), "\(field)") }
            let both = try await app.call(.POST, "api/v1/lti/tools", admin, ["name": "X", "loginUrl": launchURL, "launchUrl": launchURL, "jwks": tool.jwks,
                                                                              "jwksUrl": "https://tool.example.org/jwks"], expect: .unprocessableEntity)
            #expect(both.body.string.contains("lti.keys-one-of") || both.body.string.contains("not both"))
            let junk = try await app.call(.POST, "api/v1/lti/tools", admin, ["name": "X", "loginUrl": launchURL, "launchUrl": launchURL, "jwks": "{\"keys\": 5}"], expect: .unprocessableEntity)
            #expect(junk.body.string.contains("JWKS"))
            let list = try #require(try await app.call(.GET, "api/v1/lti/tools", admin, expect: .ok).decoded([LTIToolDTO].self))
            #expect(list.map(\.id) == [made.id])
            try await app.call(.GET, "api/v1/lti/tools", try await app.bearer("pupil1"), expect: .forbidden)
            // The platform's key set: RSA keys, each with a kid, the same on every call.
            let jwks = try await app.call(.GET, "lti/jwks", expect: .ok).body.string
            #expect(jwks.contains("\"kid\":\"k1-") && jwks.contains("\"alg\":\"RS256\""))
            #expect(try await app.call(.GET, "lti/jwks", expect: .ok).body.string == jwks)
        }
    }

    @Test func administratorsRegisterToolsOnAPageInTheirLanguage() async throws {
        try await withTestApp { app in
            _ = try await World.build(app)
            let admin = try await PageTests().signIn(app, "admin", lang: "vi")
            let empty = try await page(app, "lti-tools", admin)
            #expect(empty.contains("Công cụ ngoài (LTI 1.3)") && empty.contains("/lti/jwks") && empty.contains("/lti/token"))
            try await page(app, "lti-tools", try await PageTests().signIn(app, "teacher1"), expect: .forbidden)
            let tool = try TestTool()
            // A bad form comes back with its messages and what was typed.
            try await CoursePageTests().post(app, "lti-tools", admin, ["name": "GeoGebra", "loginUrl": "not a url", "launchUrl": launchURL]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("http:// hoặc https://") && res.body.string.contains("GeoGebra"))
            }
            try await CoursePageTests().post(app, "lti-tools", admin, ["name": "GeoGebra", "loginUrl": "https://tool.example.org/login",
                                                                      "launchUrl": launchURL, "jwks": tool.jwks]) { res in
                #expect(res.status == .seeOther)
            }
            let listed = try await page(app, "lti-tools", admin)
            let tools = try #require(try await app.call(.GET, "api/v1/lti/tools", try await app.bearer("admin"), expect: .ok).decoded([LTIToolDTO].self))
            #expect(tools.count == 1 && listed.contains(tools[0].clientId) && listed.contains(tools[0].deploymentId))
            try await CoursePageTests().post(app, "lti-tools/\(tools[0].id)/enabled", admin, ["enabled": "0"]) { res in #expect(res.status == .seeOther) }
            #expect(try await page(app, "lti-tools", admin).contains("Đã tắt"))
        }
    }

    @Test func aRotatedKeyStaysPublishedOneGenerationAndSignsAtOnce() async throws {
        try await withTestApp { app in
            let service = CoursesService(db: app.db, ctx: app.services.courses)
            func kids() async throws -> [String] {
                try await service.platformJWKS().matches(of: /"kid":"([^"]+)"/).map { String($0.output.1) }
            }
            let first = try await kids()
            #expect(first.count == 1)
            await #expect(throws: DomainError.self) { try await service.rotatePlatformKey(actor: Actor(personID: UUID(), displayName: "x", grants: [])) }
            _ = try await service.rotatePlatformKey(actor: .system("test"))
            let second = try await kids()
            #expect(second.count == 2 && second.contains(first[0]), "the previous key stays published")
            _ = try await service.rotatePlatformKey(actor: .system("test"))
            let third = try await kids()
            #expect(third.count == 2 && !third.contains(first[0]), "keys older than the previous one are retired")
            // New tokens carry the newest kid.
            let now = Int(Date().timeIntervalSince1970)
            let claims = LaunchClaims(iss: "i", sub: "s", aud: "a", azp: "a", exp: now + 60, iat: now, nonce: "n", name: nil, locale: nil,
                                      messageType: LTIClaim.resourceLinkRequest, version: LTIClaim.version, deploymentID: "d", targetLinkURI: "https://t",
                                      resourceLink: nil, roles: [], context: .init(id: "c", label: nil, title: nil, type: []),
                                      presentation: .init(document_target: "window", return_url: nil, locale: nil),
                                      platform: .init(guid: "g", name: "n", product_family_code: "p"), custom: nil, endpoint: nil, deepLinking: nil)
            let token = try await service.sign(claims)
            let newest = try #require(third.first { !second.contains($0) })
            let header = try #require(Data(base64Encoded: String(token.split(separator: ".")[0]).padding(toLength: ((token.split(separator: ".")[0].count + 3) / 4) * 4, withPad: "=", startingAt: 0)))
            #expect(String(decoding: header, as: UTF8.self).contains(newest))
        }
    }

    @Test func aPupilLaunchesTheToolWithASignedIdTokenOnce() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let tool = try TestTool()
            let dto = try await register(app, tool)
            let (course, _, item) = try await courseWithTool(app, w, tool: dto)
            let pupil = try await PageTests().signIn(app, "pupil1")
            // The item page offers the launch; the launch page hands over to the tool's login URL.
            #expect(try await page(app, "course-items/\(item.id)", pupil).contains("/course-items/\(item.id)/launch"))
            let start = try HandOver(try await page(app, "course-items/\(item.id)/launch", pupil))
            #expect(start.action == "https://tool.example.org/login")
            #expect(start.fields["iss"] == dto.platform.issuer && start.fields["client_id"] == dto.clientId && start.fields["target_link_uri"] == launchURL)
            #expect(start.fields["login_hint"] == w.pupilA1.id.uuidString.lowercased() && start.fields["lti_deployment_id"] == dto.deploymentId)
            // Someone else's browser cannot finish pupil 1's launch.
            let pupil2 = try await PageTests().signIn(app, "pupil2")
            try await page(app, "lti/authorize?" + start.authQuery(redirect: launchURL), pupil2, expect: .forbidden)
            // An address the tool did not register never gets a token.
            try await page(app, "lti/authorize?" + start.authQuery(redirect: "https://evil.example.net/steal"), pupil, expect: .unprocessableEntity)
            try await page(app, "lti/authorize?" + start.authQuery(redirect: launchURL).replacingOccurrences(of: "id_token", with: "code"), pupil, expect: .unprocessableEntity)
            // Not signed in: to the sign-in form, coming back to the same request.
            try await app.testing().test(.GET, "lti/authorize?" + start.authQuery(redirect: launchURL)) { res in
                #expect(res.status == .seeOther && (res.headers.first(name: .location) ?? "").hasPrefix("/signin?next=%2Flti%2Fauthorize%3F"))
            }
            let answer = try HandOver(try await page(app, "lti/authorize?" + start.authQuery(nonce: "n-123", redirect: launchURL), pupil))
            #expect(answer.action == launchURL && answer.fields["state"] == "st-1")
            let token = try #require(answer.fields["id_token"])
            let claims = try await platformKeys(app).verify(token, as: LaunchClaims.self)
            #expect(claims.iss == dto.platform.issuer && claims.aud == dto.clientId && claims.nonce == "n-123" && claims.sub == w.pupilA1.id.uuidString.lowercased())
            #expect(claims.messageType == "LtiResourceLinkRequest" && claims.version == "1.3.0" && claims.deploymentID == dto.deploymentId)
            #expect(claims.roles.contains(LTIClaim.Role.learner) && !claims.roles.contains(LTIClaim.Role.instructor))
            #expect(claims.resourceLink?.id == item.id.uuidString.lowercased() && claims.context.id == course.id.uuidString.lowercased())
            #expect(claims.name == nil, "names go only to tools allowed to have them")
            #expect(claims.endpoint?.lineitem?.contains("/lti/ags/lineitems/") == true && claims.endpoint?.scope.contains(LTIClaim.Scope.score) == true)
            let header = try #require(token.split(separator: ".").first.flatMap { Data(base64Encoded: String($0) + "==") ?? Data(base64Encoded: String($0) + "=") ?? Data(base64Encoded: String($0)) })
            #expect(String(decoding: header, as: UTF8.self).contains("\"kid\":\"k1-"))
            // Replayed: the same authentication request is refused.
            try await page(app, "lti/authorize?" + start.authQuery(redirect: launchURL), pupil, expect: .conflict)
            // Opening the tool counted as a view.
            let progress = try #require(try await app.call(.GET, "api/v1/courses/\(course.id)/progress", try await app.bearer("pupil1"), expect: .ok).decoded(CourseProgressDTO.self))
            #expect(progress.items.first { $0.itemId == item.id }?.viewed == true)
            // A teacher launches as an instructor; a guardian does not launch at all.
            let teacher = try await PageTests().signIn(app, "teacher1")
            let tStart = try HandOver(try await page(app, "course-items/\(item.id)/launch", teacher))
            let tToken = try #require(try HandOver(try await page(app, "lti/authorize?" + tStart.authQuery(redirect: launchURL), teacher)).fields["id_token"])
            #expect(try await platformKeys(app).verify(tToken, as: LaunchClaims.self).roles.contains(LTIClaim.Role.instructor))
            try await page(app, "course-items/\(item.id)/launch", try await PageTests().signIn(app, "guardian1"), expect: .forbidden)
            try await page(app, "course-items/\(item.id)/launch", try await PageTests().signIn(app, "pupilb"), expect: .notFound)
        }
    }

    /// The tool's client assertion for a service token.
    func assertion(_ tool: TestTool, _ dto: LTIToolDTO, jti: String = UUID().uuidString, aud: String? = nil, exp: Int = 60) throws -> String {
        let now = Int(Date().timeIntervalSince1970)
        return try tool.sign(["iss": dto.clientId, "sub": dto.clientId, "aud": aud ?? dto.platform.tokenUrl, "iat": now, "exp": now + exp, "jti": jti])
    }

    func token(_ app: Application, _ assertion: String, scope: String = LTIClaim.Scope.all.joined(separator: " "), expect status: HTTPStatus,
               grant: String = "client_credentials") async throws -> (token: String?, error: String?) {
        var out: (String?, String?) = (nil, nil)
        let form = "grant_type=\(grant)&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=\(assertion)&scope=\(scope.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
        try await app.testing().test(.POST, "lti/token", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: ByteBuffer(string: form)) { res in
            #expect(res.status == status, "\(res.body.string)")
            let json = (try? JSONSerialization.jsonObject(with: Data(res.body.string.utf8))) as? [String: Any]
            out = (json?["access_token"] as? String, json?["error"] as? String)
        }
        return out
    }

    @Test func theToolSendsScoresThatBecomeTheLearnersProgress() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let tool = try TestTool()
            let dto = try await register(app, tool)
            let (course, _, item) = try await courseWithTool(app, w, tool: dto)
            let pupil = try await PageTests().signIn(app, "pupil1")
            let start = try HandOver(try await page(app, "course-items/\(item.id)/launch", pupil))
            let idToken = try #require(try HandOver(try await page(app, "lti/authorize?" + start.authQuery(redirect: launchURL), pupil)).fields["id_token"])
            let claims = try await platformKeys(app).verify(idToken, as: LaunchClaims.self)
            let lineitem = try #require(claims.endpoint?.lineitem)
            let path = String(lineitem.dropFirst(dto.platform.issuer.count + 1))

            // Token endpoint: the OAuth way, and each assertion once.
            let signed = try assertion(tool, dto, jti: "j-1")
            let bearerToken = try #require(try await token(app, signed, expect: .ok).token)
            #expect(try await token(app, signed, expect: .unauthorized).error == "invalid_client")
            #expect(try await token(app, try assertion(tool, dto), expect: .badRequest, grant: "password").error == "unsupported_grant_type")
            #expect(try await token(app, try assertion(tool, dto, aud: "https://elsewhere.example"), expect: .unauthorized).error == "invalid_client")
            #expect(try await token(app, try assertion(try TestTool(), dto), expect: .unauthorized).error == "invalid_client", "another key")
            #expect(try await token(app, try assertion(tool, dto, exp: -120), expect: .unauthorized).error == "invalid_client", "expired")
            #expect(try await token(app, try assertion(tool, dto), scope: "https://example.org/other", expect: .badRequest).error == "invalid_scope")
            let readOnly = try #require(try await token(app, try assertion(tool, dto), scope: LTIClaim.Scope.lineItemReadOnly, expect: .ok).token)
            let bearer: HTTPHeaders = ["Authorization": "Bearer \(bearerToken)"]

            func score(_ h: HTTPHeaders, _ body: [String: Any], expect: HTTPStatus) async throws {
                var headers = h
                headers.contentType = HTTPMediaType(type: "application", subType: "vnd.ims.lis.v1.score+json")
                try await app.testing().test(.POST, path + "/scores", headers: headers, body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: body))) { res in
                    #expect(res.status == expect, "\(res.body.string.prefix(400))")
                }
            }
            let me = w.pupilA1.id.uuidString.lowercased()
            let t1 = "2026-11-22T10:00:00Z", t2 = "2026-11-22T10:05:00Z"
            try await score([:], ["userId": me, "timestamp": t1, "activityProgress": "Completed", "gradingProgress": "FullyGraded", "scoreGiven": 8, "scoreMaximum": 20], expect: .unauthorized)
            try await score(["Authorization": "Bearer \(readOnly)"], ["userId": me, "timestamp": t1, "activityProgress": "Completed", "gradingProgress": "FullyGraded"], expect: .forbidden)
            try await score(bearer, ["userId": me, "activityProgress": "Done", "gradingProgress": "FullyGraded", "scoreGiven": -1], expect: .unprocessableEntity)
            try await score(bearer, ["userId": w.pupilB.id.uuidString, "timestamp": t1, "activityProgress": "Completed", "gradingProgress": "FullyGraded"], expect: .unprocessableEntity)
            try await score(bearer, ["userId": me, "timestamp": t1, "activityProgress": "Completed", "gradingProgress": "FullyGraded", "scoreGiven": 8, "scoreMaximum": 20], expect: .noContent)
            var p = try #require(try await app.call(.GET, "api/v1/courses/\(course.id)/progress", try await app.bearer("pupil1"), expect: .ok).decoded(CourseProgressDTO.self))
            var mine = try #require(p.items.first { $0.itemId == item.id })
            #expect(mine.score == 40 && mine.completedAt == nil, "8 of 20 is 40 %, under the 50 % rule")
            // An older score after a newer one is refused; a newer one replaces it.
            try await score(bearer, ["userId": me, "timestamp": "2026-11-22T09:00:00Z", "activityProgress": "Completed", "gradingProgress": "FullyGraded", "scoreGiven": 20, "scoreMaximum": 20], expect: .conflict)
            try await score(bearer, ["userId": me, "timestamp": t2, "activityProgress": "Completed", "gradingProgress": "FullyGraded", "scoreGiven": 15, "scoreMaximum": 20], expect: .noContent)
            p = try #require(try await app.call(.GET, "api/v1/courses/\(course.id)/progress", try await app.bearer("pupil1"), expect: .ok).decoded(CourseProgressDTO.self))
            mine = try #require(p.items.first { $0.itemId == item.id })
            #expect(mine.score == 75 && mine.completedAt != nil)
            // Results and line items, as AGS media types; another tool sees none of it.
            try await app.testing().test(.GET, path + "/results", headers: ["Authorization": "Bearer \(bearerToken)"]) { res in
                #expect(res.status == .ok && res.headers.contentType?.subType == "vnd.ims.lis.v2.resultcontainer+json")
                #expect(res.body.string.contains("\"resultScore\":15") && res.body.string.contains(me))
            }
            let lineitems = try #require(claims.endpoint?.lineitems)
            let listPath = String(lineitems.dropFirst(dto.platform.issuer.count + 1))
            try await app.testing().test(.GET, listPath, headers: ["Authorization": "Bearer \(readOnly)"]) { res in
                #expect(res.status == .ok && res.body.string.contains("\"scoreMaximum\":20") && res.body.string.contains(item.id.uuidString.lowercased()))
            }
            try await app.testing().test(.POST, listPath, headers: ["Authorization": "Bearer \(bearerToken)", "Content-Type": "application/json"],
                                         body: ByteBuffer(string: #"{"label":"Quiz 2","scoreMaximum":10,"tag":"quiz"}"#)) { res in
                #expect(res.status == .created && res.body.string.contains("Quiz 2"))
            }
            try await app.testing().test(.POST, listPath, headers: ["Authorization": "Bearer \(bearerToken)", "Content-Type": "application/json"],
                                         body: ByteBuffer(string: #"{"label":"","scoreMaximum":0}"#)) { res in #expect(res.status == .unprocessableEntity) }
            try await app.testing().test(.POST, listPath, headers: ["Authorization": "Bearer \(bearerToken)", "Content-Type": "application/json"],
                                         body: ByteBuffer(string: "{not json")) { res in #expect(res.status == .badRequest) }
            let other = try TestTool(kid: "other")
            let otherDTO = try await register(app, other, extra: ["name": "Other"])
            let otherToken = try #require(try await token(app, try assertion(other, otherDTO), expect: .ok).token)
            try await app.testing().test(.GET, path + "/results", headers: ["Authorization": "Bearer \(otherToken)"]) { res in #expect(res.status == .notFound) }
            try await app.testing().test(.GET, listPath, headers: ["Authorization": "Bearer \(otherToken)"]) { res in #expect(res.status == .notFound) }
            // A tool turned off loses its tokens at once.
            try await app.call(.PATCH, "api/v1/lti/tools/\(dto.id)", try await app.bearer("admin"), ["enabled": false], expect: .ok)
            try await app.testing().test(.GET, path + "/results", headers: ["Authorization": "Bearer \(bearerToken)"]) { res in #expect(res.status == .unauthorized) }
        }
    }

    @Test func deepLinkingAddsTheToolsContentToTheLessonOnce() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let tool = try TestTool()
            let dto = try await register(app, tool)
            let (course, lesson, _) = try await courseWithTool(app, w, tool: dto)
            let teacher = try await PageTests().signIn(app, "teacher1")
            // The course page offers deep linking to teachers; pupils cannot start it.
            #expect(try await page(app, "courses/\(course.id)", teacher).lowercased().contains("/lessons/\(lesson.uuidString.lowercased())/deep-link"))
            try await page(app, "lessons/\(lesson)/deep-link?tool=\(dto.id)", try await PageTests().signIn(app, "pupil1"), expect: .forbidden)
            let start = try HandOver(try await page(app, "lessons/\(lesson)/deep-link?tool=\(dto.id)", teacher))
            #expect(start.fields["target_link_uri"] == "https://tool.example.org/deep")
            let idToken = try #require(try HandOver(try await page(app, "lti/authorize?" + start.authQuery(redirect: launchURL), teacher)).fields["id_token"])
            let claims = try await platformKeys(app).verify(idToken, as: LaunchClaims.self)
            let settings = try #require(claims.deepLinking)
            #expect(claims.messageType == "LtiDeepLinkingRequest" && settings.accept_types == ["ltiResourceLink"])
            let now = Int(Date().timeIntervalSince1970)
            func response(nonce: String, data: String? = settings.data, signer: TestTool = tool) throws -> String {
                var c: [String: Any] = [
                    "iss": dto.clientId, "aud": [dto.platform.issuer], "iat": now, "exp": now + 600, "nonce": nonce,
                    "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiDeepLinkingResponse",
                    "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
                    "https://purl.imsglobal.org/spec/lti/claim/deployment_id": dto.deploymentId,
                    "https://purl.imsglobal.org/spec/lti-dl/claim/content_items": [
                        ["type": "ltiResourceLink", "title": "Hình học không gian", "url": "https://tool.example.org/launch?activity=7",
                         "custom": ["activity": "7"], "lineItem": ["scoreMaximum": 10, "label": "Hình học", "tag": "geo"]],
                        ["type": "html", "title": "A snippet", "html": "<b>x</b>"],
                    ],
                ]
                if let data { c["https://purl.imsglobal.org/spec/lti-dl/claim/data"] = data }
                return try signer.sign(c)
            }
            func post(_ jwt: String, expect: HTTPStatus) async throws -> String {
                var body = ""
                try await app.testing().test(.POST, settings.deep_link_return_url.replacingOccurrences(of: dto.platform.issuer + "/", with: ""),
                                             headers: ["Content-Type": "application/x-www-form-urlencoded"], body: ByteBuffer(string: "JWT=\(jwt)")) { res in
                    #expect(res.status == expect, "\(res.body.string.prefix(500))")
                    body = res.body.string
                }
                return body
            }
            // Forged (another key), unreadable, or naming no launch of ours: refused, nothing added.
            _ = try await post(try response(nonce: "n0", signer: try TestTool()), expect: .forbidden)
            _ = try await post("not-a-jwt", expect: .badRequest)
            _ = try await post(try response(nonce: "n1", data: UUID().uuidString), expect: .unprocessableEntity)
            let added = try await post(try response(nonce: "n2"), expect: .created)
            #expect(added.contains("Hình học không gian") && added.contains("A snippet"))
            _ = try await post(try response(nonce: "n2"), expect: .forbidden)   // the same message again
            _ = try await post(try response(nonce: "n3"), expect: .conflict)    // the launch already answered
            let outline = try #require(try await app.call(.GET, "api/v1/courses/\(course.id)", try await app.bearer("teacher1"), expect: .ok).decoded(CourseDTO.self))
            let items = outline.units?.flatMap { $0.lessons.flatMap(\.items) } ?? []
            let made = try #require(items.first { $0.title == "Hình học không gian" })
            #expect(made.kind == "lti" && made.refId == dto.id && made.url == "https://tool.example.org/launch?activity=7" && made.maxPoints == 10)
            #expect(items.count == 2)
            // Its launch carries the custom parameters and the deep link's target.
            let pupil = try await PageTests().signIn(app, "pupil1")
            let s2 = try HandOver(try await page(app, "course-items/\(made.id)/launch", pupil))
            #expect(s2.fields["target_link_uri"] == "https://tool.example.org/launch?activity=7")
            let t2 = try #require(try HandOver(try await page(app, "lti/authorize?" + s2.authQuery(redirect: launchURL), pupil)).fields["id_token"])
            let c2 = try await platformKeys(app).verify(t2, as: LaunchClaims.self)
            #expect(c2.custom == ["activity": "7"] && c2.targetLinkURI == "https://tool.example.org/launch?activity=7")
        }
    }
}
