import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
import Courses
@testable import App

@Suite("Courses: pages", .serialized)
struct CoursePageTests {
    func post(_ app: Application, _ path: String, _ h: HTTPHeaders, _ fields: [String: String], check: (TestingHTTPResponse) async throws -> Void) async throws {
        let (headers, csrf) = PageTests().form(h)
        var all = fields
        all["_csrf"] = csrf
        let body = all.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        try await app.testing().test(.POST, path, headers: headers, body: ByteBuffer(string: body)) { res in try await check(res) }
    }

    @Test func aTeacherBuildsACourseOnItsPageAndAPupilWorksThroughIt() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let teacher = try await PageTests().signIn(app, "teacher1")
            var courseID = ""
            try await post(app, "courses", teacher, ["kind": "class", "title": "Toán 3", "org": w.classA1.id.uuidString]) { res in
                #expect(res.status == .seeOther)
                courseID = String(res.headers.first(name: .location)?.split(separator: "/").last ?? "")
            }
            // A bad form comes back with its error in the reader's language, not a 500.
            try await post(app, "courses", teacher, ["kind": "class", "title": "", "org": w.classA1.id.uuidString]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("Toán 3"))
            }
            try await post(app, "courses/\(courseID)/units", teacher, ["title": "Chương 1"]) { res in #expect(res.status == .seeOther) }
            let unit = try #require(try await app.courses(app, courseID, "teacher1").units?.first)
            try await post(app, "courses/\(courseID)/lessons", teacher, ["unit": unit.id.uuidString, "title": "Bài 1"]) { res in #expect(res.status == .seeOther) }
            let lesson = try #require(try await app.courses(app, courseID, "teacher1").units?.first?.lessons.first)
            try await post(app, "courses/\(courseID)/items", teacher, ["lesson": lesson.id.uuidString, "kind": "page", "title": "Đọc trước", "body": "Bảng nhân 7"]) { res in
                #expect(res.status == .seeOther)
            }
            try await post(app, "courses/\(courseID)/items", teacher, ["lesson": lesson.id.uuidString, "kind": "assignment", "title": "Bài tập", "dueAt": "2026-13-40T99:00"]) { res in
                #expect(res.status == .unprocessableEntity)
            }
            try await post(app, "courses/\(courseID)/items", teacher, ["lesson": lesson.id.uuidString, "kind": "discussion", "title": "Hỏi đáp"]) { res in
                #expect(res.status == .seeOther)
            }
            try await post(app, "courses/\(courseID)/publish", teacher, [:]) { res in #expect(res.status == .seeOther) }
            // Without the CSRF token a form is refused.
            var noToken = teacher
            noToken.replaceOrAdd(name: "Content-Type", value: "application/x-www-form-urlencoded")
            try await app.testing().test(.POST, "courses/\(courseID)/units", headers: noToken, body: ByteBuffer(string: "title=X")) { res in
                #expect(res.status == .forbidden)
            }
            // The pupil (Vietnamese) sees the course, opens the page (done on view), writes in the discussion.
            let pupil = try await PageTests().signIn(app, "pupil1", lang: "vi")
            let items = try #require(try await app.courses(app, courseID, "teacher1").units?.first?.lessons.first?.items)
            try await app.testing().test(.GET, "courses/\(courseID)", headers: pupil) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Đã hoàn thành: 0/2"))
            }
            try await app.testing().test(.GET, "course-items/\(items[0].id)", headers: pupil) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Bảng nhân 7"))
            }
            // The outline is rendered once for all learners; each view puts in its own ticks.
            try await app.testing().test(.GET, "courses/\(courseID)", headers: pupil) { res in
                #expect(res.body.string.components(separatedBy: "✓</span>").count - 1 == 1)
                #expect(!res.body.string.contains("<!--done:"))
            }
            try await app.testing().test(.GET, "courses/\(courseID)", headers: try await PageTests().signIn(app, "pupil2")) { res in
                #expect(res.status == .notFound)
            }
            try await post(app, "course-items/\(items[1].id)/posts", pupil, ["body": "Em chưa hiểu bài 2"]) { res in #expect(res.status == .seeOther) }
            try await post(app, "course-items/\(items[1].id)/posts", pupil, ["body": " "]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("Em chưa hiểu bài 2"))
            }
            try await app.testing().test(.GET, "courses/\(courseID)", headers: pupil) { res in
                #expect(res.body.string.contains("Đã hoàn thành khóa học"))
            }
            // Another class's pupil gets the friendly not-found page; the teacher's table lists the pupil as done.
            try await app.testing().test(.GET, "courses/\(courseID)", headers: try await PageTests().signIn(app, "pupil2")) { res in
                #expect(res.status == .notFound)
                #expect(res.headers.contentType?.description.contains("html") == true)
            }
            try await app.testing().test(.GET, "courses/\(courseID)/learners", headers: teacher) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("2/2"))
            }
            try await app.testing().test(.GET, "catalogue") { res in #expect(res.status == .ok) }
            // The guardian follows the child's courses from the home page; nobody else's child.
            let guardian = try await PageTests().signIn(app, "guardian1", lang: "vi")
            try await app.testing().test(.GET, "", headers: guardian) { res in
                #expect(res.body.string.contains("/courses?learner=\(w.pupilA1.id.uuidString.lowercased())"))
            }
            try await app.testing().test(.GET, "courses?learner=\(w.pupilA1.id)", headers: guardian) { res in
                #expect(res.status == .ok && res.body.string.contains("Toán 3") && res.body.string.contains("Đã hoàn thành: 2/2"))
            }
            try await app.testing().test(.GET, "courses?learner=\(w.pupilA2.id)", headers: guardian) { res in #expect(res.status == .notFound) }
            try await app.testing().test(.GET, "courses?learner=nope", headers: guardian) { res in #expect(res.status == .notFound) }
        }
    }

    @Test func theBuildersArrowsReorderAndItsCrossRemovesAnItem() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let bearer = try await app.bearer("teacher1")
            let (course, lesson) = try await app.publishedCourse(bearer, kind: "class", org: w.classA1.id)
            for title in ["Một", "Hai", "Ba"] {
                try await app.call(.POST, "api/v1/lessons/\(lesson)/items", bearer, ["kind": "page", "title": title, "body": title], expect: .created)
            }
            func titles() async throws -> [String] {
                try await app.courses(app, course.id.uuidString, "teacher1").units?.first?.lessons.first?.items.map(\.title) ?? []
            }
            let items = try await app.courses(app, course.id.uuidString, "teacher1").units?.first?.lessons.first?.items ?? []
            let teacher = try await PageTests().signIn(app, "teacher1")
            var page = ""
            try await app.testing().test(.GET, "courses/\(course.id)", headers: teacher) { res in page = res.body.string }
            // The first row has no "up", the last no "down".
            #expect(page.contains("name=\"row\" value=\"\(items[2].id.uuidString.lowercased())\"><input type=\"hidden\" name=\"position\" value=\"1\""))
            try await post(app, "courses/\(course.id)/move", teacher, ["row": items[2].id.uuidString, "position": "0"]) { res in #expect(res.status == .seeOther) }
            #expect(try await titles() == ["Ba", "Một", "Hai"])
            try await post(app, "courses/\(course.id)/move", teacher, ["row": items[2].id.uuidString, "position": "x"]) { res in #expect(res.status == .unprocessableEntity) }
            try await post(app, "courses/\(course.id)/remove", teacher, ["row": items[0].id.uuidString]) { res in #expect(res.status == .seeOther) }
            #expect(try await titles() == ["Ba", "Hai"])
            // Learners get no builder.
            try await post(app, "courses/\(course.id)/move", try await PageTests().signIn(app, "pupil1"), ["row": items[1].id.uuidString, "position": "0"]) { res in
                #expect(res.status == .forbidden)
            }
            var pupilPage = ""
            try await app.testing().test(.GET, "courses/\(course.id)", headers: try await PageTests().signIn(app, "pupil1")) { res in pupilPage = res.body.string }
            #expect(!pupilPage.contains("/move"))
        }
    }
}

extension Application {
    func courses(_ app: Application, _ id: String, _ user: String) async throws -> CourseDTO {
        try await app.courses.courseDetail(UUID(uuidString: id)!, actor: try await actorFor(user))
    }

    var courses: CoursesService { CoursesService(db: db, ctx: services.courses) }

}
