import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
import Directory
import Library
import Assessment
import Fluent
@testable import Courses
@testable import App

/// A JSON call that answers the status and the decoded body (when `T` is given).
extension Application {
    @discardableResult
    func call(_ method: HTTPMethod, _ path: String, _ headers: HTTPHeaders = [:], _ body: [String: Any]? = nil,
              expect status: HTTPStatus, code: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestingHTTPResponse {
        var h = headers
        var buffer: ByteBuffer?
        if let body {
            h.contentType = .json
            buffer = ByteBuffer(data: try JSONSerialization.data(withJSONObject: body))
        }
        var out: TestingHTTPResponse?
        try await testing().test(method, path, headers: h, body: buffer) { res in
            #expect(res.status == status, "\(method) \(path): \(res.body.string.prefix(400))", sourceLocation: sourceLocation)
            if let code { #expect(res.problemCode == code, "\(res.body.string.prefix(300))", sourceLocation: sourceLocation) }
            out = res
        }
        return try #require(out)
    }

    /// A course made and published by `teacher`, with one unit and one lesson.
    func publishedCourse(_ teacher: HTTPHeaders, kind: String, org: UUID, extra: [String: Any] = [:]) async throws -> (course: CourseDTO, lesson: UUID) {
        var body: [String: Any] = ["kind": kind, "title": "Toán 3 – Học kỳ I", "orgId": org.uuidString, "subject": "math", "grade": "3"]
        body.merge(extra) { _, b in b }
        let course = try #require(try await call(.POST, "api/v1/courses", teacher, body, expect: .created).decoded(CourseDTO.self))
        let unit = try #require(try await call(.POST, "api/v1/courses/\(course.id)/units", teacher, ["title": "Chương 1: Phép nhân"], expect: .created).decoded(UnitDTO.self))
        let lesson = try #require(try await call(.POST, "api/v1/course-units/\(unit.id)/lessons", teacher, ["title": "Bài 1"], expect: .created).decoded(LessonDTO.self))
        try await call(.PATCH, "api/v1/courses/\(course.id)", teacher, ["status": "published"], expect: .ok)
        return (try #require(try await call(.GET, "api/v1/courses/\(course.id)", teacher, expect: .ok).decoded(CourseDTO.self)), lesson.id)
    }
}

/// Completion events a listener received.
final class Seen: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [CourseCompletionEvent] = []
    func add(_ e: CourseCompletionEvent) { lock.withLock { list.append(e) } }
    var events: [CourseCompletionEvent] { lock.withLock { list } }
}

@Suite("Courses: class courses, MOOCs and SPOCs over the API", .serialized)
struct CoursesAPITests {
    @Test func aClassCourseReachesItsClassAndTheGuardiansOfItsPupilsOnly() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let draft = try #require(try await app.call(.POST, "api/v1/courses", teacher,
                                                        ["kind": "class", "title": "Toán 3", "orgId": w.classA1.id.uuidString], expect: .created).decoded(CourseDTO.self))
            #expect(draft.status == "draft" && draft.enrolment == "roster" && draft.role == "teacher")
            let pupil1 = try await app.bearer("pupil1")
            // A draft is the teacher's alone.
            try await app.call(.GET, "api/v1/courses/\(draft.id)", pupil1, expect: .notFound)
            try await app.call(.PATCH, "api/v1/courses/\(draft.id)", teacher, ["status": "published"], expect: .ok)
            // Publishing enrols the class: pupil 1 (class A1) is a learner, pupil 2 (A2) and pupil B (school B) do not see it.
            let seen = try #require(try await app.call(.GET, "api/v1/courses/\(draft.id)", pupil1, expect: .ok).decoded(CourseDTO.self))
            #expect(seen.role == "learner" && seen.enrolled && seen.learnerCount == 1 && seen.joinCode == nil)
            let mine = try #require(try await app.call(.GET, "api/v1/courses", pupil1, expect: .ok).decoded([CourseDTO].self))
            #expect(mine.map(\.id) == [draft.id])
            for other in ["pupil2", "pupilb", "teacher2", "provider"] {
                try await app.call(.GET, "api/v1/courses/\(draft.id)", try await app.bearer(other), expect: .notFound)
            }
            try await app.call(.GET, "api/v1/courses/\(draft.id)", expect: .notFound)
            // Pupils cannot change it or enrol others; the class list decides who is in it.
            try await app.call(.PATCH, "api/v1/courses/\(draft.id)", pupil1, ["title": "Của em"], expect: .forbidden)
            try await app.call(.POST, "api/v1/courses/\(draft.id)/enrolments", pupil1, [:], expect: .conflict, code: "conflict")
            try await app.call(.POST, "api/v1/courses/\(draft.id)/enrolments", teacher, ["usernames": ["pupil2"]], expect: .conflict)
            try await app.call(.DELETE, "api/v1/courses/\(draft.id)/enrolment", pupil1, expect: .conflict)
            // The guardian of pupil 1 follows the child; the child's classmate's progress is not theirs to see.
            let guardian = try await app.bearer("guardian1")
            let childCourses = try #require(try await app.call(.GET, "api/v1/courses?learner=\(w.pupilA1.id)", guardian, expect: .ok).decoded([CourseDTO].self))
            #expect(childCourses.map(\.role) == ["guardian"])
            try await app.call(.GET, "api/v1/courses/\(draft.id)/progress/\(w.pupilA1.id)", guardian, expect: .ok)
            try await app.call(.GET, "api/v1/courses?learner=\(w.pupilA2.id)", guardian, expect: .notFound)
            try await app.call(.GET, "api/v1/courses?learner=not-an-id", guardian, expect: .unprocessableEntity)
            // The school's head sees the course and its learners (oversight), but is not its teacher.
            let head = try await app.bearer("schooladmin")
            let rows = try #require(try await app.call(.GET, "api/v1/courses/\(draft.id)/learners", head, expect: .ok).decoded(ListPage<LearnerRowDTO>.self))
            #expect(rows.items.map(\.username) == ["pupil1"])
            try await app.call(.GET, "api/v1/courses/\(draft.id)/learners", pupil1, expect: .forbidden)
            try await app.call(.GET, "api/v1/courses/\(draft.id)/progress/\(w.pupilA1.id)", try await app.bearer("pupil2"), expect: .notFound)
            // A pupil who joins the class later finds the course like the others.
            let dir = DirectoryService(db: app.db, ctx: app.services.directory)
            _ = try await dir.assignRole(personID: w.pupilA2.id, orgID: w.classA1.id, role: "pupil", actor: .system("test"))
            app.services.directory.identities.removeAll()
            let later = try #require(try await app.call(.GET, "api/v1/courses", try await app.bearer("pupil2"), expect: .ok).decoded([CourseDTO].self))
            #expect(later.map(\.id) == [draft.id])
            // Back to draft is refused once learners are in.
            try await app.call(.PATCH, "api/v1/courses/\(draft.id)", teacher, ["status": "draft"], expect: .unprocessableEntity)
        }
    }

    @Test func progressFollowsTheCompletionRulesAndTheCourseCompletesOnce() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let (course, lesson) = try await app.publishedCourse(teacher, kind: "class", org: w.classA1.id)
            let page = try #require(try await app.call(.POST, "api/v1/lessons/\(lesson)/items", teacher,
                                                       ["kind": "page", "title": "Đọc trước", "body": "Phép nhân là phép cộng lặp lại."], expect: .created).decoded(CourseItemDTO.self))
            #expect(page.completion == CompletionRule(kind: .viewed))
            let past = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-3600))
            let homework = try #require(try await app.call(.POST, "api/v1/lessons/\(lesson)/items", teacher,
                                                           ["kind": "assignment", "title": "Bài tập về nhà", "maxPoints": 10, "dueAt": past,
                                                            "completion": ["kind": "scored", "threshold": 50]], expect: .created).decoded(CourseItemDTO.self))
            let late = try #require(try await app.call(.POST, "api/v1/lessons/\(lesson)/items", teacher,
                                                       ["kind": "assignment", "title": "Bài nộp muộn được", "dueAt": past, "acceptLate": true],
                                                       expect: .created).decoded(CourseItemDTO.self))
            let pupil = try await app.bearer("pupil1")
            let seen = Seen()
            app.services.courses.completionListeners.append { e in seen.add(e) }
            // The page is done on view; the first homework is overdue and refuses a late hand-in.
            let viewed = try #require(try await app.call(.POST, "api/v1/course-items/\(page.id)/progress", pupil, ["event": "viewed"], expect: .ok).decoded(ItemProgressDTO.self))
            #expect(viewed.completed)
            try await app.call(.POST, "api/v1/course-items/\(homework.id)/submissions", pupil, ["text": "3 x 4 = 12"], expect: .conflict)
            let handedIn = try #require(try await app.call(.POST, "api/v1/course-items/\(late.id)/submissions", pupil, ["text": "Em làm xong"], expect: .created).decoded(SubmissionDTO.self))
            #expect(handedIn.late)
            var rows = try #require(try await app.call(.GET, "api/v1/courses/\(course.id)/learners?behind=true", teacher, expect: .ok).decoded(ListPage<LearnerRowDTO>.self))
            #expect(rows.items.count == 1 && rows.items.first?.reasons == ["overdue"] && rows.items.first?.overdue == 1 && rows.items.first?.completed == 2)
            // The overdue homework is replaced by one without a due time; a grade under the threshold does not complete it.
            try await app.call(.DELETE, "api/v1/course-items/\(homework.id)", teacher, expect: .noContent)
            let again = try #require(try await app.call(.POST, "api/v1/lessons/\(lesson)/items", teacher,
                                                        ["kind": "assignment", "title": "Bài tập về nhà", "maxPoints": 10,
                                                         "completion": ["kind": "scored", "threshold": 50]], expect: .created).decoded(CourseItemDTO.self))
            let work = try #require(try await app.call(.POST, "api/v1/course-items/\(again.id)/submissions", pupil, ["text": "3 x 4 = 12"], expect: .created).decoded(SubmissionDTO.self))
            try await app.call(.PUT, "api/v1/submissions/\(work.id)/grade", teacher, ["points": 11], expect: .unprocessableEntity)
            try await app.call(.PUT, "api/v1/submissions/\(work.id)/grade", pupil, ["points": 10], expect: .notFound)
            try await app.call(.PUT, "api/v1/submissions/\(work.id)/grade", teacher, ["points": 4, "feedback": "Xem lại bảng nhân"], expect: .ok)
            var progress = try #require(try await app.call(.GET, "api/v1/courses/\(course.id)/progress", pupil, expect: .ok).decoded(CourseProgressDTO.self))
            #expect(progress.completed == 2 && progress.total == 3 && progress.percent == 66 && progress.completedAt == nil)
            try await app.call(.POST, "api/v1/course-items/\(again.id)/submissions", pupil, ["text": "Bài sửa"], expect: .conflict)
            // Graded work cannot be handed in again, nor removed; a regrade at the threshold and one more item complete the course, once.
            try await app.call(.DELETE, "api/v1/course-items/\(again.id)", teacher, expect: .conflict)
            let fix = try #require(try await app.call(.POST, "api/v1/lessons/\(lesson)/items", teacher,
                                                      ["kind": "assignment", "title": "Bài chữa", "maxPoints": 10], expect: .created).decoded(CourseItemDTO.self))
            _ = fix
            progress = try #require(try await app.call(.GET, "api/v1/courses/\(course.id)/progress", pupil, expect: .ok).decoded(CourseProgressDTO.self))
            #expect(progress.total == 4)
            let work2 = try #require(try await app.call(.POST, "api/v1/course-items/\(fix.id)/submissions", pupil, ["text": "Đã chữa"], expect: .created).decoded(SubmissionDTO.self))
            _ = work2
            try await app.call(.PUT, "api/v1/submissions/\(work.id)/grade", teacher, ["points": 5], expect: .ok)
            progress = try #require(try await app.call(.GET, "api/v1/courses/\(course.id)/progress", pupil, expect: .ok).decoded(CourseProgressDTO.self))
            #expect(progress.completed == 4 && progress.percent == 100 && progress.completedAt != nil)
            #expect(seen.events.map(\.personId) == [w.pupilA1.id])
            try await app.call(.POST, "api/v1/course-items/\(page.id)/progress", pupil, ["event": "viewed"], expect: .ok)
            #expect(seen.events.count == 1)
            rows = try #require(try await app.call(.GET, "api/v1/courses/\(course.id)/learners?behind=true", teacher, expect: .ok).decoded(ListPage<LearnerRowDTO>.self))
            #expect(rows.items.isEmpty)
            // The grade is audited.
            let graded = try await AuditEvent.query(on: app.db).filter(\.$action == "course.grade").count()
            #expect(graded == 2)
        }
    }

    @Test func anExamInACourseCountsOnceThePupilHandsItIn() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let bank = try await app.createBank(teacher)
            try await app.importItems(teacher, bank: bank.id, format: "gift", QuestionBankAPITests.gift) { res in #expect(res.status == .created, "\(res.body.string)") }
            let iso = ISO8601DateFormatter()
            let exam = try #require(try await app.call(.POST, "api/v1/exams", teacher,
                                                       ["bankId": bank.id.uuidString, "title": "Kiểm tra 15 phút", "orgId": w.classA1.id.uuidString,
                                                        "opensAt": iso.string(from: Date().addingTimeInterval(-60)),
                                                        "closesAt": iso.string(from: Date().addingTimeInterval(3600)), "durationMinutes": 15],
                                                       expect: .created).decoded(ExamDTO.self))
            let (course, lesson) = try await app.publishedCourse(teacher, kind: "class", org: w.classA1.id)
            // Someone else's exam cannot be put in; a "viewed" rule does not fit an exam.
            try await app.call(.POST, "api/v1/lessons/\(lesson)/items", try await app.bearer("teacher2"), ["kind": "assessment", "refId": exam.id.uuidString], expect: .notFound)
            try await app.call(.POST, "api/v1/lessons/\(lesson)/items", teacher, ["kind": "assessment", "refId": exam.id.uuidString, "completion": ["kind": "viewed"]],
                               expect: .unprocessableEntity)
            let item = try #require(try await app.call(.POST, "api/v1/lessons/\(lesson)/items", teacher,
                                                       ["kind": "assessment", "refId": exam.id.uuidString, "completion": ["kind": "scored", "threshold": 0]],
                                                       expect: .created).decoded(CourseItemDTO.self))
            #expect(item.title == "Kiểm tra 15 phút" && item.maxPoints == exam.maxScore)
            let pupil = try await app.bearer("pupil1")
            var detail = try #require(try await app.call(.GET, "api/v1/courses/\(course.id)", pupil, expect: .ok).decoded(CourseDTO.self))
            #expect(detail.units?.first?.lessons.first?.items.first?.progress == nil)
            let attempt = try #require(try await app.call(.POST, "api/v1/exams/\(exam.id)/attempts", pupil, [:], expect: .created).decoded(AttemptDTO.self))
            try await app.call(.POST, "api/v1/attempts/\(attempt.id)/submit", pupil, [:], expect: .ok)
            detail = try #require(try await app.call(.GET, "api/v1/courses/\(course.id)", pupil, expect: .ok).decoded(CourseDTO.self))
            let record = try #require(detail.units?.first?.lessons.first?.items.first?.progress)
            #expect(record.submitted && record.score == 0 && record.completed)
            let progress = try #require(try await app.call(.GET, "api/v1/courses/\(course.id)/progress", pupil, expect: .ok).decoded(CourseProgressDTO.self))
            #expect(progress.completedAt != nil)
        }
    }

    @Test func aMOOCIsPublicAndTakesLearnersUntilItIsFull() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let (course, lesson) = try await app.publishedCourse(teacher, kind: "mooc", org: w.schoolA.id, extra: ["capacity": 2, "title": "Tiếng Việt cho mọi người"])
            #expect(course.enrolment == "open")
            try await app.call(.POST, "api/v1/lessons/\(lesson)/items", teacher, ["kind": "page", "title": "Chào mừng", "body": "Nội dung chỉ cho học viên"], expect: .created)
            // Anyone reads the catalogue and the outline, without the content.
            let catalogue = try #require(try await app.call(.GET, "api/v1/catalogue?q=tieng%20viet", expect: .ok).decoded(ListPage<CourseDTO>.self))
            #expect(catalogue.items.map(\.id) == [course.id])
            #expect(try #require(try await app.call(.GET, "api/v1/catalogue?q=hoa%20hoc", expect: .ok).decoded(ListPage<CourseDTO>.self)).items.isEmpty)
            let outline = try #require(try await app.call(.GET, "api/v1/courses/\(course.id)", expect: .ok).decoded(CourseDTO.self))
            let visitorItem = try #require(outline.units?.first?.lessons.first?.items.first)
            #expect(outline.role == "visitor" && visitorItem.title == "Chào mừng" && visitorItem.body == nil)
            try await app.call(.POST, "api/v1/courses/\(course.id)/enrolments", [:], [:], expect: .unauthorized)
            // A visitor's progress report is refused: enrol first.
            try await app.call(.POST, "api/v1/course-items/\(visitorItem.id)/progress", try await app.bearer("pupilb"), ["event": "viewed"], expect: .conflict)
            let pupilb = try await app.bearer("pupilb")
            let joined = try #require(try await app.call(.POST, "api/v1/courses/\(course.id)/enrolments", pupilb, [:], expect: .created).decoded(EnrolResultDTO.self))
            #expect(joined.course.learnerCount == 1 && joined.course.role == "learner")
            try await app.call(.POST, "api/v1/courses/\(course.id)/enrolments", pupilb, [:], expect: .conflict)
            try await app.call(.POST, "api/v1/courses/\(course.id)/enrolments", teacher, [:], expect: .conflict)
            try await app.call(.POST, "api/v1/courses/\(course.id)/enrolments", try await app.bearer("pupil2"), [:], expect: .created)
            try await app.call(.POST, "api/v1/courses/\(course.id)/enrolments", try await app.bearer("pupil1"), [:], expect: .conflict)
            // Leaving frees the seat; enrolling again brings the learner back.
            try await app.call(.DELETE, "api/v1/courses/\(course.id)/enrolment", pupilb, expect: .noContent)
            try await app.call(.DELETE, "api/v1/courses/\(course.id)/enrolment", pupilb, expect: .conflict)
            try await app.call(.POST, "api/v1/courses/\(course.id)/enrolments", try await app.bearer("pupil1"), [:], expect: .created)
            let full = try #require(try await app.call(.GET, "api/v1/courses/\(course.id)", teacher, expect: .ok).decoded(CourseDTO.self))
            #expect(full.learnerCount == 2)
            // Archived: no new learners.
            try await app.call(.PATCH, "api/v1/courses/\(course.id)", teacher, ["status": "archived", "capacity": 10], expect: .ok)
            try await app.call(.POST, "api/v1/courses/\(course.id)/enrolments", pupilb, [:], expect: .conflict)
        }
    }

    @Test func aSPOCTakesItsCohortByCodeOrByName() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let (course, _) = try await app.publishedCourse(teacher, kind: "spoc", org: w.schoolA.id, extra: ["joinCode": "lop3a2026"])
            #expect(course.enrolment == "code" && course.joinCode == "LOP3A2026")
            let pupilb = try await app.bearer("pupilb")
            let seen = try #require(try await app.call(.GET, "api/v1/courses/\(course.id)", pupilb, expect: .ok).decoded(CourseDTO.self))
            #expect(seen.joinCode == nil && seen.role == "visitor")
            // Not in the public catalogue, and not visible to someone not signed in.
            #expect(try #require(try await app.call(.GET, "api/v1/catalogue", expect: .ok).decoded(ListPage<CourseDTO>.self)).items.isEmpty)
            try await app.call(.GET, "api/v1/courses/\(course.id)", expect: .notFound)
            try await app.call(.POST, "api/v1/courses/\(course.id)/enrolments", pupilb, [:], expect: .unprocessableEntity)
            try await app.call(.POST, "api/v1/courses/\(course.id)/enrolments", pupilb, ["code": "SAIMA"], expect: .unprocessableEntity)
            try await app.call(.POST, "api/v1/courses/\(course.id)/enrolments", pupilb, ["code": " lop3a2026 "], expect: .created)
            // The teacher names the rest; a pupil cannot.
            try await app.call(.POST, "api/v1/courses/\(course.id)/enrolments", pupilb, ["usernames": ["pupil2"]], expect: .forbidden)
            let named = try #require(try await app.call(.POST, "api/v1/courses/\(course.id)/enrolments", teacher,
                                                        ["usernames": ["pupil1", "Pupil2", "pupilb", "nobody"]], expect: .created).decoded(EnrolResultDTO.self))
            #expect(named.enrolled == ["pupil1", "pupil2"] && named.already == ["pupilb"] && named.unknown == ["nobody"] && named.course.learnerCount == 3)
            // Invitation only: the code no longer works.
            try await app.call(.PATCH, "api/v1/courses/\(course.id)", teacher, ["enrolment": "invite"], expect: .ok)
            try await app.call(.DELETE, "api/v1/courses/\(course.id)/enrolment", pupilb, expect: .noContent)
            try await app.call(.POST, "api/v1/courses/\(course.id)/enrolments", pupilb, ["code": "LOP3A2026"], expect: .conflict)
        }
    }

    @Test func badInputGetsClearAnswers() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let res = try await app.call(.POST, "api/v1/courses", teacher, ["kind": "lecture", "title": "X", "orgId": w.schoolA.id.uuidString], expect: .unprocessableEntity)
            #expect(res.body.string.contains("course.kind-unknown") || res.body.string.contains("kind"))
            try await app.call(.POST, "api/v1/courses", teacher, ["kind": "class", "title": "X", "orgId": w.schoolA.id.uuidString], expect: .unprocessableEntity)
            try await app.call(.POST, "api/v1/courses", teacher, ["kind": "mooc", "title": "X", "orgId": w.classA1.id.uuidString], expect: .unprocessableEntity)
            try await app.call(.POST, "api/v1/courses", teacher, ["kind": "mooc", "title": "X", "orgId": w.schoolB.id.uuidString], expect: .unprocessableEntity)
            try await app.call(.POST, "api/v1/courses", teacher, ["kind": "mooc", "title": " ", "orgId": w.schoolA.id.uuidString,
                                                                  "startsOn": "2026-09-05", "endsOn": "2026-02-30", "joinCode": "a b"], expect: .unprocessableEntity)
            try await app.call(.POST, "api/v1/courses", try await app.bearer("pupil1"), ["kind": "class", "title": "X", "orgId": w.classA1.id.uuidString],
                               expect: .unprocessableEntity)
            try await app.call(.POST, "api/v1/courses", teacher, nil, expect: .badRequest)
            var h = teacher
            h.contentType = .json
            try await app.testing().test(.POST, "api/v1/courses", headers: h, body: ByteBuffer(string: "{\"kind\": ")) { res in
                #expect(res.status == .badRequest)
                #expect(res.headers.contentType?.description.contains("problem+json") == true)
            }
            let (course, lesson) = try await app.publishedCourse(teacher, kind: "class", org: w.classA1.id)
            for body: [String: Any] in [["kind": "quiz"], ["kind": "lti", "title": "Công cụ"], ["kind": "lti", "title": "Công cụ", "url": "javascript:alert(1)"],
                                        ["kind": "page", "title": "Trống"], ["kind": "resource"], ["kind": "resource", "refId": UUID().uuidString],
                                        ["kind": "page", "title": "T", "body": "x", "completion": ["kind": "watched", "threshold": 50]],
                                        ["kind": "assignment", "title": "T", "completion": ["kind": "scored", "threshold": 150]],
                                        ["kind": "live", "title": "Giờ học trực tuyến", "dueAt": "2026-01-01T00:00:00Z"]] {
                try await app.call(.POST, "api/v1/lessons/\(lesson)/items", teacher, body, expect: .unprocessableEntity)
            }
            try await app.call(.POST, "api/v1/lessons/\(UUID())/items", teacher, ["kind": "page", "title": "T", "body": "x"], expect: .notFound)
            let page = try #require(try await app.call(.POST, "api/v1/lessons/\(lesson)/items", teacher, ["kind": "page", "title": "T", "body": "x"],
                                                       expect: .created).decoded(CourseItemDTO.self))
            let pupil = try await app.bearer("pupil1")
            try await app.call(.POST, "api/v1/course-items/\(page.id)/progress", pupil, ["event": "played"], expect: .unprocessableEntity)
            try await app.call(.POST, "api/v1/course-items/\(page.id)/progress", pupil, ["event": "watched", "percent": 50], expect: .unprocessableEntity)
            try await app.call(.POST, "api/v1/course-items/\(page.id)/progress", teacher, ["event": "viewed"], expect: .forbidden)
            try await app.call(.POST, "api/v1/course-items/\(page.id)/submissions", pupil, ["text": "x"], expect: .notFound)
            try await app.call(.GET, "api/v1/courses/\(course.id)/learners?behind=maybe", teacher, expect: .unprocessableEntity)
            try await app.call(.GET, "api/v1/courses/\(course.id)/learners?cursor=!!!", teacher, expect: .unprocessableEntity)
            try await app.call(.POST, "api/v1/courses/\(course.id)/move", teacher, ["id": page.id.uuidString, "position": -1], expect: .unprocessableEntity)
            try await app.call(.POST, "api/v1/courses/\(course.id)/move", teacher, ["id": UUID().uuidString, "position": 0], expect: .notFound)
            let work = try #require(try await app.call(.POST, "api/v1/lessons/\(lesson)/items", teacher, ["kind": "assignment", "title": "Nộp tệp"],
                                                       expect: .created).decoded(CourseItemDTO.self))
            try await app.call(.POST, "api/v1/course-items/\(work.id)/submissions", pupil, ["text": "  "], expect: .unprocessableEntity)
            // A file is checked by its content: an HTML page named .pdf is refused, a real PDF kept and downloaded by the teacher only.
            for (name, data, status) in [("bai.pdf", Data("<html><script>alert(1)</script></html>".utf8), HTTPStatus.unprocessableEntity),
                                         ("bài làm.pdf", TestFiles.pdf, .created)] {
                let (body, headers) = TestFiles.multipart(fields: [("text", "Bài của em")], file: ("file", name, data))
                var all = pupil
                all.add(contentsOf: headers)
                try await app.testing().test(.POST, "api/v1/course-items/\(work.id)/submissions", headers: all, body: body) { res in
                    #expect(res.status == status, "\(res.body.string)")
                    if status == .created, let s = res.decoded(SubmissionDTO.self) {
                        #expect(s.fileName == "bài làm.pdf" && s.fileSize == TestFiles.pdf.count)
                        try await app.call(.GET, "api/v1/submissions/\(s.id)/file", teacher, expect: .ok)
                        try await app.call(.GET, "api/v1/submissions/\(s.id)/file", try await app.bearer("pupil2"), expect: .notFound)
                    }
                }
            }
        }
    }

    @Test func theTeacherReordersTheOutline() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let (course, lesson) = try await app.publishedCourse(teacher, kind: "class", org: w.classA1.id)
            var ids: [UUID] = []
            for t in ["Một", "Hai", "Ba"] {
                ids.append(try #require(try await app.call(.POST, "api/v1/lessons/\(lesson)/items", teacher, ["kind": "page", "title": t, "body": t],
                                                           expect: .created).decoded(CourseItemDTO.self)).id)
            }
            var after = try #require(try await app.call(.POST, "api/v1/courses/\(course.id)/move", teacher, ["id": ids[2].uuidString, "position": 0],
                                                        expect: .ok).decoded(CourseDTO.self))
            #expect(after.units?.first?.lessons.first?.items.map(\.title) == ["Ba", "Một", "Hai"])
            let unit2 = try #require(try await app.call(.POST, "api/v1/courses/\(course.id)/units", teacher, ["title": "Chương 2"], expect: .created).decoded(UnitDTO.self))
            let lesson2 = try #require(try await app.call(.POST, "api/v1/course-units/\(unit2.id)/lessons", teacher, ["title": "Bài 5"], expect: .created).decoded(LessonDTO.self))
            after = try #require(try await app.call(.POST, "api/v1/courses/\(course.id)/move", teacher, ["id": ids[0].uuidString, "position": 9, "parentId": lesson2.id.uuidString],
                                                    expect: .ok).decoded(CourseDTO.self))
            #expect(after.units?.map { $0.lessons.flatMap { $0.items.map(\.title) } } == [["Ba", "Hai"], ["Một"]])
            after = try #require(try await app.call(.POST, "api/v1/courses/\(course.id)/move", teacher, ["id": unit2.id.uuidString, "position": 0],
                                                    expect: .ok).decoded(CourseDTO.self))
            #expect(after.units?.map(\.title) == ["Chương 2", "Chương 1: Phép nhân"])
            // An item cannot go into a lesson of another course, and a pupil cannot move anything.
            let (other, otherLesson) = try await app.publishedCourse(teacher, kind: "mooc", org: w.schoolA.id)
            _ = other
            try await app.call(.POST, "api/v1/courses/\(course.id)/move", teacher, ["id": ids[1].uuidString, "position": 0, "parentId": otherLesson.uuidString],
                               expect: .unprocessableEntity)
            try await app.call(.POST, "api/v1/courses/\(course.id)/move", try await app.bearer("pupil1"), ["id": ids[1].uuidString, "position": 0], expect: .forbidden)
        }
    }
}
