import Foundation
import Testing
import Vapor
import VaporTesting
import Platform
import SQLKit
@testable import Assessment
@testable import App

@Suite("Exams: starting, saving answers, handing in", .serialized)
struct ExamAttemptTests {
    /// A bank with the three GIFT questions and an exam of them for school A, open now.
    func exam(_ app: Application, _ w: World, minutes: Int = 45, attempts: Int = 1) async throws -> (UUID, HTTPHeaders) {
        let (e, teacher) = try await makeExam(app, w, ["durationMinutes": minutes, "maxAttempts": attempts])
        #expect(e.questions == 3)
        return (e.id, teacher)
    }

    /// The same with any fields set (`opensAgo` in minutes moves the opening back).
    func makeExam(_ app: Application, _ w: World, opensAgo: Double = 1, _ fields: [String: Any]) async throws -> (ExamDTO, HTTPHeaders) {
        let teacher = try await app.bearer("teacher1")
        let bank = try await app.createBank(teacher)
        try await app.importItems(teacher, bank: bank.id, format: "gift", QuestionBankAPITests.gift) { res in #expect(res.status == .created) }
        let iso = ISO8601DateFormatter()
        let base: [String: Any] = ["bankId": bank.id.uuidString, "title": "Kiểm tra 15 phút", "orgId": w.schoolA.id.uuidString,
                                   "opensAt": iso.string(from: Date().addingTimeInterval(-opensAgo * 60)),
                                   "closesAt": iso.string(from: Date().addingTimeInterval(3600)), "durationMinutes": 45]
        var made: ExamDTO?
        try await app.postJSON("api/v1/exams", teacher, base.merging(fields) { $1 }) { res in
            #expect(res.status == .created, "\(res.body.string)")
            made = res.decoded(ExamDTO.self)
        }
        return (try #require(made), teacher)
    }

    /// Where a choice is shown in this attempt (choices are in each attempt's own order).
    func shown(_ a: AttemptDTO, slot: Int, _ text: String) throws -> Int {
        try #require(a.questions.first { $0.slot == slot }?.choices?.firstIndex { $0.text == text })
    }

    func put(_ app: Application, _ h: HTTPHeaders, _ attempt: UUID, slot: Int, seq: Int, _ response: [String: Any],
             check: (TestingHTTPResponse) throws -> Void) async throws {
        var headers = h
        headers.contentType = .json
        try await app.testing().test(.PUT, "api/v1/attempts/\(attempt)/answers/\(slot)", headers: headers,
                                     body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: ["seq": seq, "response": response])), afterResponse: check)
    }

