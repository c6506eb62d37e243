import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
import Directory
import Courses
import Live
@testable import App

/// Network classrooms: a strong school's lesson with a partner school's class, under a
/// pairing made by the office above both, and the pairing's report.
@Suite("Live rooms: network classrooms and paired schools", .serialized)
struct LiveNetworkTests {
    struct Partner { var school: OrgDTO; var klass: OrgDTO }

    /// School C in district 1 (official1's district), with class C1, its teacher and a pupil.
    func partnerSchool(_ app: Application, _ w: World) async throws -> Partner {
        let s = DirectoryService(db: app.db, ctx: app.services.directory)
        let sys = Actor.system("test")
        let c = try await s.createOrganisation(NewOrganisation(kind: "school", code: "sc", parentID: w.district1.id, name: LocalizedText(vi: "Trường C (vùng cao)")), actor: sys)
        let c1 = try await s.createOrganisation(NewOrganisation(kind: "class", code: "c1", parentID: c.id, name: LocalizedText(vi: "Lớp 3C")), actor: sys)
        let tc = try await s.createPerson(NewPerson(familyName: "Hà", givenName: "Trợ", birthDate: "1990-01-01", username: "teacherc", password: testPassword,
                                                   orgID: c.id, role: "teacher"), actor: sys)
        _ = try await s.assignRole(personID: tc.id, orgID: c1.id, role: "teacher", actor: sys)
        let pc = try await s.createPerson(NewPerson(familyName: "Sùng", givenName: "Mai", birthDate: "2017-02-03", username: "pupilc", password: testPassword,
                                                   orgID: c.id, role: "pupil"), actor: sys)
        _ = try await s.assignRole(personID: pc.id, orgID: c1.id, role: "pupil", actor: sys)
        return Partner(school: c, klass: c1)
    }

    static func day(_ offset: Int) -> String { String(ISO8601DateFormatter().string(from: Date().addingTimeInterval(Double(offset) * 86_400)).prefix(10)) }

    @Test func aLeadSchoolTeachesAPartnerClassAndThePairingCountsTheLesson() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let c = try await partnerSchool(app, w)
            let official = try await app.bearer("official1")
            let schedule: [[String: Any]] = [["weekday": 1, "start": "08:00", "minutes": 45], ["weekday": 4, "start": "14:00", "minutes": 45]]
            let body: [String: Any] = ["title": "Trường A – Trường C: Toán 3", "leadSchoolId": w.schoolA.id.uuidString, "partnerSchoolId": c.school.id.uuidString,
                                       "subject": "math", "startsOn": Self.day(-28), "endsOn": Self.day(56), "schedule": schedule]
            // Bad pairings, and pairings by those who may not make them.
            try await app.call(.POST, "api/v1/live/pairings", try await app.bearer("teacher1"), body, expect: .forbidden)
            for (key, value) in [("partnerSchoolId", w.schoolA.id.uuidString), ("endsOn", Self.day(-40)), ("startsOn", "2026-02-30"),
                                 ("partnerSchoolId", c.klass.id.uuidString)] as [(String, Any)] {
                var bad = body
                bad[key] = value
                let r = try await app.call(.POST, "api/v1/live/pairings", official, bad, expect: .unprocessableEntity)
                #expect(r.body.string.contains("\"\(key == "startsOn" ? "startsOn" : key)\""), "\(key): \(r.body.string.prefix(300))")
            }
            var badSchedule = body
            badSchedule["schedule"] = [["weekday": 8, "start": "25:00", "minutes": 5]]
            try await app.call(.POST, "api/v1/live/pairings", official, badSchedule, expect: .unprocessableEntity)
            let pairing = try #require(try await app.call(.POST, "api/v1/live/pairings", official, body, expect: .created).decoded(PairingDTO.self))
            // Two lessons a week over 12 weeks, about 8 of them by today.
            #expect((23...25).contains(pairing.plannedTotal) && (7...9).contains(pairing.plannedToDate) && pairing.delivered == 0)

