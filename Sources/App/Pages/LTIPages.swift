import Foundation
import Vapor
import Platform
import Courses

struct LTIToolsPage: Encodable, Sendable {
    var base: PageBase
    var platform: LTIPlatformEndpoints
    var tools: [Row]
    var form: Form
    var errors: FormErrors
    struct Row: Encodable, Sendable {
        var id: String; var name: String; var launchUrl: String; var clientId: String; var deploymentId: String
        var state: String; var toggleValue: String; var toggleLabel: String
    }
    struct Form: Encodable, Sendable {
        var name = "", loginUrl = "", launchUrl = "", redirectUris = "", deepLinkUrl = "", jwksUrl = "", jwks = ""
    }
}

/// Launch pages (an item's tool, a lesson's deep linking) and the administrators' page of
/// registered tools.
struct LTIPages {
    /// `GET /course-items/{id}/launch`: hands the browser to the tool's login URL.
    @Sendable func launch(req: Request) async throws -> Response {
        let start = try await req.courses.startLaunch(itemID: try req.uuid("id"), actor: try req.requireActor())
        return try await LTIController.handOver(req, to: start.url, fields: start.fields, heading: req.t("lti.opening-tool", [start.toolName]),
                                                message: req.t("lti.opening-help"))
    }

    /// `GET /lessons/{id}/deep-link?tool=`: a teacher asks the tool for content.
    @Sendable func deepLink(req: Request) async throws -> Response {
        guard let tool = req.query[String.self, at: "tool"].flatMap(UUID.init(uuidString:)) else {
            throw DomainError.invalid(field: "tool", reason: "lti.tool-unknown")
        }
        let start = try await req.courses.startDeepLink(lessonID: try req.uuid("id"), toolID: tool, actor: try req.requireActor())
        return try await LTIController.handOver(req, to: start.url, fields: start.fields, heading: req.t("lti.opening-tool", [start.toolName]),
                                                message: req.t("lti.opening-help"))
    }

    @Sendable func tools(req: Request) async throws -> Response {
        try await render(req, form: .init(), errors: FormErrors())
    }

    func render(_ req: Request, form: LTIToolsPage.Form, errors: FormErrors, status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        let list = try await req.courses.tools(actor: actor)
        let rows = list.map {
            LTIToolsPage.Row(id: $0.id.uuidString, name: $0.name, launchUrl: $0.launchUrl, clientId: $0.clientId, deploymentId: $0.deploymentId,
                             state: req.t($0.enabled ? "lti.tools.on" : "lti.tools.off"), toggleValue: $0.enabled ? "0" : "1",
                             toggleLabel: req.t($0.enabled ? "lti.tools.turn-off" : "lti.tools.turn-on"))
        }
        let page = LTIToolsPage(base: await PageBase.make(req, title: req.t("lti.tools.title")), platform: req.courses.ltiPlatform,
                                tools: rows, form: form, errors: errors)
        return try await req.page("lti-tools", page, status: status)
    }

    @Sendable func register(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let form = LTIToolsPage.Form(name: req.field("name") ?? "", loginUrl: req.field("loginUrl") ?? "", launchUrl: req.field("launchUrl") ?? "",
                                     redirectUris: req.field("redirectUris") ?? "", deepLinkUrl: req.field("deepLinkUrl") ?? "",
                                     jwksUrl: req.field("jwksUrl") ?? "", jwks: req.field("jwks") ?? "")
        var input = NewLTITool(name: form.name, loginUrl: form.loginUrl, launchUrl: form.launchUrl)
        input.redirectUris = form.redirectUris.split(whereSeparator: \.isNewline).map(String.init)
        input.deepLinkUrl = form.deepLinkUrl
        input.jwksUrl = form.jwksUrl
        input.jwks = form.jwks
        input.sharesName = req.field("sharesName") != nil
        return try await req.submitForm({
            _ = try await req.courses.registerTool(input, actor: actor)
            return "/lti-tools"
        }, orShow: { errors, status in try await render(req, form: form, errors: errors, status: status) })
    }

    @Sendable func setEnabled(req: Request) async throws -> Response {
        _ = try await req.courses.setToolEnabled(try req.uuid("id"), req.field("enabled") == "1", actor: try req.requireActor())
        return req.redirect(to: "/lti-tools")
    }
}
