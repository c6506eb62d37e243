import Foundation
import FluentKit
import SQLKit
import JWTKit
import Platform

extension CoursesService {
    // MARK: resource-link launch

    /// `GET /course-items/{id}/launch`: the start of a launch (LTI 1.3 §5.1.1,
    /// third-party initiated login). Learners, the course's teachers and overseers launch;
    /// guardians and visitors do not (a tool would learn of a person it has no business with).
    public func startLaunch(itemID: UUID, actor: Actor) async throws -> LTILoginInitiation {
        guard let i = try await LessonItem.find(itemID, on: db), i.kind == ItemKind.lti.rawValue else { throw DomainError.notFound(entity: "item") }
        let c = try await readCourse(i.courseID)
        let r = try await role(in: c, actor: actor)
        guard let me = actor.personID else { throw DomainError.unauthenticated() }
        switch r {
        case .learner, .teacher, .overseer: break
        case .visitor: throw DomainError.conflict(reason: "course.not-enrolled")
        case .guardian: throw DomainError.forbidden(reason: "lti.guardians")
        }
        guard let toolID = i.refID, let tool = try await LTITool.find(toolID, on: db), tool.enabled else {
            throw DomainError.conflict(reason: "lti.tool-off")
        }
        let launch = try await newLaunch(tool: tool, person: me, course: c.id!, type: LTIClaim.resourceLinkRequest, item: i.id, lesson: nil)
        if r == .learner {
            // Opening the tool is the learner's view of the item.
            let rule = CompletionRule(kind: RuleKind(rawValue: i.rule) ?? .viewed, threshold: i.threshold)
            let row = try await upsertProgress(item: i, person: me) { p in p.viewedAt = p.viewedAt ?? now } rule: { rule }
            if row.completedAt != nil { try await checkCompletion(c, people: [me]) }
        }
        return initiation(tool: tool, launch: launch, target: i.url ?? tool.launchURL, person: me)
    }

    /// A teacher asks a tool for content to add to a lesson (Deep Linking 2.0).
    public func startDeepLink(lessonID: UUID, toolID: UUID, actor: Actor) async throws -> LTILoginInitiation {
        guard let lesson = try await Lesson.find(lessonID, on: db) else { throw DomainError.notFound(entity: "lesson") }
        let c = try await editable(lesson.courseID, actor: actor)
        guard let me = actor.personID else { throw DomainError.unauthenticated() }
        guard let tool = try await LTITool.find(toolID, on: db), tool.enabled else { throw DomainError.invalid(field: "tool", reason: "lti.tool-unknown") }
        let launch = try await newLaunch(tool: tool, person: me, course: c.id!, type: LTIClaim.deepLinkingRequest, item: nil, lesson: lessonID)
        return initiation(tool: tool, launch: launch, target: tool.deepLinkURL ?? tool.launchURL, person: me)
    }

    func newLaunch(tool: LTITool, person: UUID, course: UUID, type: String, item: UUID?, lesson: UUID?) async throws -> LTILaunch {
        let l = LTILaunch()
        l.id = UUID()
        l.toolID = tool.id!
        l.personID = person
        l.courseID = course
        l.messageType = type
        l.itemID = item
        l.lessonID = lesson
        l.createdAt = now
        l.expiresAt = now.addingTimeInterval(ctx.ltiLaunchSeconds)
        try await l.create(on: db)
        return l
    }

    func initiation(tool: LTITool, launch: LTILaunch, target: String, person: UUID) -> LTILoginInitiation {
        LTILoginInitiation(url: tool.loginURL, fields: [
            .init(name: "iss", value: ctx.ltiIssuer),
            .init(name: "login_hint", value: person.uuidString.lowercased()),
            .init(name: "target_link_uri", value: target),
            .init(name: "lti_message_hint", value: launch.id!.uuidString.lowercased()),
            .init(name: "client_id", value: tool.clientID),
            .init(name: "lti_deployment_id", value: tool.deploymentID),
        ], toolName: tool.name)
    }

    // MARK: authentication request

