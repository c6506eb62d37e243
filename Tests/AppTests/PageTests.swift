import Foundation
import Testing
import VaporTesting
@testable import App
import Directory
import Fluent
import Platform

@Suite("Pages")
struct PageTests {
    /// Signs in through the form, as a browser does, and answers the cookie header.
    func signIn(_ app: Application, _ user: String, lang: String = "en") async throws -> HTTPHeaders {
        var csrf = ""
        try await app.testing().test(.GET, "signin", headers: ["Accept-Language": lang]) { res in
            #expect(res.status == .ok)
            csrf = res.headers.setCookie?[CSRFMiddleware.cookie]?.string ?? ""
        }
        var cookie = ""
        try await app.testing().test(.POST, "signin", headers: ["Cookie": "ec_csrf=\(csrf)", "Content-Type": "application/x-www-form-urlencoded"],
                                     body: .init(string: "_csrf=\(csrf)&username=\(user)&password=\(testPassword)&next=/")) { res in
            #expect(res.status == .seeOther)
            cookie = res.headers.setCookie?[SessionCookie.name]?.string ?? ""
        }
        #expect(!cookie.isEmpty)
        return ["Cookie": "ec_csrf=\(csrf); ec_session=\(cookie)", "Accept-Language": lang]
    }

    @Test func signInPageSpeaksTheReadersLanguage() async throws {
        try await withTestApp { app in
            for (lang, text) in [("vi", "Đăng nhập"), ("zh-CN", "登录"), ("en", "Sign in")] {
                try await app.testing().test(.GET, "signin", headers: ["Accept-Language": lang]) { res in
                    #expect(res.status == .ok)
                    #expect(res.body.string.contains(text))
                    #expect(res.body.string.contains("<html lang=\"\(AppLocale(tag: lang)!.rawValue)\">"))
                }
            }
        }
    }

    @Test func wrongPasswordOnTheFormShowsAMessageNotAnError() async throws {
        try await withTestApp { app in
            _ = try await World.build(app)
            var csrf = ""
            try await app.testing().test(.GET, "signin") { res in csrf = res.headers.setCookie?[CSRFMiddleware.cookie]?.string ?? "" }
            try await app.testing().test(.POST, "signin", headers: ["Cookie": "ec_csrf=\(csrf)", "Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "vi"],
                                         body: .init(string: "_csrf=\(csrf)&username=pupil1&password=nope")) { res in
                #expect(res.status == .unauthorized)
                #expect(res.body.string.contains("Tên đăng nhập hoặc mật khẩu không đúng"))
                #expect(res.body.string.contains("<form"))
            }
        }
    }

    @Test func eachRoleGetsItsOwnHomePage() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let pupil = try await signIn(app, "pupil1")
            try await app.testing().test(.GET, "/", headers: pupil) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Lớp 3A"))
                #expect(!res.body.string.contains("href=\"/people\""))
            }
            let guardian = try await signIn(app, "guardian1")
            try await app.testing().test(.GET, "/", headers: guardian) { res in
                #expect(res.body.string.contains(w.pupilA1.fullName))
            }
            let admin = try await signIn(app, "schooladmin", lang: "vi")
            try await app.testing().test(.GET, "/", headers: admin) { res in
                #expect(res.body.string.contains("href=\"/people\""))
                #expect(res.body.string.contains("Trường A"))
            }
        }
    }

    @Test func administratorBrowsesTreeSearchesAndAddsPeople() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let h = try await signIn(app, "schooladmin")
            try await app.testing().test(.GET, "orgs/\(w.schoolA.id)", headers: h) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Lớp 3A"))
                #expect(res.body.string.contains(w.pupilA1.fullName))
            }
            try await app.testing().test(.GET, "orgs/\(w.schoolB.id)", headers: h) { res in
                #expect(res.status == .notFound)
                #expect(res.headers.contentType?.subType == "html")
            }
            try await app.testing().test(.GET, "people?q=binh", headers: h) { res in
                #expect(res.body.string.contains(w.pupilA2.fullName))
                #expect(!res.body.string.contains(w.pupilA1.fullName))
            }
            let csrf = h["Cookie"].first!.split(separator: ";")[0].replacingOccurrences(of: "ec_csrf=", with: "")
            var form = h
            form.replaceOrAdd(name: "Content-Type", value: "application/x-www-form-urlencoded")
            try await app.testing().test(.POST, "people", headers: form,
                                         body: .init(string: "_csrf=\(csrf)&orgId=\(w.classA1.id)&role=pupil&familyName=Tr%E1%BA%A7n&givenName=Khoa&birthDate=2017-09-09&gender=male&nationalId=123")) { res in
                #expect(res.status == .unprocessableEntity)
                // The person prefers Vietnamese, which wins over the browser's English.
                #expect(res.body.string.contains("12 chữ số"))
                #expect(res.body.string.contains("value=\"Khoa\""))
            }
            try await app.testing().test(.POST, "people", headers: form,
                                         body: .init(string: "_csrf=\(csrf)&orgId=\(w.classA1.id)&role=pupil&familyName=Tr%E1%BA%A7n&givenName=Khoa&birthDate=2017-09-09&gender=male")) { res in
                #expect(res.status == .seeOther)
            }
        }
    }

    @Test func signedOutVisitorsAreSentToSignIn() async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, "people", headers: ["Accept": "text/html"]) { res in
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location)?.hasPrefix("/signin?next=") == true)
            }
        }
    }

    @Test func staticFilesAreHashedAndCachedForAYear() async throws {
        try await withTestApp { app in
            let url = app.services.assets.url("app.css")
            #expect(url.range(of: #"^/static/app\.[0-9a-f]{10}\.css$"#, options: .regularExpression) != nil)
            try await app.testing().test(.GET, String(url.dropFirst())) { res in
                #expect(res.status == .ok)
                #expect(res.headers.first(name: .cacheControl)?.contains("max-age=31536000") == true)
            }
        }
    }
}

