import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
import Library
@testable import App

@Suite("Library: curriculum frameworks and coverage", .serialized)
struct CurriculumTests {
    static let csv = """
    subject,grade,unit,lesson,name_vi,name_en,name_zh
    math,9,u1,,Chương 1: Căn bậc hai,Square roots,平方根
    math,9,u1,l1,Căn bậc hai,Square roots,平方根
    math,9,u1,l2,Căn thức bậc hai,Radicals,二次根式
    math,9,u4,l1,Hàm số y = ax²,y = ax²,二次函数
    math,9,u4,l2,Phương trình bậc hai một ẩn,Quadratic equations,一元二次方程
    physics,10,u1,l1,Chuyển động thẳng,Motion in a line,直线运动

    """

    func importFramework(_ app: Application, _ csv: String = csv) async throws -> (Int, String) {
        var status = 0
        var body = ""
        var h = try await app.bearer("admin")
        h.contentType = .init(type: "text", subType: "csv")
        try await app.testing().test(.POST, "api/v1/curricula?code=vn-gdpt-2018&country=VN&name.vi=Ch%C6%B0%C6%A1ng%20tr%C3%ACnh%202018", headers: h,
                                     body: ByteBuffer(string: csv)) { res in
            status = Int(res.status.code)
            body = res.body.string
        }
        return (status, body)
    }

