import Foundation
import Vapor
import Platform
import Library
import Courses

struct CourseItemPage: Encodable, Sendable {
    var base: PageBase
    var courseId: String
    var courseTitle: String
    var item: CourseItemDTO
    var kindLabel: String
    var paragraphs: [String]
    var isTeacher: Bool
    var isLearner: Bool
    var due: String?
    var status: String?
    /// A Library resource shown in the page (the library's own viewer).
    var r: ResourceDTO?
    var viewer: ResourcePage.Viewer?
    var watch: Watch?
    /// A SCORM 1.2 package played with the run-time API: scorm-player.js saves its commits.
    var scorm: Scorm?
    var mine: [SubmissionRow]
    var others: [SubmissionRow]
    var canSubmit: Bool
    var posts: [PostRow]
    var canPost: Bool
    var errors: FormErrors
    struct Watch: Encodable, Sendable { var itemId: String; var position: Double }
    struct Scorm: Encodable, Sendable { var itemId: String; var saved: String; var unsaved: String; var refused: String }
    struct SubmissionRow: Encodable, Sendable {
        var id: String; var name: String; var text: String; var fileName: String?; var when: String; var late: Bool
        var grade: String?; var feedback: String?; var maxPoints: String
    }
    struct PostRow: Encodable, Sendable { var name: String; var body: String; var when: String; var teacher: Bool }
}

/// The lesson player: one item of a course, as its kind wants it shown. Opening an item is
/// its "view" (so a page or a document is done without any script); videos report how far
/// they played through course.js.
struct CourseItemPages {
    @Sendable func show(req: Request) async throws -> Response {
        try await render(req, errors: FormErrors())
    }

    func render(_ req: Request, errors: FormErrors, status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        var (course, item) = try await req.courses.itemDetail(id, actor: actor)
        let learner = course.role == "learner"
        if learner, status == .ok {
            item.progress = try await req.courses.recordProgress(id, ProgressEvent(event: "viewed"), actor: actor)
        }
        let format = LocaleFormat(req.locale, timeZone: ExamSetupPages.zone(req))
        var r: ResourceDTO?
        var viewer: ResourcePage.Viewer?
        if item.kind == "resource", let ref = item.refId {
            r = try? await req.library.resource(ref, actor: actor)
            if let r { viewer = try await LibraryPages.viewer(req, r, actor: actor, format: format) }
        }
        // A learner's cmi5 package is launched: its AU gets the LRS, a one-time fetch URL
        // and the learner's registration in its address.
        if learner, let r, let v = r.versions.last, v.packageType == "cmi5",
           let launch = try await req.courses.cmi5Launch(itemID: id, actor: actor, base: req.publicOrigin) {
            let size = format.bytes(v.size)
            if launch.absolute {
                viewer = .init(type: "link", src: launch.url, size: size, sources: [], poster: nil)
            } else {
                let prefix = try await req.library.packageLink(r.id, version: v.number, actor: actor)
                viewer = .init(type: "package", src: prefix + launch.url, size: size, sources: [], poster: nil)
            }
        }
        // A learner's SCORM package runs with their record: the browse-mode link becomes
        // one with this session's token.
        var scorm: CourseItemPage.Scorm?
        if learner, var v = viewer, v.src.contains(LibraryPages.scormBrowse), let token = try await req.courses.scormSession(itemID: id, actor: actor) {
            v.src = v.src.replacingOccurrences(of: LibraryPages.scormBrowse, with: "ec_scorm=" + token)
            viewer = v
            scorm = .init(itemId: id.uuidString.lowercased(), saved: req.t("scorm.saved"), unsaved: req.t("scorm.unsaved"), refused: req.t("scorm.refused"))
        }
        var mine: [CourseItemPage.SubmissionRow] = []
        var others: [CourseItemPage.SubmissionRow] = []
        if item.kind == "assignment" {
            let rows = try await req.courses.submissions(id, actor: actor).map { s in
                CourseItemPage.SubmissionRow(id: s.id.uuidString.lowercased(), name: s.name ?? "", text: s.text, fileName: s.fileName,
                                             when: format.dateTime(s.submittedAt), late: s.late,
                                             grade: s.points.map { req.t("course.points-of", [CoursesService.number($0), CoursesService.number(s.maxPoints ?? 10)]) },
                                             feedback: s.feedback, maxPoints: CoursesService.number(s.maxPoints ?? 10))
            }
            if learner { mine = rows } else { others = rows }
        }
        var posts: [CourseItemPage.PostRow] = []
        if item.kind == "discussion" {
            posts = try await req.courses.posts(id, actor: actor).map { .init(name: $0.name, body: $0.body, when: format.dateTime($0.createdAt), teacher: $0.byTeacher) }
        }
        var statusText: String?
        if let p = item.progress {
            if p.completed { statusText = req.t("course.done") }
            else if p.submitted { statusText = req.t("course.submitted-waiting") }
            else if p.percent > 0 { statusText = req.t("course.watched-percent", [String(p.percent)]) }
        }
        let playable = ["video", "audio", "tvLesson"].contains(item.refKind ?? "")
        let page = CourseItemPage(base: await PageBase.make(req, title: item.title), courseId: course.id.uuidString.lowercased(), courseTitle: course.title,
                                  item: item, kindLabel: req.t("course.item.\(item.kind)"),
                                  paragraphs: (item.body ?? "").components(separatedBy: "\n\n").filter { !$0.isEmpty },
                                  isTeacher: course.role == "teacher", isLearner: learner,
                                  due: item.dueAt.map { req.t("course.due", [format.dateTime($0)]) }, status: statusText, r: r, viewer: viewer,
                                  watch: learner && playable ? .init(itemId: id.uuidString.lowercased(), position: item.progress?.position ?? 0) : nil,
                                  scorm: scorm, mine: mine, others: others,
                                  canSubmit: learner && item.kind == "assignment" && !mine.contains { $0.grade != nil } && course.status != "archived",
                                  posts: posts, canPost: (learner || course.role == "teacher") && item.kind == "discussion",
                                  errors: errors)
        return try await req.page("course-item", page, status: status)
    }