    /// `GET|POST /lti/authorize`: the tool's OIDC authentication request (LTI 1.3 §5.1.1.2).
    /// Everything in it is checked against the launch the platform began: the signed-in
    /// person, the tool, where the token may go. A launch is answered once.
    public func authorize(_ p: [String: String], actor: Actor) async throws -> LTIAuthResponse {
        func bad(_ field: String, _ reason: String = "lti.auth-param") -> DomainError { .invalid(field: field, reason: reason) }
        guard (p["scope"] ?? "").split(separator: " ").contains("openid") else { throw bad("scope") }
        guard p["response_type"] == "id_token" else { throw bad("response_type") }
        if let mode = p["response_mode"], mode != "form_post" { throw bad("response_mode") }
        guard let nonce = p["nonce"], !nonce.isEmpty, nonce.count <= 512 else { throw bad("nonce") }
        guard let clientID = p["client_id"], let tool = try await LTITool.query(on: db).filter(\.$clientID == clientID).first(), tool.enabled else {
            throw DomainError.forbidden(reason: "lti.tool-unknown")
        }
        // An id_token goes only where the tool registered; anywhere else would hand a
        // person's launch to whoever wrote the URL.
        guard let redirect = p["redirect_uri"], tool.redirectList.contains(redirect) else { throw bad("redirect_uri", "lti.redirect-unregistered") }
        guard let me = actor.personID else { throw DomainError.unauthenticated() }
        guard let hint = p["lti_message_hint"].flatMap(UUID.init(uuidString:)),
              let launch = try await LTILaunch.find(hint, on: db), launch.toolID == tool.id else {
            throw bad("lti_message_hint", "lti.launch-unknown")
        }
        guard launch.personID == me, p["login_hint"]?.lowercased() == me.uuidString.lowercased() else {
            throw DomainError.forbidden(reason: "lti.login-mismatch")
        }
        guard launch.expiresAt > now else { throw DomainError.conflict(reason: "lti.launch-expired") }
        // Answered once: a second request with the same hint (a replay, a reload) is refused.
        let taken = try await db.sql.raw("""
            UPDATE lti_launches SET used_at = \(bind: now) WHERE id = \(bind: launch.id!) AND used_at IS NULL RETURNING id
            """).all()
        guard !taken.isEmpty else { throw DomainError.conflict(reason: "lti.launch-used") }
        let c = try await readCourse(launch.courseID)
        let claims = try await launchClaims(tool: tool, launch: launch, course: c, actor: actor, person: me, nonce: nonce)
        return LTIAuthResponse(redirectUri: redirect, idToken: try await sign(claims), state: p["state"])
    }

