import Foundation
import FluentKit
import SQLKit
import Platform

/// Units, lessons and items: the course builder's writes, and the outline every page reads.
extension CoursesService {
    /// The outline at the course's current revision, from the cache or in three queries.
    func outline(of c: Course) async throws -> Outline {
        let key = "\(c.id!):\(c.outlineRev)"
        if let hit = ctx.outlines.get(key) { return hit }
        let units = try await CourseUnit.query(on: db).filter(\.$courseID == c.id!).sort(\.$position).all()
        let lessons = try await Lesson.query(on: db).filter(\.$courseID == c.id!).sort(\.$position).all()
        let items = try await LessonItem.query(on: db).filter(\.$courseID == c.id!).sort(\.$position).all()
        let itemsByLesson = Dictionary(grouping: items, by: \.lessonID)
        let lessonsByUnit = Dictionary(grouping: lessons, by: \.unitID)
        let out = Outline(units: units.map { u in
            Outline.UnitRow(id: u.id!, title: u.title, lessons: (lessonsByUnit[u.id!] ?? []).map { l in
                Outline.LessonRow(id: l.id!, unitID: u.id!, title: l.title, items: (itemsByLesson[l.id!] ?? []).map { i in
                    Outline.Item(id: i.id!, lessonID: l.id!, unitID: u.id!, kind: ItemKind(rawValue: i.kind) ?? .page, title: i.title,
                                 refID: i.refID, refKind: i.refKind, url: i.url, body: i.body,
                                 rule: CompletionRule(kind: RuleKind(rawValue: i.rule) ?? .viewed, threshold: i.threshold),
                                 dueAt: i.dueAt, acceptLate: i.acceptLate, maxPoints: i.maxPoints)
                })
            })
        })
        ctx.outlines.put(key, out)
        return out
    }

    func itemDTO(_ i: Outline.Item, role: CourseRole, progress: ItemProgressDTO?) -> CourseItemDTO {
        // Visitors read the outline to decide whether to enrol; the content is for learners.
        let insider = role != .visitor
        return CourseItemDTO(id: i.id, lessonId: i.lessonID, kind: i.kind.rawValue, title: i.title, refId: insider ? i.refID : nil, refKind: i.refKind,
                             url: insider ? i.url : nil, body: insider ? i.body : nil, completion: i.rule, dueAt: i.dueAt, acceptLate: i.acceptLate,
                             maxPoints: i.maxPoints, progress: progress)
    }

    /// `POST /api/v1/courses/{id}/units`
    public func addUnit(_ courseID: UUID, title: String, actor: Actor) async throws -> UnitDTO {
        let c = try await editable(courseID, actor: actor)
        let t = try Self.title(title)
        let u = CourseUnit()
        u.id = UUID()
        u.courseID = courseID
        u.title = t
        try await db.transaction { tx in
            u.position = (try await CourseUnit.query(on: tx).filter(\.$courseID == courseID).max(\.$position) ?? -1) + 1
            try await u.create(on: tx)
            try await bumpOutline(c, on: tx)
        }
        return UnitDTO(id: u.id!, title: t, lessons: [])
    }

    /// `POST /api/v1/course-units/{id}/lessons`
    public func addLesson(unitID: UUID, title: String, actor: Actor) async throws -> LessonDTO {
        guard let u = try await CourseUnit.find(unitID, on: db) else { throw DomainError.notFound(entity: "unit") }
        let c = try await editable(u.courseID, actor: actor)
        let t = try Self.title(title)
        let l = Lesson()
        l.id = UUID()
        l.courseID = c.id!
        l.unitID = unitID
        l.title = t
        try await db.transaction { tx in
            l.position = (try await Lesson.query(on: tx).filter(\.$unitID == unitID).max(\.$position) ?? -1) + 1
            try await l.create(on: tx)
            try await bumpOutline(c, on: tx)
        }
        return LessonDTO(id: l.id!, unitId: unitID, title: t, items: [])
    }

