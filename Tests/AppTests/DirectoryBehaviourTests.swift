import Foundation
import Testing
import VaporTesting
import Fluent
import SQLKit
@testable import App
import Directory
import Platform

@Suite("Directory behaviour")
struct DirectoryBehaviourTests {
    @Test func movingASchoolRewritesItsSubtreeAndKeepsHistory() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let h = try await app.bearer("admin")
            try await app.testing().test(.POST, "api/v1/orgs/\(w.schoolA.id)/move", headers: h, beforeRequest: { req in
                try req.content.encode(["parentId": w.district2.id.uuidString], as: .json)
            }) { res in
                #expect(res.status == .ok)
                #expect(res.decoded(OrgDTO.self)?.path == "/vn/19/167/sa/")
            }
            let cls = try await Organisation.find(w.classA1.id, on: app.db)!
            #expect(cls.path == "/vn/19/167/sa/a1/")
            try await app.testing().test(.GET, "api/v1/orgs/\(w.schoolA.id)/moves", headers: h) { res in
                let moves = res.decoded([OrgMoveDTO].self)!
                #expect(moves.count == 1)
                #expect(moves.first?.fromPath == "/vn/19/164/sa/")
            }
            // The official of the old district no longer reaches the school's pupils.
            let official = try await app.bearer("official1")
            try await app.testing().test(.GET, "api/v1/people/\(w.pupilA1.id)", headers: official) { res in #expect(res.status == .notFound) }
            // A school cannot go under its own class.
            try await app.testing().test(.POST, "api/v1/orgs/\(w.schoolA.id)/move", headers: h, beforeRequest: { req in
                try req.content.encode(["parentId": w.classA1.id.uuidString], as: .json)
            }) { res in #expect(res.status == .unprocessableEntity) }
        }
    }

