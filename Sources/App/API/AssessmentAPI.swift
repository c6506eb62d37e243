import Foundation
import Vapor
import Platform
import Assessment
import Directory
import Library

struct NewBankRequest: Decodable { var name: String; var orgId: UUID? }

/// Question banks over JSON, and item files in and out.
struct AssessmentAPI {
    /// `POST /api/v1/question-banks` `{"name": …}`: a bank of the caller's own.
    @Sendable func createBank(req: Request) async throws -> JSON<BankDTO> {
        let actor = try req.requireActor()
        let body = try req.decodeJSON(NewBankRequest.self)
        let org = try await body.orgId.asyncMap { try await Self.orgRef($0, req: req, actor: actor) }
        return JSON(try await req.assessment.createBank(name: body.name, org: org, actor: actor), status: .created)
    }

    /// An organisation as the Assessment area needs it: its path and the level a bank can
    /// be published at there (the Library's levels).
    static func orgRef(_ id: UUID, req: Request, actor: Actor) async throws -> OrgRef {
        let org: OrgDTO
        do { org = try await req.directory.organisation(id, actor: actor) } catch let e as DomainError where e.status == 404 || e.status == 403 {
            throw DomainError.invalid(field: "orgId", reason: "validation.uuid")
        }
        return OrgRef(id: org.id, path: org.path, level: OrgKind(rawValue: org.kind).flatMap(PublishLevel.init(kind:))?.rawValue)
    }

    /// `GET /api/v1/question-banks/shared`: banks published for the caller's scopes.
    @Sendable func sharedBanks(req: Request) async throws -> JSON<[BankDTO]> {
        JSON(try await req.assessment.sharedBanks(actor: try req.requireActor()))
    }

    /// `GET /api/v1/question-banks/reviews`: banks waiting for the caller's review.
    @Sendable func bankReviews(req: Request) async throws -> JSON<[BankDTO]> {
        JSON(try await req.assessment.bankReviewQueue(actor: try req.requireActor()))
    }

    struct SubmitBankBody: Decodable { var scopeOrgId: UUID; var comment: String? }
    struct CommentBody: Decodable { var comment: String? }

    @Sendable func submitBank(req: Request) async throws -> JSON<BankDTO> {
        let actor = try req.requireActor()
        let body = try req.decodeJSON(SubmitBankBody.self)
        let scope: OrgRef
        do { scope = try await Self.orgRef(body.scopeOrgId, req: req, actor: actor) } catch let e as DomainError where e.status == 422 {
            throw DomainError.invalid(field: "scopeOrgId", reason: "validation.uuid")
        }
        return JSON(try await req.assessment.submitBank(try req.uuid("id"), scope: scope, comment: body.comment, actor: actor))
    }

    @Sendable func claimBank(req: Request) async throws -> JSON<BankDTO> {
        JSON(try await req.assessment.claimBank(try req.uuid("id"), actor: try req.requireActor()))
    }

    @Sendable func requestBankChanges(req: Request) async throws -> JSON<BankDTO> {
        let actor = try req.requireActor()
        return JSON(try await req.assessment.requestBankChanges(try req.uuid("id"), comment: try req.decodeJSON(CommentBody.self).comment ?? "", actor: actor))
    }

    @Sendable func approveBank(req: Request) async throws -> JSON<BankDTO> {
        let actor = try req.requireActor()
        let comment = req.body.data == nil ? nil : try req.decodeJSON(CommentBody.self).comment
        return JSON(try await req.assessment.approveBank(try req.uuid("id"), comment: comment, actor: actor))
    }

    @Sendable func withdrawBank(req: Request) async throws -> JSON<BankDTO> {
        let actor = try req.requireActor()
        let reason = req.body.data == nil ? nil : try req.decodeJSON(CommentBody.self).comment
        return JSON(try await req.assessment.withdrawBank(try req.uuid("id"), reason: reason, actor: actor))
    }

    @Sendable func bankHistory(req: Request) async throws -> JSON<[BankReviewDTO]> {
        JSON(try await req.assessment.bankHistory(try req.uuid("id"), actor: try req.requireActor()))
    }

    @Sendable func banks(req: Request) async throws -> JSON<[BankDTO]> {
        JSON(try await req.assessment.myBanks(actor: try req.requireActor()))
    }

