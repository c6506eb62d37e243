import Foundation
import Testing
import VaporTesting
import Fluent
import SQLKit
@testable import App
import Directory
import Platform

@Suite("Sign-in and tokens")
struct AuthTests {
    @Test func healthzAnswersOkOnceTheDatabaseAnswers() async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, "healthz") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("\"status\":\"ok\""))
            }
        }
    }

    @Test func signInIssuesATokenAndMeAnswersThePersonWithRoles() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let headers = try await app.bearer("teacher1")
            try await app.testing().test(.GET, "api/v1/me", headers: headers) { res in
                #expect(res.status == .ok)
                let me = res.decoded(MeResponse.self)!
                #expect(me.person.id == w.teacherA1.id)
                #expect(Set(me.person.roles.map(\.role)) == ["teacher"])
                #expect(me.person.roles.count == 2)
            }
        }
    }

    @Test func wrongPasswordIsA401InTheReadersLanguage() async throws {
        try await withTestApp { app in
            _ = try await World.build(app)
            try await app.testing().test(.POST, "api/v1/auth/token", headers: ["Accept-Language": "vi-VN,vi;q=0.9"], beforeRequest: { req in
                try req.content.encode(["username": "pupil1", "password": "wrong-password"], as: .json)
            }) { res in
                #expect(res.status == .unauthorized)
                #expect(res.headers.contentType?.subType == "problem+json")
                #expect(res.body.string.contains("Tên đăng nhập hoặc mật khẩu không đúng"))
            }
            try await app.testing().test(.POST, "api/v1/auth/token", beforeRequest: { req in
                try req.content.encode(["username": "nobody", "password": "wrong-password"], as: .json)
            }) { res in
                #expect(res.status == .unauthorized)
                #expect(res.problemCode == "unauthenticated")
            }
        }
    }

    @Test func repeatedFailuresLockTheAccountEvenForTheRightPassword() async throws {
        try await withTestApp { app in
            _ = try await World.build(app)
            for attempt in 1...5 {
                try await app.testing().test(.POST, "api/v1/auth/token", beforeRequest: { req in
                    try req.content.encode(["username": "pupil1", "password": "guess-\(attempt)"], as: .json)
                }) { res in
                    #expect(res.status == (attempt < 5 ? .unauthorized : .tooManyRequests))
                }
            }
            try await app.testing().test(.POST, "api/v1/auth/token", headers: ["Accept-Language": "zh-Hans"], beforeRequest: { req in
                try req.content.encode(["username": "pupil1", "password": testPassword], as: .json)
            }) { res in
                #expect(res.status == .tooManyRequests)
                #expect(res.problemCode == "account-locked")
                #expect(Int(res.headers.first(name: "Retry-After") ?? "") ?? 0 > 0)
                #expect(res.body.string.contains("分钟后重试"))
            }
        }
    }

    @Test func forgedExpiredAndRevokedTokensAreRefused() async throws {
        try await withTestApp { app in
            _ = try await World.build(app)
            try await app.testing().test(.GET, "api/v1/me", headers: ["Authorization": "Bearer forged-token-value"]) { res in
                #expect(res.status == .unauthorized)
                #expect(res.problemCode == "unauthenticated")
            }
            try await app.testing().test(.GET, "api/v1/me") { res in
                #expect(res.status == .unauthorized)
            }
            // Revoked by sign-out.
            let h = try await app.bearer("pupil1")
            try await app.testing().test(.DELETE, "api/v1/auth/token", headers: h) { res in #expect(res.status == .noContent) }
            try await app.testing().test(.GET, "api/v1/me", headers: h) { res in #expect(res.status == .unauthorized) }
            // Expired: move its expiry into the past.
            let h2 = try await app.bearer("pupil1")
            try await AccessToken.query(on: app.db).filter(\.$revokedAt == nil).set(\.$expiresAt, to: Date(timeIntervalSinceNow: -60)).update()
            try await app.testing().test(.GET, "api/v1/me", headers: h2) { res in #expect(res.status == .unauthorized) }
        }
    }

    @Test func passwordChangeNeedsTheCurrentPasswordAndRevokesOtherTokens() async throws {
        try await withTestApp { app in
            _ = try await World.build(app)
            let first = try await app.bearer("pupil1")
            let second = try await app.bearer("pupil1")
            try await app.testing().test(.POST, "api/v1/auth/password", headers: second, beforeRequest: { req in
                try req.content.encode(["currentPassword": "not-it-at-all", "newPassword": "a-new-secret-9"], as: .json)
            }) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("currentPassword"))
            }
            try await app.testing().test(.POST, "api/v1/auth/password", headers: second, beforeRequest: { req in
                try req.content.encode(["currentPassword": testPassword, "newPassword": "short"], as: .json)
            }) { res in #expect(res.status == .unprocessableEntity) }
            try await app.testing().test(.POST, "api/v1/auth/password", headers: second, beforeRequest: { req in
                try req.content.encode(["currentPassword": testPassword, "newPassword": "a-new-secret-9"], as: .json)
            }) { res in #expect(res.status == .noContent) }
            try await app.testing().test(.GET, "api/v1/me", headers: first) { res in #expect(res.status == .unauthorized) }
            try await app.testing().test(.GET, "api/v1/me", headers: second) { res in #expect(res.status == .ok) }
            _ = try await app.bearer("pupil1", password: "a-new-secret-9")
        }
    }
}

extension AuthTests {
    @Test func parallelWrongPasswordsAllCountTowardsTheLock() async throws {
        try await withTestApp { app in
            _ = try await World.build(app)
            let auth = AuthService(db: app.db, ctx: app.services.directory)
            await withTaskGroup(of: Void.self) { group in
                for i in 0..<5 {
                    group.addTask { _ = try? await auth.signIn(username: "pupil2", password: "guess-\(i)", kind: .api, ip: nil) }
                }
            }
            await #expect(throws: DomainError.self) {
                _ = try await auth.signIn(username: "pupil2", password: testPassword, kind: .api, ip: nil)
            }
            let account = try await Account.query(on: app.db).filter(\.$username == "pupil2").first()!
            #expect(account.lockedUntil != nil)
        }
    }
}
