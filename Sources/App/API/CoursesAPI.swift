import Foundation
import Vapor
import Platform
import Courses

/// Courses over JSON: building them, enrolling, progress and assignments.
struct CoursesAPI {
    /// `POST /api/v1/courses`
    @Sendable func create(req: Request) async throws -> JSON<CourseDTO> {
        let actor = try req.requireActor()
        return JSON(try await req.courses.createCourse(try req.decodeJSON(NewCourse.self), actor: actor), status: .created)
    }

    /// `GET /api/v1/courses`: the caller's courses; `?learner=` a guardian's child's.
    @Sendable func mine(req: Request) async throws -> JSON<[CourseDTO]> {
        let actor = try req.requireActor()
        if let learner = req.query[String.self, at: "learner"] {
            guard let id = UUID(uuidString: learner) else { throw DomainError.invalid(field: "learner", reason: "validation.uuid") }
            return JSON(try await req.courses.coursesOf(learner: id, actor: actor))
        }
        return JSON(try await req.courses.myCourses(actor: actor))
    }

    /// `GET /api/v1/catalogue`: published MOOCs, open to everyone.
    @Sendable func catalogue(req: Request) async throws -> JSON<ListPage<CourseDTO>> {
        JSON(try await req.courses.catalogue(query: req.query[String.self, at: "q"], subject: req.query[String.self, at: "subject"],
                                             grade: req.query[String.self, at: "grade"], limit: try req.optionalInt("limit"),
                                             cursor: req.query[String.self, at: "cursor"], actor: req.actorOrAnonymous))
    }

    @Sendable func show(req: Request) async throws -> JSON<CourseDTO> {
        JSON(try await req.courses.courseDetail(try req.uuid("id"), actor: req.actorOrAnonymous))
    }

    @Sendable func update(req: Request) async throws -> JSON<CourseDTO> {
        let actor = try req.requireActor()
        return JSON(try await req.courses.updateCourse(try req.uuid("id"), try req.decodeJSON(CoursePatch.self), actor: actor))
    }

    struct TitleBody: Decodable { var title: String }

    @Sendable func addUnit(req: Request) async throws -> JSON<UnitDTO> {
        let actor = try req.requireActor()
        return JSON(try await req.courses.addUnit(try req.uuid("id"), title: try req.decodeJSON(TitleBody.self).title, actor: actor), status: .created)
    }

    @Sendable func addLesson(req: Request) async throws -> JSON<LessonDTO> {
        let actor = try req.requireActor()
        return JSON(try await req.courses.addLesson(unitID: try req.uuid("id"), title: try req.decodeJSON(TitleBody.self).title, actor: actor), status: .created)
    }

    @Sendable func addItem(req: Request) async throws -> JSON<CourseItemDTO> {
        let actor = try req.requireActor()
        return JSON(try await req.courses.addItem(lessonID: try req.uuid("id"), try req.decodeJSON(NewCourseItem.self), actor: actor), status: .created)
    }

    @Sendable func removeItem(req: Request) async throws -> HTTPStatus {
        try await req.courses.removeItem(try req.uuid("id"), actor: try req.requireActor())
        return .noContent
    }

    struct MoveBody: Decodable { var id: UUID; var position: Int; var parentId: UUID? }

    @Sendable func move(req: Request) async throws -> JSON<CourseDTO> {
        let actor = try req.requireActor()
        let body = try req.decodeJSON(MoveBody.self)
        return JSON(try await req.courses.move(courseID: try req.uuid("id"), id: body.id, position: body.position, parentID: body.parentId, actor: actor))
    }

    @Sendable func enrol(req: Request) async throws -> JSON<EnrolResultDTO> {
        let actor = try req.requireActor()
        let body = try req.decodeOptionalJSON(EnrolRequest.self) ?? EnrolRequest()
        return JSON(try await req.courses.enrol(try req.uuid("id"), body, actor: actor), status: .created)
    }

    @Sendable func leave(req: Request) async throws -> HTTPStatus {
        try await req.courses.leave(try req.uuid("id"), actor: try req.requireActor())
        return .noContent
    }

    @Sendable func learners(req: Request) async throws -> JSON<ListPage<LearnerRowDTO>> {
        let actor = try req.requireActor()
        let behind = req.query[String.self, at: "behind"]
        guard behind == nil || behind == "true" || behind == "false" else { throw DomainError.invalid(field: "behind", reason: "validation.boolean") }
        return JSON(try await req.courses.learners(try req.uuid("id"), behindOnly: behind == "true", limit: try req.optionalInt("limit"),
                                                   cursor: req.query[String.self, at: "cursor"], actor: actor))
    }

    @Sendable func progress(req: Request) async throws -> JSON<CourseProgressDTO> {
        let actor = try req.requireActor()
        let person = req.parameters.get("personId") == nil ? nil : try req.uuid("personId")
        return JSON(try await req.courses.progress(try req.uuid("id"), of: person, actor: actor))
    }

