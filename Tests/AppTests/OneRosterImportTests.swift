import Foundation
import Testing
import VaporTesting
import Fluent
@testable import App
import Directory
import Platform

@Suite("OneRoster 1.2 import", .enabled(if: sharedFixtures != nil, "../shared/fixtures is absent: the OneRoster interoperability tests need it"))
struct OneRosterImportTests {
    func files(_ folder: String) throws -> [String: Data]? {
        guard let shared = sharedFixtures else { return nil }
        let dir = shared + "/oneroster/" + folder
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name.hasSuffix(".csv") {
            out[name] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
        }
        return out
    }

    func importer(_ app: Application) -> OneRosterImporter { OneRosterImporter(db: app.db, ctx: app.services.directory) }

    @Test func cleanSetImportsOnceAndTheSecondRunChangesNothing() async throws {
        let files = try #require(try files("v1p2-delta-clean"))
        try await withTestApp { app in
            let w = try await World.build(app)
            let admin = try await app.actor("admin")
            let dry = try await importer(app).run(files: files, into: w.district1.id, dryRun: true, actor: admin)
            #expect(dry.dryRun)
            #expect(dry.created["users"] == 1)
            #expect(try await Person.query(on: app.db).filter(\.$sourcedID == "USER_0").first() == nil)

            let peopleBefore = try await app.count(Person.self)
            let first = try await importer(app).run(files: files, into: w.district1.id, dryRun: false, actor: admin)
            #expect(first.created["users"] == 1)
            #expect(first.created["orgs"] == 1)
            #expect(first.created["classes"] == 1)
            #expect(first.created["roles"] == 2)
            #expect(try await app.count(Person.self) == peopleBefore + 1)
            let bruce = try await Person.query(on: app.db).filter(\.$sourcedID == "USER_0").first()!
            #expect(bruce.fullName == "Wayne Bruce")
            #expect(bruce.birthDate == "2010-04-17")
            #expect(try await Account.query(on: app.db).filter(\.$username == "brucewayne").first() != nil)
            let school = try await Organisation.query(on: app.db).filter(\.$sourcedID == "ORG_1").first()!
            #expect(school.path.hasPrefix(w.district1.path))

            let auditAfterFirst = try await app.count(AuditEvent.self)
            let second = try await importer(app).run(files: files, into: w.district1.id, dryRun: false, actor: admin)
            #expect(second.totalChanges == 0, "second import changed: \(second.created) \(second.updated)")
            #expect(try await app.count(Person.self) == peopleBefore + 1)
            #expect(try await app.count(AuditEvent.self) == auditAfterFirst)
        }
    }

    @Test func messyRealWorldSetIsRefusedWithFileLineAndFieldAndWritesNothing() async throws {
        let files = try #require(try files("v1p2-bulk-messy"))
        try await withTestApp { app in
            let w = try await World.build(app)
            let admin = try await app.actor("admin")
            let before = (try await app.count(Person.self), try await app.count(Organisation.self), try await app.count(AuditEvent.self))
            do {
                _ = try await importer(app).run(files: files, into: w.district1.id, dryRun: false, actor: admin)
                Issue.record("the messy set was accepted")
            } catch let e as DomainError {
                let p = e.problems
                #expect(p.contains { $0.file == "users.csv" && $0.line == 2 && $0.field == "dateLastModified" })
                #expect(p.contains { $0.file == "academicSessions.csv" && $0.line == 4 && $0.field == "status" })
                #expect(p.allSatisfy { $0.file != nil })
            }
            #expect((try await app.count(Person.self), try await app.count(Organisation.self), try await app.count(AuditEvent.self)) == before)
        }
    }

    @Test func brokenReferencesAreReportedWithTheirLine() async throws {
        var files = try #require(try files("v1p2-delta-clean"))
        files["enrollments.csv"] = Data("\u{FEFF}sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\r\nE1,active,2023-10-02T00:00:00.000Z,CLASS_001,ORG_1,USER_0,student,,,\r\nE2,active,2023-10-02T00:00:00.000Z,CLASS_404,ORG_1,USER_0,student,,,".utf8)
        try await withTestApp { app in
            let w = try await World.build(app)
            await #expect {
                try await importer(app).run(files: files, into: w.district1.id, dryRun: false, actor: try await app.actor("admin"))
            } throws: { error in
                guard let e = error as? DomainError else { return false }
                return e.problems == [FieldProblem(field: "classSourcedId", line: 3, file: "enrollments.csv", reason: "validation.oneroster.reference", arguments: ["CLASS_404"])]
            }
            #expect(try await Person.query(on: app.db).filter(\.$sourcedID == "USER_0").first() == nil)
        }
    }

    @Test func oneRoster11IsRecognisedAndRefused() async throws {
        let files = try #require(try files("v1p1-bulk"))
        try await withTestApp { app in
            let w = try await World.build(app)
            await #expect {
                try await importer(app).run(files: files, into: w.district1.id, dryRun: false, actor: try await app.actor("admin"))
            } throws: { error in
                (error as? DomainError)?.problems.first?.reason == "validation.oneroster.version"
            }
        }
    }

    @Test func onlyManagersMayImport() async throws {
        let files = try #require(try files("v1p2-delta-clean"))
        try await withTestApp { app in
            let w = try await World.build(app)
            await #expect(throws: DomainError.forbidden()) {
                try await importer(app).run(files: files, into: w.schoolA.id, dryRun: true, actor: try await app.actor("teacher1"))
            }
            await #expect(throws: DomainError.forbidden()) {
                try await importer(app).run(files: files, into: w.district2.id, dryRun: true, actor: try await app.actor("schooladmin"))
            }
        }
    }

    @Test func uploadThroughTheAPI() async throws {
        let files = try #require(try files("v1p2-delta-clean"))
        try await withTestApp { app in
            let w = try await World.build(app)
            let boundary = "----educommons-test"
            var body = Data()
            for (name, data) in files.sorted(by: { $0.key < $1.key }) {
                body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"files[]\"; filename=\"\(name)\"\r\nContent-Type: text/csv\r\n\r\n".utf8))
                body.append(data)
                body.append(Data("\r\n".utf8))
            }
            body.append(Data("--\(boundary)--\r\n".utf8))
            var h = try await app.bearer("admin")
            h.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
            try await app.testing().test(.POST, "api/v1/imports/oneroster?into=\(w.district1.id)&dryRun=true", headers: h, body: .init(data: body)) { res in
                #expect(res.status == .ok, "\(res.body.string)")
                #expect(res.decoded(ImportReport.self)?.created["users"] == 1)
            }
            try await app.testing().test(.POST, "api/v1/imports/oneroster", headers: try await app.bearer("admin"), body: .init(string: "{}")) { res in
                #expect(res.status == .badRequest)
            }
        }
    }
}