    @Sendable func bank(req: Request) async throws -> JSON<BankDTO> {
        JSON(try await req.assessment.bank(try req.uuid("id"), actor: try req.requireActor()))
    }

    @Sendable func items(req: Request) async throws -> JSON<ListPage<ItemSummaryDTO>> {
        JSON(try await req.assessment.items(try req.uuid("id"), actor: try req.requireActor(), limit: req.query[Int.self, at: "limit"],
                                            cursor: req.query[String.self, at: "cursor"]))
    }

    /// `POST /api/v1/question-banks/{id}/import?format=gift|moodlexml|aiken|qti3[&skipInvalid=true]`
    /// with the file as the body (any content type; the format parameter decides).
    @Sendable func importItems(req: Request) async throws -> JSON<ItemImportReport> {
        let actor = try req.requireActor()
        let format = try Self.format(req)
        let body = try await req.body.collect(upTo: 50 * 1_048_576)
        let data = Data(buffer: body)
        guard !data.isEmpty else { throw DomainError.malformed(reason: "error.body-missing") }
        var report = try await req.assessment.importItems(try req.uuid("id"), format: format, data: data,
                                                          fileName: req.query[String.self, at: "filename"] ?? "upload.\(format.rawValue)",
                                                          skipInvalid: req.query[Bool.self, at: "skipInvalid"] ?? false, actor: actor)
        // Left-out items are explained in the reader's language, like a refused import.
        for i in report.skipped.indices { report.skipped[i].message = req.t(report.skipped[i].reason, [report.skipped[i].detail]) }
        return JSON(report, status: .created)
    }

