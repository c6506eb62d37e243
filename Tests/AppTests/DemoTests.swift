import Foundation
import Testing
import VaporTesting
import Fluent
import Assessment
import Courses
@testable import App
import Directory
import Platform
import Library

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
            // The demo exam is for the pupil's own class, whichever class the teacher's grants list first.
            let directory = DirectoryService(db: app.db, ctx: app.services.directory)
            let demoTeacher = try await directory.actor(username: "teacher", acting: .system("test"))
            let demoPupil = try await directory.actor(username: "pupil", acting: .system("test"))
            let exam = try await DemoAssessment(service: AssessmentService(db: app.db, ctx: app.services.assessment))
                .seed(teacher: demoTeacher, pupil: demoPupil)
            #expect(try await DemoCourses(service: CoursesService(db: app.db, ctx: app.services.courses)).seed(teacher: demoTeacher, pupil: demoPupil, exam: exam) == 2)
            let pupil = try await app.bearer("pupil", password: AppConfig.defaultDemoPassword)
            try await app.testing().test(.GET, "api/v1/exams", headers: pupil) { res in
                #expect(res.decoded([ExamDTO].self)?.map(\.title) == ["Kiểm tra 15 phút — Toán 3"])
            }
            try await app.testing().test(.GET, "api/v1/exams", headers: try await app.bearer("other.pupil", password: AppConfig.defaultDemoPassword)) { res in
                #expect(res.decoded([ExamDTO].self)?.isEmpty == true)
            }
            // The class course is the pupil's (with the exam in it), not the other pupil's; the MOOC is in the public catalogue.
            try await app.testing().test(.GET, "api/v1/courses", headers: pupil) { res in
                let courses = res.decoded([CourseDTO].self)
                #expect(courses?.map(\.title) == ["Toán 3 — Học kỳ I"])
                #expect(courses?.first?.learnerCount ?? 0 > 1)
            }
            try await app.testing().test(.GET, "api/v1/courses", headers: try await app.bearer("other.pupil", password: AppConfig.defaultDemoPassword)) { res in
                #expect(res.decoded([CourseDTO].self)?.isEmpty == true)
            }
            try await app.testing().test(.GET, "api/v1/catalogue") { res in
                #expect(res.decoded(ListPage<CourseDTO>.self)?.items.map(\.title) == ["Tiếng Việt cho mọi người"])
            }
        }
    }

    @Test func demoCommonsHasRealFilesInThreeLanguagesAndWorkInProgress() async throws {
        try await withTestApp { app in
            _ = try await DemoProvince(db: app.db, ctx: app.services.directory).seedIfEmpty(password: AppConfig.defaultDemoPassword)
            let lib = LibraryService(db: app.db, ctx: app.services.library)
            let seeded = try await DemoLibrary(library: lib).seedIfEmpty(directory: DirectoryService(db: app.db, ctx: app.services.directory))
            #expect(seeded >= 30)
            #expect(try await DemoLibrary(library: lib).seedIfEmpty(directory: DirectoryService(db: app.db, ctx: app.services.directory)) == 0)
            let anonymous = Actor(personID: nil, displayName: "anonymous", grants: [])
            let all = try await lib.search(SearchQuery(), actor: anonymous)
            #expect(all.total >= 20)
            #expect(Set(all.facets["language"]?.map(\.value) ?? []) == ["vi", "zh-Hans", "en"])
            let kinds = Set(all.facets["type"]?.map(\.value) ?? [])
            #expect(kinds.isSuperset(of: ["document", "image", "simulation", "ebook", "link", "audio"]))
            #expect(try await lib.search(SearchQuery(q: "phuong trinh bac hai"), actor: anonymous).total == 1)
            #expect(try await lib.search(SearchQuery(q: "二次方程"), actor: anonymous).total == 1)
            #expect(try await lib.search(SearchQuery(q: "quadratic equations"), actor: anonymous).total >= 1)
            // Every stored file is what its version says it is, from its bytes.
            let versions = try await app.rowCount("resource_versions")
            #expect(versions >= 20)
            // The teacher has a draft; the curator has a submission waiting.
            let teacher = try await app.actorFor("teacher")
            #expect(try await lib.myResources(actor: teacher).items.contains { $0.status == "draft" })
            let curator = try await app.actorFor("curator")
            #expect(try await lib.reviewQueue(actor: curator).items.count == 1)
        }
    }
}
