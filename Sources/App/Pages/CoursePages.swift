import Foundation
import Vapor
import Platform
import Courses

struct CoursesListPage: Encodable, Sendable {
    var base: PageBase
    var heading: String
    var courses: [CourseCard]
    var empty: String
    /// The catalogue's search box.
    var search: Search?
    /// Teachers: the new-course form.
    var create: CreateForm?
    var errors: FormErrors
    var next: String?
    struct Search: Encodable, Sendable { var q: String }
    struct CreateForm: Encodable, Sendable { var kinds: [SelectOption]; var orgs: [SelectOption]; var title: String; var subject: String; var grade: String }
}

struct CourseCard: Encodable, Sendable {
    var id: String
    var title: String
    var kindLabel: String
    var facts: String
    var status: String?
}

struct CoursePage: Encodable, Sendable {
    var base: PageBase
    var c: CourseDTO
    var kindLabel: String
    var statusLabel: String
    var facts: [ResourcePage.Fact]
    var paragraphs: [String]
    var units: [UnitView]
    var isTeacher: Bool
    var isLearner: Bool
    var canEnrol: Bool
    var needsCode: Bool
    var enrolNote: String?
    var canLeave: Bool
    var progress: String?
    var progressPercent: Int
    var itemKinds: [SelectOption]
    /// Registered LTI tools a teacher may place or ask content from (teachers only).
    var tools: [SelectOption]
    /// Learners' and visitors' outline, rendered once per course revision (see `outline`).
    var outlineHTML: String?
    var slots: [SlotRow]
    var modes: [SelectOption]
    var errors: FormErrors
    struct SlotRow: Encodable, Sendable { var id: String; var when: String; var mode: String; var lesson: String?; var place: String?; var online: Bool }
    /// `up` and `down` are the positions the builder's arrows move a row to (teachers only;
    /// nil at either end), as strings so Leaf reads position 0 as present.
    struct UnitView: Encodable, Sendable { var id: String; var title: String; var lessons: [LessonView]; var up: String? = nil; var down: String? = nil }
    struct LessonView: Encodable, Sendable { var id: String; var title: String; var items: [ItemRow]; var up: String? = nil; var down: String? = nil }
    struct ItemRow: Encodable, Sendable {
        var id: String; var title: String; var kindLabel: String; var done: Bool; var due: String?; var doneLabel: String?
        var up: String? = nil; var down: String? = nil
    }
}

struct LearnersPage: Encodable, Sendable {
    var base: PageBase
    var courseId: String
    var courseTitle: String
    var behindOnly: Bool
    var rows: [Row]
    var next: String?
    struct Row: Encodable, Sendable { var name: String; var username: String; var done: String; var percent: Int; var reasons: String; var behind: Bool; var last: String }
}

/// Course pages: my courses and the new-course form, the public MOOC catalogue, the course
/// page (outline, enrolment, progress; the teacher's builder forms), the learners table.
struct CoursePages {
    @Sendable func mine(req: Request) async throws -> Response {
        if let learner = req.query[String.self, at: "learner"] {
            guard let id = UUID(uuidString: learner) else { throw DomainError.notFound(entity: "person") }
            return try await child(req, id)
        }
        return try await renderMine(req, errors: FormErrors())
    }

    /// `/courses?learner=<id>`: a guardian's view of their child's courses, with the child's
    /// progress in each (the service answers 404 for anyone else's child).
    func child(_ req: Request, _ learner: UUID) async throws -> Response {
        let actor = try req.requireActor()
        let person = try await req.directory.person(learner, actor: actor)
        var cards: [CourseCard] = []
        for c in try await req.courses.coursesOf(learner: learner, actor: actor) {
            var card = Self.card(c, req)
            let p = try await req.courses.progress(c.id, of: learner, actor: actor)
            card.facts += " · " + req.t("course.progress-of", [String(p.completed), String(p.total), String(p.percent)])
            cards.append(card)
        }
        let heading = req.t("course.child-courses-of", [person.fullName])
        let page = CoursesListPage(base: await PageBase.make(req, title: heading), heading: heading, courses: cards, empty: req.t("course.none"),
                                   search: nil, create: nil, errors: FormErrors(), next: nil)
        return try await req.page("courses", page)
    }

