import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
@testable import Courses
@testable import App

@Suite("Courses: timetables, the online share and calendar feeds", .serialized)
struct TimetableTests {
    @Test func periodsCountTowardsTheOnlineShareAndReachLearnersCalendars() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let (course, lesson) = try await app.publishedCourse(teacher, kind: "class", org: w.classA1.id)
            let iso = ISO8601DateFormatter()
            let monday = Date().addingTimeInterval(2 * 86400)
            func period(_ h: HTTPHeaders, _ course: UUID, _ offsetHours: Double, _ mode: String, minutes: Double = 45, lesson: UUID? = nil,
                        expect status: HTTPStatus) async throws {
                var body: [String: Any] = ["startsAt": iso.string(from: monday.addingTimeInterval(offsetHours * 3600)),
                                           "endsAt": iso.string(from: monday.addingTimeInterval(offsetHours * 3600 + minutes * 60)), "mode": mode,
                                           "place": mode == "inPerson" ? "Phòng 3A" : "https://meet.example.vn/3a"]
                if let lesson { body["lessonId"] = lesson.uuidString }
                try await app.call(.POST, "api/v1/courses/\(course)/timetable", h, body, expect: status)
            }
            try await period(teacher, course.id, 0, "inPerson", lesson: lesson, expect: .created)
            try await period(teacher, course.id, 1, "inPerson", expect: .created)
            try await period(teacher, course.id, 24, "onlineLive", expect: .created)
            // Bad periods: an unknown mode, ending before it starts, a whole day, a lesson of another course; a pupil cannot add.
            try await period(teacher, course.id, 30, "hybrid", expect: .unprocessableEntity)
            try await period(teacher, course.id, 30, "inPerson", minutes: -10, expect: .unprocessableEntity)
            try await period(teacher, course.id, 30, "inPerson", minutes: 9 * 60, expect: .unprocessableEntity)
            try await period(teacher, course.id, 30, "inPerson", lesson: UUID(), expect: .unprocessableEntity)
            try await period(try await app.bearer("pupil1"), course.id, 30, "inPerson", expect: .forbidden)
            let teacher2 = try await app.bearer("teacher2")
            let (other, _) = try await app.publishedCourse(teacher2, kind: "class", org: w.classA2.id, extra: ["grade": "4"])
            try await period(teacher2, other.id, 2, "onlineSelfPaced", expect: .created)

            // The school's share: grade 3 has 1 of 3 periods online (33.3 %, above Vietnam's 5 % for primary), grade 4 all online.
            let share = try #require(try await app.call(.GET, "api/v1/orgs/\(w.schoolA.id)/online-share", teacher, expect: .ok).decoded(OnlineShareDTO.self))
            #expect(share.country == "VN")
            #expect(share.rows.map(\.grade) == ["3", "4"])
            #expect(share.rows.first?.periods == 3 && share.rows.first?.onlinePercent == 33.3 && share.rows.first?.targetPercent == 5
                    && share.rows.first?.status == "meets" && share.rows.first?.level == "primary")
            #expect(share.total.periods == 4 && share.total.onlinePercent == 50)
            #expect(try #require(try await app.call(.GET, "api/v1/orgs/\(w.schoolA.id)/online-share?term=2099", teacher, expect: .ok).decoded(OnlineShareDTO.self)).rows.isEmpty)
            // Another school's report is not a teacher's to see; an official's district covers the school.
            try await app.call(.GET, "api/v1/orgs/\(w.schoolB.id)/online-share", teacher, expect: .notFound)
            try await app.call(.GET, "api/v1/orgs/\(w.district1.id)/online-share", try await app.bearer("official1"), expect: .ok)

            // Learners see the periods; another class's pupil does not.
            let pupil = try await app.bearer("pupil1")
            let slots = try #require(try await app.call(.GET, "api/v1/courses/\(course.id)/timetable", pupil, expect: .ok).decoded([SlotDTO].self))
            #expect(slots.map(\.mode) == ["inPerson", "inPerson", "onlineLive"] && slots.first?.lessonTitle == "Bài 1")
            try await app.call(.GET, "api/v1/courses/\(course.id)/timetable", try await app.bearer("pupil2"), expect: .notFound)
            try await app.call(.GET, "api/v1/courses/\(course.id)/timetable?from=tomorrow", pupil, expect: .unprocessableEntity)

            // A private calendar address: three events, folded and escaped as iCalendar wants; a new address retires the old one.
            struct Feed: Decodable { var url: String }
            let feed = try #require(try await app.call(.POST, "api/v1/me/calendar-feed", pupil, [:], expect: .created).decoded(Feed.self))
            var ics = ""
            try await app.testing().test(.GET, String(feed.url.dropFirst())) { res in
                #expect(res.status == .ok)
                #expect(res.headers.contentType?.description.hasPrefix("text/calendar") == true)
                ics = res.body.string
            }
            #expect(ics.hasPrefix("BEGIN:VCALENDAR\r\n") && ics.hasSuffix("END:VCALENDAR\r\n"))
            #expect(ics.components(separatedBy: "BEGIN:VEVENT").count - 1 == 3)
            #expect(ics.contains("SUMMARY:Toán 3 – Học kỳ I – Bài 1") && ics.contains("URL:https://meet.example.vn/3a") && ics.contains("LOCATION:Phòng 3A"))
            #expect(ics.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 75 })
            let newer = try #require(try await app.call(.POST, "api/v1/me/calendar-feed", pupil, [:], expect: .created).decoded(Feed.self))
            try await app.testing().test(.GET, String(feed.url.dropFirst())) { res in #expect(res.status == .notFound) }
            try await app.testing().test(.GET, String(newer.url.dropFirst())) { res in #expect(res.status == .ok) }
            try await app.testing().test(.GET, "calendar/not-a-token.ics") { res in #expect(res.status == .notFound) }
            // The course page lists the periods; the school's page shows the share.
            let page = try await PageTests().signIn(app, "teacher1", lang: "vi")
            try await app.testing().test(.GET, "courses/\(course.id)", headers: page) { res in
                #expect(res.body.string.contains("Thời khóa biểu") && res.body.string.contains("Trực tuyến, trực tiếp"))
            }
            try await app.testing().test(.GET, "orgs/\(w.schoolA.id)/online-share", headers: page) { res in
                #expect(res.status == .ok && res.body.string.contains("33,3 %") && res.body.string.contains("ít nhất 5 %"))
            }
        }
    }
}
