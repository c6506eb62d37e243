import Foundation
import FluentKit
import SQLKit
import Platform

public struct NewSlot: Sendable, Codable {
    public var startsAt: Date
    public var endsAt: Date
    public var mode: String
    public var lessonId: UUID?
    /// A room, or the address of an online lesson.
    public var place: String?

    public init(startsAt: Date, endsAt: Date, mode: String) {
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.mode = mode
    }
}

public struct SlotDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var courseId: UUID
    public var courseTitle: String
    public var lessonId: UUID?
    public var lessonTitle: String?
    public var startsAt: Date
    public var endsAt: Date
    public var mode: String
    public var place: String?
}

/// A row of the online-share report: one grade of a school (or of everything under an
/// office) in one term, beside what the country expects.
public struct OnlineShareRow: Sendable, Codable, Equatable {
    public var grade: String
    public var level: String?
    public var periods: Int
    public var inPerson: Int
    public var onlineLive: Int
    public var onlineSelfPaced: Int
    /// Online periods as a percentage of all periods (one decimal).
    public var onlinePercent: Double
    public var targetPercent: Double?
    public var capPercent: Double?
    /// `meets`, `below` (under the target), `over` (above the cap) or `none` (no rule).
    public var status: String
}

public struct OnlineShareDTO: Sendable, Codable, Equatable {
    public var orgId: UUID
    public var term: String?
    public var country: String
    public var source: String?
    public var rows: [OnlineShareRow]
    public var total: OnlineShareRow
}

