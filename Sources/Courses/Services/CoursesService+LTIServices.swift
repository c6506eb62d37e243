import Foundation
import FluentKit
import SQLKit
import JWTKit
import Platform

/// An OAuth 2 error of the token endpoint (RFC 6749 §5.2): tools read `error`, not a
/// problem document.
public struct LTIOAuthError: Error, Sendable {
    public var code: String
    public var description: String
    public var status: Int
}

extension CoursesService {
    // MARK: token endpoint

    /// `POST /lti/token`: client credentials with a signed client assertion (RFC 7523), the
    /// way LTI Advantage services are reached. Answers a bearer token for an hour.
    public func token(_ form: [String: String]) async throws -> LTITokenDTO {
        func fail(_ code: String, _ text: String, _ status: Int = 400) -> LTIOAuthError { LTIOAuthError(code: code, description: text, status: status) }
        guard form["grant_type"] == "client_credentials" else { throw fail("unsupported_grant_type", "grant_type must be client_credentials") }
        guard form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", let assertion = form["client_assertion"] else {
            throw fail("invalid_request", "a jwt-bearer client_assertion is required")
        }
        let tool: LTITool
        let claims: ClientAssertion
        do {
            tool = try await toolNamed(in: assertion)
            claims = try await verifyFromTool(assertion, tool: tool, as: ClientAssertion.self)
        } catch let e as DomainError {
            throw fail("invalid_client", e.detailKey, 401)
        }
        guard claims.sub == claims.iss else { throw fail("invalid_client", "sub must equal iss", 401) }
        let tokenURL = ctx.ltiIssuer + "/lti/token"
        guard claims.aud.value.contains(tokenURL) || claims.aud.value.contains(ctx.ltiIssuer) else {
            throw fail("invalid_client", "aud must name \(tokenURL)", 401)
        }
        guard let jti = claims.jti, !jti.isEmpty else { throw fail("invalid_request", "the assertion needs a jti") }
        guard claims.exp.value.timeIntervalSince(now) <= 3600 else { throw fail("invalid_client", "the assertion lives longer than an hour", 401) }
        do { try await spend("jti:\(tool.id!.uuidString):\(jti)", until: claims.exp.value.addingTimeInterval(60)) }
        catch { throw fail("invalid_client", "the assertion was used before", 401) }
        let asked = Set((form["scope"] ?? "").split(separator: " ").map(String.init))
        let granted = asked.intersection(LTIClaim.Scope.all)
        guard !granted.isEmpty else { throw fail("invalid_scope", "none of the scopes asked for is offered") }
        let raw = "lt_" + Digest.randomToken(bytes: 24)
        let t = LTIAccessToken()
        t.id = UUID()
        t.tokenHash = Digest.sha256Hex(raw)
        t.toolID = tool.id!
        t.scopes = granted.sorted().joined(separator: " ")
        t.expiresAt = now.addingTimeInterval(3600)
        try await t.create(on: db)
        if Int.random(in: 0..<50) == 0 { try await LTIAccessToken.query(on: db).filter(\.$expiresAt < now).delete() }
        return LTITokenDTO(access_token: raw, token_type: "Bearer", expires_in: 3600, scope: t.scopes)
    }

    /// The tool behind a bearer token, or 401.
    public func serviceCaller(bearer: String?) async throws -> LTIServiceCaller {
        guard let b = bearer, !b.isEmpty,
              let t = try await LTIAccessToken.query(on: db).filter(\.$tokenHash == Digest.sha256Hex(b)).first(), t.expiresAt > now,
              let tool = try await LTITool.find(t.toolID, on: db), tool.enabled else {
            throw DomainError.unauthenticated(reason: "lti.token-invalid")
        }
        return LTIServiceCaller(toolID: t.toolID, scopes: Set(t.scopes.split(separator: " ").map(String.init)))
    }

    // MARK: Assignment and Grade Services 2.0

    func require(_ caller: LTIServiceCaller, anyOf scopes: [String]) throws {
        guard !caller.scopes.isDisjoint(with: scopes) else { throw DomainError.forbidden(reason: "lti.scope") }
    }

    /// A course the tool is placed in; any other is not found (a tool never learns of
    /// courses it is not part of).
    func toolCourse(_ courseID: UUID, _ caller: LTIServiceCaller) async throws -> Course {
        let placed = try await LessonItem.query(on: db).filter(\.$courseID == courseID).filter(\.$kind == ItemKind.lti.rawValue)
            .filter(\.$refID == caller.toolID).first()
        guard placed != nil, let c = try await Course.find(courseID, on: db) else { throw DomainError.notFound(entity: "course") }
        return c
    }

    func ownLineItem(_ id: UUID, _ caller: LTIServiceCaller) async throws -> LTILineItem {
        guard let l = try await LTILineItem.find(id, on: db), l.toolID == caller.toolID else { throw DomainError.notFound(entity: "lineitem") }
        return l
    }

    func lineItemDTO(_ l: LTILineItem) -> LineItemDTO {
        LineItemDTO(id: ctx.ltiIssuer + "/lti/ags/lineitems/\(l.id!.uuidString.lowercased())", scoreMaximum: l.scoreMaximum, label: l.label,
                    resourceId: l.resourceID, tag: l.tag, resourceLinkId: l.itemID?.uuidString.lowercased())
    }

    /// `GET /lti/ags/courses/{id}/lineitems`
    public func lineItems(courseID: UUID, resourceLinkID: String?, resourceID: String?, tag: String?, limit: Int?, caller: LTIServiceCaller) async throws -> [LineItemDTO] {
        try require(caller, anyOf: [LTIClaim.Scope.lineItem, LTIClaim.Scope.lineItemReadOnly])
        _ = try await toolCourse(courseID, caller)
        var q = LTILineItem.query(on: db).filter(\.$courseID == courseID).filter(\.$toolID == caller.toolID)
        if let r = resourceLinkID {
            guard let id = UUID(uuidString: r) else { return [] }
            q = q.filter(\.$itemID == id)
        }
        if let r = resourceID { q = q.filter(\.$resourceID == r) }
        if let t = tag { q = q.filter(\.$tag == t) }
        return try await q.sort(\.$createdAt).limit(min(max(limit ?? 100, 1), 1000)).all().map(lineItemDTO)
    }

    /// `POST /lti/ags/courses/{id}/lineitems`
    public func createLineItem(courseID: UUID, _ input: NewLineItem, caller: LTIServiceCaller) async throws -> LineItemDTO {
        try require(caller, anyOf: [LTIClaim.Scope.lineItem])
        let c = try await toolCourse(courseID, caller)
        let l = LTILineItem()
        l.id = UUID()
        l.toolID = caller.toolID
        l.courseID = c.id!
        l.createdAt = now
        try await applyLineItem(l, input, caller: caller)
        try await l.create(on: db)
        return lineItemDTO(l)
    }

    /// `PUT /lti/ags/lineitems/{id}`
    public func updateLineItem(_ id: UUID, _ input: NewLineItem, caller: LTIServiceCaller) async throws -> LineItemDTO {
        try require(caller, anyOf: [LTIClaim.Scope.lineItem])
        let l = try await ownLineItem(id, caller)
        try await applyLineItem(l, input, caller: caller)
        try await l.save(on: db)
        return lineItemDTO(l)
    }

    func applyLineItem(_ l: LTILineItem, _ input: NewLineItem, caller: LTIServiceCaller) async throws {
        var problems: [FieldProblem] = []
        let label = input.label?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if label.isEmpty { problems.append(FieldProblem(field: "label", reason: "validation.required")) }
        if label.count > 200 { problems.append(FieldProblem(field: "label", reason: "validation.too-long", arguments: ["200"])) }
        guard let max = input.scoreMaximum, max > 0, max <= 1_000_000 else {
            throw DomainError.invalid(problems + [FieldProblem(field: "scoreMaximum", reason: "lti.score-maximum")])
        }
        if let link = input.resourceLinkId {
            // A line item may name only a link of this tool in this course.
            guard let id = UUID(uuidString: link), let i = try await LessonItem.find(id, on: db), i.courseID == l.courseID, i.refID == caller.toolID else {
                throw DomainError.invalid(problems + [FieldProblem(field: "resourceLinkId", reason: "lti.link-unknown")])
            }
            l.itemID = i.id
        }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }
        l.label = label
        l.scoreMaximum = max
        l.resourceID = input.resourceId.map { String($0.prefix(200)) }
        l.tag = input.tag.map { String($0.prefix(200)) }
    }

    /// `GET /lti/ags/lineitems/{id}`
    public func lineItem(_ id: UUID, caller: LTIServiceCaller) async throws -> LineItemDTO {
        try require(caller, anyOf: [LTIClaim.Scope.lineItem, LTIClaim.Scope.lineItemReadOnly])
        return lineItemDTO(try await ownLineItem(id, caller))
    }

    /// `DELETE /lti/ags/lineitems/{id}`: the column and its scores go; learners' progress
    /// records stay (they are the course's, not the tool's).
    public func deleteLineItem(_ id: UUID, caller: LTIServiceCaller) async throws {
        try require(caller, anyOf: [LTIClaim.Scope.lineItem])
        let l = try await ownLineItem(id, caller)
        try await db.transaction { tx in
            try await LTIScore.query(on: tx).filter(\.$lineItemID == l.id!).delete()
            try await l.delete(on: tx)
        }
    }

    static let activityProgress: Set<String> = ["Initialized", "Started", "InProgress", "Submitted", "Completed"]
    static let gradingProgress: Set<String> = ["FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"]

    /// `POST /lti/ags/lineitems/{id}/scores`: the latest score of one learner. A score
    /// older than the one kept is refused (AGS 2.0 §3.4.8), so two sends out of order do
    /// not put back the earlier one. A fully graded score feeds the item's progress.
    public func postScore(lineItemID: UUID, _ s: ScoreInput, caller: LTIServiceCaller) async throws {
        try require(caller, anyOf: [LTIClaim.Scope.score])
        let l = try await ownLineItem(lineItemID, caller)
        var problems: [FieldProblem] = []
        let person = s.userId.flatMap(UUID.init(uuidString:))
        if person == nil { problems.append(FieldProblem(field: "userId", reason: "validation.required")) }
        let stamp = s.timestamp.flatMap(XAPITime.parse)
        if stamp == nil { problems.append(FieldProblem(field: "timestamp", reason: "lti.timestamp")) }
        if !Self.activityProgress.contains(s.activityProgress ?? "") {
            problems.append(FieldProblem(field: "activityProgress", reason: "lti.one-of", arguments: [Self.activityProgress.sorted().joined(separator: ", ")]))
        }
        if !Self.gradingProgress.contains(s.gradingProgress ?? "") {
            problems.append(FieldProblem(field: "gradingProgress", reason: "lti.one-of", arguments: [Self.gradingProgress.sorted().joined(separator: ", ")]))
        }
        if let g = s.scoreGiven {
            if !(g >= 0 && g.isFinite) { problems.append(FieldProblem(field: "scoreGiven", reason: "lti.score-given")) }
            if !((s.scoreMaximum ?? 0) > 0) { problems.append(FieldProblem(field: "scoreMaximum", reason: "lti.score-maximum")) }
        }
        if (s.comment ?? "").count > 10_000 { problems.append(FieldProblem(field: "comment", reason: "validation.too-long", arguments: ["10000"])) }
        guard problems.isEmpty, let person, let stamp else { throw DomainError.invalid(problems) }
        // Only the course's learners have scores.
        guard try await Enrolment.query(on: db).filter(\.$courseID == l.courseID).filter(\.$personID == person).first() != nil else {
            throw DomainError.invalid(field: "userId", reason: "lti.user-unknown")
        }
        let row = try await LTIScore.query(on: db).filter(\.$lineItemID == l.id!).filter(\.$personID == person).first() ?? {
            let r = LTIScore()
            r.id = UUID()
            r.lineItemID = l.id!
            r.personID = person
            return r
        }()
        if row.$id.exists, stamp <= row.timestamp { throw DomainError.conflict(reason: "lti.score-stale") }
        row.scoreGiven = s.scoreGiven
        row.scoreMaximum = s.scoreMaximum
        row.activityProgress = s.activityProgress!
        row.gradingProgress = s.gradingProgress!
        row.comment = s.comment
        row.timestamp = stamp
        row.updatedAt = now
        do { try await row.save(on: db) } catch where !row.$id.exists { throw DomainError.conflict(reason: "lti.score-stale") }
        guard let itemID = l.itemID, let i = try await LessonItem.find(itemID, on: db) else { return }
        let handedIn = ["Submitted", "Completed"].contains(row.activityProgress)
        let percent: Double? = (row.gradingProgress == "FullyGraded" && row.scoreGiven != nil) ? (row.scoreGiven! / row.scoreMaximum!) * 100 : nil
        guard handedIn || percent != nil else { return }
        let rule = CompletionRule(kind: RuleKind(rawValue: i.rule) ?? .viewed, threshold: i.threshold)
        let progress = try await upsertProgress(item: i, person: person) { p in
            p.viewedAt = p.viewedAt ?? now
            if handedIn { p.submittedAt = p.submittedAt ?? now }
            // The tool's latest grade is the grade (AGS keeps one result per learner).
            if let percent { p.score = min(max(percent, 0), 100) }
        } rule: { rule }
        if progress.completedAt != nil { try await checkCompletion(try await course(l.courseID), people: [person]) }
    }

    /// `GET /lti/ags/lineitems/{id}/results`
    public func results(lineItemID: UUID, userID: String?, limit: Int?, caller: LTIServiceCaller) async throws -> [ResultDTO] {
        try require(caller, anyOf: [LTIClaim.Scope.resultReadOnly])
        let l = try await ownLineItem(lineItemID, caller)
        var q = LTIScore.query(on: db).filter(\.$lineItemID == l.id!)
        if let u = userID {
            guard let p = UUID(uuidString: u) else { return [] }
            q = q.filter(\.$personID == p)
        }
        let base = lineItemDTO(l).id
        return try await q.sort(\.$updatedAt).limit(min(max(limit ?? 1000, 1), 10_000)).all().map {
            ResultDTO(id: base + "/results/\($0.personID.uuidString.lowercased())", scoreOf: base, userId: $0.personID.uuidString.lowercased(),
                      resultScore: $0.scoreGiven, resultMaximum: $0.scoreMaximum, comment: $0.comment)
        }
    }
}
