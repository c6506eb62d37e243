import Foundation
import Testing
import Vapor
import VaporTesting
import Fluent
import SQLKit
@testable import App
import Platform
import Directory

/// The package root, found from this file so tests run from any working directory.
let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }
    return url.path
}()

/// Where the shared interoperability fixtures live, or nil when `../shared` is absent.
let sharedFixtures: String? = {
    let path = URL(fileURLWithPath: packageRoot).deletingLastPathComponent().appendingPathComponent("shared/fixtures").path
    return FileManager.default.fileExists(atPath: path) ? path : nil
}()

/// Builds the app on a fresh in-memory SQLite database, or on a fresh PostgreSQL schema
/// when `DATABASE_URL` is set, runs `test`, and tears everything down.
func withTestApp<T>(adjust: (inout AppConfig) -> Void = { _ in }, _ test: (Application) async throws -> T) async throws -> T {
    let app = try await Application.make(.testing)
    let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    var database = AppConfig.Database.sqliteMemory
    if let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty {
        database = .postgres(url: url, searchPath: [String(schema)])
    }
    // Each test app has its own data folder: blobs are shared by content, and one test
    // discarding an unreferenced blob must not pull it from under another test.
    let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("ec-test-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
    var config = AppConfig(port: 0, hostname: "127.0.0.1", dataDirectory: dataDirectory, database: database, logLevel: .warning,
                           demoPassword: AppConfig.defaultDemoPassword, defaultLocale: .en, bcryptCost: 4, homeDirectory: packageRoot)
    // Suites run in parallel, each with its own app: keep every pool small so the test
    // server's 100 connections are enough.
    config.postgresConnectionsPerLoop = 1
    adjust(&config)
    do {
        try await configure(app, config: config)
        if case .postgres = database {
            try await (app.db as! any SQLDatabase).raw("CREATE SCHEMA \(unsafeRaw: String(schema))").run()
        }
        try await app.autoMigrate()
        let result = try await test(app)
        if case .postgres = database {
            try await (app.db as! any SQLDatabase).raw("DROP SCHEMA \(unsafeRaw: String(schema)) CASCADE").run()
        }
        try await app.asyncShutdown()
        return result
    } catch {
        if case .postgres = database {
            try? await (app.db as! any SQLDatabase).raw("DROP SCHEMA \(unsafeRaw: String(schema)) CASCADE").run()
        }
        try? await app.asyncShutdown()
        throw error
    }
}

let testPassword = "correct-horse-7"

/// A small world with two schools in two districts, a provider and one person per role,
/// built through the services so the tests exercise the same paths as the product.
struct World {
    var nation: OrgDTO, province: OrgDTO, district1: OrgDTO, district2: OrgDTO
    var schoolA: OrgDTO, schoolB: OrgDTO, classA1: OrgDTO, classA2: OrgDTO, provider: OrgDTO
    var admin: PersonDTO, official1: PersonDTO, schoolAdminA: PersonDTO, teacherA1: PersonDTO, teacherA2: PersonDTO
    var pupilA1: PersonDTO, pupilA2: PersonDTO, guardianA1: PersonDTO, pupilB: PersonDTO, providerAdmin: PersonDTO

    static func build(_ app: Application) async throws -> World {
        let s = DirectoryService(db: app.db, ctx: app.services.directory)
        let sys = Actor.system("test")
        func org(_ kind: String, _ code: String, _ name: String, _ parent: OrgDTO?) async throws -> OrgDTO {
            try await s.createOrganisation(NewOrganisation(kind: kind, code: code, parentID: parent?.id, name: LocalizedText(vi: name, en: name)), actor: sys)
        }
        let nation = try await org("nation", "vn", "Việt Nam", nil)
        let province = try await org("province", "19", "Tỉnh Thái Nguyên", nation)
        let d1 = try await org("district", "164", "Thành phố Thái Nguyên", province)
        let d2 = try await org("district", "167", "Huyện Định Hóa", province)
        let a = try await org("school", "sa", "Trường A", d1)
        let b = try await org("school", "sb", "Trường B", d2)
        let a1 = try await org("class", "a1", "Lớp 3A", a)
        let a2 = try await org("class", "a2", "Lớp 4A", a)
        let provider = try await org("provider", "prov", "Công ty Sao Mai", province)
        func person(_ user: String, _ family: String, _ given: String, _ org: OrgDTO, _ role: String, birth: String = "1985-03-04") async throws -> PersonDTO {
            try await s.createPerson(NewPerson(familyName: family, givenName: given, birthDate: birth, username: user, password: testPassword,
                                               orgID: org.id, role: role), actor: sys)
        }
        let admin = try await person("admin", "Nguyễn", "Quản", nation, "administrator")
        let official1 = try await person("official1", "Trần", "Phòng", d1, "official")
        let sa = try await person("schooladmin", "Lê", "Hiệu", a, "schoolAdmin")
        let t1 = try await person("teacher1", "Phạm", "Giáo", a, "teacher")
        _ = try await s.assignRole(personID: t1.id, orgID: a1.id, role: "teacher", actor: sys)
        let t2 = try await person("teacher2", "Hoàng", "Dạy", a, "teacher")
        _ = try await s.assignRole(personID: t2.id, orgID: a2.id, role: "teacher", actor: sys)
        let p1 = try await person("pupil1", "Nguyễn", "An", a, "pupil", birth: "2017-05-06")
        _ = try await s.assignRole(personID: p1.id, orgID: a1.id, role: "pupil", actor: sys)
        let p2 = try await person("pupil2", "Võ", "Bình", a, "pupil", birth: "2016-01-02")
        _ = try await s.assignRole(personID: p2.id, orgID: a2.id, role: "pupil", actor: sys)
        let g1 = try await person("guardian1", "Nguyễn", "Cha", a, "guardian")
        _ = try await s.linkGuardian(guardianID: g1.id, pupilID: p1.id, relationship: "father", actor: sys)
        let pb = try await person("pupilb", "Đỗ", "Chi", b, "pupil", birth: "2015-07-08")
        let pa = try await person("provider", "Bùi", "Sao", provider, "providerAdmin")
        return World(nation: nation, province: province, district1: d1, district2: d2, schoolA: a, schoolB: b, classA1: a1, classA2: a2,
                     provider: provider, admin: admin, official1: official1, schoolAdminA: sa, teacherA1: t1, teacherA2: t2,
                     pupilA1: p1, pupilA2: p2, guardianA1: g1, pupilB: pb, providerAdmin: pa)
    }
}

extension Application {
    /// Signs in through the API and answers a bearer header.
    func bearer(_ username: String, password: String = testPassword) async throws -> HTTPHeaders {
        var token = ""
        try await testing().test(.POST, "api/v1/auth/token", beforeRequest: { req in
            try req.content.encode(["username": username, "password": password], as: .json)
        }, afterResponse: { res in
            #expect(res.status == .created, "sign-in of \(username) failed: \(res.body.string)")
            token = try res.content.decode(IssuedToken.self).token
        })
        return ["Authorization": "Bearer \(token)"]
    }

    /// An actor for calling services directly, resolved the way a request would be.
    func actor(_ username: String) async throws -> Actor {
        let account = try await Account.query(on: db).filter(\.$username == username).first()!
        let tokens = AuthService(db: db, ctx: services.directory)
        let issued = try await tokens.signIn(username: username, password: testPassword, kind: .api, ip: nil)
        let identity = try await tokens.resolve(token: issued.token, kind: .api)!
        #expect(identity.personID == account.personID)
        return Actor(personID: identity.personID, displayName: identity.displayName, grants: identity.grants)
    }

    /// The actor of any account (demo accounts have the demo password, not the test one).
    func actorFor(_ username: String) async throws -> Actor {
        try await DirectoryService(db: db, ctx: services.directory).actor(username: username, acting: .system("test"))
    }

    func count<M: Model>(_ m: M.Type) async throws -> Int { try await M.query(on: db).count() }
}

extension TestingHTTPResponse {
    /// The JSON body as `T`, with RFC 3339 dates; nil (and a test failure) when it is not.
    func decoded<T: Decodable>(_ type: T.Type) -> T? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do { return try decoder.decode(T.self, from: Data(buffer: body)) } catch {
            Issue.record("response is not \(T.self): \(error) \(body.string.prefix(300))")
            return nil
        }
    }

    var problemCode: String? {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])?["code"] as? String
    }
}

extension HTTPHeaders {
    /// The CSRF token of a signed-in page session (its cookie), for posting forms.
    var csrfToken: String {
        (first(name: "Cookie") ?? "").components(separatedBy: "; ").first { $0.hasPrefix("ec_csrf=") }.map { String($0.dropFirst(8)) } ?? ""
    }
}