extension CoursesService {
    /// `POST /api/v1/courses/{id}/timetable`: a period of the course (its teachers).
    public func addSlot(_ courseID: UUID, _ input: NewSlot, actor: Actor) async throws -> SlotDTO {
        let c = try await editable(courseID, actor: actor)
        var problems: [FieldProblem] = []
        guard let mode = TeachingMode(rawValue: input.mode) else {
            throw DomainError.invalid(field: "mode", reason: "course.mode-unknown", arguments: [TeachingMode.allCases.map(\.rawValue).joined(separator: ", ")])
        }
        let minutes = input.endsAt.timeIntervalSince(input.startsAt) / 60
        if minutes <= 0 { problems.append(FieldProblem(field: "endsAt", reason: "course.slot-ends-before-start")) }
        else if minutes > 8 * 60 { problems.append(FieldProblem(field: "endsAt", reason: "course.slot-too-long")) }
        var lessonTitle: String?
        if let l = input.lessonId {
            if let lesson = try await Lesson.find(l, on: db), lesson.courseID == courseID { lessonTitle = lesson.title }
            else { problems.append(FieldProblem(field: "lessonId", reason: "course.parent-wrong")) }
        }
        let place = input.place?.trimmingCharacters(in: .whitespacesAndNewlines)
        if (place ?? "").count > 500 { problems.append(FieldProblem(field: "place", reason: "validation.too-long", arguments: ["500"])) }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }
        let s = TimetableSlot()
        s.id = UUID()
        s.courseID = courseID
        s.lessonID = input.lessonId
        s.orgID = c.orgID
        s.startsAt = input.startsAt
        s.endsAt = input.endsAt
        s.mode = mode.rawValue
        s.place = (place ?? "").isEmpty ? nil : place
        s.createdAt = now
        try await s.create(on: db)
        ctx.upcoming.remove(courseID.uuidString)
        return SlotDTO(id: s.id!, courseId: courseID, courseTitle: c.title, lessonId: s.lessonID, lessonTitle: lessonTitle, startsAt: s.startsAt,
                       endsAt: s.endsAt, mode: s.mode, place: s.place)
    }

    /// The course's periods between two times (anyone who may see the course's content).
    public func slots(_ courseID: UUID, from: Date?, to: Date?, actor: Actor) async throws -> [SlotDTO] {
        let c = try await readCourse(courseID)
        guard try await role(in: c, actor: actor) != .visitor else { throw DomainError.forbidden(reason: "course.learners-only") }
        return try await slotRows(courses: [c], from: from, to: to)
    }

    public func removeSlot(_ id: UUID, actor: Actor) async throws {
        guard let s = try await TimetableSlot.find(id, on: db) else { throw DomainError.notFound(entity: "slot") }
        _ = try await editable(s.courseID, actor: actor)
        try await s.delete(on: db)
        ctx.upcoming.remove(s.courseID.uuidString)
    }

    func slotRows(courses: [Course], from: Date?, to: Date?) async throws -> [SlotDTO] {
        guard !courses.isEmpty else { return [] }
        var q = TimetableSlot.query(on: db).filter(\.$courseID ~~ courses.map { $0.id! }).sort(\.$startsAt)
        if let from { q = q.filter(\.$endsAt >= from) }
        if let to { q = q.filter(\.$startsAt <= to) }
        let rows = try await q.limit(2000).all()
        let titles = Dictionary(uniqueKeysWithValues: courses.map { ($0.id!, $0.title) })
        let lessonIDs = Array(Set(rows.compactMap(\.lessonID)))
        let lessons = lessonIDs.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try await Lesson.query(on: db).filter(\.$id ~~ lessonIDs).all().map { ($0.id!, $0.title) })
        return rows.map { SlotDTO(id: $0.id!, courseId: $0.courseID, courseTitle: titles[$0.courseID] ?? "", lessonId: $0.lessonID,
                                  lessonTitle: $0.lessonID.flatMap { lessons[$0] }, startsAt: $0.startsAt, endsAt: $0.endsAt, mode: $0.mode, place: $0.place) }
    }

    /// `GET /api/v1/orgs/{id}/online-share?term=`: for a school (or an office, over every
    /// school under it), the periods of each grade by mode and the share taught online,
    /// beside the country's target or cap. Aggregates only; anyone who may see the
    /// organisation may see it.
    public func onlineShare(orgID: UUID, term: String?, actor: Actor) async throws -> OnlineShareDTO {
        guard let org = try await directory.orgBrief(orgID), actor.can(.viewOrganisations, at: org.path) else {
            throw DomainError.notFound(entity: "organisation")
        }
        let country = org.path.split(separator: "/").first.map { String($0).uppercased() } ?? ""
        let rules = ctx.onlineRules[country]
        var filters: [SQLQueryString] = ["c.org_path LIKE \(bind: org.path + "%")"]
        if let term, !term.isEmpty { filters.append("c.term = \(bind: term)") }
        let rows = try await db.sql.raw("""
            SELECT c.grade, s.mode, COUNT(*) AS n FROM timetable_slots s JOIN courses c ON c.id = s.course_id
            WHERE \(filters.joined(separator: " AND ")) GROUP BY c.grade, s.mode
            """).all()
        var byGrade: [String: [String: Int]] = [:]
        for r in rows {
            let grade = (try? r.decode(column: "grade", as: String?.self)) ?? nil
            byGrade[grade ?? "", default: [:]][try r.decode(column: "mode", as: String.self)] = try r.decode(column: "n", as: Int.self)
        }
        func row(_ grade: String, _ counts: [String: Int], level: OnlineTeachingRules.Level?) -> OnlineShareRow {
            let live = counts[TeachingMode.onlineLive.rawValue] ?? 0, paced = counts[TeachingMode.onlineSelfPaced.rawValue] ?? 0
            let total = counts.values.reduce(0, +)
            let pct = total == 0 ? 0 : (Double(live + paced) / Double(total) * 1000).rounded() / 10
            var status = "none"
            if let t = level?.targetPercent { status = pct >= t ? "meets" : "below" }
            if let cap = level?.capPercent { status = pct <= cap ? "meets" : "over" }
            return OnlineShareRow(grade: grade, level: level?.level, periods: total, inPerson: counts[TeachingMode.inPerson.rawValue] ?? 0,
                                  onlineLive: live, onlineSelfPaced: paced, onlinePercent: pct, targetPercent: level?.targetPercent,
                                  capPercent: level?.capPercent, status: status)
        }
        let grades = byGrade.keys.sorted { (Int($0) ?? Int.max, $0) < (Int($1) ?? Int.max, $1) }
        var all: [String: Int] = [:]
        for counts in byGrade.values { for (k, v) in counts { all[k, default: 0] += v } }
        return OnlineShareDTO(orgId: orgID, term: term, country: country, source: rules?.source,
                              rows: grades.map { row($0, byGrade[$0]!, level: rules?.level(of: $0)) },
                              total: row("", all, level: nil))
    }

    // MARK: calendar feeds

    /// A new private calendar address for the caller (the old one stops working).
    public func calendarToken(actor: Actor) async throws -> String {
        guard let me = actor.personID else { throw DomainError.unauthenticated() }
        let token = Digest.randomToken(bytes: 24)
        try await db.transaction { tx in
            try await CalendarFeed.query(on: tx).filter(\.$personID == me).delete()
            let f = CalendarFeed()
            f.id = UUID()
            f.personID = me
            f.tokenHash = Digest.sha256Hex(token)
            f.createdAt = now
            try await f.create(on: tx)
        }
        return token
    }

    /// The iCalendar (RFC 5545) text of a calendar address: the periods of every course the
    /// person teaches or learns in, from a month back to four months ahead.
    public func calendar(token: String) async throws -> String {
        guard token.count <= 100, let feed = try await CalendarFeed.query(on: db).filter(\.$tokenHash == Digest.sha256Hex(token)).first() else {
            throw DomainError.notFound(entity: "calendar")
        }
        let me = feed.personID
        let staffOf = try await CourseStaff.query(on: db).filter(\.$personID == me).all().map(\.courseID)
        let learning = try await Enrolment.query(on: db).filter(\.$personID == me).filter(\.$status == "active").all().map(\.courseID)
        let courses = try await Course.query(on: db).group(.or) { g in
            g.filter(\.$ownerID == me)
            let ids = staffOf + learning
            if !ids.isEmpty { g.filter(\.$id ~~ ids) }
        }.filter(\.$status != CourseStatus.draft.rawValue).all()
        let slots = try await slotRows(courses: courses, from: now.addingTimeInterval(-31 * 86400), to: now.addingTimeInterval(124 * 86400))
        return ICalendar.document(slots, host: URL(string: ctx.xapiHomePage)?.host ?? "educommons", stamp: now)
    }
}

