import Foundation
import Vapor
import Platform
import Directory

func registerCommands(_ app: Application) {
    app.asyncCommands.use(MigrateCommand(), as: "migrate")
    app.asyncCommands.use(UserCommands(), as: "user")
    app.asyncCommands.use(ImportCommands(), as: "import")
    app.asyncCommands.use(LibraryCommands(), as: "library")
    app.asyncCommands.use(JobCommands(), as: "jobs")
    app.asyncCommands.use(XAPICommands(), as: "xapi")
    app.asyncCommands.use(LTICommands(), as: "lti")
}

/// `educommons migrate`: applies pending migrations without asking (safe to run in CI
/// and deploy scripts; migrations are append-only).
struct MigrateCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Applies pending database migrations." }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await migrate(context.application)
        context.console.print(context.application.services.localizer.text("cli.migrated", context.application.services.config.defaultLocale))
    }
}

struct UserCommands: AsyncCommandGroup {
    var commands: [String: any AnyAsyncCommand] { ["create": UserCreateCommand()] }
    var help: String { "Manage accounts." }
}

/// `educommons user create`: the first administrator, or any account, from the shell.
/// Missing values are asked for interactively; with every flag given it never prompts.
struct UserCreateCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "username", help: "Sign-in name (lower-case letters, digits, . - _)") var username: String?
        @Option(name: "password", help: "Password (at least 8 characters); asked for when absent") var password: String?
        @Option(name: "family-name", help: "Family name") var familyName: String?
        @Option(name: "given-name", help: "Given name") var givenName: String?
        @Option(name: "org", help: "Organisation path such as /vn/19/; default: the root") var org: String?
        @Option(name: "role", help: "Role at that organisation; default: administrator") var role: String?
        @Option(name: "country", help: "Country code of a new root organisation when the database is empty; default VN") var country: String?
    }
    var help: String { "Creates a person with an account and a role (the first administrator by default)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await migrate(app)
        let console = context.console
        func ask(_ value: String?, _ question: String, secure: Bool = false) -> String {
            if let value, !value.isEmpty { return value }
            // Hidden input reads the terminal itself; with input piped in (scripts) it
            // would read nothing, so it is used only when standard input is a terminal.
            return console.ask(question.consoleText(), isSecure: secure && isatty(STDIN_FILENO) != 0)
        }
        let username = ask(signature.username, "Username:")
        let password = ask(signature.password, "Password:", secure: true)
        let family = ask(signature.familyName, "Family name:")
        let given = ask(signature.givenName, "Given name:")
        let service = DirectoryService(db: app.db, ctx: app.services.directory)
        let system = Actor.system("cli")
        var orgID: UUID
        if let path = signature.org {
            orgID = try await service.organisation(path: path, actor: system).id
        } else {
            let roots = try await service.children(of: nil, actor: system)
            if let root = roots.first {
                orgID = root.id
            } else {
                let country = (signature.country ?? "VN").uppercased()
                let names = ["VN": LocalizedText(vi: "Việt Nam", en: "Viet Nam", zhHans: "越南"),
                             "CN": LocalizedText(vi: "Trung Quốc", en: "China", zhHans: "中国")]
                orgID = try await service.createOrganisation(
                    NewOrganisation(kind: "nation", code: country.lowercased(), parentID: nil,
                                    name: names[country] ?? LocalizedText(en: country), country: country), actor: system).id
            }
        }
        do {
            let person = try await service.createPerson(
                NewPerson(familyName: family, givenName: given, username: username, password: password,
                          orgID: orgID, role: signature.role ?? "administrator"), actor: system)
            console.print(app.services.localizer.text("cli.user-created", app.services.config.defaultLocale, [person.fullName, person.username ?? "", signature.role ?? "administrator"]))
        } catch let e as DomainError {
            console.error(app.services.localizer.text(e.titleKey, app.services.config.defaultLocale))
            report(e, on: console, localizer: app.services.localizer, locale: app.services.config.defaultLocale)
            throw e
        }
    }
}

struct ImportCommands: AsyncCommandGroup {
    var commands: [String: any AnyAsyncCommand] { ["oneroster": ImportOneRosterCommand()] }
    var help: String { "Import data from other systems." }
}

/// `educommons import oneroster <folder> [--dry-run] [--into /vn/19/]`
struct ImportOneRosterCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "folder", help: "Folder holding manifest.csv and the other OneRoster 1.2 CSV files") var folder: String
        @Flag(name: "dry-run", help: "Check everything, write nothing") var dryRun: Bool
        @Option(name: "into", help: "Path of the organisation new top-level orgs go under; default: the root") var into: String?
    }
    var help: String { "Imports a OneRoster 1.2 CSV set (all or nothing; the same files twice change nothing)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await migrate(app)
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: signature.folder, isDirectory: &isDir), isDir.boolValue else {
            context.console.error(app.services.localizer.text("validation.oneroster.folder", app.services.config.defaultLocale) + " " + signature.folder)
            throw DomainError.invalid(field: "folder", reason: "validation.oneroster.folder")
        }
        var files: [String: Data] = [:]
        for name in try fm.contentsOfDirectory(atPath: signature.folder) where name.lowercased().hasSuffix(".csv") {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: signature.folder).appendingPathComponent(name))
        }
        let system = Actor.system("cli import")
        let into = try await signature.into.asyncMap {
            try await DirectoryService(db: app.db, ctx: app.services.directory).organisation(path: $0, actor: system).id
        }
        let l = app.services.localizer
        let locale = app.services.config.defaultLocale
        try await reportingRefusal(context) {
            let started = Date()
            let report = try await OneRosterImporter(db: app.db, ctx: app.services.directory)
                .run(files: files, into: into, dryRun: signature.dryRun, actor: system)
            let c = context.console
            c.print(signature.dryRun ? l.text("cli.dry-run", locale) : l.text("cli.imported", locale, [String(format: "%.1f", Date().timeIntervalSince(started))]))
            for line in report.summaryLines(l, locale) { c.print("  " + line) }
            for w in report.warnings {
                c.warning("  \(l.text("import.warnings", locale)): \(w.file ?? "")\(w.line.map { ":\($0)" } ?? "") \(w.field): \(l.text(w.reason, locale, w.arguments))")
            }
        }
    }
}

/// Runs an import's work; a refusal is printed in the operator's language (every problem
/// with file and line), then rethrown so the command exits non-zero.
func reportingRefusal<T>(_ context: CommandContext, _ work: () async throws -> T) async throws -> T {
    do {
        return try await work()
    } catch let e as DomainError {
        let l = context.application.services.localizer
        let locale = context.application.services.config.defaultLocale
        context.console.error(l.text("cli.import-refused", locale))
        report(e, on: context.console, localizer: l, locale: locale)
        throw e
    }
}

/// Prints a refused command's problems in the operator's language
/// (EDUCOMMONS_DEFAULT_LANGUAGE), one per line with file and line.
func report(_ error: DomainError, on console: any Console, localizer: Localizer, locale: AppLocale) {
    for p in error.problems {
        console.error("  \(p.file ?? "")\(p.line.map { ":\($0)" } ?? "") \(p.field): \(localizer.text(p.reason, locale, p.arguments))")
    }
    if error.problems.isEmpty { console.error("  " + localizer.text(error.detailKey, locale, error.detailArguments)) }
}
