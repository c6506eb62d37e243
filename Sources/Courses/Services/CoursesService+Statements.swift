import Foundation
import FluentKit
import Platform

/// The platform's own learning events, recorded in its LRS as xAPI statements: a learner
/// launched an item, answered (handed in), was scored, completed an item or a course. The
/// learner is named by an account on this platform (their id), never by name or e-mail:
/// pupils are minors and statements travel to other systems.
extension CoursesService {
    var xapi: XAPIService { XAPIService(db: db, ctx: ctx) }

    func emit(_ verb: String, _ display: String, person: UUID, course c: Course, item: LessonItem?, result: JSONValue? = nil) async throws {
        let home = ctx.xapiHomePage
        let courseActivity: JSONValue = .object(["objectType": .string("Activity"), "id": .string("\(home)/courses/\(c.id!.uuidString.lowercased())"),
                                                 "definition": .object(["name": .object([c.language: .string(c.title)]),
                                                                        "type": .string("http://adlnet.gov/expapi/activities/course")])])
        var object = courseActivity
        var context: [String: JSONValue] = ["platform": .string("EduCommons"), "language": .string(c.language)]
        if let i = item {
            object = .object(["objectType": .string("Activity"), "id": .string("\(home)/course-items/\(i.id!.uuidString.lowercased())"),
                              "definition": .object(["name": .object([c.language: .string(i.title)]), "type": .string(Self.activityType(i.kind))])])
            context["contextActivities"] = .object(["parent": .array([courseActivity])])
        }
        var statement: [String: JSONValue] = [
            "actor": .object(["objectType": .string("Agent"), "account": .object(["homePage": .string(home), "name": .string(person.uuidString.lowercased())])]),
            "verb": .object(["id": .string(verb), "display": .object(["en-US": .string(display)])]),
            "object": object,
            "context": .object(context),
            "timestamp": .string(XAPITime.format(now)),
        ]
        if let result { statement["result"] = result }
        _ = try await xapi.store(.object(statement), caller: xapi.platform)
    }

    static func activityType(_ kind: String) -> String {
        switch kind {
        case "assessment": "http://adlnet.gov/expapi/activities/assessment"
        case "assignment": "http://id.tincanapi.com/activitytype/school-assignment"
        case "discussion": "http://id.tincanapi.com/activitytype/discussion"
        case "live": "http://adlnet.gov/expapi/activities/meeting"
        case "lti": "http://adlnet.gov/expapi/activities/interaction"
        case "resource": "http://adlnet.gov/expapi/activities/media"
        default: "http://adlnet.gov/expapi/activities/lesson"
        }
    }

    /// A score as xAPI writes it: scaled 0-1 and the percentage.
    static func scoreResult(_ percent: Double, completed: Bool) -> JSONValue {
        .object(["score": .object(["scaled": .number(min(1, max(0, percent / 100))), "raw": .number(percent), "min": .number(0), "max": .number(100)]),
                 "completion": .bool(completed)])
    }
}