/// iCalendar text: CRLF line ends, lines folded at 75 octets, text values escaped.
enum ICalendar {
    static func document(_ slots: [SlotDTO], host: String, stamp: Date) -> String {
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//EduCommons//Timetable//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
                     "X-WR-CALNAME:EduCommons"]
        for s in slots {
            lines += ["BEGIN:VEVENT", "UID:\(s.id.uuidString.lowercased())@\(host)", "DTSTAMP:\(time(stamp))", "DTSTART:\(time(s.startsAt))",
                      "DTEND:\(time(s.endsAt))", "SUMMARY:" + escape(s.lessonTitle.map { "\(s.courseTitle) – \($0)" } ?? s.courseTitle),
                      "CATEGORIES:" + escape(s.mode)]
            if let p = s.place {
                lines.append((p.hasPrefix("http://") || p.hasPrefix("https://") ? "URL:" : "LOCATION:") + escape(p))
            }
            lines.append("END:VEVENT")
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    static func time(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.string(from: d)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ";", with: "\\;").replacingOccurrences(of: ",", with: "\\,")
            .replacingOccurrences(of: "\r\n", with: "\\n").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Lines longer than 75 octets continue on the next line after a space, never inside a character.
    static func fold(_ line: String) -> String {
        var out = "", count = 0
        for ch in line {
            let n = String(ch).utf8.count
            if count + n > 75 {
                out += "\r\n "
                count = 1
            }
            out.append(ch)
            count += n
        }
        return out
    }
}