    /// `POST /api/v1/lessons/{id}/items`: a resource from the Library, an exam the teacher
    /// made, an assignment, a discussion, an external tool, a live session or a page.
    public func addItem(lessonID: UUID, _ input: NewCourseItem, actor: Actor) async throws -> CourseItemDTO {
        guard let l = try await Lesson.find(lessonID, on: db) else { throw DomainError.notFound(entity: "lesson") }
        let c = try await editable(l.courseID, actor: actor)
        guard let kind = ItemKind(rawValue: input.kind) else {
            throw DomainError.invalid(field: "kind", reason: "course.item-kind-unknown", arguments: [ItemKind.allCases.map(\.rawValue).joined(separator: ", ")])
        }
        var problems: [FieldProblem] = []
        var title = input.title?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        var refKind: String?
        var maxPoints = input.maxPoints
        var markUsed = false
        switch kind {
        case .resource:
            guard let ref = input.refId else { throw DomainError.invalid(field: "refId", reason: "validation.required") }
            let r: ResourceBrief
            do { r = try await resourceBrief(ref, actor: actor) } catch let e as DomainError where e.status == 404 || e.status == 403 {
                throw DomainError.invalid(field: "refId", reason: "course.resource-unknown")
            }
            // Learners open what is published; a draft would be a dead link for them.
            guard r.published else { throw DomainError.invalid(field: "refId", reason: "course.resource-not-published") }
            refKind = r.kind
            if title.isEmpty { title = r.title }
            markUsed = true
        case .assessment:
            guard let ref = input.refId else { throw DomainError.invalid(field: "refId", reason: "validation.required") }
            let exam: (title: String, maxScore: Double)
            do { exam = try await examBrief(ref, actor: actor) } catch let e as DomainError where e.status == 404 || e.status == 403 {
                throw DomainError.invalid(field: "refId", reason: "course.exam-unknown")
            }
            if title.isEmpty { title = exam.title }
            maxPoints = exam.maxScore
        case .assignment:
            if let p = maxPoints, !(p > 0 && p <= 1000) { problems.append(FieldProblem(field: "maxPoints", reason: "course.points-range")) }
            maxPoints = maxPoints ?? 10
        case .lti:
            // The tool is a registered one; the URL, when given, is the target link URI
            // (the tool's launch URL otherwise).
            guard let ref = input.refId else { throw DomainError.invalid(field: "refId", reason: "validation.required") }
            guard let tool = try await LTITool.find(ref, on: db), tool.enabled else { throw DomainError.invalid(field: "refId", reason: "lti.tool-unknown") }
            if let u = input.url, !Self.isWebURL(u) { problems.append(FieldProblem(field: "url", reason: "course.url-form")) }
            if title.isEmpty { title = tool.name }
            if let p = maxPoints, !(p > 0 && p <= 1000) { problems.append(FieldProblem(field: "maxPoints", reason: "course.points-range")) }
        case .live:
            if let u = input.url, !Self.isWebURL(u) { problems.append(FieldProblem(field: "url", reason: "course.url-form")) }
        case .page:
            if (input.body ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems.append(FieldProblem(field: "body", reason: "validation.required")) }
        case .discussion:
            break
        }
        if (input.body ?? "").count > 100_000 { problems.append(FieldProblem(field: "body", reason: "validation.too-long", arguments: ["100000"])) }
        if title.isEmpty { problems.append(FieldProblem(field: "title", reason: "validation.required")) }
        if title.count > 200 { problems.append(FieldProblem(field: "title", reason: "validation.too-long", arguments: ["200"])) }
        let rule = input.completion ?? CompletionRule.standard(for: kind, resourceKind: refKind)
        problems += rule.problems(for: kind, resourceKind: refKind)
        if input.dueAt != nil, ![.assignment, .assessment, .page, .resource, .discussion].contains(kind) {
            problems.append(FieldProblem(field: "dueAt", reason: "course.due-not-for-kind"))
        }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }
        let i = LessonItem()
        i.id = UUID()
        i.courseID = c.id!
        i.lessonID = lessonID
        i.kind = kind.rawValue
        i.title = title
        i.refID = input.refId
        i.refKind = refKind
        i.url = input.url
        i.body = input.body
        i.rule = rule.kind.rawValue
        i.threshold = rule.threshold
        i.dueAt = input.dueAt
        i.acceptLate = input.acceptLate ?? false
        i.maxPoints = maxPoints
        i.createdAt = now
        let madeTitle = title
        try await db.transaction { tx in
            i.position = (try await LessonItem.query(on: tx).filter(\.$lessonID == lessonID).max(\.$position) ?? -1) + 1
            try await i.create(on: tx)
            try await bumpOutline(c, on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "course.add-item", entityType: "course", entityID: c.id, orgID: c.orgID,
                                       orgPath: c.orgPath, changes: [AuditChange(field: kind.rawValue, before: nil, after: madeTitle)])
        }
        // "Used in my course" on the Library's page: counted once per teacher and course.
        if markUsed, let ref = input.refId { _ = try? await library.markUsed(ref, courseRef: "course:\(c.id!.uuidString)", actor: actor) }
        let o = try await outline(of: c)
        guard let made = o.items.first(where: { $0.id == i.id }) else { throw DomainError.notFound(entity: "item") }
        return itemDTO(made, role: .teacher, progress: nil)
    }

    /// `DELETE /api/v1/course-items/{id}`: only while no learner has a record of it, so
    /// nobody's progress or hand-in disappears.
    public func removeItem(_ itemID: UUID, actor: Actor) async throws {
        guard let i = try await LessonItem.find(itemID, on: db) else { throw DomainError.notFound(entity: "item") }
        let c = try await editable(i.courseID, actor: actor)
        let hasProgress = try await ItemProgress.query(on: db).filter(\.$itemID == itemID).first() != nil
        let hasWork = try await Submission.query(on: db).filter(\.$itemID == itemID).first() != nil
        if hasProgress || hasWork {
            throw DomainError.conflict(reason: "course.item-has-records")
        }
        try await db.transaction { tx in
            try await i.delete(on: tx)
            try await bumpOutline(c, on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "course.remove-item", entityType: "course", entityID: c.id, orgID: c.orgID,
                                       orgPath: c.orgPath, changes: [AuditChange(field: i.kind, before: i.title, after: nil)])
        }
    }

    /// `POST /api/v1/courses/{id}/move`: puts a unit, lesson or item at `position` (0 is
    /// first) within its parent, or within `parentId` (another unit for a lesson, another
    /// lesson for an item) of the same course.
    public func move(courseID: UUID, id: UUID, position: Int, parentID: UUID?, actor: Actor) async throws -> CourseDTO {
        let c = try await editable(courseID, actor: actor)
        guard position >= 0 else { throw DomainError.invalid(field: "position", reason: "course.position-range") }
        try await db.transaction { tx in
            if let u = try await CourseUnit.find(id, on: tx), u.courseID == courseID {
                guard parentID == nil else { throw DomainError.invalid(field: "parentId", reason: "course.parent-wrong") }
                var rows = try await CourseUnit.query(on: tx).filter(\.$courseID == courseID).sort(\.$position).all()
                try await Self.place(&rows, id: id, at: position, on: tx)
            } else if let l = try await Lesson.find(id, on: tx), l.courseID == courseID {
                let target = parentID ?? l.unitID
                guard let u = try await CourseUnit.find(target, on: tx), u.courseID == courseID else {
                    throw DomainError.invalid(field: "parentId", reason: "course.parent-wrong")
                }
                l.unitID = target
                var rows = try await Lesson.query(on: tx).filter(\.$unitID == target).filter(\.$id != id).sort(\.$position).all()
                rows.insert(l, at: min(position, rows.count))
                try await Self.place(&rows, id: id, at: position, on: tx)
            } else if let i = try await LessonItem.find(id, on: tx), i.courseID == courseID {
                let target = parentID ?? i.lessonID
                guard let l = try await Lesson.find(target, on: tx), l.courseID == courseID else {
                    throw DomainError.invalid(field: "parentId", reason: "course.parent-wrong")
                }
                i.lessonID = target
                var rows = try await LessonItem.query(on: tx).filter(\.$lessonID == target).filter(\.$id != id).sort(\.$position).all()
                rows.insert(i, at: min(position, rows.count))
                try await Self.place(&rows, id: id, at: position, on: tx)
            } else {
                throw DomainError.notFound(entity: "item")
            }
            try await bumpOutline(c, on: tx)
        }
        return try await courseDetail(courseID, actor: actor)
    }

    /// Renumbers rows 0, 1, 2... with `id` at `position`, saving only the rows that moved.
    static func place<M: Model & Positioned>(_ rows: inout [M], id: UUID, at position: Int, on db: any Database) async throws where M.IDValue == UUID {
        guard let from = rows.firstIndex(where: { $0.id == id }) else { return }
        let row = rows.remove(at: from)
        rows.insert(row, at: min(position, rows.count))
        for (n, r) in rows.enumerated() where r.position != n || r.id == id {
            r.position = n
            try await r.save(on: db)
        }
    }

    static func title(_ s: String) throws -> String {
        let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.isEmpty { throw DomainError.invalid(field: "title", reason: "validation.required") }
        if t.count > 200 { throw DomainError.invalid(field: "title", reason: "validation.too-long", arguments: ["200"]) }
        return t
    }

    static func isWebURL(_ s: String) -> Bool {
        guard s.count <= 2000, let u = URL(string: s), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme), u.host != nil else { return false }
        return true
    }
}

/// Rows kept in order by a position number.
protocol Positioned: AnyObject {
    var position: Int { get set }
}

extension CourseUnit: Positioned {}
extension Lesson: Positioned {}
extension LessonItem: Positioned {}
