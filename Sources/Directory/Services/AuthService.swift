import Foundation
import FluentKit
import SQLKit
import Platform

public enum TokenKind: String, Sendable { case api, web }

public struct IssuedToken: Sendable, Codable {
    public var token: String
    public var expiresAt: Date
}

/// The identity behind a token: the person and their grants, resolved in two queries.
public struct ResolvedIdentity: Sendable {
    public var personID: UUID
    public var displayName: String
    public var preferredLocale: AppLocale?
    public var grants: [Grant]
    public var tokenID: UUID
}

/// Sign-in, tokens, lock-out and password changes.
public struct AuthService: Sendable {
    public let db: any Database
    public let ctx: DirectoryContext

    public init(db: any Database, ctx: DirectoryContext) {
        self.db = db
        self.ctx = ctx
    }

    /// Checks a username and password and issues a token of `kind`. Wrong passwords count
    /// towards a lock-out; a locked account answers 429 with the wait, even for the right
    /// password, and an unknown username costs the same bcrypt work as a known one.
    public func signIn(username rawUsername: String, password: String, kind: TokenKind, ip: String?) async throws -> IssuedToken {
        let username = AccountRules.normaliseUsername(rawUsername)
        if username.isEmpty || password.isEmpty || username.count > 64 || password.utf8.count > 1024 {
            throw DomainError.unauthenticated(reason: "error.bad-credentials")
        }
        let now = ctx.clock.now()
        guard let account = try await Account.query(on: db).filter(\.$username == username).first() else {
            _ = try? await ctx.hasher.verify(password, against: Self.dummyHash)
            throw DomainError.unauthenticated(reason: "error.bad-credentials")
        }
        if let until = account.lockedUntil, until > now {
            throw DomainError.locked(retryAfterSeconds: Int(until.timeIntervalSince(now).rounded(.up)))
        }
        let ok = (try? await ctx.hasher.verify(password, against: account.passwordHash)) ?? false
        guard ok else {
            // Counted in the database, not read-modify-written here: parallel guesses
            // (a script, two app processes) each count.
            let failures = try await db.sql.raw("""
                UPDATE accounts SET failed_attempts = failed_attempts + 1 WHERE id = \(bind: account.id!) RETURNING failed_attempts
                """).first()?.decode(column: "failed_attempts", as: Int.self) ?? ctx.lockout.maxFailures
            if failures >= ctx.lockout.maxFailures {
                try await db.sql.update(Account.schema)
                    .set("locked_until", to: now.addingTimeInterval(TimeInterval(ctx.lockout.lockSeconds)))
                    .set("failed_attempts", to: 0)
                    .where("id", .equal, account.id!).run()
                throw DomainError.locked(retryAfterSeconds: ctx.lockout.lockSeconds)
            }
            throw DomainError.unauthenticated(reason: "error.bad-credentials")
        }
        // Only after the password is right does the answer reveal that an account is disabled.
        guard account.enabled, try await Person.find(account.personID, on: db)?.status == "active" else {
            throw DomainError.unauthenticated(reason: "error.account-disabled")
        }
        if account.failedAttempts != 0 || account.lockedUntil != nil {
            account.failedAttempts = 0
            account.lockedUntil = nil
            try await account.save(on: db)
        }
        return try await issue(personID: account.personID, kind: kind, ip: ip)
    }

    func issue(personID: UUID, kind: TokenKind, ip: String?) async throws -> IssuedToken {
        let raw = Digest.randomToken()
        let now = ctx.clock.now()
        let t = AccessToken()
        t.id = UUIDv7.make(at: now)
        t.personID = personID
        t.tokenHash = Digest.sha256Hex(raw)
        t.kind = kind.rawValue
        t.createdAt = now
        t.expiresAt = now.addingTimeInterval(kind == .api ? ctx.tokenLifetime : ctx.sessionLifetime)
        t.ip = ip.map { String($0.prefix(64)) }
        try await t.create(on: db)
        return IssuedToken(token: raw, expiresAt: t.expiresAt)
    }

