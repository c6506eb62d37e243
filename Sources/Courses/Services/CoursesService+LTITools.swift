import Foundation
import FluentKit
import JWTKit
import Platform

extension CoursesService {
    // MARK: registration

    public var ltiPlatform: LTIPlatformEndpoints { ltiEndpoints }

    var ltiEndpoints: LTIPlatformEndpoints {
        let base = ctx.ltiIssuer
        return LTIPlatformEndpoints(issuer: base, authorizationUrl: base + "/lti/authorize", tokenUrl: base + "/lti/token",
                                    jwksUrl: base + "/lti/jwks", deepLinkReturnUrl: base + "/lti/deep-link-return")
    }

    func isAdministrator(_ actor: Actor) -> Bool {
        actor.isSystem || actor.grants.contains(where: { $0.role == .administrator })
    }

    /// `POST /api/v1/lti/tools`: administrators register tools for the whole platform, as
    /// in Moodle's site administration; teachers then place them in lessons.
    public func registerTool(_ input: NewLTITool, actor: Actor) async throws -> LTIToolDTO {
        guard isAdministrator(actor) else { throw DomainError.forbidden() }
        var problems: [FieldProblem] = []
        let name = input.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty { problems.append(FieldProblem(field: "name", reason: "validation.required")) }
        if name.count > 200 { problems.append(FieldProblem(field: "name", reason: "validation.too-long", arguments: ["200"])) }
        let login = input.loginUrl.trimmingCharacters(in: .whitespaces), launch = input.launchUrl.trimmingCharacters(in: .whitespaces)
        if !Self.isWebURL(login) { problems.append(FieldProblem(field: "loginUrl", reason: "course.url-form")) }
        if !Self.isWebURL(launch) { problems.append(FieldProblem(field: "launchUrl", reason: "course.url-form")) }
        let redirects = (input.redirectUris ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for (n, u) in redirects.enumerated() where !Self.isWebURL(u) {
            problems.append(FieldProblem(field: "redirectUris[\(n)]", reason: "course.url-form"))
        }
        let deep = input.deepLinkUrl?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        if let d = deep, !Self.isWebURL(d) { problems.append(FieldProblem(field: "deepLinkUrl", reason: "course.url-form")) }
        let jwksURL = input.jwksUrl?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        let jwks = input.jwks?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        switch (jwksURL, jwks) {
        case (nil, nil): problems.append(FieldProblem(field: "jwksUrl", reason: "lti.keys-required"))
        case (.some, .some): problems.append(FieldProblem(field: "jwks", reason: "lti.keys-one-of"))
        case (let u?, nil): if !Self.isWebURL(u) { problems.append(FieldProblem(field: "jwksUrl", reason: "course.url-form")) }
        case (nil, let k?):
            // A pasted key set is checked now: a typo found at the first launch is found late.
            if (try? await Self.toolKeyCollection(k)) == nil { problems.append(FieldProblem(field: "jwks", reason: "lti.jwks-unreadable")) }
        }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }
        let t = LTITool()
        t.id = UUID()
        t.name = name
        t.clientID = "ec-" + Digest.randomToken(bytes: 12)
        t.deploymentID = "d-" + Digest.randomToken(bytes: 6)
        t.loginURL = login
        t.launchURL = launch
        t.redirectURIs = (redirects.isEmpty ? [launch] : redirects).joined(separator: "\n")
        t.deepLinkURL = deep
        t.jwksURL = jwksURL
        t.jwks = jwks
        t.sharesName = input.sharesName ?? false
        t.enabled = true
        t.createdAt = now
        try await db.transaction { tx in
            try await t.create(on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "lti.register-tool", entityType: "lti-tool", entityID: t.id, orgID: nil,
                                       orgPath: "/", changes: [AuditChange(field: "name", before: nil, after: name)])
        }
        return toolDTO(t)
    }

    /// Every tool, for administrators.
    public func tools(actor: Actor) async throws -> [LTIToolDTO] {
        guard isAdministrator(actor) else { throw DomainError.forbidden() }
        return try await LTITool.query(on: db).sort(\.$createdAt, .descending).all().map(toolDTO)
    }

    /// The tools a teacher may place in a lesson: names and ids only.
    public func toolChoices() async throws -> [(id: UUID, name: String)] {
        try await LTITool.query(on: db).filter(\.$enabled == true).sort(\.$name).all().map { ($0.id!, $0.name) }
    }

    /// Turns a tool off (launches and service calls refused) or on again.
    public func setToolEnabled(_ id: UUID, _ enabled: Bool, actor: Actor) async throws -> LTIToolDTO {
        guard isAdministrator(actor) else { throw DomainError.forbidden() }
        guard let t = try await LTITool.find(id, on: db) else { throw DomainError.notFound(entity: "lti-tool") }
        let before = t.enabled
        t.enabled = enabled
        try await db.transaction { tx in
            try await t.save(on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "lti.tool-enabled", entityType: "lti-tool", entityID: t.id, orgID: nil,
                                       orgPath: "/", changes: [AuditChange(field: "enabled", before: "\(before)", after: "\(enabled)")])
        }
        ctx.ltiToolKeys.remove(id.uuidString)
        return toolDTO(t)
    }

