import Foundation
import Vapor
import Platform
import Directory
@testable import Library
@testable import App

extension Application {
    /// A resource of school A made by teacher1 from `file` and published at the school
    /// through the Library's own submit and approve.
    func publishedResource(_ w: World, kind: String, title: String, file: Data, filename: String) async throws -> ResourceDTO {
        let author = try await DirectoryService(db: db, ctx: services.directory).actor(username: "teacher1", acting: .system("test"))
        let library = LibraryService(db: db, ctx: services.library)
        let r = try await library.createResource(NewResource(kind: kind, title: LocalizedText(vi: title), language: "vi", licence: "CC-BY-4.0", orgId: w.schoolA.id),
                                                 file: UploadedFile(blob: try services.library.blobs.store(file), filename: filename), actor: author)
        _ = try await library.submit(r.id, scopeOrgID: w.schoolA.id, comment: nil, actor: author)
        return try await library.approve(r.id, comment: nil, actor: .system("test"))
    }
}