    func renderMine(_ req: Request, errors: FormErrors, title: String = "", subject: String = "", grade: String = "",
                    status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        let courses = try await req.courses.myCourses(actor: actor)
        var seen = Set<UUID>()
        let places = actor.grants.filter { ($0.capabilities.contains(.authorAssessments) || $0.capabilities.contains(.contributeResources)) && seen.insert($0.orgID).inserted }
            // Classes first: the form's first kind is a class course, which needs a class.
            .sorted { ($0.orgKind == .class ? 0 : 1, $0.orgPath) < ($1.orgKind == .class ? 0 : 1, $1.orgPath) }
        let create = places.isEmpty ? nil : CoursesListPage.CreateForm(
            kinds: CourseKind.allCases.map { SelectOption(value: $0.rawValue, label: req.t("course.kind.\($0.rawValue)"), selected: false) },
            orgs: places.map { SelectOption(value: $0.orgID.uuidString, label: "\($0.orgName.pick(req.locale)) (\(req.t("org.kind.\($0.orgKind.rawValue)")))", selected: false) },
            title: title, subject: subject, grade: grade)
        let page = CoursesListPage(base: await PageBase.make(req, title: req.t("course.mine")), heading: req.t("course.mine"),
                                   courses: courses.map { Self.card($0, req) }, empty: req.t("course.none"), search: nil, create: create,
                                   errors: errors, next: nil)
        return try await req.page("courses", page, status: status)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let title = req.field("title") ?? "", subject = req.field("subject") ?? "", grade = req.field("grade") ?? ""
        return try await req.submitForm({
            guard let org = req.field("org").flatMap(UUID.init(uuidString:)) else { throw DomainError.invalid(field: "orgId", reason: "validation.required") }
            var input = NewCourse(kind: req.field("kind") ?? "", title: title, orgId: org)
            input.subject = subject
            input.grade = grade
            input.language = req.locale.rawValue
            return "/courses/\(try await req.courses.createCourse(input, actor: actor).id)"
        }, orShow: { errors, status in try await renderMine(req, errors: errors, title: title, subject: subject, grade: grade, status: status) })
    }

    @Sendable func catalogue(req: Request) async throws -> Response {
        let q = req.query[String.self, at: "q"] ?? ""
        let page = try await req.courses.catalogue(query: q, subject: nil, grade: nil, limit: 50, cursor: req.query[String.self, at: "cursor"],
                                                   actor: req.actorOrAnonymous)
        let view = CoursesListPage(base: await PageBase.make(req, title: req.t("course.catalogue")), heading: req.t("course.catalogue"),
                                   courses: page.items.map { Self.card($0, req) }, empty: req.t("course.catalogue-empty"),
                                   search: .init(q: q), create: nil, errors: FormErrors(),
                                   next: page.nextCursor.map { "/catalogue?q=\(q.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? "")&cursor=\($0)" })
        return try await req.page("courses", view)
    }

    static func card(_ c: CourseDTO, _ req: Request) -> CourseCard {
        var facts: [String] = []
        if let s = c.subject { facts.append(s) }
        if let g = c.grade { facts.append(req.t("course.grade-n", [g])) }
        facts.append(req.t("course.learners-n", [LocaleFormat(req.locale).number(c.learnerCount)]))
        return CourseCard(id: c.id.uuidString.lowercased(), title: c.title, kindLabel: req.t("course.kind.\(c.kind)"), facts: facts.joined(separator: " · "),
                          status: c.status == "published" ? nil : req.t("course.status.\(c.status)"))
    }

    @Sendable func course(req: Request) async throws -> Response {
        try await renderCourse(req, errors: FormErrors())
    }

