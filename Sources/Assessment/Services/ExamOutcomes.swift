import Foundation
import FluentKit
import SQLKit
import Platform

/// A person's best hand-in of an exam, as other areas (a course's progress) read it.
public struct ExamOutcome: Sendable, Equatable {
    public var examID: UUID
    public var personID: UUID
    public var submittedAt: Date
    /// Best score as a percentage of the exam's maximum; nil until results are released
    /// (a course must not reveal a score the teacher has not released).
    public var percent: Double?
}

extension AssessmentService {
    /// Hand-ins of these people in these exams, best score first per pair. The caller (a
    /// course's service) has already decided that its caller may see these people.
    public func outcomes(examIDs: [UUID], personIDs: [UUID]) async throws -> [ExamOutcome] {
        guard !examIDs.isEmpty, !personIDs.isEmpty else { return [] }
        let exams = try await Exam.query(on: db).filter(\.$id ~~ examIDs).all()
        let byID = Dictionary(uniqueKeysWithValues: exams.map { ($0.id!, $0) })
        var best: [String: ExamOutcome] = [:]
        for chunk in stride(from: 0, to: personIDs.count, by: 400).map({ Array(personIDs[$0..<min($0 + 400, personIDs.count)]) }) {
            let rows = try await db.sql.raw("""
                SELECT exam_id, person_id, submitted_at, score FROM attempts
                WHERE exam_id IN (\(binds: examIDs)) AND person_id IN (\(binds: chunk)) AND submitted_at IS NOT NULL
                """).all()
            for r in rows {
                let examID = try r.decode(column: "exam_id", as: UUID.self)
                guard let exam = byID[examID] else { continue }
                let person = try r.decode(column: "person_id", as: UUID.self)
                let at = try r.decode(column: "submitted_at", as: Date.self)
                let score = try r.decodeNil(column: "score") ? nil : try r.decode(column: "score", as: Double.self)
                let percent = released(exam) && exam.maxScore > 0 ? score.map { ($0 / exam.maxScore * 1000).rounded() / 10 } : nil
                let key = "\(examID)\(person)"
                if let old = best[key], (old.percent ?? -1) >= (percent ?? -1) { continue }
                best[key] = ExamOutcome(examID: examID, personID: person, submittedAt: at, percent: percent)
            }
        }
        return Array(best.values)
    }

    /// An exam its maker puts into a course: its title and maximum score.
    public func examForCourse(_ id: UUID, actor: Actor) async throws -> (title: String, maxScore: Double) {
        let e = try await ownedExam(id, actor: actor)
        return (e.title, e.maxScore)
    }
}
