import Foundation
import Vapor
import Platform
import Courses

struct LTICommands: AsyncCommandGroup {
    var commands: [String: any AnyAsyncCommand] { ["tools": LTIListToolsCommand(), "rotate-key": LTIRotateKeyCommand()] }
    var help: String { "LTI 1.3: the registered tools and the platform's signing key." }
}

/// `educommons lti tools`: what each tool's operator was given.
struct LTIListToolsCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Lists the registered LTI tools with their client and deployment ids." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await migrate(app)
        let service = CoursesService(db: app.db, ctx: app.services.courses)
        let p = service.ltiPlatform
        context.console.print("issuer: \(p.issuer)  auth: \(p.authorizationUrl)  token: \(p.tokenUrl)  jwks: \(p.jwksUrl)")
        for t in try await service.tools(actor: .system("cli")) {
            context.console.print("\(t.clientId)  \(t.deploymentId)  \(t.enabled ? "on " : "off")  \(t.name)  \(t.launchUrl)")
        }
    }
}

/// `educommons lti rotate-key`: a new signing key; the previous one stays published so
/// tokens already sent still verify, and older ones are retired. Every process signs with
/// the new key within a minute.
struct LTIRotateKeyCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Makes a new LTI signing key (the previous one stays in the key set; older ones are retired)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await migrate(app)
        let jwks = try await CoursesService(db: app.db, ctx: app.services.courses).rotatePlatformKey(actor: .system("cli"))
        context.console.print(jwks)
    }
}
