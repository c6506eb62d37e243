import Foundation
import Vapor
import Platform
import Courses

struct XAPICommands: AsyncCommandGroup {
    var commands: [String: any AnyAsyncCommand] { ["create-client": XAPICreateClientCommand(), "clients": XAPIListClientsCommand()] }
    var help: String { "Manage the clients of the Learning Record Store (xAPI)." }
}

/// `educommons xapi create-client --name N [--read-all]`: prints the key and the secret
/// (the secret is stored hashed and cannot be shown again).
struct XAPICreateClientCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "name", help: "What the client is (an app, a course player, a report)") var name: String?
        @Flag(name: "read-all", help: "May read every statement, not only its own") var readAll: Bool
    }
    var help: String { "Creates an xAPI client and prints its key and secret (HTTP Basic credentials for /xapi/)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await migrate(app)
        guard let name = signature.name, !name.isEmpty else {
            context.console.error("--name is required")
            throw DomainError.invalid(field: "name", reason: "validation.required")
        }
        let c = try await XAPIService(db: app.db, ctx: app.services.courses).createClient(name: name, readAll: signature.readAll, actor: .system("cli"))
        context.console.print("key:    \(c.key)")
        context.console.print("secret: \(c.secret ?? "")")
        context.console.print("endpoint: /xapi/ (HTTP Basic with the key and secret; header X-Experience-API-Version: 1.0.3)")
    }
}

struct XAPIListClientsCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Lists the xAPI clients (never their secrets)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await migrate(app)
        for c in try await XAPIService(db: app.db, ctx: app.services.courses).clients(actor: .system("cli")) {
            context.console.print("\(c.key)  \(c.readAll ? "read-all" : "own")  \(c.name)")
        }
    }
}