    func toolDTO(_ t: LTITool) -> LTIToolDTO {
        LTIToolDTO(id: t.id!, name: t.name, clientId: t.clientID, deploymentId: t.deploymentID, loginUrl: t.loginURL, launchUrl: t.launchURL,
                   redirectUris: t.redirectList, deepLinkUrl: t.deepLinkURL, jwksUrl: t.jwksURL, hasPastedKeys: t.jwks != nil,
                   sharesName: t.sharesName, enabled: t.enabled, createdAt: t.createdAt, platform: ltiEndpoints)
    }

    // MARK: keys

    /// `GET /lti/jwks`: the platform's public keys, each with its `kid`.
    public func platformJWKS() async throws -> String {
        try await ctx.ltiKeys.current(on: db, now: now).jwks
    }

    /// Makes a new signing key; the one before it stays published (tokens signed with it
    /// are still in flight), older ones are retired.
    public func rotatePlatformKey(actor: Actor) async throws -> String {
        guard isAdministrator(actor) else { throw DomainError.forbidden() }
        let top = try await LTIPlatformKey.query(on: db).max(\.$generation) ?? 0
        try await LTIKeyRing.makeKey(generation: top + 1, on: db, now: now)
        if top > 1 {
            try await LTIPlatformKey.query(on: db).filter(\.$generation < top).filter(\.$retiredAt == nil).set(\.$retiredAt, to: now).update()
        }
        try await ctx.audit.record(on: db, actor: actor, action: "lti.rotate-key", entityType: "lti-key", entityID: nil, orgID: nil,
                                   orgPath: "/", changes: [AuditChange(field: "generation", before: "\(top)", after: "\(top + 1)")])
        await ctx.ltiKeys.forget()
        return try await platformJWKS()
    }

    func sign(_ claims: LaunchClaims) async throws -> String {
        let ring = try await ctx.ltiKeys.current(on: db, now: now)
        return try await ring.keys.sign(claims, kid: JWKIdentifier(string: ring.kid))
    }

    static func toolKeyCollection(_ jwksJSON: String) async throws -> JWTKeyCollection {
        let keys = JWTKeyCollection()
        try await keys.add(jwksJSON: jwksJSON)
        return keys
    }

    /// Verifies a JWT a tool signed, with the tool's keys. Keys from a URL are kept five
    /// minutes; a token that fails with keys older than ten seconds is tried once more with
    /// keys fetched again, so a tool that rotated its key is not refused for five minutes.
    func verifyFromTool<P: JWTPayload>(_ token: String, tool: LTITool, as: P.Type) async throws -> P {
        let key = tool.id!.uuidString
        func load() async throws -> CachedToolKeys {
            let json: String
            if let pasted = tool.jwks { json = pasted } else {
                do { json = String(decoding: try await ctx.ltiFetch(tool.jwksURL ?? ""), as: UTF8.self) }
                catch { throw DomainError.conflict(reason: "lti.keys-unreachable") }
            }
            guard let keys = try? await Self.toolKeyCollection(json) else { throw DomainError.conflict(reason: "lti.jwks-unreadable") }
            let c = CachedToolKeys(keys: keys, at: now)
            ctx.ltiToolKeys.put(key, c)
            return c
        }
        var cached = ctx.ltiToolKeys.get(key)
        if cached == nil || now.timeIntervalSince(cached!.at) > 300 { cached = try await load() }
        do {
            return try await cached!.keys.verify(token, as: P.self)
        } catch let e as JWTError where tool.jwksURL != nil && now.timeIntervalSince(cached!.at) > 10 && Self.isKeyMiss(e) {
            return try await (try await load()).keys.verify(token, as: P.self)
        } catch {
            throw DomainError.forbidden(reason: Self.isExpiry(error) ? "lti.token-expired" : "lti.signature")
        }
    }

    static func isKeyMiss(_ e: JWTError) -> Bool {
        e.errorType == .unknownKID || e.errorType == .signatureVerificationFailed
    }

    static func isExpiry(_ e: any Error) -> Bool {
        guard let j = e as? JWTError, j.errorType == .claimVerificationFailure else { return false }
        return "\(j)".contains("expired")
    }

    /// The issuer a tool's JWT names, before its signature is checked (to find whose keys
    /// check it).
    func toolNamed(in token: String) async throws -> LTITool {
        let unverified: IssuerOnly
        do { unverified = try await JWTKeyCollection().unverified(token, as: IssuerOnly.self) }
        catch { throw DomainError.malformed(reason: "lti.jwt-malformed") }
        guard let t = try await LTITool.query(on: db).filter(\.$clientID == unverified.iss).first(), t.enabled else {
            throw DomainError.forbidden(reason: "lti.tool-unknown")
        }
        return t
    }

    /// Keeps a one-time value (a nonce, a jti) until `until`; a second use is refused.
    func spend(_ key: String, until: Date) async throws {
        let r = LTIReplay()
        r.id = UUID()
        r.key = String(key.prefix(400))
        r.expiresAt = until
        do { try await r.create(on: db) } catch {
            if try await LTIReplay.query(on: db).filter(\.$key == r.key).first() != nil { throw DomainError.forbidden(reason: "lti.replayed") }
            throw error
        }
        // Old values go as new ones come, a little at a time.
        if Int.random(in: 0..<50) == 0 { try await LTIReplay.query(on: db).filter(\.$expiresAt < now).delete() }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