    /// A hand-in from the page: text and an optional file (multipart; the CSRF token rides
    /// in the action URL because the file streams).
    @Sendable func submit(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        return try await req.submitForm({
            struct Form: Decodable { var text: String?; var file: File? }
            let form = (try? req.content.decode(Form.self)) ?? Form()
            var file: SubmittedFile?
            if let f = form.file, f.data.readableBytes > 0 { file = SubmittedFile(name: f.filename, data: Data(buffer: f.data)) }
            _ = try await req.courses.submit(id, text: form.text, file: file, actor: actor)
            return "/course-items/\(id)"
        }, orShow: { errors, status in try await render(req, errors: errors, status: status) })
    }

    @Sendable func grade(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        return try await req.submitForm({
            guard let sub = req.field("submission").flatMap(UUID.init(uuidString:)) else { throw DomainError.notFound(entity: "submission") }
            guard let points = Double((req.field("points") ?? "").replacingOccurrences(of: ",", with: ".")) else {
                throw DomainError.invalid(field: "points", reason: "validation.number")
            }
            _ = try await req.courses.grade(sub, GradeInput(points: points, feedback: req.field("feedback")), actor: actor)
            return "/course-items/\(id)"
        }, orShow: { errors, status in try await render(req, errors: errors, status: status) })
    }

    @Sendable func post(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        return try await req.submitForm({
            _ = try await req.courses.post(id, body: req.field("body") ?? "", actor: actor)
            return "/course-items/\(id)"
        }, orShow: { errors, status in try await render(req, errors: errors, status: status) })
    }
}

extension CourseItemPages {
    /// `POST /course-items/{id}/scorm`: a SCORM commit relayed by scorm-player.js.
    @Sendable func scormCommit(req: Request) async throws -> Response {
        guard let body = req.body.data, body.readableBytes > 0 else { throw DomainError.malformed(reason: "error.body-missing") }
        let commit: ScormCommit
        do { commit = try JSONDecoder().decode(ScormCommit.self, from: body) } catch { throw DomainError.malformed(reason: "error.malformed-json") }
        let result = try await req.courses.scormCommit(itemID: try req.uuid("id"), commit, actor: try req.requireActor())
        return try await result.encodeResponse(for: req)
    }
}

extension ScormCommitResult: Content {}
