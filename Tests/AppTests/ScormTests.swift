import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
import Directory
@testable import Library
@testable import Courses
@testable import App

@Suite("Courses: SCORM 1.2 run-time", .serialized)
struct ScormTests {
    /// A class course for 3A whose lesson plays the demo's own SCORM 1.2 exercise.
    func scormItem(_ app: Application, _ w: World) async throws -> (course: CourseDTO, item: CourseItemDTO) {
        let r = try await app.publishedResource(w, kind: "package", title: "Luyện tập bảng nhân 7", file: DemoFiles.scormQuiz, filename: "bang-nhan-7.zip")
        #expect(r.versions.last?.packageType == "scorm12")
        let teacher = try await app.bearer("teacher1")
        let (course, lesson) = try await app.publishedCourse(teacher, kind: "class", org: w.classA1.id)
        let item = try #require(try await app.call(.POST, "api/v1/lessons/\(lesson)/items", teacher, ["kind": "resource", "refId": r.id.uuidString],
                                                   expect: .created).decoded(CourseItemDTO.self))
        #expect(item.completion == CompletionRule(kind: .submitted), "a package is done when it says completed or passed")
        return (course, item)
    }

    func html(_ app: Application, _ path: String, _ h: HTTPHeaders = [:]) async throws -> String {
        var out = ""
        try await app.testing().test(.GET, path, headers: h) { res in
            #expect(res.status == .ok, "\(path): \(res.body.string.prefix(300))")
            out = res.body.string
        }
        return out
    }

    /// The package frame's address on the item page, and the page the frame gets.
    func frame(_ app: Application, _ item: CourseItemDTO, _ h: HTTPHeaders) async throws -> (src: String, boot: [String: Any]) {
        let page = try await html(app, "course-items/\(item.id)", h)
        let src = try #require(page.firstMatch(of: /<iframe class="doc" src="([^"]+)"/)?.output.1).replacingOccurrences(of: "&amp;", with: "&")
        // The frame runs sandboxed and sends no cookie: the link alone must do.
        let entry = try await html(app, String(src.dropFirst()))
        #expect(entry.contains("window.API = {") && entry.contains("<title>Luyện tập bảng nhân 7</title>"))
        let json = try #require(entry.firstMatch(of: /window\.ECScormBoot=(\{.*?\});<\/script>/)?.output.1)
        let boot = try #require(try JSONSerialization.jsonObject(with: Data(String(json).utf8)) as? [String: Any])
        return (String(src), boot)
    }

    @discardableResult
    func commit(_ app: Application, _ item: CourseItemDTO, _ h: HTTPHeaders, session: String, seq: Int, _ values: [String: String],
                finish: Bool = false, expect status: HTTPStatus, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let (headers, csrf) = PageTests().form(h)
        var hh = headers
        hh.replaceOrAdd(name: "Content-Type", value: "application/json")
        hh.replaceOrAdd(name: "X-CSRF-Token", value: csrf)
        hh.replaceOrAdd(name: "Accept", value: "application/json")
        let body = try JSONSerialization.data(withJSONObject: ["session": session, "seq": seq, "values": values, "finish": finish])
        var out = ""
        try await app.testing().test(.POST, "course-items/\(item.id)/scorm", headers: hh, body: ByteBuffer(data: body)) { res in
            #expect(res.status == status, "\(res.body.string.prefix(400))", sourceLocation: sourceLocation)
            out = res.body.string
        }
        return out
    }

    @Test func aPupilsPackageRecordsItsSessionInOrderAndTheCourseSeesTheResult() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let (course, item) = try await scormItem(app, w)
            let pupil = try await PageTests().signIn(app, "pupil1")
            let (src, boot) = try await frame(app, item, pupil)
            #expect(!src.contains("ec_scorm=browse"))
            let session = try #require(boot["session"] as? String)
            let values = try #require(boot["values"] as? [String: String])
            #expect(values["cmi.core.student_id"] == w.pupilA1.id.uuidString.lowercased() && values["cmi.core.entry"] == "ab-initio")
            #expect(values["cmi.core.lesson_status"] == "not attempted" && values["cmi.core.credit"] == "credit")
            // An altered link gets a boot that says so (the API then refuses to start).
            let forged = src.replacingOccurrences(of: "ec_scorm=" + item.id.uuidString.lowercased(), with: "ec_scorm=" + UUID().uuidString.lowercased())
            #expect(try await html(app, String(forged.dropFirst())).contains(#"window.ECScormBoot={"error":"token"}"#))

            try await commit(app, item, pupil, session: session, seq: 1, ["cmi.core.lesson_status": "incomplete", "cmi.suspend_data": "q1=21",
                                                                       "cmi.core.exit": "suspend", "cmi.core.session_time": "0000:00:20"], expect: .ok)
            // Values the data model does not allow: every one named, nothing kept.
            let bad = try await commit(app, item, pupil, session: session, seq: 2, ["cmi.core.lesson_status": "done", "cmi.core.student_id": "me",
                                                                                  "cmi.interactions.4.id": "q5", "cmi.core.score.raw": "ten",
                                                                                  "cmi.objectives._count": "3"], expect: .unprocessableEntity)
            for element in ["cmi.core.lesson_status", "cmi.core.student_id", "cmi.interactions.4.id", "cmi.core.score.raw", "cmi.objectives._count"] {
                #expect(bad.contains("\"\(element)\""), "\(element)")
            }
            // Out of order: the same commit again is answered again; an older one is refused.
            try await commit(app, item, pupil, session: session, seq: 1, [:], expect: .ok)
            try await commit(app, item, pupil, session: session, seq: 0, ["cmi.core.lesson_status": "passed"], expect: .conflict)
            try await commit(app, item, pupil, session: UUID().uuidString, seq: 5, [:], expect: .conflict)
            // Someone else cannot write it.
            try await commit(app, item, try await PageTests().signIn(app, "teacher1"), session: session, seq: 2, [:], expect: .forbidden)
            try await commit(app, item, try await PageTests().signIn(app, "pupil2"), session: session, seq: 2, [:], expect: .notFound)
            var progress = try #require(try await app.call(.GET, "api/v1/courses/\(course.id)/progress", try await app.bearer("pupil1"), expect: .ok).decoded(CourseProgressDTO.self))
            #expect(progress.items.first { $0.itemId == item.id }?.completed == false)

            let result = try await commit(app, item, pupil, session: session, seq: 2, [
                "cmi.core.score.raw": "2", "cmi.core.score.min": "0", "cmi.core.score.max": "3", "cmi.core.lesson_status": "passed",
                "cmi.interactions.0.id": "q1", "cmi.interactions.0.type": "choice", "cmi.interactions.0.student_response": "21",
                "cmi.interactions.0.result": "correct", "cmi.interactions.1.id": "q2", "cmi.core.exit": "", "cmi.core.session_time": "0000:01:30.00",
            ], finish: true, expect: .ok)
            #expect(result.contains("\"lessonStatus\":\"passed\"") && result.contains("\"sessionOpen\":false"))
            try await commit(app, item, pupil, session: session, seq: 3, ["cmi.core.lesson_status": "failed"], expect: .conflict)
            progress = try #require(try await app.call(.GET, "api/v1/courses/\(course.id)/progress", try await app.bearer("pupil1"), expect: .ok).decoded(CourseProgressDTO.self))
            let mine = try #require(progress.items.first { $0.itemId == item.id })
            #expect(mine.completed && abs((mine.score ?? 0) - 66.67) < 0.01, "2 of 0-3 is 66.67 %")

            // The next visit: the record carries on (total time, status, suspend data kept).
            let (_, next) = try await frame(app, item, pupil)
            let kept = try #require(next["values"] as? [String: String])
            #expect(kept["cmi.core.total_time"] == "0000:01:30.00" && kept["cmi.core.lesson_status"] == "passed" && kept["cmi.suspend_data"] == "q1=21")
            #expect(kept["cmi.core.entry"] == "" && kept["cmi.core.exit"] == nil && kept["cmi.interactions.1.id"] == "q2")
            let second = try #require(next["session"] as? String)
            try await commit(app, item, pupil, session: second, seq: 1, ["cmi.core.session_time": "0000:00:10"], expect: .ok)
            // That tab is closed; its last commit, kept by the browser, arrives after a new visit began.
            let (_, third) = try await frame(app, item, pupil)
            try await commit(app, item, pupil, session: second, seq: 2, ["cmi.suspend_data": "late", "cmi.core.session_time": "0000:00:40"], expect: .ok)
            try await commit(app, item, pupil, session: second, seq: 3, [:], expect: .conflict)
            let (_, fourth) = try await frame(app, item, pupil)
            let after = try #require(fourth["values"] as? [String: String])
            #expect(after["cmi.suspend_data"] == "late" && after["cmi.core.total_time"] == "0000:02:10.00", "1:30 + 0:40 with the late commit, not 0:10 twice")
            #expect(third["session"] as? String != second)
        }
    }

    @Test func teachersSeeThePackageInBrowseModeAndNothingIsRecorded() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let (_, item) = try await scormItem(app, w)
            let (src, boot) = try await frame(app, item, try await PageTests().signIn(app, "teacher1"))
            #expect(src.contains("ec_scorm=browse") && boot["browse"] as? Bool == true && boot["session"] == nil)
            #expect((boot["values"] as? [String: String])?["cmi.core.lesson_mode"] == "browse")
        }
    }
}
