import Foundation
import Testing
import VaporTesting
import Fluent
@testable import App
import Directory
import Platform

@Suite("Demo province")
struct DemoTests {
    @Test func demoSeedsABelievableProvinceOnceAndItsAccountsWork() async throws {
        try await withTestApp { app in
            let demo = DemoProvince(db: app.db, ctx: app.services.directory)
            let accounts = try await demo.seedIfEmpty(password: AppConfig.defaultDemoPassword)
            #expect(accounts?.map(\.username).contains("other.pupil") == true)
            #expect(try await RoleGrant.query(on: app.db).filter(\.$role == "pupil").join(Organisation.self, on: \RoleGrant.$orgID == \Organisation.$id)
                .filter(Organisation.self, \.$kind == "school").count() == 600)
            #expect(try await RoleGrant.query(on: app.db).filter(\.$role == "teacher").join(Organisation.self, on: \RoleGrant.$orgID == \Organisation.$id)
                .filter(Organisation.self, \.$kind == "school").count() == 30)
            #expect(try await Organisation.query(on: app.db).filter(\.$kind == "school").count() == 4)
            #expect(try await Organisation.query(on: app.db).filter(\.$kind == "district").count() == 2)
            #expect(try await Guardianship.query(on: app.db).count() == 600)
            let count = try await app.count(Person.self)
            #expect(try await demo.seedIfEmpty(password: AppConfig.defaultDemoPassword) == nil)
            #expect(try await app.count(Person.self) == count)

            for user in ["admin", "school.admin", "teacher", "pupil", "guardian", "other.pupil"] {
                _ = try await app.bearer(user, password: AppConfig.defaultDemoPassword)
            }
            // The demo's own permission story: the guardian sees the pupil, not the other pupil.
            let guardian = try await app.bearer("guardian", password: AppConfig.defaultDemoPassword)
            let pupilID = try await Account.query(on: app.db).filter(\.$username == "pupil").first()!.personID
            let otherID = try await Account.query(on: app.db).filter(\.$username == "other.pupil").first()!.personID
            try await app.testing().test(.GET, "api/v1/people/\(pupilID)", headers: guardian) { res in #expect(res.status == .ok) }
            try await app.testing().test(.GET, "api/v1/people/\(otherID)", headers: guardian) { res in #expect(res.status == .notFound) }
            let teacher = try await app.bearer("teacher", password: AppConfig.defaultDemoPassword)
            try await app.testing().test(.GET, "api/v1/people/\(pupilID)", headers: teacher) { res in #expect(res.status == .ok) }
            try await app.testing().test(.GET, "api/v1/people/\(otherID)", headers: teacher) { res in #expect(res.status == .notFound) }
        }
    }
}