    @Test func aFrameworkImportsAndCoverageCountsLessonsWithPublishedResources() async throws {
        try await withTestApp { app in
            let lw = try await LibraryWorld.build(app)
            let (status, body) = try await importFramework(app)
            #expect(status == 201, "\(body)")
            let lib = LibraryService(db: app.db, ctx: app.services.library)
            let fw = try #require(try await lib.curricula(locale: .vi).first)
            #expect(fw.lessons == 5)
            let subjects = try await lib.curriculumNodes(fw.id, parent: nil, locale: .vi)
            #expect(subjects.map(\.code) == ["math", "physics"])
            let grade = try #require(try await lib.curriculumNodes(fw.id, parent: subjects[0].id, locale: .vi).first)
            let units = try await lib.curriculumNodes(fw.id, parent: grade.id, locale: .vi)
            #expect(units.map(\.name) == ["Chương 1: Căn bậc hai", "u4"])
            let u4Lessons = try await lib.curriculumNodes(fw.id, parent: units[1].id, locale: .en)
            // One resource on a lesson (u4/l2), one on a whole unit (u1: both its lessons).
            let teacher = try await app.bearer("teacher1")
            var a = lessonMetadata
            a["alignments"] = [u4Lessons[1].id.uuidString]
            let r1 = try await app.createPDF(teacher, a)
            var b = lessonMetadata
            b["alignments"] = [units[0].id.uuidString]
            let r2 = try await app.createPDF(teacher, b, data: TestFiles.pdf + Data("% b".utf8))
            // Not published yet: nothing covered.
            let before = try await lib.coverage(fw.id, scopeOrgID: lw.world.schoolA.id, actor: .system("test"))
            #expect(before.covered == 0 && before.lessons == 5)
            try await app.publish(r1, by: teacher, at: lw.world.schoolA.id, curator: try await app.bearer("curatora"))
            try await app.publish(r2, by: teacher, at: lw.world.schoolA.id, curator: try await app.bearer("curatora"))
            let after = try await lib.coverage(fw.id, scopeOrgID: lw.world.schoolA.id, actor: .system("test"))
            let math = try #require(after.rows.first { $0.subject == "math" })
            #expect(math.lessons == 4 && math.covered == 3)
            #expect(after.rows.first { $0.subject == "physics" }?.covered == 0)
            // School B does not have school A's resources; the district above A counts them.
            #expect(try await lib.coverage(fw.id, scopeOrgID: lw.world.schoolB.id, actor: .system("test")).covered == 0)
            #expect(try await lib.coverage(fw.id, scopeOrgID: lw.world.district1.id, actor: .system("test")).covered == 3)
            // The API answers the same, and the resource shows its alignment.
            try await app.testing().test(.GET, "api/v1/curricula/\(fw.id)/coverage?orgId=\(lw.world.schoolA.id)", headers: teacher) { res in
                #expect(res.decoded(CoverageDTO.self)?.covered == 3)
            }
            try await app.testing().test(.GET, "api/v1/resources/\(r1)", headers: teacher) { res in
                #expect(res.decoded(ResourceDTO.self)?.alignments.first?.path == "math/9/u4/l2/")
            }
            let page = try await PageTests().signIn(app, "teacher1", lang: "en")
            try await app.testing().test(.GET, "library/coverage?lang=en", headers: page) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("All subjects: 3 of 5 lessons (60%)"), "\(res.body.string.suffix(1500))")
                #expect(res.body.string.contains("class=\"w75\""))
            }
            // Importing again keeps the node ids resources are aligned to.
            _ = try await importFramework(app)
            #expect(try await lib.coverage(fw.id, scopeOrgID: lw.world.schoolA.id, actor: .system("test")).covered == 3)
        }
    }

    @Test func badFrameworksAreRefusedWithLinesAndOnlyAdministratorsImport() async throws {
        try await withTestApp { app in
            _ = try await LibraryWorld.build(app)
            let (status, body) = try await importFramework(app, "subject,grade,unit,lesson,name_vi\nalchemy,9,u1,l1,x\nmath,13,u1,l1,y\nmath,9,u/1,l1,z\n")
            #expect(status == 422)
            #expect(body.contains("\"line\":2") && body.contains("\"line\":3") && body.contains("\"line\":4"), "\(body)")
            let (missing, _) = try await importFramework(app, "subject,grade\nmath,9\n")
            #expect(missing == 422)
            var h = try await app.bearer("teacher1")
            h.contentType = .init(type: "text", subType: "csv")
            try await app.testing().test(.POST, "api/v1/curricula?code=x&country=VN&name.vi=x", headers: h, body: ByteBuffer(string: Self.csv)) { res in
                #expect(res.status == .forbidden)
            }
            #expect(try await app.rowCount("curriculum_nodes") == 0)
        }
    }

    @Test func aTeacherAlignsADraftByWalkingTheCurriculumOnThePage() async throws {
        try await withTestApp { app in
            _ = try await LibraryWorld.build(app)
            let page = try await PageTests().signIn(app, "teacher1", lang: "en")
            var id: UUID?
            try await app.upload(try await app.bearer("teacher1"), metadata: lessonMetadata, filename: "bai.pdf", data: TestFiles.pdf) { res in
                id = res.decoded(ResourceDTO.self)?.id
            }
            // Before any curriculum exists, the picker says how one gets there.
            try await app.testing().test(.GET, "library/\(id!)?lang=en", headers: page) { res in
                #expect(res.body.string.contains("No curriculum has been loaded yet"))
            }
            _ = try await importFramework(app)
            let lib = LibraryService(db: app.db, ctx: app.services.library)
            let fw = try #require(try await lib.curricula(locale: .en).first)
            let math = try #require(try await lib.curriculumNodes(fw.id, parent: nil, locale: .en).first)
            let grade = try #require(try await lib.curriculumNodes(fw.id, parent: math.id, locale: .en).first)
            let unit = try #require(try await lib.curriculumNodes(fw.id, parent: grade.id, locale: .en).last)
            let lesson = try #require(try await lib.curriculumNodes(fw.id, parent: unit.id, locale: .en).last)
            try await app.testing().test(.GET, "library/\(id!)", headers: page) { res in
                #expect(res.body.string.contains("href=\"/library/\(id!)?align=\(fw.id)#align\""))
            }
            try await app.testing().test(.GET, "library/\(id!)?align=\(fw.id)&node=\(unit.id)&lang=en", headers: page) { res in
                #expect(res.body.string.contains("Quadratic equations"))
                #expect(res.body.string.contains("name=\"node\" value=\"\(lesson.id)\""))
            }
            let token = page.csrfToken
            var form = page
            form.contentType = .urlEncodedForm
            func post(_ body: String) async throws -> String {
                var location = ""
                try await app.testing().test(.POST, "library/\(id!)/align", headers: form, body: ByteBuffer(string: "_csrf=\(token)&" + body)) { res in
                    #expect(res.status == .seeOther, "\(res.body.string)")
                    location = res.headers.first(name: .location) ?? ""
                }
                return location
            }
            let back = "?align=\(fw.id)&node=\(unit.id)"
            let location = try await post("op=add&node=\(lesson.id)&back=\(back.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
            #expect(location == "/library/\(id!)\(back)#align")
            let teacher = try await app.actorFor("teacher1")
            #expect(try await lib.resource(id!, actor: teacher).alignments.map(\.nodeId) == [lesson.id])
            // Adding twice keeps one; a forged return address is dropped; removing empties it.
            let forged = try await post("op=add&node=\(lesson.id)&back=https%3A%2F%2Fevil.example")
            #expect(forged == "/library/\(id!)#align")
            #expect(try await lib.resource(id!, actor: teacher).alignments.count == 1)
            _ = try await post("op=remove&node=\(lesson.id)")
            #expect(try await lib.resource(id!, actor: teacher).alignments.isEmpty)
            // A node that is not in any curriculum is refused with the form's message, not a 500.
            try await app.testing().test(.POST, "library/\(id!)/align", headers: form,
                                         body: ByteBuffer(string: "_csrf=\(token)&op=add&node=\(UUID())")) { res in
                #expect(res.status == .unprocessableEntity)
            }
            // Another teacher sees no picker and cannot post one.
            let other = try await PageTests().signIn(app, "teacher2", lang: "en")
            try await app.testing().test(.GET, "library/\(id!)", headers: other) { res in #expect(res.status == .notFound) }
        }
    }
}
