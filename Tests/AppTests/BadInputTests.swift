import Foundation
import Testing
import VaporTesting
import Fluent
@testable import App
import Directory
import Platform

@Suite("Bad input gets a clear 4xx and writes nothing")
struct BadInputTests {
    @Test func malformedJSONIsA400Problem() async throws {
        try await withTestApp { app in
            _ = try await World.build(app)
            let h = try await app.bearer("schooladmin")
            var headers = h
            headers.contentType = .json
            try await app.testing().test(.POST, "api/v1/people", headers: headers, body: .init(string: "{\"familyName\": ")) { res in
                #expect(res.status == .badRequest)
                #expect(res.problemCode == "malformed-request")
                #expect(res.headers.contentType?.subType == "problem+json")
            }
            try await app.testing().test(.POST, "api/v1/people", headers: headers, body: .init(string: "{\"familyName\": 5}")) { res in
                #expect(res.status == .unprocessableEntity)
            }
        }
    }

    @Test func unknownAndNonUUIDIdsAre404() async throws {
        try await withTestApp { app in
            _ = try await World.build(app)
            let h = try await app.bearer("admin")
            for path in ["api/v1/people/\(UUID())", "api/v1/people/not-a-uuid", "api/v1/orgs/\(UUID())", "api/v1/nothing-here"] {
                try await app.testing().test(.GET, path, headers: h) { res in
                    #expect(res.status == .notFound, "\(path)")
                    #expect(res.problemCode == "not-found")
                }
            }
        }
    }

    @Test func invalidNationalIDIsRefusedAndNothingIsWritten() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let h = try await app.bearer("schooladmin")
            let before = try await app.count(Person.self)
            let auditBefore = try await app.count(AuditEvent.self)
            for bad in ["12345", "999317100193", "0193171001931", "01931710019X"] {
                try await app.testing().test(.POST, "api/v1/people", headers: h.merging(["Accept-Language": "vi"]), beforeRequest: { req in
                    try req.content.encode(NewPerson(familyName: "Lê", givenName: "Mai", birthDate: "2017-03-02", gender: "female",
                                                     nationalID: bad, orgID: w.schoolA.id, role: "pupil"), as: .json)
                }) { res in
                    #expect(res.status == .unprocessableEntity, "\(bad)")
                    #expect(res.body.string.contains("nationalId"))
                }
            }
            #expect(try await app.count(Person.self) == before)
            #expect(try await app.count(AuditEvent.self) == auditBefore)
            // A valid one passes: province 019, 2000s female (3), born 2017.
            try await app.testing().test(.POST, "api/v1/people", headers: h, beforeRequest: { req in
                try req.content.encode(NewPerson(familyName: "Lê", givenName: "Mai", birthDate: "2017-03-02", gender: "female",
                                                 nationalID: "019317000001", orgID: w.schoolA.id, role: "pupil"), as: .json)
            }) { res in #expect(res.status == .created) }
        }
    }

    @Test func overLongFieldsAndUnknownRolesAre422() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let h = try await app.bearer("schooladmin")
            try await app.testing().test(.POST, "api/v1/people", headers: h, beforeRequest: { req in
                try req.content.encode(NewPerson(familyName: String(repeating: "Nguyễn", count: 40), givenName: "An",
                                                 orgID: w.schoolA.id, role: "pupil"), as: .json)
            }) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("familyName"))
            }
            try await app.testing().test(.POST, "api/v1/people", headers: h, beforeRequest: { req in
                try req.content.encode(NewPerson(familyName: "Lê", givenName: "An", orgID: w.schoolA.id, role: "wizard"), as: .json)
            }) { res in #expect(res.status == .unprocessableEntity) }
            try await app.testing().test(.POST, "api/v1/people", headers: h, beforeRequest: { req in
                try req.content.encode(NewPerson(familyName: "Lê", givenName: "An", birthDate: "2017-02-30", orgID: w.schoolA.id, role: "pupil"), as: .json)
            }) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("birthDate"))
            }
        }
    }

    @Test func overLongSearchesAre422() async throws {
        try await withTestApp { app in
            _ = try await World.build(app)
            let h = try await app.bearer("schooladmin")
            let long = String(repeating: "a", count: 101)
            for path in ["api/v1/people?q=\(long)", "api/v1/orgs?q=\(long)"] {
                try await app.testing().test(.GET, path, headers: h) { res in
                    #expect(res.status == .unprocessableEntity, "\(path)")
                }
            }
        }
    }

    @Test func anotherSchoolsIdsAreNotUsable() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let h = try await app.bearer("schooladmin")
            try await app.testing().test(.POST, "api/v1/people", headers: h, beforeRequest: { req in
                try req.content.encode(NewPerson(familyName: "Lê", givenName: "An", orgID: w.schoolB.id, role: "pupil"), as: .json)
            }) { res in #expect(res.status == .unprocessableEntity) }
            try await app.testing().test(.PATCH, "api/v1/people/\(w.pupilB.id)", headers: h, beforeRequest: { req in
                try req.content.encode(["givenName": "X"], as: .json)
            }) { res in #expect(res.status == .notFound) }
        }
    }

    @Test func duplicateUsernameIsAConflict() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let h = try await app.bearer("schooladmin")
            try await app.testing().test(.POST, "api/v1/people", headers: h, beforeRequest: { req in
                try req.content.encode(NewPerson(familyName: "Lê", givenName: "An", username: "PUPIL1", password: "long-enough-1",
                                                 orgID: w.schoolA.id, role: "teacher"), as: .json)
            }) { res in
                #expect(res.status == .conflict)
                #expect(res.problemCode == "conflict")
            }
        }
    }

    @Test func pageFormWithoutCSRFTokenIsRefusedWithAFriendlyPage() async throws {
        try await withTestApp { app in
            _ = try await World.build(app)
            try await app.testing().test(.POST, "signin", headers: ["Accept": "text/html", "Content-Type": "application/x-www-form-urlencoded"],
                                         body: .init(string: "username=pupil1&password=\(testPassword)")) { res in
                #expect(res.status == .forbidden)
                #expect(res.headers.contentType?.subType == "html")
                #expect(res.body.string.contains("expired"))
            }
        }
    }
}
