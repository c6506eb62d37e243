import Foundation
import Vapor
import Platform
import Directory
import Library

struct LibraryCommands: AsyncCommandGroup {
    var commands: [String: any AnyAsyncCommand] { ["import": LibraryImportCommand(), "curriculum": CurriculumImportCommand()] }
    var help: String { "Manage the learning-resource commons." }
}

/// `educommons library import <folder> --org /vn/19/ [--publish /vn/19/]`
struct LibraryImportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "folder", help: "Folder with CSV files of metadata (one row per resource) and the files they name") var folder: String
        @Option(name: "org", help: "Path of the organisation that will own the resources, e.g. /vn/19/") var org: String?
        @Option(name: "publish", help: "Publish at once at this organisation (path); otherwise they arrive as drafts") var publish: String?
    }
    var help: String { "Imports an existing repository: refused rows are listed with their reason; running it again skips what is already there." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await migrate(app)
        let l = app.services.localizer
        let locale = app.services.config.defaultLocale
        let c = context.console
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: signature.folder, isDirectory: &isDir), isDir.boolValue else {
            c.error(l.text("validation.oneroster.folder", locale) + " " + signature.folder)
            throw DomainError.invalid(field: "folder", reason: "validation.oneroster.folder")
        }
        guard let orgPath = signature.org else {
            c.error(l.text("cli.library-org-required", locale))
            throw DomainError.invalid(field: "org", reason: "validation.required")
        }
        let system = Actor.system("cli library import")
        let directory = DirectoryService(db: app.db, ctx: app.services.directory)
        try await reportingRefusal(context) {
            let owner = try await directory.organisation(path: orgPath, actor: system)
            let scope = try await signature.publish.asyncMap { try await directory.organisation(path: $0, actor: system).id }
            let started = Date()
            let importer = LibraryImporter(library: LibraryService(db: app.db, ctx: app.services.library))
            let report = try await importer.importFolder(URL(fileURLWithPath: signature.folder), ownerOrgID: owner.id, publishAt: scope,
                                                         actor: system) { r in
                // Progress on stderr, so the report on stdout stays clean for scripts.
                FileHandle.standardError.write(Data("\r\(r.imported + r.skipped + r.refused.count) …".utf8))
            }
            FileHandle.standardError.write(Data("\r".utf8))
            c.print(l.text("cli.library-imported", locale, [String(report.imported), String(report.published), String(report.skipped),
                                                             String(report.refused.count), String(format: "%.1f", Date().timeIntervalSince(started))]))
            for p in report.refused {
                c.warning("  \(p.file ?? "")\(p.line.map { ":\($0)" } ?? "") \(p.field): \(l.text(p.reason, locale, p.arguments))")
            }
        }
    }
}

/// `educommons library curriculum <file.csv> --code vn-gdpt-2018 --country VN --name "Chương trình GDPT 2018"`
struct CurriculumImportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "CSV with subject, grade, [series, edition,] unit, lesson, name_vi, name_en, name_zh") var file: String
        @Option(name: "code", help: "Framework code, e.g. vn-gdpt-2018") var code: String?
        @Option(name: "country", help: "Two-letter country code: VN or CN") var country: String?
        @Option(name: "name", help: "Framework name (in the operator's language)") var name: String?
    }
    var help: String { "Imports or updates a curriculum framework; every problem is listed with its line and nothing is written." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await migrate(app)
        let l = app.services.localizer
        let locale = app.services.config.defaultLocale
        guard let data = FileManager.default.contents(atPath: signature.file) else {
            context.console.error(l.text("validation.import-file-missing", locale, [signature.file]))
            throw DomainError.invalid(field: "file", reason: "validation.import-file-missing", arguments: [signature.file])
        }
        try await reportingRefusal(context) {
            let fw = try await LibraryService(db: app.db, ctx: app.services.library).importCurriculum(
                code: signature.code ?? "", country: signature.country ?? "", name: LocalizedText([locale.rawValue: signature.name ?? ""]),
                csv: data, fileName: (signature.file as NSString).lastPathComponent, actor: .system("cli curriculum"))
            context.console.print(l.text("cli.curriculum-imported", locale, [fw.code, String(fw.lessons)]))
        }
    }
}
