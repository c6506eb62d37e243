import Foundation
import FluentKit
import Platform

public struct PostDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var personId: UUID
    public var name: String
    public var body: String
    public var createdAt: Date
    /// Written by one of the course's teachers.
    public var byTeacher: Bool
}

extension CoursesService {
    /// A discussion's messages, oldest first (the newest 500), for its learners and teachers.
    public func posts(_ itemID: UUID, actor: Actor) async throws -> [PostDTO] {
        let (i, c) = try await discussion(itemID)
        let r = try await role(in: c, actor: actor)
        guard r == .learner || r == .teacher || r == .overseer else { throw DomainError.forbidden(reason: "course.learners-only") }
        let rows = try await DiscussionPost.query(on: db).filter(\.$itemID == i.id!).sort(\.$id, .descending).limit(500).all().reversed()
        let names = try await directory.briefs(Array(Set(rows.map(\.personID))))
        let teachers = Set(try await CourseStaff.query(on: db).filter(\.$courseID == c.id!).all().map(\.personID) + [c.ownerID])
        return rows.map { PostDTO(id: $0.id!, personId: $0.personID, name: names[$0.personID]?.fullName ?? "", body: $0.body,
                                  createdAt: $0.createdAt, byTeacher: teachers.contains($0.personID)) }
    }

    /// Writes a message; writing also counts as having taken part (the item is viewed).
    public func post(_ itemID: UUID, body: String, actor: Actor) async throws -> PostDTO {
        let (i, c) = try await discussion(itemID)
        let r = try await role(in: c, actor: actor)
        guard (r == .learner || r == .teacher), let me = actor.personID else { throw DomainError.forbidden(reason: "course.learners-only") }
        if c.status == CourseStatus.archived.rawValue { throw DomainError.conflict(reason: "course.archived") }
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { throw DomainError.invalid(field: "body", reason: "validation.required") }
        if text.count > 5000 { throw DomainError.invalid(field: "body", reason: "validation.too-long", arguments: ["5000"]) }
        let p = DiscussionPost()
        p.id = UUIDv7.make(at: now)
        p.courseID = c.id!
        p.itemID = i.id!
        p.personID = me
        p.body = text
        p.createdAt = now
        try await p.create(on: db)
        if r == .learner {
            try await upsertProgress(item: i, person: me, { $0.viewedAt = $0.viewedAt ?? p.createdAt },
                                     rule: { CompletionRule(kind: RuleKind(rawValue: i.rule) ?? .viewed, threshold: i.threshold) })
            try await checkCompletion(c, people: [me])
        }
        return PostDTO(id: p.id!, personId: me, name: actor.displayName, body: text, createdAt: p.createdAt, byTeacher: r == .teacher)
    }

    func discussion(_ itemID: UUID) async throws -> (LessonItem, Course) {
        guard let i = try await LessonItem.find(itemID, on: db), i.kind == ItemKind.discussion.rawValue else { throw DomainError.notFound(entity: "item") }
        return (i, try await course(i.courseID))
    }

    /// One item with its course, for the lesson player: the caller's role decides what shows.
    public func itemDetail(_ itemID: UUID, actor: Actor) async throws -> (course: CourseDTO, item: CourseItemDTO) {
        guard let row = try await LessonItem.find(itemID, on: db) else { throw DomainError.notFound(entity: "item") }
        let detail = try await courseDetail(row.courseID, actor: actor)
        guard let item = detail.units?.flatMap({ $0.lessons.flatMap(\.items) }).first(where: { $0.id == itemID }) else {
            throw DomainError.notFound(entity: "item")
        }
        return (detail, item)
    }
}
