import Foundation
import Platform
import Library
import Assessment

/// What a course needs of a Library resource.
struct ResourceBrief: Sendable {
    var title: String
    var kind: String
    var published: Bool
}

/// The Courses area's reach into the Library and Assessment areas, through their services.
extension CoursesService {
    func resourceBrief(_ id: UUID, actor: Actor) async throws -> ResourceBrief {
        let r = try await library.resource(id, actor: actor)
        return ResourceBrief(title: r.displayTitle, kind: r.kind, published: r.publishedVersion != nil)
    }

    func examBrief(_ id: UUID, actor: Actor) async throws -> (title: String, maxScore: Double) {
        try await assessment.examForCourse(id, actor: actor)
    }
}
