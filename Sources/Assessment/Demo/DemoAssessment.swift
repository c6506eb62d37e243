import Foundation
import FluentKit
import Platform

/// The demo's question bank and an exam for the demo teacher's class, open for a year with
/// many attempts, so a visitor can sign in as the pupil and take it at once.
public struct DemoAssessment {
    let service: AssessmentService

    public init(service: AssessmentService) {
        self.service = service
    }

    static let gift = """
    // Toán 3 — ôn tập (demo)
    ::Phép nhân:: 7 × 8 bằng bao nhiêu? {=56 ~54 ~48 ~64}

    ::Chu vi:: Hình vuông cạnh 5 cm có chu vi là bao nhiêu xăng-ti-mét? {#20}

    ::Số chẵn:: Chọn các số chẵn. {~%50%12 ~%50%30 ~%-50%7 ~%-50%15}

    ::Đúng sai:: 1 giờ có 60 phút. {T}

    ::Thủ đô:: Thủ đô của Việt Nam là thành phố nào? {=Hà Nội =Ha Noi}
    """

    /// Answers the exam's id.
    @discardableResult
    public func seed(teacher: Actor, pupil: Actor) async throws -> UUID? {
        // The class the demo pupil is in and the demo teacher teaches (a teacher has several
        // classes, in no fixed order).
        let pupilClasses = Set(pupil.grants.filter { $0.role == .pupil }.map(\.orgID))
        guard let cls = teacher.grants.first(where: { $0.role == .teacher && $0.orgKind == .class && pupilClasses.contains($0.orgID) })
                ?? teacher.grants.first(where: { $0.role == .teacher && $0.orgKind == .class }) else { return nil }
        let bank = try await service.createBank(name: "Toán 3 — ôn tập", actor: teacher)
        _ = try await service.importItems(bank.id, format: .gift, data: Data(Self.gift.utf8), fileName: "toan3.gift", skipInvalid: false, actor: teacher)
        let now = Date()
        var input = NewExam(bankId: bank.id, title: "Kiểm tra 15 phút — Toán 3", orgId: cls.orgID,
                            opensAt: now.addingTimeInterval(-86400), closesAt: now.addingTimeInterval(365 * 86400), durationMinutes: 15)
        input.maxAttempts = 20
        input.purpose = ExamPurpose.continuous.rawValue
        let exam = try await service.createExam(input, actor: teacher)
        return exam.id
    }
}
