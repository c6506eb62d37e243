import Foundation
import Vapor
import Platform
import Courses

struct XAPIClientsPage: Encodable, Sendable {
    var base: PageBase
    var clients: [Row]
    /// The client just made, with its secret: shown this once.
    var made: Made?
    var errors: FormErrors
    struct Row: Encodable, Sendable { var name: String; var key: String; var scope: String; var created: String }
    struct Made: Encodable, Sendable { var name: String; var key: String; var secret: String }
}

/// `/xapi-clients`: administrators list the LRS's clients and make new ones (the page
/// twin of `educommons xapi create-client`).
struct XAPIClientPages {
    @Sendable func list(req: Request) async throws -> Response {
        try await render(req, made: nil, errors: FormErrors())
    }

    func render(_ req: Request, made: XAPIClientDTO?, errors: FormErrors, status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        let format = LocaleFormat(req.locale)
        let rows = try await req.xapi.clients(actor: actor).map {
            XAPIClientsPage.Row(name: $0.name, key: $0.key, scope: req.t($0.readAll ? "xapi.page.read-all" : "xapi.page.own"), created: format.date($0.createdAt))
        }
        let page = XAPIClientsPage(base: await PageBase.make(req, title: req.t("xapi.page.title")), clients: rows,
                                   made: made.map { .init(name: $0.name, key: $0.key, secret: $0.secret ?? "") }, errors: errors)
        return try await req.page("xapi-clients", page, status: status)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        do {
            let made = try await req.xapi.createClient(name: req.field("name") ?? "", readAll: req.field("readAll") != nil, actor: actor)
            // Shown in the answer to the form, never again: no redirect that could show it twice.
            return try await render(req, made: made, errors: FormErrors(), status: .created)
        } catch let e as DomainError where e.status == 422 {
            return try await render(req, made: nil, errors: FormErrors(e, req), status: .unprocessableEntity)
        }
    }
}
