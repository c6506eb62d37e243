import Foundation
import Vapor
import Platform
import Library

/// Curriculum frameworks and the coverage report.
struct CurriculumAPI {
    /// `GET /api/v1/curricula`
    @Sendable func list(req: Request) async throws -> JSON<[CurriculumDTO]> {
        JSON(try await req.library.curricula(locale: req.locale))
    }

    /// `POST /api/v1/curricula?code=&country=&name.vi=&name.en=&name.zh-Hans=` with a CSV body.
    @Sendable func importCSV(req: Request) async throws -> JSON<CurriculumDTO> {
        let actor = try req.requireActor()
        guard let body = req.body.data, body.readableBytes > 0 else { throw DomainError.malformed(reason: "error.body-missing") }
        let name = LocalizedText(vi: req.query[String.self, at: "name.vi"], en: req.query[String.self, at: "name.en"],
                                 zhHans: req.query[String.self, at: "name.zh-Hans"])
        return JSON(try await req.library.importCurriculum(code: req.query[String.self, at: "code"] ?? "",
                                                           country: req.query[String.self, at: "country"] ?? "", name: name,
                                                           csv: Data(buffer: body), fileName: "curriculum.csv", actor: actor), status: .created)
    }

    /// `GET /api/v1/curricula/{id}/nodes?parent=`
    @Sendable func nodes(req: Request) async throws -> JSON<[CurriculumNodeDTO]> {
        let parent = try req.query[String.self, at: "parent"].map { s -> UUID in
            guard let id = UUID(uuidString: s) else { throw DomainError.invalid(field: "parent", reason: "validation.uuid") }
            return id
        }
        return JSON(try await req.library.curriculumNodes(try req.uuid("id"), parent: parent, locale: req.locale))
    }

    /// `GET /api/v1/curricula/{id}/coverage?orgId=`
    @Sendable func coverage(req: Request) async throws -> JSON<CoverageDTO> {
        let actor = try req.requireActor()
        guard let org = req.query[String.self, at: "orgId"].flatMap(UUID.init(uuidString:)) else {
            throw DomainError.invalid(field: "orgId", reason: "validation.uuid")
        }
        return JSON(try await req.library.coverage(try req.uuid("id"), scopeOrgID: org, actor: actor))
    }
}
