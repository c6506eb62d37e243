import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
import Directory
import Library
@testable import App

extension Application {
    /// Creates a PDF resource as `user` and answers its id.
    func createPDF(_ user: HTTPHeaders, _ metadata: [String: Any] = lessonMetadata, data: Data = TestFiles.pdf) async throws -> UUID {
        var id: UUID?
        try await upload(user, metadata: metadata, filename: "lesson.pdf", data: data) { res in
            #expect(res.status == .created, "\(res.body.string)")
            id = res.decoded(ResourceDTO.self)?.id
        }
        return try #require(id)
    }

    /// Submits, then approves as `curator`: the resource is published at `scope`.
    func publish(_ id: UUID, by author: HTTPHeaders, at scope: UUID, curator: HTTPHeaders) async throws {
        try await postJSON("api/v1/resources/\(id)/submit", author, ["scopeOrgId": scope.uuidString]) { res in
            #expect(res.status == .ok, "submit: \(res.body.string)")
        }
        try await postJSON("api/v1/resources/\(id)/approve", curator, ["comment": "Tốt"]) { res in
            #expect(res.status == .ok, "approve: \(res.body.string)")
        }
    }

    func status(of id: UUID, as user: HTTPHeaders?) async throws -> HTTPStatus {
        var s = HTTPStatus.internalServerError
        try await testing().test(.GET, "api/v1/resources/\(id)", headers: user ?? [:]) { res in s = res.status }
        return s
    }
}