    @Test func aPupilAnswersResumesAndHandsIn() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let (examID, _) = try await exam(app, w)
            let pupil = try await app.bearer("pupil1")
            var attempt: AttemptDTO?
            try await app.postJSON("api/v1/exams/\(examID)/attempts", pupil) { res in
                #expect(res.status == .created, "\(res.body.string)")
                attempt = res.decoded(AttemptDTO.self)
            }
            let a = try #require(attempt)
            // Questions come in the attempt's own order; slots keep the paper's numbers.
            #expect(a.questions.sorted { $0.slot < $1.slot }.map(\.type) == ["singleChoice", "shortAnswer", "numeric"])
            #expect(a.questions.first { $0.slot == 1 }?.choices?.count == 3)
            #expect(!(try String(decoding: JSONEncoder().encode(a.questions), as: UTF8.self)).contains("fraction"), "no keys reach the pupil")
            let right = try shown(a, slot: 1, "x = 2 hoặc x = 3"), wrong = try shown(a, slot: 1, "Vô nghiệm")
            try await put(app, pupil, a.id, slot: 1, seq: 1, ["choices": [wrong]]) { res in
                #expect(res.decoded(SaveAck.self) == SaveAck(slot: 1, seq: 1, applied: true))
            }
            try await put(app, pupil, a.id, slot: 1, seq: 2, ["choices": [right]]) { res in #expect(res.decoded(SaveAck.self)?.applied == true) }
            // A replay of seq 1 arriving late changes nothing and says what is stored.
            try await put(app, pupil, a.id, slot: 1, seq: 1, ["choices": [wrong]]) { res in
                #expect(res.status == .ok)
                #expect(res.decoded(SaveAck.self) == SaveAck(slot: 1, seq: 2, applied: false))
            }
            try await put(app, pupil, a.id, slot: 2, seq: 3, ["text": "b^2-4ac"]) { res in #expect(res.status == .ok) }
            try await put(app, pupil, a.id, slot: 9, seq: 4, ["text": "?"]) { res in #expect(res.status == .notFound) }
            // Another pupil cannot write into this attempt, nor see it.
            try await put(app, try await app.bearer("pupil2"), a.id, slot: 3, seq: 5, ["text": "2"]) { res in #expect(res.status == .notFound) }
            // A second start (reload, another phone) resumes with every saved answer.
            try await app.postJSON("api/v1/exams/\(examID)/attempts", pupil) { res in
                let again = res.decoded(AttemptDTO.self)
                #expect(again?.id == a.id)
                #expect(again?.answers.map(\.slot) == [1, 2])
                #expect(again?.answers.first?.response == ItemResponse(choices: [right]), "shown back in the attempt's own order")
                #expect(again?.questions == a.questions, "the same order on every device")
            }
            try await app.postJSON("api/v1/attempts/\(a.id)/submit", pupil) { res in
                #expect(res.status == .ok, "\(res.body.string)")
                #expect(res.decoded(SubmitResult.self)?.score == 2)
                #expect(res.decoded(SubmitResult.self)?.maxScore == 3)
            }
            try await put(app, pupil, a.id, slot: 3, seq: 6, ["text": "2"]) { res in #expect(res.status == .conflict) }
            // One attempt allowed: a new start is refused, clearly.
            try await app.postJSON("api/v1/exams/\(examID)/attempts", pupil) { res in
                #expect(res.status == .conflict)
                #expect(res.body.string.contains("Bạn đã dùng hết số lần làm bài."))
            }
            // A pupil of another school does not see the exam; a teacher cannot take it.
            try await app.postJSON("api/v1/exams/\(examID)/attempts", try await app.bearer("pupilb")) { res in #expect(res.status == .notFound) }
        }
    }

    @Test func theServerKeepsTheDeadline() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let (examID, _) = try await exam(app, w, minutes: 10)
            let clock = ManualClock()
            clock.advance(Date().timeIntervalSince1970 - clock.now().timeIntervalSince1970)
            let service = AssessmentService(db: app.db, ctx: AssessmentContext(clock: clock))
            let pupil = try await app.actorFor("pupil1")
            let a = try await service.startAttempt(examID, actor: pupil)
            #expect(abs(a.deadline.timeIntervalSince(a.startedAt) - 600) < 1)
            _ = try await service.saveAnswer(a.id, slot: 3, seq: 1, response: ItemResponse(text: "2"), actor: pupil)
            clock.advance(601)
            await #expect(throws: DomainError.conflict(reason: "exam.deadline-passed")) {
                try await service.saveAnswer(a.id, slot: 1, seq: 2, response: ItemResponse(choices: [0]), actor: pupil)
            }
            // Coming back after the deadline hands the attempt in with what was saved in time.
            await #expect(throws: DomainError.conflict(reason: "exam.no-attempts-left")) { try await service.startAttempt(examID, actor: pupil) }
            let result = try await service.submitAttempt(a.id, actor: pupil)
            #expect(result.score == 1)
            #expect(abs(result.submittedAt.timeIntervalSince(a.deadline)) < 0.01, "handed in at the deadline, not when the pupil came back")
        }
    }

    @Test func badExamsAreRefusedFieldByField() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let teacher = try await app.bearer("teacher1")
            let bank = try await app.createBank(teacher)
            try await app.postJSON("api/v1/exams", teacher, ["bankId": bank.id.uuidString, "title": "", "orgId": w.schoolB.id.uuidString,
                                                             "opensAt": "2026-11-22T10:00:00Z", "closesAt": "2026-11-22T09:00:00Z",
                                                             "durationMinutes": 0]) { res in
                #expect(res.status == .unprocessableEntity)
                for code in ["validation.required", "exam.closes-before-opening", "exam.duration-range", "exam.org-not-yours"] {
                    #expect(res.body.string.contains(code), "\(code)")
                }
            }
            try await app.postJSON("api/v1/exams", try await app.bearer("teacher2"), ["bankId": bank.id.uuidString, "title": "x", "orgId": w.schoolA.id.uuidString,
                                                                                    "opensAt": "2026-11-22T10:00:00Z", "closesAt": "2026-11-22T11:00:00Z",
                                                                                    "durationMinutes": 10]) { res in
                #expect(res.status == .notFound, "another teacher's bank")
            }
        }
    }

    /// Exam-room settings: a purpose (continuous or periodic assessment), an access code, a
    /// late-start limit, extra time for a named pupil, and results the teacher releases.
    @Test func examRoomSettingsAreKeptByTheServer() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let bad = try await app.bearer("teacher1")
            let bank = try await app.createBank(bad)
            // Bad settings, each named.
            try await app.postJSON("api/v1/exams", bad, ["bankId": bank.id.uuidString, "title": "x", "orgId": w.schoolA.id.uuidString,
                                                         "opensAt": "2026-11-22T10:00:00Z", "closesAt": "2026-11-22T11:00:00Z", "durationMinutes": 45,
                                                         "purpose": "quiz", "accessCode": "a b", "lateStartMinutes": 900, "results": "never",
                                                         "extraTime": [["personId": w.pupilB.id.uuidString, "minutes": 10]]]) { res in
                #expect(res.status == .unprocessableEntity)
                for code in ["exam.purpose-unknown", "exam.access-code-form", "exam.late-start-range", "exam.results-unknown", "exam.extra-time-not-a-taker"] {
                    #expect(res.body.string.contains(code), "\(code)")
                }
            }
            let (e, teacher) = try await makeExam(app, w, opensAgo: 20, ["title": "Kiểm tra giữa kỳ", "purpose": "midterm", "accessCode": "PHONG12",
                                                                        "lateStartMinutes": 30, "results": "manual",
                                                                        "extraTime": [["personId": w.pupilA1.id.uuidString, "minutes": 15]]])
            #expect(e.purpose == "midterm" && e.needsAccessCode && e.accessCode == "PHONG12" && e.lateStartMinutes == 30 && !e.resultsReleased)
            let pupil = try await app.bearer("pupil1")
            // The pupil's list says a code is needed, never the code.
            try await app.testing().test(.GET, "api/v1/exams", headers: pupil) { res in
                let mine = res.decoded([ExamDTO].self)?.first { $0.id == e.id }
                #expect(mine?.needsAccessCode == true && mine?.accessCode == nil)
            }
            try await app.postJSON("api/v1/exams/\(e.id)/attempts", pupil) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("exam.access-code-needed"))
            }
            try await app.postJSON("api/v1/exams/\(e.id)/attempts", pupil, ["accessCode": "PHONG13"]) { res in
                #expect(res.body.string.contains("exam.access-code-wrong"))
            }
            var attempt: AttemptDTO?
            try await app.postJSON("api/v1/exams/\(e.id)/attempts", pupil, ["accessCode": "PHONG12"]) { res in
                #expect(res.status == .created, "\(res.body.string)")
                attempt = res.decoded(AttemptDTO.self)
            }
            let a = try #require(attempt)
            // 45 minutes and 15 more for this pupil.
            #expect(abs(a.deadline.timeIntervalSince(a.startedAt) - 60 * 60) < 1)
            // Resuming on another phone needs no code.
            try await app.postJSON("api/v1/exams/\(e.id)/attempts", pupil) { res in #expect(res.decoded(AttemptDTO.self)?.id == a.id) }
            // pupil2 comes 20 minutes after opening: within the 30-minute limit, no extra time.
            try await app.postJSON("api/v1/exams/\(e.id)/attempts", try await app.bearer("pupil2"), ["accessCode": "PHONG12"]) { res in
                let other = res.decoded(AttemptDTO.self)
                #expect(other.map { abs($0.deadline.timeIntervalSince($0.startedAt) - 45 * 60) < 1 } == true)
            }
            // Handed in: no score until the teacher releases the results.
            try await app.postJSON("api/v1/attempts/\(a.id)/submit", pupil) { res in
                let r = res.decoded(SubmitResult.self)
                #expect(r?.score == nil && r?.resultsReleased == false)
            }
            try await app.postJSON("api/v1/exams/\(e.id)/release", try await app.bearer("teacher2")) { res in
                #expect(res.status == .notFound, "only the exam's owner releases")
            }
            try await app.postJSON("api/v1/exams/\(e.id)/release", teacher) { res in #expect(res.decoded(ExamDTO.self)?.resultsReleased == true) }
            try await app.testing().test(.GET, "api/v1/attempts/\(a.id)/result", headers: pupil) { res in
                let r = res.decoded(SubmitResult.self)
                #expect(r?.resultsReleased == true && r?.score == 0)
            }
            try await app.testing().test(.GET, "api/v1/attempts/\(a.id)/result", headers: try await app.bearer("pupil2")) { res in
                #expect(res.status == .notFound, "another pupil's result")
            }
        }
    }

    /// A late-start limit refuses a first start after it, in the pupil's language.
    @Test func aStartAfterTheLateStartLimitIsRefused() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let (e, _) = try await makeExam(app, w, opensAgo: 40, ["title": "Cuối kỳ", "orgId": w.classA1.id.uuidString, "purpose": "endOfTerm", "lateStartMinutes": 15])
            let id: UUID? = e.id
            try await app.postJSON("api/v1/exams/\(try #require(id))/attempts", try await app.bearer("pupil1")) { res in
                #expect(res.status == .conflict)
                #expect(res.body.string.contains("15 phút"), "pupil1 reads Vietnamese: \(res.body.string)")
            }
        }
    }

    @Test func anAttemptLeftOpenIsHandedInAtItsDeadlineByTheSweep() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let (examID, _) = try await exam(app, w, minutes: 5)
            let clock = ManualClock()
            clock.advance(Date().timeIntervalSince1970 - clock.now().timeIntervalSince1970)
            let ctx = AssessmentContext(clock: clock)
            let service = AssessmentService(db: app.db, ctx: ctx)
            let pupil = try await app.actorFor("pupil1")
            let a = try await service.startAttempt(examID, actor: pupil)
            let other = try await service.startAttempt(examID, actor: try await app.actorFor("pupil2"))
            _ = try await service.saveAnswer(a.id, slot: 1, seq: 1, response: ItemResponse(choices: [try shown(a, slot: 1, "x = 2 hoặc x = 3")]), actor: pupil)
            // Starting queued nothing: the sweep finds attempts that are due.
            #expect(try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM jobs").first()?.decode(column: "n", as: Int.self) == 0)
            let worker = JobWorker(db: app.db, queue: ctx.jobs, handlers: AssessmentJobs.handlers(ctx: ctx),
                                   sweeps: AssessmentJobs.sweeps(ctx: ctx), signal: JobSignal())
            // Not before the deadline.
            #expect(await worker.runSweeps() == 0)
            clock.advance(5 * 60 + 1)
            #expect(await worker.runSweeps() == 2)
            // The pupil never came back; the attempt is in, graded, at its deadline.
            let result = try await service.submitAttempt(a.id, actor: pupil)
            #expect(result.score == 1)
            #expect(abs(result.submittedAt.timeIntervalSince(a.deadline)) < 0.01)
            #expect(abs(try await service.submitAttempt(other.id, actor: try await app.actorFor("pupil2")).submittedAt.timeIntervalSince(other.deadline)) < 0.01)
            // Handed in once; a second sweep (or another process's) finds nothing.
            #expect(await worker.runSweeps() == 0)
        }
    }

    @Test func eachAttemptHasItsOwnOrderAndOrderingNeverShowsTheAnswer() {
        var ordering = ItemContent(type: .ordering, name: "O", stem: RichText("Xếp theo thứ tự"))
        ordering.sequence = [RichText("một"), RichText("hai")]
        var orders = Set<[Int]>()
        for _ in 0..<50 {
            let attempt = UUID()
            let view = AssessmentService.view(slot: 1, points: 1, ordering, attempt: attempt)
            #expect(view.sequence?.map { $0.text } == ["hai", "một"], "two items are always shown reversed")
            orders.insert(Shuffle.permutation(6, attempt: attempt, key: "c1"))
            // The pupil's shown order maps back to the item's and is graded so.
            let response = ItemResponse(order: [1, 0])
            #expect(Grader.grade(ordering, AssessmentService.toItem(response, ordering, slot: 1, attempt: attempt)).fraction == 1)
            #expect(AssessmentService.toDisplay(AssessmentService.toItem(response, ordering, slot: 1, attempt: attempt), ordering, slot: 1, attempt: attempt) == response)
        }
        #expect(orders.count > 40, "pupils see different orders")
        let fixed = UUID()
        #expect(Shuffle.permutation(6, attempt: fixed, key: "c3") == Shuffle.permutation(6, attempt: fixed, key: "c3"))
    }

    /// Saves arrive at once from many requests and are stored together (AttemptWriter): each
    /// acknowledged save is stored or overtaken by a newer one of the same question, the
    /// newest sent is what stays, and an attempt closed behind this process's back (another
    /// app process) refuses the next save instead of taking it.
    @Test func concurrentSavesAreBatchedAndNoAcknowledgedAnswerIsLost() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let (examID, _) = try await exam(app, w)
            let service = AssessmentService(db: app.db, ctx: app.services.assessment)
            var attempts: [(Actor, UUID)] = []
            for name in ["pupil1", "pupil2"] {
                let actor = try await app.actor(name)
                attempts.append((actor, try await service.startAttempt(examID, actor: actor).id))
            }
            // 2 pupils × 3 questions × 12 sequence numbers, sent in a shuffled order all at once.
            var sends: [(Int, Int, Int64)] = []
            for p in 0..<2 { for slot in 1...3 { for seq in 1...12 { sends.append((p, slot, Int64(slot * 100 + seq))) } } }
            sends.shuffle()
            let acks = try await withThrowingTaskGroup(of: (Int, SaveAck).self) { group in
                for (p, slot, seq) in sends {
                    let (actor, attempt) = attempts[p]
                    group.addTask {
                        (p, try await service.saveAnswer(attempt, slot: slot, seq: seq, response: ItemResponse(text: "\(seq)"), actor: actor))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(acks.count == sends.count)
            let rows = try await (app.db as! any SQLDatabase).raw("SELECT attempt_id, slot, seq, response FROM attempt_answers").all()
            #expect(rows.count == 6)
            var stored: [String: Int64] = [:]
            for r in rows {
                let key = "\(try r.decode(column: "attempt_id", as: UUID.self)) \(try r.decode(column: "slot", as: Int.self))"
                let seq = try r.decode(column: "seq", as: Int64.self)
                stored[key] = seq
                #expect(seq % 100 == 12, "the newest save of each question stays")
                #expect(try r.decode(column: "response", as: String.self).contains("\(seq)"), "with its own response")
            }
            for (p, ack) in acks {
                let have = try #require(stored["\(attempts[p].1) \(ack.slot)"])
                // Applied saves are stored or overtaken; others report what is stored now (or newer).
                #expect(ack.applied ? ack.seq <= have : ack.seq <= have && ack.seq > 0)
            }
            // Another process hands pupil1's attempt in; this process still remembers it open.
            try await (app.db as! any SQLDatabase).raw("UPDATE attempts SET submitted_at = \(bind: Date()) WHERE id = \(bind: attempts[0].1)").run()
            await #expect(throws: DomainError.self) {
                _ = try await service.saveAnswer(attempts[0].1, slot: 1, seq: 999, response: ItemResponse(text: "late"), actor: attempts[0].0)
            }
            let kept = try await (app.db as! any SQLDatabase).raw("SELECT seq FROM attempt_answers WHERE attempt_id = \(bind: attempts[0].1) AND slot = 1").first()?
                .decode(column: "seq", as: Int64.self)
            #expect(kept == 112, "the refused save changed nothing")
        }
    }

    /// Starts go through the same group commit as saves: starts and saves that wait together
    /// are written in one transaction, a pupil who starts several times at once gets one
    /// attempt, and every save acknowledged in that commit is there. On SQLite the test holds
    /// the write gate so that the requests pile up into one mixed batch; on PostgreSQL the
    /// gate lets everything through and the same answers must hold.
    @Test func startsAndSavesWaitingTogetherShareOneCommit() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let (examID, _) = try await exam(app, w)
            let service = AssessmentService(db: app.db, ctx: app.services.assessment)
            let one = try await app.actor("pupil1"), two = try await app.actor("pupil2")
            let first = try await service.startAttempt(examID, actor: one).id
            let (release, go) = AsyncStream.makeStream(of: Void.self)
            let holder = Task { try await app.services.assessment.writes.run(on: app.db) { for await _ in release { break } } }
            try await Task.sleep(for: .milliseconds(50))
            async let saves = withThrowingTaskGroup(of: SaveAck.self) { group in
                for slot in 1...3 {
                    group.addTask { try await service.saveAnswer(first, slot: slot, seq: 1, response: ItemResponse(text: "s\(slot)"), actor: one) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            async let starts = withThrowingTaskGroup(of: UUID.self) { group in
                for _ in 0..<4 { group.addTask { try await service.startAttempt(examID, actor: two).id } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            try await Task.sleep(for: .milliseconds(200))
            go.yield()
            go.finish()
            try await holder.value
            let (acks, ids) = try await (saves, starts)
            #expect(acks.allSatisfy { $0.applied })
            #expect(Set(ids).count == 1, "four starts at once make one attempt: \(ids)")
            let sql = app.db as! any SQLDatabase
            let rows = try await sql.raw("SELECT id FROM attempts").all().map { try $0.decode(column: "id", as: UUID.self) }
            #expect(Set(rows) == [first, ids[0]])
            let answers = try await sql.raw("SELECT slot FROM attempt_answers WHERE attempt_id = \(bind: first)").all().map { try $0.decode(column: "slot", as: Int.self) }
            #expect(answers.sorted() == [1, 2, 3])
            // The new attempt is a working one: it takes answers and is handed in.
            _ = try await service.saveAnswer(ids[0], slot: 2, seq: 1, response: ItemResponse(text: "x"), actor: two)
            #expect(try await service.submitAttempt(ids[0], actor: two).attemptId == ids[0])
        }
    }

    @Test func everyoneSeesTheExamsThatConcernThem() async throws {
        try await withTestApp { app in
            let w = try await World.build(app)
            let (examID, teacher) = try await exam(app, w)
            for (user, headers) in [("teacher1", teacher), ("pupil1", try await app.bearer("pupil1"))] {
                try await app.testing().test(.GET, "api/v1/exams", headers: headers) { res in
                    #expect(res.decoded([ExamDTO].self)?.map(\.id) == [examID], "\(user)")
                }
            }
            for user in ["pupilb", "teacher2", "guardian1"] {
                try await app.testing().test(.GET, "api/v1/exams", headers: try await app.bearer(user)) { res in
                    #expect(res.decoded([ExamDTO].self)?.isEmpty == true, "\(user)")
                }
            }
        }
    }
}
