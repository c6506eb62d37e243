import Foundation
import FluentKit
import SQLKit
import Platform

/// A file handed in with an assignment, as the edge received it.
public struct SubmittedFile: Sendable {
    public var name: String
    public var data: Data
    public init(name: String, data: Data) {
        self.name = name
        self.data = data
    }
}

extension CoursesService {
    /// What a learner may hand in: documents, images, plain text and ZIPs; never HTML or SVG,
    /// which would run script when a teacher opens them.
    static let submissionKinds: Set<FileKind> = [.pdf, .docx, .pptx, .xlsx, .png, .jpeg, .gif, .webp, .text, .zip, .mp3, .mp4, .ogg, .wav, .webm]
    static let submissionLimit = 25 * 1024 * 1024

    /// `POST /api/v1/course-items/{id}/submissions`: text, a file or both. Before the due
    /// time, or after it when the item accepts late work (then marked late). A learner may
    /// hand in again until the work is graded; every hand-in is kept.
    public func submit(_ itemID: UUID, text: String?, file: SubmittedFile?, actor: Actor) async throws -> SubmissionDTO {
        let (i, c) = try await assignment(itemID)
        guard try await role(in: c, actor: actor) == .learner, let me = actor.personID else { throw DomainError.forbidden(reason: "course.learners-only") }
        let body = text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        var problems: [FieldProblem] = []
        if body.isEmpty, file == nil { problems.append(FieldProblem(field: "text", reason: "course.submission-empty")) }
        if body.count > 50_000 { problems.append(FieldProblem(field: "text", reason: "validation.too-long", arguments: ["50000"])) }
        if let f = file {
            if f.data.count > Self.submissionLimit { problems.append(FieldProblem(field: "file", reason: "course.file-too-large", arguments: ["25"])) }
            else if !Self.submissionKinds.contains(FileSniffer.kind(of: f.data.prefix(4096))) {
                problems.append(FieldProblem(field: "file", reason: "course.file-type", arguments: [f.name]))
            }
        }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }
        if c.status == CourseStatus.archived.rawValue { throw DomainError.conflict(reason: "course.archived") }
        var late = false
        if let due = i.dueAt, now > due {
            guard i.acceptLate else { throw DomainError.conflict(reason: "course.past-due", arguments: [ISO8601DateFormatter().string(from: due)]) }
            late = true
        }
        if let last = try await latestSubmission(itemID, person: me), last.gradedAt != nil {
            throw DomainError.conflict(reason: "course.already-graded")
        }
        var blob: StoredBlob?
        if let f = file { blob = try ctx.library.blobs.store(f.data, limit: Int64(Self.submissionLimit)) }
        let s = Submission()
        s.id = UUIDv7.make(at: now)
        s.courseID = c.id!
        s.itemID = itemID
        s.personID = me
        s.text = body
        s.blob = blob?.sha256
        s.fileName = file.map { String($0.name.split(separator: "/").last ?? "file").prefix(200) }.map(String.init)
        s.fileSize = blob.map { Int($0.size) }
        s.submittedAt = now
        s.late = late
        try await s.create(on: db)
        try await emit(XAPIVerbs.answered, "answered", person: me, course: c, item: i,
                       result: .object(["response": .string(String(body.prefix(1000))), "completion": .bool(true)]))
        try await upsertProgress(item: i, person: me, { p in p.submittedAt = p.submittedAt ?? s.submittedAt },
                                 rule: { CompletionRule(kind: RuleKind(rawValue: i.rule) ?? .submitted, threshold: i.threshold) })
        try await checkCompletion(c, people: [me])
        return Self.submissionDTO(s, name: nil, maxPoints: i.maxPoints)
    }

    /// `GET /api/v1/course-items/{id}/submissions`: for teachers, each learner's latest
    /// hand-in; for a learner, their own, newest first.
    public func submissions(_ itemID: UUID, actor: Actor) async throws -> [SubmissionDTO] {
        let (i, c) = try await assignment(itemID)
        let r = try await role(in: c, actor: actor)
        switch r {
        case .teacher, .overseer:
            let all = try await Submission.query(on: db).filter(\.$itemID == itemID).sort(\.$id, .descending).all()
            var latest: [UUID: Submission] = [:]
            for s in all where latest[s.personID] == nil { latest[s.personID] = s }
            let names = try await directory.briefs(Array(latest.keys))
            return latest.values.sorted { (names[$0.personID]?.sortKey ?? "") < (names[$1.personID]?.sortKey ?? "") }
                .map { Self.submissionDTO($0, name: names[$0.personID]?.fullName, maxPoints: i.maxPoints) }
        case .learner:
            guard let me = actor.personID else { throw DomainError.forbidden() }
            return try await Submission.query(on: db).filter(\.$itemID == itemID).filter(\.$personID == me).sort(\.$id, .descending).all()
                .map { Self.submissionDTO($0, name: nil, maxPoints: i.maxPoints) }
        case .guardian, .visitor:
            throw DomainError.forbidden()
        }
    }

    /// `PUT /api/v1/submissions/{id}/grade`: points out of the item's maximum and feedback,
    /// on the learner's latest hand-in; audited, and the score counts for "scored" rules.
    public func grade(_ submissionID: UUID, _ input: GradeInput, actor: Actor) async throws -> SubmissionDTO {
        guard let s = try await Submission.find(submissionID, on: db) else { throw DomainError.notFound(entity: "submission") }
        let (i, c) = try await assignment(s.itemID)
        guard try await role(in: c, actor: actor) == .teacher, let me = actor.personID else { throw DomainError.notFound(entity: "submission") }
        let max = i.maxPoints ?? 10
        var problems: [FieldProblem] = []
        if !(input.points >= 0 && input.points <= max) { problems.append(FieldProblem(field: "points", reason: "course.points-out-of", arguments: [Self.number(max)])) }
        if (input.feedback ?? "").count > 10_000 { problems.append(FieldProblem(field: "feedback", reason: "validation.too-long", arguments: ["10000"])) }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }
        guard let latest = try await latestSubmission(s.itemID, person: s.personID), latest.id == s.id else {
            throw DomainError.conflict(reason: "course.not-latest-submission")
        }
        let before = s.points.map(Self.number)
        s.points = input.points
        s.feedback = input.feedback?.trimmingCharacters(in: .whitespacesAndNewlines)
        s.gradedBy = me
        s.gradedAt = now
        try await db.transaction { tx in
            try await s.save(on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "course.grade", entityType: "submission", entityID: s.id, orgID: c.orgID,
                                       orgPath: c.orgPath, changes: [AuditChange(field: "points", before: before, after: Self.number(input.points))])
        }
        let pct = max > 0 ? (input.points / max * 1000).rounded() / 10 : 0
        try await upsertProgress(item: i, person: s.personID, { p in p.score = pct; p.submittedAt = p.submittedAt ?? s.submittedAt },
                                 rule: { CompletionRule(kind: RuleKind(rawValue: i.rule) ?? .submitted, threshold: i.threshold) })
        try await checkCompletion(c, people: [s.personID])
        let name = try await directory.briefs([s.personID])[s.personID]?.fullName
        return Self.submissionDTO(s, name: name, maxPoints: i.maxPoints)
    }

    /// A hand-in's file, for its learner and the course's teachers.
    public func submissionFile(_ submissionID: UUID, actor: Actor) async throws -> (name: String, data: Data) {
        guard let s = try await Submission.find(submissionID, on: db), let blob = s.blob else { throw DomainError.notFound(entity: "submission") }
        let c = try await course(s.courseID)
        let r = try await role(in: c, actor: actor)
        guard r == .teacher || r == .overseer || (r == .learner && s.personID == actor.personID) else { throw DomainError.notFound(entity: "submission") }
        guard let data = try ctx.library.blobs.read(blob, range: nil) else { throw DomainError.notFound(entity: "submission") }
        return (s.fileName ?? "file", data)
    }

    func assignment(_ itemID: UUID) async throws -> (LessonItem, Course) {
        guard let i = try await LessonItem.find(itemID, on: db), i.kind == ItemKind.assignment.rawValue else { throw DomainError.notFound(entity: "item") }
        return (i, try await course(i.courseID))
    }

    func latestSubmission(_ itemID: UUID, person: UUID) async throws -> Submission? {
        try await Submission.query(on: db).filter(\.$itemID == itemID).filter(\.$personID == person).sort(\.$id, .descending).first()
    }

    static func submissionDTO(_ s: Submission, name: String?, maxPoints: Double?) -> SubmissionDTO {
        SubmissionDTO(id: s.id!, itemId: s.itemID, personId: s.personID, name: name, text: s.text, fileName: s.fileName, fileSize: s.fileSize,
                      submittedAt: s.submittedAt, late: s.late, points: s.points, maxPoints: maxPoints, feedback: s.feedback, gradedAt: s.gradedAt)
    }

    /// Points as people write them: "7", "7.5", "7.25".
    public static func number(_ d: Double) -> String {
        d == d.rounded() ? String(Int(d)) : String(format: "%.2f", d).replacingOccurrences(of: "0+$", with: "", options: .regularExpression)
    }
}