    func renderCourse(_ req: Request, errors: FormErrors, status: HTTPStatus = .ok) async throws -> Response {
        let actor = req.actorOrAnonymous
        let id = try req.uuid("id")
        let c = try await req.courses.courseDetail(id, actor: actor)
        let format = LocaleFormat(req.locale, timeZone: ExamSetupPages.zone(req))
        var facts: [ResourcePage.Fact] = []
        func fact(_ key: String, _ value: String?) { if let value, !value.isEmpty { facts.append(.init(label: req.t(key), value: value, href: nil)) } }
        fact("course.field.subject", c.subject)
        fact("course.field.grade", c.grade)
        fact("course.field.term", c.term)
        fact("course.field.learners", c.capacity.map { "\(format.number(c.learnerCount)) / \(format.number($0))" } ?? format.number(c.learnerCount))
        if let s = c.startsOn { fact("course.field.dates", "\(format.date(s)) – \(c.endsOn.map { format.date($0) } ?? "")") }
        if c.role == "teacher" { fact("course.field.code", c.joinCode) }
        var progressText: String?
        var percent = 0
        if let p = c.progress {
            percent = p.percent
            progressText = req.t("course.progress-of", [String(p.completed), String(p.total), String(p.percent)])
            if let done = p.completedAt { progressText = req.t("course.completed-on", [format.date(done)]) }
        }
        // The builder's arrows: a row moves one place within its parent.
        let builder = c.role == "teacher"
        func arrows(_ n: Int, of count: Int) -> (String?, String?) {
            guard builder else { return (nil, nil) }
            return (n > 0 ? String(n - 1) : nil, n < count - 1 ? String(n + 1) : nil)
        }
        let allUnits = c.units ?? []
        let units = allUnits.enumerated().map { un, u in
            CoursePage.UnitView(id: u.id.uuidString.lowercased(), title: u.title, lessons: u.lessons.enumerated().map { ln, l in
                CoursePage.LessonView(id: l.id.uuidString.lowercased(), title: l.title, items: l.items.enumerated().map { n, i in
                    CoursePage.ItemRow(id: i.id.uuidString.lowercased(), title: i.title, kindLabel: req.t("course.item.\(i.kind)"),
                                       done: i.progress?.completed == true, due: i.dueAt.map { req.t("course.due", [format.dateTime($0)]) },
                                       doneLabel: i.progress?.completed == true ? req.t("course.done") : nil,
                                       up: arrows(n, of: l.items.count).0, down: arrows(n, of: l.items.count).1)
                }, up: arrows(ln, of: u.lessons.count).0, down: arrows(ln, of: u.lessons.count).1)
            }, up: arrows(un, of: allUnits.count).0, down: arrows(un, of: allUnits.count).1)
        }
        let visitor = c.role == "visitor"
        var note: String?
        if visitor, !(c.enrolment == "open" || c.enrolment == "code") || c.status != "published" { note = req.t("course.enrol-closed") }
        if visitor, req.actor == nil { note = req.t("course.sign-in-to-enrol") }
        // The template reads the outline from `units`; encoding it twice into Leaf's context
        // was a seventh of the page's cost.
        var summary = c
        summary.units = nil
        summary.upcoming = nil
        // The next periods of the course (its learners and teachers; visitors see none).
        let slotRows = (c.upcoming ?? []).map { s in
            CoursePage.SlotRow(id: s.id.uuidString.lowercased(), when: "\(format.dateTime(s.startsAt)) – \(format.time(s.endsAt))",
                               mode: req.t("course.mode.\(s.mode)"), lesson: s.lessonTitle, place: s.place, online: s.mode != "inPerson")
        }
        var outlineHTML: String?
        if c.role != "teacher" {
            outlineHTML = try await Self.outline(req, c, units: units, zone: ExamSetupPages.zone(req))
        }
        let page = CoursePage(base: await PageBase.make(req, title: c.title), c: summary, kindLabel: req.t("course.kind.\(c.kind)"),
                              statusLabel: req.t("course.status.\(c.status)"), facts: facts,
                              paragraphs: c.description.components(separatedBy: "\n\n").filter { !$0.isEmpty },
                              units: units, isTeacher: c.role == "teacher", isLearner: c.role == "learner",
                              canEnrol: visitor && req.actor != nil && note == nil, needsCode: c.enrolment == "code", enrolNote: note,
                              canLeave: c.role == "learner" && c.kind != "class", progress: progressText, progressPercent: percent,
                              itemKinds: [ItemKind.page, .resource, .assignment, .assessment, .discussion, .live, .lti].map { SelectOption(value: $0.rawValue, label: req.t("course.item.\($0.rawValue)"), selected: false) },
                              tools: c.role == "teacher" ? try await req.courses.toolChoices().map { SelectOption(value: $0.id.uuidString, label: $0.name, selected: false) } : [],
                              outlineHTML: outlineHTML,
                              slots: slotRows,
                              modes: TeachingMode.allCases.map { SelectOption(value: $0.rawValue, label: req.t("course.mode.\($0.rawValue)"), selected: false) },
                              errors: errors)
        return try await req.page("course", page, status: status)
    }

