import Foundation
import Testing
import VaporTesting
@testable import App
import Directory
import Platform

/// Each rule of the issue, written so that removing the check makes the test fail: the
/// allowed case proves the route works, the refused case proves the check holds.
@Suite("Who sees whom")
struct PermissionTests {
    func status(_ app: Application, _ path: String, as user: String) async throws -> HTTPStatus {
        let h = try await app.bearer(user)
        var status = HTTPStatus.ok
        try await app.testing().test(.GET, path, headers: h) { res in status = res.status }
        return status
    }

    @Test func pupilSeesOnlyThemselves() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            #expect(try await status(app, "api/v1/people/\(w.pupilA1.id)", as: "pupil1") == .ok)
            #expect(try await status(app, "api/v1/people/\(w.pupilA2.id)", as: "pupil1") == .notFound)
            #expect(try await status(app, "api/v1/people/\(w.pupilB.id)", as: "pupil1") == .notFound)
            #expect(try await status(app, "api/v1/people/\(w.teacherA1.id)", as: "pupil1") == .notFound)
        }
    }

    @Test func guardianSeesTheirOwnChildOnly() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            #expect(try await status(app, "api/v1/people/\(w.pupilA1.id)", as: "guardian1") == .ok)
            #expect(try await status(app, "api/v1/people/\(w.pupilA2.id)", as: "guardian1") == .notFound)
        }
    }

    @Test func teacherSeesPupilsOfTheirClassesOnly() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            #expect(try await status(app, "api/v1/people/\(w.pupilA1.id)", as: "teacher1") == .ok)
            #expect(try await status(app, "api/v1/people/\(w.pupilA2.id)", as: "teacher1") == .notFound)
            #expect(try await status(app, "api/v1/people/\(w.pupilB.id)", as: "teacher1") == .notFound)
            let actor = try await app.actor("teacher1")
            let page = try await DirectoryService(db: app.db, ctx: app.services.directory)
                .searchPeople(query: nil, orgID: nil, role: "pupil", limit: nil, cursor: nil, actor: actor)
            #expect(page.items.map(\.id) == [w.pupilA1.id])
        }
    }

    @Test func schoolAdministratorSeesOnlyTheirSchool() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            #expect(try await status(app, "api/v1/people/\(w.pupilA2.id)", as: "schooladmin") == .ok)
            #expect(try await status(app, "api/v1/people/\(w.pupilB.id)", as: "schooladmin") == .notFound)
            #expect(try await status(app, "api/v1/orgs/\(w.schoolA.id)", as: "schooladmin") == .ok)
            #expect(try await status(app, "api/v1/orgs/\(w.schoolB.id)", as: "schooladmin") == .notFound)
            #expect(try await status(app, "api/v1/orgs/\(w.provider.id)", as: "schooladmin") == .notFound)
        }
    }

    @Test func districtOfficialSeesOnlyTheirDistrict() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            #expect(try await status(app, "api/v1/people/\(w.pupilA1.id)", as: "official1") == .ok)
            #expect(try await status(app, "api/v1/people/\(w.pupilB.id)", as: "official1") == .notFound)
            #expect(try await status(app, "api/v1/orgs/\(w.schoolB.id)", as: "official1") == .notFound)
            let actor = try await app.actor("official1")
            let page = try await DirectoryService(db: app.db, ctx: app.services.directory)
                .searchPeople(query: nil, orgID: nil, role: "pupil", limit: nil, cursor: nil, actor: actor)
            #expect(Set(page.items.map(\.id)) == [w.pupilA1.id, w.pupilA2.id])
        }
    }

    @Test func providerNeverSeesASchoolsPeople() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            #expect(try await status(app, "api/v1/people/\(w.providerAdmin.id)", as: "provider") == .ok)
            #expect(try await status(app, "api/v1/people/\(w.pupilA1.id)", as: "provider") == .notFound)
            #expect(try await status(app, "api/v1/orgs/\(w.schoolA.id)", as: "provider") == .notFound)
        }
    }

    @Test func onlyManagersChangePeopleAndNobodyGrantsAboveThemselves() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            // A teacher can see the pupil but not edit them.
            try await app.testing().test(.PATCH, "api/v1/people/\(w.pupilA1.id)", headers: teacher, beforeRequest: { req in
                try req.content.encode(["givenName": "Changed"], as: .json)
            }) { res in #expect(res.status == .forbidden) }
            let admin = try await app.bearer("schooladmin")
            try await app.testing().test(.PATCH, "api/v1/people/\(w.pupilA1.id)", headers: admin, beforeRequest: { req in
                try req.content.encode(["givenName": "Ân"], as: .json)
            }) { res in
                #expect(res.status == .ok)
                #expect(res.decoded(PersonDTO.self)?.fullName == "Nguyễn Ân")
            }
            // A school administrator cannot make anyone an official or administrator.
            try await app.testing().test(.POST, "api/v1/people/\(w.teacherA1.id)/roles", headers: admin, beforeRequest: { req in
                try req.content.encode(["orgId": w.schoolA.id.uuidString, "role": "administrator"], as: .json)
            }) { res in #expect(res.status == .forbidden) }
            try await app.testing().test(.POST, "api/v1/people/\(w.teacherA1.id)/roles", headers: admin, beforeRequest: { req in
                try req.content.encode(["orgId": w.classA2.id.uuidString, "role": "homeroomTeacher"], as: .json)
            }) { res in #expect(res.status == .ok) }
            // ...nor give roles in another school.
            try await app.testing().test(.POST, "api/v1/people/\(w.teacherA1.id)/roles", headers: admin, beforeRequest: { req in
                try req.content.encode(["orgId": w.schoolB.id.uuidString, "role": "teacher"], as: .json)
            }) { res in #expect(res.status == .notFound) }
        }
    }

    @Test func auditLogIsBrowsableOnlyWithinScope() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let admin = try await app.actor("schooladmin")
            let audit = AuditService(db: app.db)
            let mine = try await audit.events(orgID: nil, entityID: nil, limit: 200, cursor: nil, actor: admin)
            #expect(!mine.items.isEmpty)
            #expect(mine.items.allSatisfy { $0.orgPath.hasPrefix(w.schoolA.path) })
            await #expect(throws: DomainError.self) {
                _ = try await audit.events(orgID: nil, entityID: nil, limit: 10, cursor: nil, actor: try await app.actor("pupil1"))
            }
            let h = try await app.bearer("schooladmin")
            try await app.testing().test(.GET, "api/v1/audit-events?orgId=\(w.schoolB.id)", headers: h) { res in
                #expect(res.status == .notFound)
            }
        }
    }
}