            // The partner class's own course, with its live item.
            let tc = try await app.bearer("teacherc")
            let (courseC, lessonC) = try await app.publishedCourse(tc, kind: "class", org: c.klass.id)
            let itemC = try #require(try await app.call(.POST, "api/v1/lessons/\(lessonC)/items", tc, ["kind": "live", "title": "Học cùng trường A"],
                                                        expect: .created).decoded(CourseItemDTO.self))
            let teacher = try await app.bearer("teacher1")
            let (courseA, _) = try await app.publishedCourse(teacher, kind: "class", org: w.classA1.id)
            let guest: [String: Any] = ["classId": c.klass.id.uuidString, "courseId": courseC.id.uuidString, "itemId": itemC.id.uuidString]
            // Guests need the pairing; the guest class must be the partner's; its course must be its own.
            try await app.call(.POST, "api/v1/live/rooms", teacher, ["title": "x", "courseId": courseA.id.uuidString, "guestClasses": [guest]], expect: .unprocessableEntity)
            try await app.call(.POST, "api/v1/live/rooms", teacher, ["title": "x", "courseId": courseA.id.uuidString, "pairingId": pairing.id.uuidString,
                                                                     "guestClasses": [["classId": w.classA2.id.uuidString]]], expect: .unprocessableEntity)
            try await app.call(.POST, "api/v1/live/rooms", teacher, ["title": "x", "courseId": courseA.id.uuidString, "pairingId": pairing.id.uuidString,
                                                                     "guestClasses": [["classId": c.klass.id.uuidString, "courseId": courseA.id.uuidString]]], expect: .unprocessableEntity)
            let room = try #require(try await app.call(.POST, "api/v1/live/rooms", teacher, ["title": "Tiết chung: Bảng nhân 9", "courseId": courseA.id.uuidString,
                                                                                             "pairingId": pairing.id.uuidString, "guestClasses": [guest]],
                                                       expect: .created).decoded(RoomDTO.self))
            #expect(room.pairingId == pairing.id)
            #expect(try await app.call(.GET, "api/v1/live/rooms/\(room.id)", try await app.bearer("pupilc"), expect: .ok).decoded(RoomDTO.self)?.role == .participant)
            #expect(try await app.call(.GET, "api/v1/live/rooms/\(room.id)", tc, expect: .ok).decoded(RoomDTO.self)?.role == .cohost)
            try await app.call(.GET, "api/v1/live/rooms/\(room.id)", try await app.bearer("pupilb"), expect: .notFound)

            // The partner's pupil joins over the socket; the lesson counts in her own class's course.
            try await serving(app) { port in
                let pupil = try await RoomClient.connect(app, port: port, room: room.id, try await PageTests().signIn(app, "pupilc"))
                try await pupil.inbox.wait("welcome")
                var viewed = false
                for _ in 0..<50 where !viewed {
                    let progress = try await app.call(.GET, "api/v1/courses/\(courseC.id)/progress", try await app.bearer("pupilc"), expect: .ok).decoded(CourseProgressDTO.self)
                    viewed = progress?.items.first { $0.itemId == itemC.id }?.viewed == true
                    if !viewed { try await Task.sleep(nanoseconds: 100_000_000) }
                }
                #expect(viewed, "the shared lesson counts in the partner class's own course")
                try await Task.sleep(nanoseconds: 1_100_000_000)
                try await app.call(.POST, "api/v1/live/rooms/\(room.id)/end", teacher, expect: .ok)
                try await pupil.inbox.wait("ended")
            }

            // The report: one lesson given, one partner pupil reached; seen by the office and both schools, not by another school.
            let report = try #require(try await app.call(.GET, "api/v1/live/pairings/\(pairing.id)", official, expect: .ok).decoded(PairingDTO.self))
            #expect(report.delivered == 1 && report.partnerPupils == 1 && report.lastLessonAt != nil)
            #expect(try await app.call(.GET, "api/v1/live/pairings", tc, expect: .ok).decoded([PairingDTO].self)?.count == 1)
            #expect(try await app.call(.GET, "api/v1/live/pairings", try await app.bearer("pupilb"), expect: .ok).decoded([PairingDTO].self)?.isEmpty == true)
            try await app.call(.GET, "api/v1/live/pairings/\(pairing.id)", try await app.bearer("pupilb"), expect: .notFound)
            try await app.testing().test(.GET, "live/pairings", headers: try await PageTests().signIn(app, "official1", lang: "vi")) { res in
                #expect(res.status == .ok && res.body.string.contains("Trường A – Trường C: Toán 3") && res.body.string.contains("Trường kết nghĩa"))
            }
        }
    }
}
