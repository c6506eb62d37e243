import Foundation
import Testing
import VaporTesting
import Fluent
@testable import App
import Directory
import Platform

@Suite("Directory API")
struct DirectoryAPITests {
    @Test func administratorsCreateRenameAndListOrganisations() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let h = try await app.bearer("schooladmin")
            var classID = UUID()
            try await app.testing().test(.POST, "api/v1/orgs", headers: h, beforeRequest: { req in
                try req.content.encode(NewOrganisation(kind: "class", code: "5a", parentID: w.schoolA.id,
                                                       name: LocalizedText(vi: "Lớp 5A", en: "Class 5A", zhHans: "5A班")), as: .json)
            }) { res in
                #expect(res.status == .created)
                let org = res.decoded(OrgDTO.self)
                #expect(org?.path == "/vn/19/164/sa/5a/")
                #expect(org?.displayName == "Lớp 5A")
                classID = org?.id ?? classID
            }
            // Same code twice under one parent, a school under a school, a bad code: refused.
            for (kind, code, status) in [("class", "5a", HTTPStatus.conflict), ("school", "x1", .unprocessableEntity), ("class", "a/b", .unprocessableEntity)] {
                try await app.testing().test(.POST, "api/v1/orgs", headers: h, beforeRequest: { req in
                    try req.content.encode(NewOrganisation(kind: kind, code: code, parentID: w.schoolA.id, name: LocalizedText(vi: "X")), as: .json)
                }) { res in #expect(res.status == status, "\(kind) \(code)") }
            }
            // Another school is out of reach.
            try await app.testing().test(.POST, "api/v1/orgs", headers: h, beforeRequest: { req in
                try req.content.encode(NewOrganisation(kind: "class", code: "9z", parentID: w.schoolB.id, name: LocalizedText(vi: "X")), as: .json)
            }) { res in #expect(res.status == .notFound) }
            try await app.testing().test(.PATCH, "api/v1/orgs/\(classID)", headers: h, beforeRequest: { req in
                try req.content.encode(["name": ["vi": "Lớp 5A1", "fr": "Classe"]], as: .json)
            }) { res in #expect(res.status == .unprocessableEntity) }
            try await app.testing().test(.PATCH, "api/v1/orgs/\(classID)", headers: h.merging(["Accept-Language": "en"]), beforeRequest: { req in
                try req.content.encode(["name": ["vi": "Lớp 5A1", "en": "Class 5A1"]], as: .json)
            }) { res in
                #expect(res.status == .ok)
                #expect(res.decoded(OrgDTO.self)?.name.values["en"] == "Class 5A1")
            }
            try await app.testing().test(.GET, "api/v1/orgs/\(w.schoolA.id)/children", headers: h) { res in
                #expect(Set(res.decoded(ListPage<OrgDTO>.self)?.items.map(\.code) ?? []) == ["a1", "a2", "5a"])
            }
            try await app.testing().test(.GET, "api/v1/orgs?q=lop%205a", headers: h) { res in
                #expect(res.decoded(ListPage<OrgDTO>.self)?.items.map(\.id) == [classID])
            }
        }
    }

    @Test func guardiansAreLinkedAndRolesTakenAway() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let h = try await app.bearer("schooladmin")
            try await app.testing().test(.POST, "api/v1/people/\(w.pupilA2.id)/guardians", headers: h, beforeRequest: { req in
                try req.content.encode(["guardianId": w.guardianA1.id.uuidString, "relationship": "uncle"], as: .json)
            }) { res in #expect(res.status == .unprocessableEntity) }
            try await app.testing().test(.POST, "api/v1/people/\(w.pupilA2.id)/guardians", headers: h, beforeRequest: { req in
                try req.content.encode(["guardianId": w.pupilA2.id.uuidString, "relationship": "guardian"], as: .json)
            }) { res in #expect(res.status == .unprocessableEntity) }
            try await app.testing().test(.POST, "api/v1/people/\(w.pupilA2.id)/guardians", headers: h, beforeRequest: { req in
                try req.content.encode(["guardianId": w.guardianA1.id.uuidString, "relationship": "father"], as: .json)
            }) { res in #expect(res.status == .created) }
            // Now that guardian sees the second child too.
            let g = try await app.bearer("guardian1")
            try await app.testing().test(.GET, "api/v1/people/\(w.pupilA2.id)", headers: g) { res in #expect(res.status == .ok) }
            try await app.testing().test(.GET, "api/v1/people/\(w.guardianA1.id)/guardians", headers: g) { res in
                #expect(res.decoded([GuardianLinkDTO].self)?.count == 2)
            }
            // Teacher 1 loses class A1 and with it the pupil; the change applies at once.
            let t = try await app.bearer("teacher1")
            try await app.testing().test(.GET, "api/v1/people/\(w.pupilA1.id)", headers: t) { res in #expect(res.status == .ok) }
            try await app.testing().test(.DELETE, "api/v1/people/\(w.teacherA1.id)/roles/\(w.classA1.id)/teacher", headers: h) { res in
                #expect(res.status == .ok)
            }
            try await app.testing().test(.GET, "api/v1/people/\(w.pupilA1.id)", headers: t) { res in #expect(res.status == .notFound) }
            try await app.testing().test(.DELETE, "api/v1/people/\(w.teacherA1.id)/roles/\(w.classA1.id)/teacher", headers: h) { res in
                #expect(res.status == .notFound)
            }
        }
    }

    @Test func auditRecordsWhoActingAsWhatWhenAndFromWhere() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let h = try await app.bearer("schooladmin")
            try await app.testing().test(.PATCH, "api/v1/people/\(w.pupilA2.id)", headers: h.merging(["X-Request-ID": "req-42"]), beforeRequest: { req in
                try req.content.encode(["givenName": "Bảo"], as: .json)
            }) { res in #expect(res.status == .ok) }
            try await app.testing().test(.GET, "api/v1/audit-events?entityId=\(w.pupilA2.id)&limit=1", headers: h) { res in
                let e = res.decoded(ListPage<AuditEventDTO>.self)?.items.first
                #expect(e?.action == "person.update")
                #expect(e?.actorID == w.schoolAdminA.id)
                #expect(e?.actingAs == "schoolAdmin@/vn/19/164/sa/")
                #expect(e?.requestID == "req-42")
                #expect(e?.changes == [AuditChange(field: "givenName", before: "Bình", after: "Bảo")])
            }
        }
    }
}
