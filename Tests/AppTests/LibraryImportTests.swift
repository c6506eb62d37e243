import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
import Directory
import Library
@testable import App

@Suite("Library: bulk import of an existing repository", .serialized)
struct LibraryImportTests {
    func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ec-libimport-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("files"), withIntermediateDirectories: true)
        try TestFiles.pdf.write(to: dir.appendingPathComponent("files/bai-1.pdf"))
        try TestFiles.png.write(to: dir.appendingPathComponent("files/anh.pdf"))
        let csv = """
        source_id,kind,file,url,title_vi,title_en,title_zh,description_vi,language,licence,subjects,grades,keywords,authors
        r1,document,files/bai-1.pdf,,Phương trình bậc hai,Quadratic equations,,Bài giảng điện tử,vi,CC-BY-4.0,math,9,đại số;phương trình,Sở GD&ĐT
        r2,link,,https://example.org/vat-li,Chuyển động ném ngang,,,,vi,CC-BY-SA-4.0,physics,10,,
        r3,link,,https://example.org/x,Giả kim,,,,vi,CC-BY-4.0,alchemy,9,,
        r4,document,files/khong-co.pdf,,Thiếu tệp,,,,vi,CC-BY-4.0,math,9,,
        r5,document,../../etc/passwd,,Đường dẫn xấu,,,,vi,CC-BY-4.0,math,9,,
        r6,document,files/anh.pdf,,Ảnh đổi tên,,,,vi,CC-BY-4.0,math,9,,
        r1,link,,https://example.org/dup,Trùng mã,,,,vi,CC-BY-4.0,math,9,,
        ,link,,https://example.org/none,Không mã,,,,vi,CC-BY-4.0,math,9,,
        r9,link,,https://example.org/zh,,,一元二次方程的解法,,zh-Hans,CC-BY-4.0,math,9,,

        """
        try Data(csv.utf8).write(to: dir.appendingPathComponent("metadata.csv"))
        return dir
    }

    @Test func goodRowsArePublishedBadOnesExplainedAndARerunSkips() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let dir = try folder()
            defer { try? FileManager.default.removeItem(at: dir) }
            let lib = LibraryService(db: app.db, ctx: app.services.library)
            let importer = LibraryImporter(library: lib)
            let report = try await importer.importFolder(dir, ownerOrgID: w.province.id, publishAt: w.province.id, actor: .system("test"))
            #expect(report.imported == 3 && report.published == 3, "\(report)")
            let refused = Dictionary(uniqueKeysWithValues: report.refused.map { ($0.line ?? 0, $0.reason) })
            #expect(refused[4] == "validation.subject-unknown")
            #expect(refused[5] == "validation.import-file-missing")
            #expect(refused[6] == "validation.import-file-missing")
            #expect(refused[7] == "validation.file-type")
            #expect(refused[8] == "validation.duplicate-in-file")
            #expect(refused[9] == "validation.required")
            #expect(report.refused.allSatisfy { $0.file == "metadata.csv" })
            // Published at the province: a pupil there finds them, in both scripts.
            let pupil = try await app.actor("pupil1")
            #expect(try await lib.search(SearchQuery(q: "phuong trinh"), actor: pupil).total == 1)
            #expect(try await lib.search(SearchQuery(q: "二次方程"), actor: pupil).total == 1)
            #expect(try await lib.search(SearchQuery(q: "ném ngang"), actor: pupil).total == 1)
            // The file is stored and served like an uploaded one.
            let hit = try await lib.search(SearchQuery(q: "quadratic"), actor: pupil).items.first
            let location = try await lib.content(try #require(hit?.id), version: nil, rendition: nil, actor: pupil)
            #expect(location.sha256 == Digest.sha256Hex(String(decoding: TestFiles.pdf, as: UTF8.self)))
            // Again: nothing new, everything good skipped.
            let again = try await importer.importFolder(dir, ownerOrgID: w.province.id, publishAt: w.province.id, actor: .system("test"))
            #expect(again.imported == 0 && again.skipped == 4, "the three imported rows and the later duplicate of r1")
            #expect(try await app.rowCount("resources") == 3)
            #expect(try await app.rowCount("resource_search") == 3)
            #expect(try await app.rowCount("audit_events", where: "action = 'resource.import'") == 3)
        }
    }

    @Test func publishingNeedsACuratorsRightAndTheCommandReports() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let dir = try folder()
            defer { try? FileManager.default.removeItem(at: dir) }
            let importer = LibraryImporter(library: LibraryService(db: app.db, ctx: app.services.library))
            // A school administrator may import drafts for the school, not publish them.
            let principal = try await app.actor("schooladmin")
            await #expect(throws: DomainError.self) {
                _ = try await importer.importFolder(dir, ownerOrgID: w.schoolA.id, publishAt: w.schoolA.id, actor: principal)
            }
            let drafts = try await importer.importFolder(dir, ownerOrgID: w.schoolA.id, publishAt: nil, actor: principal)
            #expect(drafts.imported == 3 && drafts.published == 0)
            #expect(try await app.rowCount("resource_search") == 0)
            // Another school's administrator cannot import into school A.
            await #expect(throws: DomainError.self) {
                _ = try await importer.importFolder(dir, ownerOrgID: w.schoolB.id, publishAt: nil, actor: principal)
            }
        }
    }
}