extension PageTests {
    @Test func administratorGivesARoleFromThePersonPage() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let h = try await signIn(app, "schooladmin")
            try await app.testing().test(.GET, "people/\(w.teacherA2.id)", headers: h) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("<option value=\"\(w.classA1.id.uuidString)\">"))
                #expect(!res.body.string.contains(w.schoolB.id.uuidString))
            }
            let csrf = h["Cookie"].first!.split(separator: ";")[0].replacingOccurrences(of: "ec_csrf=", with: "")
            var form = h
            form.replaceOrAdd(name: "Content-Type", value: "application/x-www-form-urlencoded")
            try await app.testing().test(.POST, "people/\(w.teacherA2.id)/roles", headers: form,
                                         body: .init(string: "_csrf=\(csrf)&role=homeroomTeacher&orgId=\(w.classA1.id)")) { res in
                #expect(res.status == .seeOther)
            }
            let roles = try await RoleGrant.query(on: app.db).filter(\.$personID == w.teacherA2.id).filter(\.$orgID == w.classA1.id).all()
            #expect(roles.map(\.role) == ["homeroomTeacher"])
            // The pupil's page is not editable by a teacher: no form at all.
            let teacher = try await signIn(app, "teacher1")
            try await app.testing().test(.GET, "people/\(w.pupilA1.id)", headers: teacher) { res in
                #expect(res.status == .ok)
                #expect(!res.body.string.contains("action=\"/people/\(w.pupilA1.id)\""))
            }
        }
    }
}

extension PageTests {
    func form(_ h: HTTPHeaders) -> (HTTPHeaders, String) {
        let csrf = h["Cookie"].first!.split(separator: ";")[0].replacingOccurrences(of: "ec_csrf=", with: "")
        var f = h
        f.replaceOrAdd(name: "Content-Type", value: "application/x-www-form-urlencoded")
        return (f, csrf)
    }