    func launchClaims(tool: LTITool, launch: LTILaunch, course c: Course, actor: Actor, person me: UUID, nonce: String) async throws -> LaunchClaims {
        let base = ctx.ltiIssuer
        let role = try await role(in: c, actor: actor)
        let roles: [String] = switch role {
        case .teacher: [LTIClaim.Role.instructor, LTIClaim.Role.institutionFaculty]
        case .learner: [LTIClaim.Role.learner, LTIClaim.Role.institutionStudent]
        case .overseer: [LTIClaim.Role.administrator]
        case .guardian, .visitor: throw DomainError.forbidden(reason: "lti.guardians")
        }
        let iat = Int(now.timeIntervalSince1970)
        var claims = LaunchClaims(
            iss: base, sub: me.uuidString.lowercased(), aud: tool.clientID, azp: tool.clientID, exp: iat + 300, iat: iat, nonce: nonce,
            name: tool.sharesName ? actor.displayName : nil, locale: tool.sharesName ? actor.locale.rawValue : nil,
            messageType: launch.messageType, version: LTIClaim.version, deploymentID: tool.deploymentID, targetLinkURI: tool.launchURL,
            resourceLink: nil, roles: roles,
            context: .init(id: c.id!.uuidString.lowercased(), label: c.subject, title: c.title,
                           type: ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"]),
            presentation: .init(document_target: "window", return_url: base + "/courses/\(c.id!.uuidString.lowercased())", locale: actor.locale.rawValue),
            platform: .init(guid: URL(string: base)?.host ?? base, name: "EduCommons", product_family_code: "educommons"),
            custom: nil, endpoint: nil, deepLinking: nil)
        if launch.messageType == LTIClaim.deepLinkingRequest {
            claims.targetLinkURI = tool.deepLinkURL ?? tool.launchURL
            claims.deepLinking = .init(deep_link_return_url: base + "/lti/deep-link-return", accept_types: ["ltiResourceLink"],
                                       accept_presentation_document_targets: ["window", "iframe"], accept_multiple: true,
                                       auto_create: true, title: nil, data: launch.id!.uuidString.lowercased())
            return claims
        }
        guard let itemID = launch.itemID, let i = try await LessonItem.find(itemID, on: db) else { throw DomainError.notFound(entity: "item") }
        claims.targetLinkURI = i.url ?? tool.launchURL
        claims.resourceLink = .init(id: i.id!.uuidString.lowercased(), title: i.title)
        claims.presentation.return_url = base + "/course-items/\(i.id!.uuidString.lowercased())"
        if let body = i.body, let custom = try? JSONDecoder().decode([String: String].self, from: Data(body.utf8)) { claims.custom = custom }
        let line = try await lineItem(for: i, tool: tool)
        claims.endpoint = .init(scope: LTIClaim.Scope.all, lineitems: base + "/lti/ags/courses/\(c.id!.uuidString.lowercased())/lineitems",
                                lineitem: base + "/lti/ags/lineitems/\(line.id!.uuidString.lowercased())")
        return claims
    }

    /// The item's gradebook column for its tool, made on first launch. Two first launches
    /// at once may both make one; the oldest is the one used from then on.
    func lineItem(for i: LessonItem, tool: LTITool) async throws -> LTILineItem {
        if let l = try await LTILineItem.query(on: db).filter(\.$itemID == i.id!).filter(\.$toolID == tool.id!).sort(\.$createdAt).first() { return l }
        let l = LTILineItem()
        l.id = UUID()
        l.toolID = tool.id!
        l.courseID = i.courseID
        l.itemID = i.id
        l.label = i.title
        l.scoreMaximum = i.maxPoints ?? 100
        l.createdAt = now
        try await l.create(on: db)
        return try await LTILineItem.query(on: db).filter(\.$itemID == i.id!).filter(\.$toolID == tool.id!).sort(\.$createdAt).first() ?? l
    }

    // MARK: deep linking response

    /// `POST /lti/deep-link-return`: the tool's signed answer to a deep-linking request.
    /// The browser posts it from the tool's site, so no session cookie comes with it
    /// (SameSite); the JWT itself, checked with the tool's keys, and the launch it names
    /// say who asked and for which lesson. Each response is taken once.
    public func deepLinkReturn(jwt: String) async throws -> DeepLinkResultDTO {
        let tool = try await toolNamed(in: jwt)
        let m = try await verifyFromTool(jwt, tool: tool, as: DeepLinkingResponse.self)
        do { try m.aud.verifyIntendedAudience(includes: ctx.ltiIssuer) } catch { throw DomainError.forbidden(reason: "lti.audience") }
        guard m.messageType == LTIClaim.deepLinkingResponse, m.version == LTIClaim.version else { throw DomainError.invalid(field: "message_type", reason: "lti.message-type") }
        guard m.deploymentID == tool.deploymentID else { throw DomainError.forbidden(reason: "lti.deployment") }
        guard let data = m.data.flatMap(UUID.init(uuidString:)), let launch = try await LTILaunch.find(data, on: db),
              launch.toolID == tool.id, launch.messageType == LTIClaim.deepLinkingRequest, let lessonID = launch.lessonID else {
            throw DomainError.invalid(field: "data", reason: "lti.launch-unknown")
        }
        guard launch.createdAt.addingTimeInterval(3600) > now else { throw DomainError.conflict(reason: "lti.launch-expired") }
        try await spend("dl:\(tool.id!.uuidString):\(m.nonce)", until: m.exp.value.addingTimeInterval(60))
        let taken = try await db.sql.raw("""
            UPDATE lti_launches SET returned_at = \(bind: now) WHERE id = \(bind: launch.id!) AND returned_at IS NULL RETURNING id
            """).all()
        guard !taken.isEmpty else { throw DomainError.conflict(reason: "lti.launch-used") }
        // The person who asked must still teach the course.
        let c = try await course(launch.courseID)
        let staff = try await CourseStaff.query(on: db).filter(\.$courseID == c.id!).filter(\.$personID == launch.personID).first() != nil
        guard c.ownerID == launch.personID || staff else { throw DomainError.forbidden() }
        let teacher = Actor(personID: launch.personID, displayName: "", grants: [], isSystem: false)
        var added: [CourseItemDTO] = [], skipped: [String] = []
        for item in m.contentItems ?? [] {
            guard item.type == "ltiResourceLink" else { skipped.append(item.title ?? item.type); continue }
            var input = NewCourseItem(kind: ItemKind.lti.rawValue, title: item.title.map { String($0.prefix(200)) })
            input.refId = tool.id
            input.url = item.url
            if let custom = item.custom, let json = try? JSONEncoder().encode(custom) { input.body = String(decoding: json, as: UTF8.self) }
            if let max = item.lineItem?.scoreMaximum, max > 0, max <= 1000 { input.maxPoints = max }
            let dto = try await addItem(lessonID: lessonID, input, actor: teacher)
            if let li = item.lineItem, let made = try await LessonItem.find(dto.id, on: db) {
                let l = try await lineItem(for: made, tool: tool)
                l.label = li.label.map { String($0.prefix(200)) } ?? l.label
                l.resourceID = li.resourceId
                l.tag = li.tag
                try await l.save(on: db)
            }
            added.append(dto)
        }
        return DeepLinkResultDTO(courseId: c.id!, lessonId: lessonID, added: added, skipped: skipped, message: m.msg, toolError: m.errormsg)
    }
}