    /// Resolves a presented token to an identity; nil for unknown, expired or revoked
    /// tokens. This is the hot path of every authenticated request: one indexed lookup
    /// of token and person, one of grants.
    public func resolve(token raw: String, kind: TokenKind) async throws -> ResolvedIdentity? {
        guard !raw.isEmpty, raw.count <= 128 else { return nil }
        let hash = Digest.sha256Hex(raw) + kind.rawValue
        let now = ctx.clock.now()
        if let cached = ctx.identities.get(hash, now: now) { return cached }
        guard let row = try await db.sql.raw("""
            SELECT t.id, t.person_id, t.expires_at, t.revoked_at, p.full_name, p.preferred_locale, p.status
            FROM access_tokens t JOIN people p ON p.id = t.person_id
            WHERE t.token_hash = \(bind: String(hash.dropLast(kind.rawValue.count))) AND t.kind = \(bind: kind.rawValue)
            """).first() else { return nil }
        let expires = try row.decode(column: "expires_at", as: Date.self)
        let revoked = try row.decode(column: "revoked_at", as: Date?.self)
        guard revoked == nil, expires > now, try row.decode(column: "status", as: String.self) == "active" else { return nil }
        let personID = try row.decode(column: "person_id", as: UUID.self)
        let identity = ResolvedIdentity(personID: personID,
                                        displayName: try row.decode(column: "full_name", as: String.self),
                                        preferredLocale: AppLocale(rawValue: try row.decode(column: "preferred_locale", as: String.self)),
                                        grants: try await Scope.grants(of: personID, on: db),
                                        tokenID: try row.decode(column: "id", as: UUID.self))
        ctx.identities.put(hash, identity, now: now, tokenExpires: expires)
        return identity
    }

    /// Revokes the presented token (sign-out).
    public func revoke(token raw: String) async throws {
        let hash = Digest.sha256Hex(raw)
        for kind in [TokenKind.api, .web] { ctx.identities.remove(tokenHash: hash + kind.rawValue) }
        guard let t = try await AccessToken.query(on: db).filter(\.$tokenHash == hash).first(), t.revokedAt == nil else { return }
        t.revokedAt = ctx.clock.now()
        try await t.save(on: db)
    }

    /// Revokes every token of a person (after a password change, or by an administrator).
    public func revokeAll(personID: UUID, except keepID: UUID? = nil) async throws {
        let now = ctx.clock.now()
        var q = AccessToken.query(on: db).filter(\.$personID == personID).filter(\.$revokedAt == nil)
        if let keepID { q = q.filter(\.$id != keepID) }
        try await q.set(\.$revokedAt, to: now).update()
        ctx.identities.invalidate(personID: personID)
    }

    /// Changes the actor's own password after checking the current one; every other
    /// session and token of the person is revoked.
    public func changePassword(actor: Actor, current: String, new: String, keepTokenID: UUID?) async throws {
        guard let pid = actor.personID, let account = try await Account.query(on: db).filter(\.$personID == pid).first() else {
            throw DomainError.unauthenticated()
        }
        guard (try? await ctx.hasher.verify(current, against: account.passwordHash)) == true else {
            throw DomainError.invalid(field: "currentPassword", reason: "validation.password-wrong")
        }
        var problems = PasswordPolicy.problems(new, field: "newPassword")
        if new == current { problems.append(FieldProblem(field: "newPassword", reason: "validation.password-same")) }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }
        account.passwordHash = try await ctx.hasher.hash(new)
        account.passwordChangedAt = ctx.clock.now()
        let person = try await Person.find(pid, on: db)
        let org = try await person?.orgID.asyncMap { try await Organisation.find($0, on: db) } ?? nil
        try await db.transaction { tx in
            try await account.save(on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "account.password-change", entityType: "person",
                                       entityID: pid, orgID: org?.id, orgPath: org?.path ?? "/",
                                       changes: [AuditChange(field: "password", before: "***", after: "***")])
        }
        try await revokeAll(personID: pid, except: keepTokenID)
    }

    /// Sets a first administrator or resets a password from the command line.
    public func setPassword(personID: UUID, password: String, actor: Actor) async throws {
        let problems = PasswordPolicy.problems(password)
        guard problems.isEmpty else { throw DomainError.invalid(problems) }
        guard let account = try await Account.query(on: db).filter(\.$personID == personID).first() else {
            throw DomainError.notFound(entity: "account")
        }
        account.passwordHash = try await ctx.hasher.hash(password)
        account.failedAttempts = 0
        account.lockedUntil = nil
        try await account.save(on: db)
        try await revokeAll(personID: personID)
    }

    /// A valid bcrypt hash of a random string, checked against when the username is
    /// unknown so response time does not reveal which usernames exist.
    static let dummyHash = "$2b$10$CwTycUXWue0Thq9StjUM0uJ8DPLKXt1FYlwYpQW8S5cQ0EJ0Xn0XS"
}