@Suite("Library: review, publication and who sees what", .serialized)
struct LibraryReviewTests {
    @Test func schoolPublicationReachesTheSchoolOnly() async throws {
        try await withTestApp { app in
            let lw = try await LibraryWorld.build(app)
            let teacher = try await app.bearer("teacher1")
            let curator = try await app.bearer("curatora")
            let id = try await app.createPDF(teacher)
            try await app.postJSON("api/v1/resources/\(id)/submit", teacher, ["scopeOrgId": lw.world.schoolA.id.uuidString, "comment": "Nhờ duyệt"]) { res in
                #expect(res.status == .ok)
                #expect(res.decoded(ResourceDTO.self)?.status == "submitted")
            }
            // The queue of the school's curator holds it; the pupil still cannot see it.
            try await app.testing().test(.GET, "api/v1/review-queue", headers: curator) { res in
                #expect(res.decoded(ListPage<ResourceSummaryDTO>.self)?.items.map(\.id) == [id])
            }
            #expect(try await app.status(of: id, as: try await app.bearer("pupil1")) == .notFound)
            // Editing is frozen while under review.
            var h = teacher
            h.contentType = .json
            try await app.testing().test(.PATCH, "api/v1/resources/\(id)", headers: h, body: ByteBuffer(string: #"{"keywords":["x"]}"#)) { res in
                #expect(res.status == .conflict)
            }
            try await app.postJSON("api/v1/resources/\(id)/claim", curator) { res in
                #expect(res.decoded(ResourceDTO.self)?.status == "inReview")
            }
            try await app.postJSON("api/v1/resources/\(id)/request-changes", curator, ["comment": ""]) { res in
                #expect(res.status == .unprocessableEntity, "changes need a comment")
            }
            try await app.postJSON("api/v1/resources/\(id)/request-changes", curator, ["comment": "Thêm lời giải"]) { res in
                #expect(res.decoded(ResourceDTO.self)?.status == "changesRequested")
            }
            try await app.publish(id, by: teacher, at: lw.world.schoolA.id, curator: curator)
            // Published at school A: its pupils see it; school B, a guardian-less outsider and anonymous do not.
            #expect(try await app.status(of: id, as: try await app.bearer("pupil1")) == .ok)
            #expect(try await app.status(of: id, as: try await app.bearer("guardian1")) == .ok)
            #expect(try await app.status(of: id, as: try await app.bearer("pupilb")) == .notFound)
            #expect(try await app.status(of: id, as: try await app.bearer("provider")) == .notFound)
            #expect(try await app.status(of: id, as: nil) == .notFound)
            // The province's official oversees what is published below.
            #expect(try await app.status(of: id, as: try await app.bearer("official1")) == .ok)
            // The history holds every step in order.
            try await app.testing().test(.GET, "api/v1/resources/\(id)/history", headers: teacher) { res in
                #expect(res.decoded([ReviewEventDTO].self)?.map(\.action) == ["submitted", "claimed", "changesRequested", "submitted", "approved"])
            }
            #expect(try await app.rowCount("audit_events", where: "action = 'resource.approved'") == 1)
        }
    }

    @Test func nationalPublicationIsPublic() async throws {
        try await withTestApp { app in
            let lw = try await LibraryWorld.build(app)
            let teacher = try await app.bearer("teacher1")
            let id = try await app.createPDF(teacher)
            // The school's curator cannot publish for the nation; an administrator can.
            try await app.postJSON("api/v1/resources/\(id)/submit", teacher, ["scopeOrgId": lw.world.nation.id.uuidString]) { res in
                #expect(res.status == .ok)
            }
            try await app.postJSON("api/v1/resources/\(id)/approve", try await app.bearer("curatora")) { res in
                #expect(res.status == .forbidden)
            }
            try await app.postJSON("api/v1/resources/\(id)/approve", try await app.bearer("admin")) { res in
                #expect(res.status == .ok)
            }
            #expect(try await app.status(of: id, as: nil) == .ok)
            #expect(try await app.status(of: id, as: try await app.bearer("pupilb")) == .ok)
        }
    }

    @Test func nobodyApprovesTheirOwnWorkOrPublishesOutsideTheirTree() async throws {
        try await withTestApp { app in
            let lw = try await LibraryWorld.build(app)
            let curator = try await app.bearer("curatora")
            // A curator's own resource needs another curator.
            let own = try await app.createPDF(curator)
            try await app.postJSON("api/v1/resources/\(own)/submit", curator, ["scopeOrgId": lw.world.schoolA.id.uuidString]) { res in
                #expect(res.status == .ok)
            }
            try await app.postJSON("api/v1/resources/\(own)/approve", curator) { res in #expect(res.status == .forbidden) }
            try await app.postJSON("api/v1/resources/\(own)/approve", try await app.bearer("curatorp")) { res in #expect(res.status == .ok) }
            // A school A teacher cannot publish at school B (not above them), nor at a class.
            let teacher = try await app.bearer("teacher1")
            let id = try await app.createPDF(teacher)
            try await app.postJSON("api/v1/resources/\(id)/submit", teacher, ["scopeOrgId": lw.world.schoolB.id.uuidString]) { res in
                #expect(res.status == .notFound || res.status == .unprocessableEntity, "\(res.status)")
            }
            try await app.postJSON("api/v1/resources/\(id)/submit", teacher, ["scopeOrgId": lw.world.classA1.id.uuidString]) { res in
                #expect(res.status == .unprocessableEntity)
            }
            // Another teacher cannot submit or withdraw someone else's draft.
            try await app.postJSON("api/v1/resources/\(id)/submit", try await app.bearer("teacher2"), ["scopeOrgId": lw.world.schoolA.id.uuidString]) { res in
                #expect(res.status == .notFound)
            }
            // Approving twice: the second is a conflict, not a second publication.
            try await app.publish(id, by: teacher, at: lw.world.schoolA.id, curator: try await app.bearer("curatora"))
            try await app.postJSON("api/v1/resources/\(id)/approve", try await app.bearer("curatora")) { res in
                #expect(res.status == .conflict)
            }
        }
    }

    @Test func aNewVersionIsReviewedWhileTheOldOneStaysVisible() async throws {
        try await withTestApp { app in
            let lw = try await LibraryWorld.build(app)
            let teacher = try await app.bearer("teacher1")
            let curator = try await app.bearer("curatora")
            let pupil = try await app.bearer("pupil1")
            let id = try await app.createPDF(teacher)
            try await app.publish(id, by: teacher, at: lw.world.schoolA.id, curator: curator)
            var v2 = TestFiles.pdf
            v2.append(Data("% second edition\n".utf8))
            let (body, headers) = TestFiles.multipart(fields: [("note", "Sửa lỗi chính tả")], file: ("file", "lesson-v2.pdf", v2))
            var h = teacher
            h.add(contentsOf: headers)
            try await app.testing().test(.POST, "api/v1/resources/\(id)/versions", headers: h, body: body) { res in
                #expect(res.status == .created, "\(res.body.string)")
                let r = res.decoded(ResourceDTO.self)
                #expect(r?.latestVersion == 2 && r?.publishedVersion == 1 && r?.status == "draft")
            }
            // Pupils still get version 1, and cannot ask for version 2.
            try await app.testing().test(.GET, "api/v1/resources/\(id)", headers: pupil) { res in
                let r = res.decoded(ResourceDTO.self)
                #expect(r?.versions.map(\.number) == [1] && r?.status == "published")
            }
            try await app.testing().test(.GET, "api/v1/resources/\(id)/content?version=2", headers: pupil) { res in #expect(res.status == .notFound) }
            try await app.testing().test(.GET, "api/v1/resources/\(id)/content", headers: pupil) { res in
                #expect(res.body.readableBytes == TestFiles.pdf.count)
            }
            try await app.publish(id, by: teacher, at: lw.world.schoolA.id, curator: curator)
            try await app.testing().test(.GET, "api/v1/resources/\(id)/content", headers: pupil) { res in
                #expect(res.body.readableBytes == v2.count)
            }
            // Earlier versions stay reachable by number.
            try await app.testing().test(.GET, "api/v1/resources/\(id)/content?version=1", headers: pupil) { res in
                #expect(res.status == .ok && res.body.readableBytes == TestFiles.pdf.count)
                #expect(res.headers.first(name: .cacheControl)?.contains("immutable") == true)
            }
        }
    }

    @Test func withdrawalRatingsAndUsage() async throws {
        try await withTestApp { app in
            let lw = try await LibraryWorld.build(app)
            let teacher = try await app.bearer("teacher1")
            let colleague = try await app.bearer("teacher2")
            let id = try await app.createPDF(teacher)
            try await app.publish(id, by: teacher, at: lw.world.schoolA.id, curator: try await app.bearer("curatora"))
            try await app.postJSON("api/v1/resources/\(id)/rating", colleague, ["stars": 4]) { res in
                #expect(res.decoded(ResourceDTO.self)?.ratingAverage == 4)
            }
            try await app.postJSON("api/v1/resources/\(id)/rating", colleague, ["stars": 2]) { res in
                let r = res.decoded(ResourceDTO.self)
                #expect(r?.ratingAverage == 2 && r?.ratingCount == 1, "rating again replaces")
            }
            try await app.postJSON("api/v1/resources/\(id)/rating", colleague, ["stars": 9]) { res in #expect(res.status == .unprocessableEntity) }
            try await app.postJSON("api/v1/resources/\(id)/rating", teacher, ["stars": 5]) { res in #expect(res.status == .forbidden) }
            try await app.postJSON("api/v1/resources/\(id)/rating", try await app.bearer("pupil1"), ["stars": 5]) { res in #expect(res.status == .forbidden) }
            for _ in 0..<2 {
                try await app.postJSON("api/v1/resources/\(id)/usages", colleague, ["courseRef": "toan-9a-2026"]) { res in
                    #expect(res.decoded(ResourceDTO.self)?.usageCount == 1, "the same course counts once")
                }
            }
            // A reason that is not JSON is refused, not ignored: nothing is withdrawn.
            var bad = teacher
            bad.contentType = .json
            try await app.testing().test(.POST, "api/v1/resources/\(id)/withdraw", headers: bad, body: ByteBuffer(string: "{reason")) { res in
                #expect(res.status == .badRequest)
            }
            #expect(try await app.status(of: id, as: try await app.bearer("pupil1")) == .ok)
            try await app.postJSON("api/v1/resources/\(id)/withdraw", teacher, ["reason": "Nội dung cũ"]) { res in
                #expect(res.decoded(ResourceDTO.self)?.status == "withdrawn")
            }
            #expect(try await app.status(of: id, as: try await app.bearer("pupil1")) == .notFound)
            #expect(try await app.rowCount("resource_search") == 0)
        }
    }

    @Test func aMovedSchoolTakesItsResourcesAlong() async throws {
        try await withTestApp { app in
            let lw = try await LibraryWorld.build(app)
            let teacher = try await app.bearer("teacher1")
            let id = try await app.createPDF(teacher)
            try await app.publish(id, by: teacher, at: lw.world.schoolA.id, curator: try await app.bearer("curatora"))
            try await app.postJSON("api/v1/orgs/\(lw.world.schoolA.id)/move", try await app.bearer("admin"), ["parentId": lw.world.district2.id.uuidString]) { res in
                #expect(res.status == .ok, "\(res.body.string)")
            }
            app.services.directory.identities.removeAll()
            #expect(try await app.status(of: id, as: try await app.bearer("pupil1")) == .ok)
            #expect(try await app.rowCount("resources", where: "org_path LIKE '/vn/19/167/sa/%' AND scope_path = '/vn/19/167/sa/'") == 1)
            #expect(try await app.rowCount("resource_search", where: "scope_path = '/vn/19/167/sa/'") == 1)
        }
    }
}