    @Sendable func recordProgress(req: Request) async throws -> JSON<ItemProgressDTO> {
        let actor = try req.requireActor()
        return JSON(try await req.courses.recordProgress(try req.uuid("id"), try req.decodeJSON(ProgressEvent.self), actor: actor))
    }

    struct SubmissionForm: Decodable { var text: String?; var file: File? }

    /// JSON `{"text": …}` or a form with `text` and a `file`.
    @Sendable func submit(req: Request) async throws -> JSON<SubmissionDTO> {
        let actor = try req.requireActor()
        var text: String?
        var file: SubmittedFile?
        if req.headers.contentType?.type == "multipart" {
            let form: SubmissionForm
            do { form = try req.content.decode(SubmissionForm.self) } catch { throw DomainError.malformed(reason: "error.malformed-form") }
            text = form.text
            if let f = form.file, f.data.readableBytes > 0 { file = SubmittedFile(name: f.filename, data: Data(buffer: f.data)) }
        } else {
            text = try req.decodeJSON(NewSubmission.self).text
        }
        return JSON(try await req.courses.submit(try req.uuid("id"), text: text, file: file, actor: actor), status: .created)
    }

    @Sendable func submissions(req: Request) async throws -> JSON<[SubmissionDTO]> {
        JSON(try await req.courses.submissions(try req.uuid("id"), actor: try req.requireActor()))
    }

    @Sendable func grade(req: Request) async throws -> JSON<SubmissionDTO> {
        let actor = try req.requireActor()
        return JSON(try await req.courses.grade(try req.uuid("id"), try req.decodeJSON(GradeInput.self), actor: actor))
    }

    /// A hand-in's file, always as a download (never shown inline: it is a learner's file).
    @Sendable func submissionFile(req: Request) async throws -> Response {
        let (name, data) = try await req.courses.submissionFile(try req.uuid("id"), actor: try req.requireActor())
        var headers = HTTPHeaders()
        headers.contentType = .binary
        headers.replaceOrAdd(name: .contentDisposition, value: ContentResponder.disposition(name, attachment: true))
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }

    @Sendable func posts(req: Request) async throws -> JSON<[PostDTO]> {
        JSON(try await req.courses.posts(try req.uuid("id"), actor: try req.requireActor()))
    }

    struct PostBody: Decodable { var body: String }

    @Sendable func post(req: Request) async throws -> JSON<PostDTO> {
        let actor = try req.requireActor()
        return JSON(try await req.courses.post(try req.uuid("id"), body: try req.decodeJSON(PostBody.self).body, actor: actor), status: .created)
    }

    @Sendable func addSlot(req: Request) async throws -> JSON<SlotDTO> {
        let actor = try req.requireActor()
        return JSON(try await req.courses.addSlot(try req.uuid("id"), try req.decodeJSON(NewSlot.self), actor: actor), status: .created)
    }

    @Sendable func slots(req: Request) async throws -> JSON<[SlotDTO]> {
        let actor = try req.requireActor()
        func time(_ name: String) throws -> Date? {
            guard let raw = req.query[String.self, at: name] else { return nil }
            guard let d = ISO8601DateFormatter().date(from: raw) else { throw DomainError.invalid(field: name, reason: "validation.date") }
            return d
        }
        return JSON(try await req.courses.slots(try req.uuid("id"), from: try time("from"), to: try time("to"), actor: actor))
    }

    @Sendable func removeSlot(req: Request) async throws -> HTTPStatus {
        try await req.courses.removeSlot(try req.uuid("id"), actor: try req.requireActor())
        return .noContent
    }

    @Sendable func onlineShare(req: Request) async throws -> JSON<OnlineShareDTO> {
        JSON(try await req.courses.onlineShare(orgID: try req.uuid("id"), term: req.query[String.self, at: "term"], actor: try req.requireActor()))
    }

    struct FeedDTO: Content { var url: String }

    /// `POST /api/v1/me/calendar-feed`: a new private iCalendar address (the old one stops).
    @Sendable func calendarFeed(req: Request) async throws -> JSON<FeedDTO> {
        let token = try await req.courses.calendarToken(actor: try req.requireActor())
        return JSON(FeedDTO(url: "/calendar/\(token).ics"), status: .created)
    }

    /// `GET /calendar/{token}.ics`: the feed calendar apps subscribe to (the token is the key).
    @Sendable func calendar(req: Request) async throws -> Response {
        let file = req.parameters.get("file") ?? ""
        guard file.hasSuffix(".ics") else { throw DomainError.notFound(entity: "calendar") }
        let text = try await req.courses.calendar(token: String(file.dropLast(4)))
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "calendar", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=300")
        return Response(status: .ok, headers: headers, body: .init(string: text))
    }
}