    /// The builder's and the learner's forms on the course page: each posts here and comes
    /// back to the course page (with the form's errors on it when something is wrong).
    @Sendable func action(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        let step = req.parameters.get("step") ?? ""
        let s = req.courses
        return try await req.submitForm({
            switch step {
            case "enrol":
                _ = try await s.enrol(id, EnrolRequest(code: req.field("code")), actor: actor)
            case "leave":
                try await s.leave(id, actor: actor)
            case "publish", "archive":
                var patch = CoursePatch()
                patch.status = step == "publish" ? "published" : "archived"
                _ = try await s.updateCourse(id, patch, actor: actor)
            case "invite":
                let names = (req.field("usernames") ?? "").split(whereSeparator: { $0.isWhitespace || $0 == "," }).map(String.init)
                _ = try await s.enrol(id, EnrolRequest(usernames: names), actor: actor)
            case "move":
                guard let row = req.field("row").flatMap(UUID.init(uuidString:)) else { throw DomainError.notFound(entity: "item") }
                guard let position = req.field("position").flatMap(Int.init) else { throw DomainError.invalid(field: "position", reason: "validation.number") }
                _ = try await s.move(courseID: id, id: row, position: position, parentID: nil, actor: actor)
            case "remove":
                guard let row = req.field("row").flatMap(UUID.init(uuidString:)) else { throw DomainError.notFound(entity: "item") }
                try await s.removeItem(row, actor: actor)
            case "units":
                _ = try await s.addUnit(id, title: req.field("title") ?? "", actor: actor)
            case "lessons":
                guard let unit = req.field("unit").flatMap(UUID.init(uuidString:)) else { throw DomainError.notFound(entity: "unit") }
                _ = try await s.addLesson(unitID: unit, title: req.field("title") ?? "", actor: actor)
            case "slots":
                let zone = ExamSetupPages.zone(req)
                guard let start = ExamSetupPages.parse(req.field("startsAt") ?? "", zone) else { throw DomainError.invalid(field: "startsAt", reason: "validation.date") }
                guard let minutes = Int(req.field("minutes") ?? ""), minutes > 0 else { throw DomainError.invalid(field: "minutes", reason: "validation.number") }
                var slot = NewSlot(startsAt: start, endsAt: start.addingTimeInterval(Double(minutes) * 60), mode: req.field("mode") ?? "")
                slot.place = req.field("place")
                _ = try await s.addSlot(id, slot, actor: actor)
            case "items":
                guard let lesson = req.field("lesson").flatMap(UUID.init(uuidString:)) else { throw DomainError.notFound(entity: "lesson") }
                var input = NewCourseItem(kind: req.field("kind") ?? "", title: req.field("title"))
                // A tool item names its tool from the tool list rather than by a typed id.
                if input.kind == ItemKind.lti.rawValue, let tool = req.field("tool"), !tool.isEmpty, let u = UUID(uuidString: tool) {
                    input.refId = u
                } else if let ref = req.field("refId"), !ref.isEmpty {
                    guard let u = UUID(uuidString: ref) else { throw DomainError.invalid(field: "refId", reason: "validation.uuid") }
                    input.refId = u
                }
                input.url = req.field("url").flatMap { $0.isEmpty ? nil : $0 }
                input.body = req.field("body").flatMap { $0.isEmpty ? nil : $0 }
                if let due = req.field("dueAt"), !due.isEmpty {
                    guard let d = ExamSetupPages.parse(due, ExamSetupPages.zone(req)) else { throw DomainError.invalid(field: "dueAt", reason: "validation.date") }
                    input.dueAt = d
                }
                input.acceptLate = req.field("acceptLate") != nil
                if let p = req.field("maxPoints"), !p.isEmpty {
                    guard let n = Double(p.replacingOccurrences(of: ",", with: ".")) else { throw DomainError.invalid(field: "maxPoints", reason: "validation.number") }
                    input.maxPoints = n
                }
                _ = try await s.addItem(lessonID: lesson, input, actor: actor)
            default:
                throw DomainError.notFound(entity: "page")
            }
            return "/courses/\(id)"
        }, orShow: { errors, status in try await renderCourse(req, errors: errors, status: status) })
    }

