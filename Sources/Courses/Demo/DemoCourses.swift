import Foundation
import Platform
import Library

/// The demo's courses: a class course for the demo teacher's class 3A (a page, a library
/// video, the demo exam, an assignment, a discussion and, in a second lesson, a SCORM 1.2
/// exercise and a cmi5 one) and an open MOOC anyone can join.
public struct DemoCourses {
    let service: CoursesService

    public init(service: CoursesService) {
        self.service = service
    }

    /// Answers how many courses it made.
    @discardableResult
    public func seed(teacher: Actor, pupil: Actor, exam: UUID?) async throws -> Int {
        let pupilClasses = Set(pupil.grants.filter { $0.role == .pupil }.map(\.orgID))
        guard let cls = teacher.grants.first(where: { $0.role == .teacher && $0.orgKind == .class && pupilClasses.contains($0.orgID) }),
              let school = teacher.grants.first(where: { $0.role == .teacher && $0.orgKind == .school }) else { return 0 }
        let library = LibraryService(db: service.db, ctx: service.ctx.library)
        // A video when the commons has one, else the audio: both are played in the lesson and count by how far they play.
        let found = try await library.search(SearchQuery(q: nil, kind: "video"), actor: teacher).items
            + library.search(SearchQuery(q: nil, kind: "audio"), actor: teacher).items
        let document = try await library.search(SearchQuery(q: nil, kind: "document"), actor: teacher).items.first

        var cc = NewCourse(kind: "class", title: "Toán 3 — Học kỳ I", orgId: cls.orgID)
        cc.description = "Khóa học của lớp 3A: bài giảng, bài tập và kiểm tra môn Toán.\n\nHọc sinh xem bài, làm bài tập và kiểm tra 15 phút trực tuyến."
        cc.subject = "Toán"
        cc.grade = "3"
        cc.term = "2026–2027 HK1"
        cc.language = "vi"
        let course = try await service.createCourse(cc, actor: teacher)
        let unit = try await service.addUnit(course.id, title: "Chương 1: Phép nhân và phép chia", actor: teacher)
        let lesson = try await service.addLesson(unitID: unit.id, title: "Bài 1: Bảng nhân 7", actor: teacher)
        var page = NewCourseItem(kind: "page", title: "Đọc trước bài")
        page.body = "Phép nhân là phép cộng các số hạng bằng nhau: 7 × 3 = 7 + 7 + 7 = 21.\n\nEm hãy đọc bảng nhân 7 và tìm quy luật."
        _ = try await service.addItem(lessonID: lesson.id, page, actor: teacher)
        if let video = found.first {
            var item = NewCourseItem(kind: "resource")
            item.refId = video.id
            _ = try await service.addItem(lessonID: lesson.id, item, actor: teacher)
        }
        if let exam {
            var item = NewCourseItem(kind: "assessment")
            item.refId = exam
            _ = try await service.addItem(lessonID: lesson.id, item, actor: teacher)
        }
        var homework = NewCourseItem(kind: "assignment", title: "Bài tập về nhà: bảng nhân 7")
        homework.body = "Viết bảng nhân 7 và giải bài toán: mỗi tuần có 7 ngày, 4 tuần có bao nhiêu ngày?"
        homework.dueAt = Date().addingTimeInterval(7 * 86400)
        homework.acceptLate = true
        homework.maxPoints = 10
        _ = try await service.addItem(lessonID: lesson.id, homework, actor: teacher)
        _ = try await service.addItem(lessonID: lesson.id, NewCourseItem(kind: "discussion", title: "Hỏi đáp về bài học"), actor: teacher)
        // A SCORM 1.2 exercise, in a lesson of its own: it records its score through the run-time API.
        // ...and a cmi5 one, which reports through the LRS.
        let packages = try await library.search(SearchQuery(q: nil, kind: "package"), actor: teacher).items
        if !packages.isEmpty {
            let practice = try await service.addLesson(unitID: unit.id, title: "Bài 2: Luyện tập", actor: teacher)
            for (title, pick) in [("Luyện tập bảng nhân 7", "SCORM"), ("Bảng nhân 8", "cmi5")] {
                guard let p = packages.first(where: { $0.displayTitle.contains(pick) }) else { continue }
                var item = NewCourseItem(kind: "resource", title: title)
                item.refId = p.id
                _ = try await service.addItem(lessonID: practice.id, item, actor: teacher)
            }
        }
        var publish = CoursePatch()
        publish.status = CourseStatus.published.rawValue
        _ = try await service.updateCourse(course.id, publish, actor: teacher)

        var mooc = NewCourse(kind: "mooc", title: "Tiếng Việt cho mọi người", orgId: school.orgID)
        mooc.description = "Khóa học mở: chính tả, từ vựng và đọc hiểu tiếng Việt, tự học theo tốc độ của mình."
        mooc.subject = "Tiếng Việt"
        mooc.language = "vi"
        let open = try await service.createCourse(mooc, actor: teacher)
        let u = try await service.addUnit(open.id, title: "Phần 1: Chính tả", actor: teacher)
        let l = try await service.addLesson(unitID: u.id, title: "Dấu thanh", actor: teacher)
        var intro = NewCourseItem(kind: "page", title: "Sáu thanh điệu")
        intro.body = "Tiếng Việt có sáu thanh: ngang, huyền, sắc, hỏi, ngã, nặng.\n\nVí dụ: ma, mà, má, mả, mã, mạ."
        _ = try await service.addItem(lessonID: l.id, intro, actor: teacher)
        if let document {
            var item = NewCourseItem(kind: "resource")
            item.refId = document.id
            _ = try await service.addItem(lessonID: l.id, item, actor: teacher)
        }
        _ = try await service.updateCourse(open.id, publish, actor: teacher)
        return 2
    }
}