    @Test func guardianGivesAndWithdrawsConsentFromTheChildsPage() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let h = try await signIn(app, "guardian1")
            try await app.testing().test(.GET, "people/\(w.pupilA1.id)", headers: h) { res in
                #expect(res.body.string.contains("name=\"childAgreed\""))
                #expect(res.body.string.contains("action=\"/people/\(w.pupilA1.id)/consents\""))
            }
            let (f, csrf) = form(h)
            // The child is 9 in Vietnam: without the child's agreement the consent is refused.
            try await app.testing().test(.POST, "people/\(w.pupilA1.id)/consents", headers: f,
                                         body: .init(string: "_csrf=\(csrf)&purpose=contact-details")) { res in
                #expect(res.status == .unprocessableEntity)
            }
            try await app.testing().test(.POST, "people/\(w.pupilA1.id)/consents", headers: f,
                                         body: .init(string: "_csrf=\(csrf)&purpose=contact-details&childAgreed=on")) { res in
                #expect(res.status == .seeOther)
            }
            let consent = try await Consent.query(on: app.db).filter(\.$subjectID == w.pupilA1.id).first()
            #expect(consent?.grantedByID == w.guardianA1.id && consent?.childAgreed == true)
            try await app.testing().test(.POST, "people/\(w.pupilA1.id)/consents/\(consent!.id!)/withdraw", headers: f,
                                         body: .init(string: "_csrf=\(csrf)")) { res in
                #expect(res.status == .seeOther)
            }
            #expect(try await Consent.find(consent!.id, on: app.db)?.withdrawnAt != nil)
            // A teacher sees the pupil but is offered no consent forms.
            let teacher = try await signIn(app, "teacher1")
            try await app.testing().test(.GET, "people/\(w.pupilA1.id)", headers: teacher) { res in
                #expect(!res.body.string.contains("/consents\""))
            }
        }
    }

    @Test func administratorRenamesAndMovesASchoolFromItsPage() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let h = try await signIn(app, "admin")
            try await app.testing().test(.GET, "orgs/\(w.schoolA.id)", headers: h) { res in
                #expect(res.body.string.contains("<option value=\"\(w.district2.id.uuidString)\">"))
                // Not under itself, not its current parent.
                #expect(!res.body.string.contains("<option value=\"\(w.classA1.id.uuidString)\">"))
                #expect(!res.body.string.contains("<option value=\"\(w.district1.id.uuidString)\">"))
            }
            let (f, csrf) = form(h)
            try await app.testing().test(.POST, "orgs/\(w.schoolA.id)/rename", headers: f,
                                         body: .init(string: "_csrf=\(csrf)&name=Tr%C6%B0%E1%BB%9Dng%20A%20m%E1%BB%9Bi")) { res in
                #expect(res.status == .seeOther)
            }
            try await app.testing().test(.POST, "orgs/\(w.schoolA.id)/move", headers: f,
                                         body: .init(string: "_csrf=\(csrf)&parentId=\(w.district2.id)")) { res in
                #expect(res.status == .seeOther)
            }
            let school = try await Organisation.find(w.schoolA.id, on: app.db)!
            #expect(school.name.values["vi"] == "Trường A mới")
            #expect(school.path == "/vn/19/167/sa/")
            // A school administrator may rename their school but not move it out of reach.
            let sa = try await signIn(app, "schooladmin")
            let (f2, csrf2) = form(sa)
            try await app.testing().test(.POST, "orgs/\(w.schoolA.id)/move", headers: f2,
                                         body: .init(string: "_csrf=\(csrf2)&parentId=\(w.district1.id)")) { res in
                #expect(res.status == .notFound)
            }
        }
    }
}

extension PageTests {
    @Test func datesAreWrittenTheReadersWay() async throws {
        #expect(LocaleFormat(.vi).date("2017-05-06") == "06/05/2017")
        #expect(LocaleFormat(.zhHans).date("2017-05-06") == "2017年5月6日")
        #expect(LocaleFormat(.en).date("2017-05-06") == "6 May 2017")
        #expect(LocaleFormat(.en).date("not-a-date") == "not-a-date")
        try await withTestApp { app in
            let w = try await World.build(app)
            let h = try await signIn(app, "schooladmin")
            try await app.testing().test(.GET, "people/\(w.pupilA1.id)", headers: h) { res in
                #expect(res.body.string.contains("06/05/2017"))
            }
        }
    }
}

extension PageTests {
    @Test func administratorLinksAGuardianByUsernameFromThePupilsPage() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let h = try await signIn(app, "schooladmin")
            try await app.testing().test(.GET, "people/\(w.pupilA2.id)", headers: h) { res in
                #expect(res.body.string.contains("action=\"/people/\(w.pupilA2.id)/guardians\""))
            }
            let (f, csrf) = form(h)
            // Someone outside the school cannot be named.
            try await app.testing().test(.POST, "people/\(w.pupilA2.id)/guardians", headers: f,
                                         body: .init(string: "_csrf=\(csrf)&guardian=pupilb&relationship=mother")) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("pupilb"))
            }
            try await app.testing().test(.POST, "people/\(w.pupilA2.id)/guardians", headers: f,
                                         body: .init(string: "_csrf=\(csrf)&guardian=guardian1&relationship=father")) { res in
                #expect(res.status == .seeOther)
            }
            let links = try await Guardianship.query(on: app.db).filter(\.$pupilID == w.pupilA2.id).all()
            #expect(links.map(\.guardianID) == [w.guardianA1.id])
        }
    }
}