    @Sendable func learners(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        let behind = req.query[String.self, at: "behind"] == "true"
        let c = try await req.courses.courseDetail(id, actor: actor)
        let page = try await req.courses.learners(id, behindOnly: behind, limit: 200, cursor: req.query[String.self, at: "cursor"], actor: actor)
        let format = LocaleFormat(req.locale, timeZone: ExamSetupPages.zone(req))
        let rows = page.items.map { r in
            LearnersPage.Row(name: r.name, username: r.username ?? "", done: "\(r.completed)/\(r.total)", percent: r.percent,
                             reasons: r.reasons.map { req.t("course.behind.\($0)") }.joined(separator: ", "), behind: r.behind,
                             last: r.lastActivity.map { format.dateTime($0) } ?? "—")
        }
        let view = LearnersPage(base: await PageBase.make(req, title: req.t("course.learners")), courseId: id.uuidString.lowercased(), courseTitle: c.title,
                                behindOnly: behind, rows: rows,
                                next: page.nextCursor.map { "/courses/\(id)/learners?behind=\(behind)&cursor=\($0)" })
        return try await req.page("course-learners", view)
    }
}

extension CoursePages {
    struct OutlineContext: Encodable, Sendable { var units: [CoursePage.UnitView]; var visitor: Bool }

    /// The outline as learners and visitors see it is the same for all of them but the
    /// ticks: it is rendered by Leaf once per course revision, language, time zone and
    /// visitor-or-not, and each view only puts its ticks in. Interpreting the 54-item loop on
    /// every view was the difference between the page and its JSON (bench/README.md).
    static func outline(_ req: Request, _ c: CourseDTO, units: [CoursePage.UnitView], zone: TimeZone) async throws -> String {
        let visitor = c.role == "visitor"
        let key = "\(c.id):\(c.outlineRevision):\(req.locale.rawValue):\(zone.identifier):\(visitor)"
        let fragment: OutlineFragment
        if let hit = req.services.fragments.get(key) {
            fragment = hit
        } else {
            let view = try await req.view.render("course-outline", OutlineContext(units: units, visitor: visitor))
            fragment = OutlineFragment(String(buffer: view.data))
            req.services.fragments.put(key, fragment)
        }
        let done = Set(units.flatMap { $0.lessons.flatMap { $0.items.filter(\.done).map(\.id) } })
        let out = fragment.render(done: done, tick: "<span class=\"ok\" aria-label=\"\(req.t("course.done"))\">✓</span> ")
        return out
    }
}

struct OnlineSharePage: Encodable, Sendable {
    var base: PageBase
    var orgName: String
    var term: String
    var source: String?
    var rows: [Row]
    var total: Row
    struct Row: Encodable, Sendable { var grade: String; var periods: Int; var online: Int; var percent: String; var expected: String; var status: String; var ok: Bool }
}

extension CoursePages {
    /// `/orgs/{id}/online-share`: the share of periods taught online per grade, beside the
    /// country's target (Vietnam) or cap (China).
    @Sendable func onlineShare(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        let term = req.query[String.self, at: "term"] ?? ""
        let share = try await req.courses.onlineShare(orgID: id, term: term.isEmpty ? nil : term, actor: actor)
        let org = try await req.directory.organisation(id, actor: actor)
        let format = LocaleFormat(req.locale)
        func row(_ r: OnlineShareRow) -> OnlineSharePage.Row {
            let expected = r.targetPercent.map { req.t("course.share-target", [format.decimal($0)]) } ?? r.capPercent.map { req.t("course.share-cap", [format.decimal($0)]) } ?? "—"
            return .init(grade: r.grade.isEmpty ? req.t("course.share-all") : r.grade, periods: r.periods, online: r.onlineLive + r.onlineSelfPaced,
                         percent: format.decimal(r.onlinePercent) + " %", expected: expected, status: req.t("course.share-status.\(r.status)"),
                         ok: r.status == "meets" || r.status == "none")
        }
        let page = OnlineSharePage(base: await PageBase.make(req, title: req.t("course.online-share")), orgName: org.displayName, term: term,
                                   source: share.source, rows: share.rows.map(row), total: row(share.total))
        return try await req.page("online-share", page)
    }
}
