import Foundation
import Testing
@testable import Courses

@Suite("SCORM 1.2 data model")
struct Scorm12ModelTests {
    @Test func timespansReadAsTheRunTimeEnvironmentWritesThem() {
        #expect(Scorm12Model.timespanCentiseconds("0000:01:30.00") == 9000)
        #expect(Scorm12Model.timespanCentiseconds("00:00:05.5") == 550)
        #expect(Scorm12Model.timespanCentiseconds("12:00:00") == 4_320_000)
        for bad in ["1:00:00", "00:60:00", "00:00:60", "00:00:00.123", "PT1M", "", "00:00"] {
            #expect(Scorm12Model.timespanCentiseconds(bad) == nil, "\(bad)")
        }
        #expect(Scorm12Model.timespan(9000) == "0000:01:30.00")
        #expect(Scorm12Model.timespan(-5) == "0000:00:00.00")
    }

    @Test func writesFollowAccessTypesAndListOrder() {
        let none = (objectives: 0, interactions: 0)
        #expect(Scorm12Model.writeError("cmi.core.lesson_status", "passed", counts: none) == nil)
        #expect(Scorm12Model.writeError("cmi.core.lesson_status", "Passed", counts: none) == 405)
        #expect(Scorm12Model.writeError("cmi.core.student_name", "x", counts: none) == 403)
        #expect(Scorm12Model.writeError("cmi.core.total_time", "0000:00:01", counts: none) == 403)
        #expect(Scorm12Model.writeError("cmi.core._children", "x", counts: none) == 402)
        #expect(Scorm12Model.writeError("cmi.core.score.raw", "", counts: none) == nil)
        #expect(Scorm12Model.writeError("cmi.core.score.raw", "8.5", counts: none) == nil)
        #expect(Scorm12Model.writeError("cmi.core.score.raw", "1e3", counts: none) == 405)
        #expect(Scorm12Model.writeError("cmi.suspend_data", String(repeating: "x", count: 4096), counts: none) == nil)
        #expect(Scorm12Model.writeError("cmi.suspend_data", String(repeating: "x", count: 4097), counts: none) == 405)
        #expect(Scorm12Model.writeError("cmi.core.exit", "suspend", counts: none) == nil)
        #expect(Scorm12Model.writeError("cmi.core.exit", "quit", counts: none) == 405)
        #expect(Scorm12Model.writeError("cmi.student_preference.audio", "101", counts: none) == 405)
        #expect(Scorm12Model.writeError("cmi.nothing", "x", counts: none) == 201)
        // Lists grow one entry at a time.
        #expect(Scorm12Model.writeError("cmi.interactions.0.id", "q1", counts: none) == nil)
        #expect(Scorm12Model.writeError("cmi.interactions.1.id", "q2", counts: none) == 201)
        #expect(Scorm12Model.writeError("cmi.interactions.1.id", "q2", counts: (0, 1)) == nil)
        #expect(Scorm12Model.writeError("cmi.interactions.0.time", "25:00:00", counts: (0, 1)) == 405)
        #expect(Scorm12Model.writeError("cmi.interactions.0.correct_responses.0.pattern", "a", counts: (0, 1)) == nil)
        #expect(Scorm12Model.writeError("cmi.interactions.0.correct_responses.0.other", "a", counts: (0, 1)) == 201)
        #expect(Scorm12Model.writeError("cmi.objectives.0.status", "completed", counts: none) == nil)
        #expect(Scorm12Model.writeError("cmi.objectives.250.id", "x", counts: (251, 0)) == 201)
    }

    @Test func listEntriesAreAppliedByTheirNumber() {
        let keys = ["cmi.interactions.10.id", "cmi.interactions.2.id", "cmi.core.lesson_status", "cmi.interactions.1.id"]
        #expect(keys.sorted(by: CoursesService.elementOrder) == ["cmi.core.lesson_status", "cmi.interactions.1.id", "cmi.interactions.2.id", "cmi.interactions.10.id"])
        var data: [String: String] = [:]
        #expect(throws: Never.self) {
            _ = try CoursesService.apply(["cmi.interactions.1.id": "b", "cmi.interactions.0.id": "a"], to: &data)
        }
        #expect(data == ["cmi.interactions.0.id": "a", "cmi.interactions.1.id": "b"])
    }
}
