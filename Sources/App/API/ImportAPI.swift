import Foundation
import Vapor
import Platform
import Directory

/// The CSV files of an upload, from a multipart form with repeated `files[]` parts.
struct RosterUpload: Content {
    var files: [File]
}

extension Request {
    func rosterFiles() throws -> [String: Data] {
        guard headers.contentType?.type == "multipart" else {
            throw DomainError.malformed(reason: "error.multipart-expected")
        }
        let upload: RosterUpload
        do { upload = try content.decode(RosterUpload.self) } catch {
            throw DomainError.invalid(field: "files", reason: "validation.oneroster.no-files")
        }
        var files: [String: Data] = [:]
        for f in upload.files where !f.filename.isEmpty {
            files[f.filename] = Data(buffer: f.data)
        }
        guard !files.isEmpty else { throw DomainError.invalid(field: "files", reason: "validation.oneroster.no-files") }
        return files
    }
}

struct ImportAPI {
    /// `POST /api/v1/imports/oneroster?dryRun=true&into={orgId}`: multipart with the CSV
    /// files as `files[]`. All or nothing: any error answers 422 listing every problem.
    @Sendable func oneRoster(req: Request) async throws -> JSON<ImportReport> {
        let actor = try req.requireActor()
        let files = try req.rosterFiles()
        let into = try req.query[String.self, at: "into"].map { s -> UUID in
            guard let u = UUID(uuidString: s) else { throw DomainError.invalid(field: "into", reason: "validation.uuid") }
            return u
        }
        let dryRun = req.query[Bool.self, at: "dryRun"] ?? false
        let report = try await OneRosterImporter(db: req.db, ctx: req.services.directory)
            .run(files: files, into: into, dryRun: dryRun, actor: actor)
        return JSON(report, status: dryRun ? .ok : .created)
    }
}
