import Foundation
import FluentKit
import Platform

/// What the Live area needs of a course: who the caller is in it, where it sits, and a way
/// to count a live session attended.
public struct CourseStanding: Sendable, Equatable {
    public var role: String
    public var title: String
    public var orgID: UUID
    public var orgPath: String
}

extension CoursesService {
    /// The caller's role in a course (teacher, overseer, learner, guardian, visitor), with
    /// the course's title and place; 404 when they may not know it exists.
    public func standing(in courseID: UUID, actor: Actor) async throws -> CourseStanding {
        let c = try await readCourse(courseID)
        let r = try await role(in: c, actor: actor)
        return CourseStanding(role: r.rawValue, title: c.title, orgID: c.orgID, orgPath: c.orgPath)
    }

    /// A learner joined the live session an item of the course points to: the item counts
    /// as viewed (its rule decides whether that completes it).
    public func attendedLive(itemID: UUID, person: UUID) async throws {
        guard let i = try await LessonItem.find(itemID, on: db), i.kind == ItemKind.live.rawValue else { return }
        let rule = CompletionRule(kind: RuleKind(rawValue: i.rule) ?? .viewed, threshold: i.threshold)
        let p = try await upsertProgress(item: i, person: person) { p in p.viewedAt = p.viewedAt ?? now } rule: { rule }
        if p.completedAt != nil { try await checkCompletion(try await readCourse(i.courseID), people: [person]) }
    }

    /// Whether a course is a class course of that class, and the item (if any) a live item of
    /// it: where a guest class's attendance of a shared lesson goes.
    public func isLiveTarget(course courseID: UUID, item itemID: UUID?, ofClass classID: UUID) async throws -> Bool {
        guard let c = try await Course.find(courseID, on: db), c.orgID == classID, c.kind == CourseKind.class.rawValue else { return false }
        guard let itemID else { return true }
        guard let i = try await LessonItem.find(itemID, on: db) else { return false }
        return i.courseID == courseID && i.kind == ItemKind.live.rawValue
    }
}