    @Test func nationalIDIsCorrectedOnlyWithAReasonAndTheAuditKeepsBoth() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let h = try await app.bearer("schooladmin")
            try await app.testing().test(.PATCH, "api/v1/people/\(w.pupilA2.id)", headers: h, beforeRequest: { req in
                try req.content.encode(["nationalId": "019216000001"], as: .json)
            }) { res in #expect(res.status == .ok) }
            try await app.testing().test(.PATCH, "api/v1/people/\(w.pupilA2.id)", headers: h, beforeRequest: { req in
                try req.content.encode(["nationalId": "019216000002"], as: .json)
            }) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("validation.national-id-correction-required"))
            }
            try await app.testing().test(.POST, "api/v1/people/\(w.pupilA2.id)/national-id-corrections", headers: h, beforeRequest: { req in
                try req.content.encode(["nationalId": "019216000002", "reason": ""], as: .json)
            }) { res in #expect(res.status == .unprocessableEntity) }
            try await app.testing().test(.POST, "api/v1/people/\(w.pupilA2.id)/national-id-corrections", headers: h, beforeRequest: { req in
                try req.content.encode(["nationalId": "019216000002", "reason": "Typo on the enrolment form"], as: .json)
            }) { res in
                #expect(res.status == .ok)
                #expect(res.decoded(PersonDTO.self)?.nationalID == "019216000002")
            }
            let events = try await AuditEvent.query(on: app.db).filter(\.$action == "person.national-id.correct").all()
            #expect(events.count == 1)
            #expect(events[0].changes.contains("019216000001") && events[0].changes.contains("019216000002") && events[0].changes.contains("Typo"))
        }
    }

    @Test func auditRowsCannotBeChangedOrDeleted() async throws {
        try await withTestApp { app in
            _ = try await World.build(app)
            let sql = app.db as! any SQLDatabase
            await #expect(throws: (any Error).self) { try await sql.raw("UPDATE audit_events SET action = 'x'").run() }
            await #expect(throws: (any Error).self) { try await sql.raw("DELETE FROM audit_events").run() }
            #expect(try await app.count(AuditEvent.self) > 0)
        }
    }

    @Test func childContactDetailsNeedConsentAndWithdrawalErasesThem() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let admin = try await app.bearer("schooladmin")
            try await app.testing().test(.PATCH, "api/v1/people/\(w.pupilA1.id)", headers: admin, beforeRequest: { req in
                try req.content.encode(["phone": "0912345678"], as: .json)
            }) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("validation.consent-required"))
            }
            // The child is 9: the guardian consents and the child agrees (Vietnam, from 7).
            let guardian = try await app.bearer("guardian1")
            try await app.testing().test(.POST, "api/v1/people/\(w.pupilA1.id)/consents", headers: guardian, beforeRequest: { req in
                try req.content.encode(ConsentInput(purpose: "contact-details", grantedByID: w.guardianA1.id, childAgreed: false), as: .json)
            }) { res in #expect(res.status == .unprocessableEntity) }
            var consentID = UUID()
            try await app.testing().test(.POST, "api/v1/people/\(w.pupilA1.id)/consents", headers: guardian, beforeRequest: { req in
                try req.content.encode(ConsentInput(purpose: "contact-details", grantedByID: w.guardianA1.id, childAgreed: true), as: .json)
            }) { res in
                #expect(res.status == .created)
                consentID = res.decoded(ConsentDTO.self)!.id
            }
            try await app.testing().test(.PATCH, "api/v1/people/\(w.pupilA1.id)", headers: admin, beforeRequest: { req in
                try req.content.encode(["phone": "0912345678"], as: .json)
            }) { res in #expect(res.status == .ok) }
            try await app.testing().test(.POST, "api/v1/people/\(w.pupilA1.id)/consents/\(consentID)/withdraw", headers: guardian) { res in
                #expect(res.status == .ok)
                #expect(res.decoded(ConsentDTO.self)?.active == false)
            }
            let pupil = try await Person.find(w.pupilA1.id, on: app.db)!
            #expect(pupil.phone == nil)
            // A pupil cannot consent for themselves; another pupil's guardian cannot either.
            let pupilToken = try await app.bearer("pupil1")
            try await app.testing().test(.POST, "api/v1/people/\(w.pupilA1.id)/consents", headers: pupilToken, beforeRequest: { req in
                try req.content.encode(ConsentInput(purpose: "contact-details", grantedByID: w.pupilA1.id, childAgreed: true), as: .json)
            }) { res in #expect(res.status == .unprocessableEntity) }
            try await app.testing().test(.POST, "api/v1/people/\(w.pupilA2.id)/consents", headers: guardian, beforeRequest: { req in
                try req.content.encode(ConsentInput(purpose: "contact-details", grantedByID: w.guardianA1.id, childAgreed: true), as: .json)
            }) { res in #expect(res.status == .notFound) }
        }
    }

    @Test func searchIgnoresVietnameseDiacritics() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let h = try await app.bearer("schooladmin")
            try await app.testing().test(.GET, "api/v1/people?q=nguyen%20an", headers: h) { res in
                let page = res.decoded(ListPage<PersonSummaryDTO>.self)!
                #expect(page.items.map(\.id) == [w.pupilA1.id])
            }
            // Words match the start of name words: "ng" finds the Nguyễns, not "Hoàng".
            try await app.testing().test(.GET, "api/v1/people?q=ng", headers: h) { res in
                #expect(Set(res.decoded(ListPage<PersonSummaryDTO>.self)?.items.map(\.id) ?? []) == [w.pupilA1.id, w.guardianA1.id])
            }
            try await app.testing().test(.GET, "api/v1/people?q=oang", headers: h) { res in
                #expect(res.decoded(ListPage<PersonSummaryDTO>.self)?.items.isEmpty == true)
            }
            try await app.testing().test(.GET, "api/v1/people?limit=2", headers: h) { res in
                let page = res.decoded(ListPage<PersonSummaryDTO>.self)!
                #expect(page.items.count == 2)
                #expect(page.nextCursor != nil)
            }
            try await app.testing().test(.GET, "api/v1/people?cursor=%%%", headers: h) { res in
                #expect(res.status == .unprocessableEntity || res.status == .badRequest)
            }
        }
    }
}

extension HTTPHeaders {
    func merging(_ other: [String: String]) -> HTTPHeaders {
        var h = self
        for (k, v) in other { h.replaceOrAdd(name: k, value: v) }
        return h
    }
}