    /// `GET /api/v1/question-banks/{id}/export?format=…`; items the format cannot express
    /// are named in `X-Skipped-Items`.
    @Sendable func exportItems(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let format = try Self.format(req)
        let id = try req.uuid("id")
        let (data, skipped) = try await req.assessment.exportItems(id, format: format, actor: actor)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: format.mediaType)
        let ext = switch format { case .moodlexml: "xml"; case .qti3: "zip"; default: "txt" }
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"bank-\(id.uuidString.lowercased()).\(ext)\"")
        if !skipped.isEmpty {
            headers.replaceOrAdd(name: "X-Skipped-Items", value: String(skipped.count))
        }
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }

    /// `POST /api/v1/question-banks/{id}/items` with an item's content as JSON.
    @Sendable func createItem(req: Request) async throws -> JSON<ItemDTO> {
        let actor = try req.requireActor()
        return JSON(try await req.assessment.createItem(try req.uuid("id"), try req.decodeJSON(ItemContent.self), actor: actor), status: .created)
    }

    /// `GET /api/v1/items/{id}[?version=n]`
    @Sendable func item(req: Request) async throws -> JSON<ItemDTO> {
        JSON(try await req.assessment.item(try req.uuid("id"), version: try req.optionalInt("version"), actor: try req.requireActor()))
    }

    /// `PUT /api/v1/items/{id}`: a new version; `If-Match: "<version>"` guards against
    /// overwriting someone else's edit.
    @Sendable func updateItem(req: Request) async throws -> JSON<ItemDTO> {
        let actor = try req.requireActor()
        let expected = req.headers.first(name: .ifMatch).flatMap { Int($0.trimmingCharacters(in: CharacterSet(charactersIn: "\" W/"))) }
        return JSON(try await req.assessment.updateItem(try req.uuid("id"), try req.decodeJSON(ItemContent.self), expectedVersion: expected, actor: actor))
    }

    /// `POST /api/v1/exams`
    @Sendable func createExam(req: Request) async throws -> JSON<ExamDTO> {
        let actor = try req.requireActor()
        return JSON(try await req.assessment.createExam(try req.decodeJSON(NewExam.self), actor: actor), status: .created)
    }

    /// `GET /api/v1/exams`: the caller's exams (made, or to take).
    @Sendable func exams(req: Request) async throws -> JSON<[ExamDTO]> {
        JSON(try await req.assessment.myExams(actor: try req.requireActor()))
    }

    /// `POST /api/v1/exams/{id}/attempts`: start, or resume the open attempt.
    struct StartBody: Decodable { var accessCode: String? }

    /// `POST /api/v1/exams/{id}/attempts`, with `{"accessCode": …}` when the exam has one.
    @Sendable func startAttempt(req: Request) async throws -> JSON<AttemptDTO> {
        let actor = try req.requireActor()
        let body = try req.decodeOptionalJSON(StartBody.self)
        return JSON(try await req.assessment.startAttempt(try req.uuid("id"), accessCode: body?.accessCode, actor: actor), status: .created)
    }

    /// `POST /api/v1/exams/{id}/release`
    @Sendable func releaseResults(req: Request) async throws -> JSON<ExamDTO> {
        JSON(try await req.assessment.releaseResults(try req.uuid("id"), actor: try req.requireActor()))
    }

    /// `POST /api/v1/attempts/{id}/next`: adaptive exams, after answering the current question.
    @Sendable func nextQuestion(req: Request) async throws -> JSON<AttemptDTO> {
        JSON(try await req.assessment.nextQuestion(try req.uuid("id"), actor: try req.requireActor()))
    }

    /// `GET /api/v1/exams/{id}/grading`: the essays waiting for the exam's owner, then the graded ones.
    @Sendable func gradingQueue(req: Request) async throws -> JSON<[GradingTask]> {
        JSON(try await req.assessment.gradingQueue(try req.uuid("id"), actor: try req.requireActor()))
    }

    /// `PUT /api/v1/attempts/{id}/grades/{slot}` `{"points": p | "rubric": [level…], "comment": "…"}`
    @Sendable func gradeAnswer(req: Request) async throws -> JSON<GradedAnswer> {
        let actor = try req.requireActor()
        guard let slot = req.parameters.get("slot").flatMap(Int.init) else { throw DomainError.notFound(entity: "answer") }
        return JSON(try await req.assessment.gradeAnswer(try req.uuid("id"), slot: slot, try req.decodeJSON(GradeInput.self), actor: actor))
    }

    struct RegradeBody: Decodable { var itemId: UUID }

    /// `POST /api/v1/exams/{id}/regrade` `{"itemId": …}` after a key correction.
    @Sendable func regrade(req: Request) async throws -> JSON<RegradeReport> {
        let actor = try req.requireActor()
        return JSON(try await req.assessment.regrade(try req.uuid("id"), itemID: try req.decodeJSON(RegradeBody.self).itemId, actor: actor))
    }

    /// `GET /api/v1/exams/{id}/analysis`
    @Sendable func examAnalysis(req: Request) async throws -> JSON<ExamAnalysis> {
        JSON(try await req.assessment.examAnalysis(try req.uuid("id"), actor: try req.requireActor()))
    }

    /// `POST /api/v1/question-banks/{id}/calibrate`
    @Sendable func calibrateBank(req: Request) async throws -> JSON<CalibrationReport> {
        JSON(try await req.assessment.calibrateBank(try req.uuid("id"), actor: try req.requireActor()))
    }

    /// `GET /api/v1/attempts/{id}/result`
    @Sendable func attemptResult(req: Request) async throws -> JSON<SubmitResult> {
        JSON(try await req.assessment.attemptResult(try req.uuid("id"), actor: try req.requireActor()))
    }

    struct SaveBody: Decodable { var seq: Int64; var response: ItemResponse }

    /// `PUT /api/v1/attempts/{id}/answers/{slot}` `{"seq": n, "response": {…}}`
    @Sendable func saveAnswer(req: Request) async throws -> JSON<SaveAck> {
        let actor = try req.requireActor()
        guard let slot = req.parameters.get("slot").flatMap(Int.init) else { throw DomainError.notFound(entity: "question") }
        let body = try req.decodeJSON(SaveBody.self)
        return JSON(try await req.assessment.saveAnswer(try req.uuid("id"), slot: slot, seq: body.seq, response: body.response, actor: actor))
    }

    /// `POST /api/v1/attempts/{id}/submit`
    @Sendable func submitAttempt(req: Request) async throws -> JSON<SubmitResult> {
        JSON(try await req.assessment.submitAttempt(try req.uuid("id"), actor: try req.requireActor()))
    }

    static func format(_ req: Request) throws -> ItemFormat {
        guard let raw = req.query[String.self, at: "format"], let f = ItemFormat(rawValue: raw.lowercased()) else {
            throw DomainError.invalid(field: "format", reason: "validation.format-unknown", arguments: [ItemFormat.allCases.map(\.rawValue).joined(separator: ", ")])
        }
        return f
    }
}
