import Foundation
import FluentKit
import Platform
import Directory
import Courses

/// One weekly shared lesson of a pairing: weekday 1 (Monday) to 7, start time, length.
public struct WeeklyLesson: Sendable, Codable, Equatable {
    public var weekday: Int
    public var start: String
    public var minutes: Int
}

public struct NewPairing: Sendable, Codable {
    public var title: String
    public var leadSchoolId: UUID
    public var partnerSchoolId: UUID
    public var subject: String?
    public var startsOn: String
    public var endsOn: String
    public var schedule: [WeeklyLesson]
}

/// A pairing with what it has delivered: lessons planned (in all, and up to today) by its
/// weekly schedule, lessons given (ended rooms of the pairing with at least one pupil of a
/// partner class present), the partner pupils reached and the minutes taught.
public struct PairingDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var title: String
    public var leadSchoolId: UUID
    public var leadSchool: LocalizedText
    public var partnerSchoolId: UUID
    public var partnerSchool: LocalizedText
    public var subject: String?
    public var startsOn: String
    public var endsOn: String
    public var schedule: [WeeklyLesson]
    public var plannedTotal: Int
    public var plannedToDate: Int
    public var delivered: Int
    public var partnerPupils: Int
    public var minutes: Int
    public var lastLessonAt: Date?
}

/// A class of another school in a room (network classroom).
public struct GuestClass: Sendable, Codable, Equatable {
    public var classId: UUID
    /// The class's own course and its live item: attendance lands there.
    public var courseId: UUID?
    public var itemId: UUID?
}

extension LiveService {
    /// `POST /api/v1/live/pairings`: an office above both schools pairs a lead school with a
    /// partner school for shared lessons on a weekly schedule.
    public func createPairing(_ input: NewPairing, actor: Actor) async throws -> PairingDTO {
        guard let me = actor.personID else { throw DomainError.unauthenticated() }
        var problems: [FieldProblem] = []
        let title = input.title.trimmingCharacters(in: .whitespacesAndNewlines)
        if title.isEmpty { problems.append(FieldProblem(field: "title", reason: "validation.required")) }
        if title.count > 200 { problems.append(FieldProblem(field: "title", reason: "validation.too-long", arguments: ["200"])) }
        let lead = try await directory.orgBrief(input.leadSchoolId), partner = try await directory.orgBrief(input.partnerSchoolId)
        if lead?.kind != .school { problems.append(FieldProblem(field: "leadSchoolId", reason: "live.pairing-school")) }
        if partner?.kind != .school || input.partnerSchoolId == input.leadSchoolId { problems.append(FieldProblem(field: "partnerSchoolId", reason: "live.pairing-school")) }
        let start = Self.day(input.startsOn), end = Self.day(input.endsOn)
        if start == nil { problems.append(FieldProblem(field: "startsOn", reason: "validation.date")) }
        if end == nil || (start != nil && end! < start!) || (start != nil && end != nil && end!.timeIntervalSince(start!) > 366 * 86_400) {
            problems.append(FieldProblem(field: "endsOn", reason: "live.pairing-dates"))
        }
        let timeOK = { (s: String) -> Bool in
            let p = s.split(separator: ":").compactMap { Int($0) }
            return p.count == 2 && (0..<24).contains(p[0]) && (0..<60).contains(p[1]) && s.count == 5
        }
        if input.schedule.isEmpty || input.schedule.count > 14
            || !input.schedule.allSatisfy({ (1...7).contains($0.weekday) && timeOK($0.start) && (10...240).contains($0.minutes) }) {
            problems.append(FieldProblem(field: "schedule", reason: "live.pairing-schedule"))
        }
        guard problems.isEmpty, let lead, let partner else { throw DomainError.invalid(problems) }
        // An office (or administrator) whose area holds both schools.
        let allowed = actor.grants.contains { g in
            [.official, .administrator].contains(g.role) && lead.path.hasPrefix(g.orgPath) && partner.path.hasPrefix(g.orgPath)
        }
        guard allowed || actor.isSystem else { throw DomainError.forbidden(reason: "live.pairing-office") }
        let p = LivePairing()
        p.id = UUID()
        p.title = title
        p.leadID = lead.id
        p.leadPath = lead.path
        p.partnerID = partner.id
        p.partnerPath = partner.path
        p.subject = input.subject?.trimmingCharacters(in: .whitespaces).isEmpty == false ? input.subject : nil
        p.startsOn = input.startsOn
        p.endsOn = input.endsOn
        p.schedule = String(decoding: try JSONEncoder().encode(input.schedule), as: UTF8.self)
        p.createdBy = me
        p.createdAt = now
        try await db.transaction { tx in
            try await p.create(on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "live.create-pairing", entityType: "live-pairing", entityID: p.id, orgID: lead.id,
                                       orgPath: lead.path, changes: [AuditChange(field: "partner", before: nil, after: partner.id.uuidString)])
        }
        return try await report([p])[0]
    }

    /// `GET /api/v1/live/pairings`: the pairings the caller may see (offices above either
    /// school, and the two schools' staff), each with its report.
    public func pairings(actor: Actor) async throws -> [PairingDTO] {
        try await report(try await visiblePairings(actor: actor))
    }

    /// `GET /api/v1/live/pairings/{id}`: one pairing with its report.
    public func pairingReport(_ id: UUID, actor: Actor) async throws -> PairingDTO {
        try await report([try await pairing(id, actor: actor)])[0]
    }

    func visiblePairings(actor: Actor) async throws -> [LivePairing] {
        guard actor.personID != nil else { throw DomainError.unauthenticated() }
        return try await LivePairing.query(on: db).sort(\.$startsOn, .descending).limit(1000).all().filter { sees($0, actor) }
    }

    func sees(_ p: LivePairing, _ actor: Actor) -> Bool {
        actor.isSystem || actor.grants.contains { g in
            switch g.role {
            case .official, .administrator, .inspector: p.leadPath.hasPrefix(g.orgPath) || p.partnerPath.hasPrefix(g.orgPath)
            case .pupil, .guardian, .providerAdmin: false
            default: g.orgPath.hasPrefix(p.leadPath) || g.orgPath.hasPrefix(p.partnerPath)
            }
        }
    }

    func pairing(_ id: UUID, actor: Actor) async throws -> LivePairing {
        guard let p = try await LivePairing.find(id, on: db), sees(p, actor) else { throw DomainError.notFound(entity: "pairing") }
        return p
    }

    static func day(_ s: String) -> Date? {
        let p = s.split(separator: "-").compactMap { Int($0) }
        guard s.count == 10, p.count == 3 else { return nil }
        var c = DateComponents()
        (c.year, c.month, c.day) = (p[0], p[1], p[2])
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        guard let d = cal.date(from: c), cal.component(.day, from: d) == p[2] else { return nil }
        return d
    }

    /// Planned lessons between the pairing's dates (to `until`, when given), by weekday.
    static func planned(_ p: LivePairing, schedule: [WeeklyLesson], until: Date?) -> Int {
        guard let start = day(p.startsOn), var last = day(p.endsOn) else { return 0 }
        if let until, until < last { last = until }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        var n = 0, d = start
        while d <= last {
            // Calendar weekday: 1 Sunday ... 7 Saturday; ours: 1 Monday ... 7 Sunday.
            let w = (cal.component(.weekday, from: d) + 5) % 7 + 1
            n += schedule.filter { $0.weekday == w }.count
            d = d.addingTimeInterval(86_400)
        }
        return n
    }

    func report(_ pairings: [LivePairing]) async throws -> [PairingDTO] {
        guard !pairings.isEmpty else { return [] }
        let ids = pairings.map { $0.id! }
        let rooms = try await LiveRoom.query(on: db).filter(\.$pairingID ~~ ids).filter(\.$status == "ended").all()
        let roomIDs = rooms.map { $0.id! }
        let classes = roomIDs.isEmpty ? [] : try await LiveRoomClass.query(on: db).filter(\.$roomID ~~ roomIDs).all()
        let stays = roomIDs.isEmpty ? [] : try await LiveAttendance.query(on: db).filter(\.$roomID ~~ roomIDs).all()
        let classIDs = Array(Set(classes.map(\.classID)))
        let pupils = classIDs.isEmpty ? [] : try await RoleGrant.query(on: db).filter(\.$orgID ~~ classIDs).filter(\.$role == Role.pupil.rawValue).all()
        var pupilsOf: [UUID: Set<UUID>] = [:]
        for g in pupils { pupilsOf[g.orgID, default: []].insert(g.personID) }
        var names: [UUID: LocalizedText] = [:]
        for id in Set(pairings.flatMap { [$0.leadID, $0.partnerID] }) { names[id] = try await directory.orgBrief(id)?.name }
        let today = now
        return pairings.map { p in
            let schedule = (try? JSONDecoder().decode([WeeklyLesson].self, from: Data(p.schedule.utf8))) ?? []
            var delivered = 0, minutes = 0.0
            var reached = Set<UUID>(), last: Date?
            for r in rooms where r.pairingID == p.id {
                let partnerPupils = classes.filter { $0.roomID == r.id }.reduce(into: Set<UUID>()) { $0.formUnion(pupilsOf[$1.classID] ?? []) }
                let here = stays.filter { $0.roomID == r.id }
                let came = Set(here.map(\.personID)).intersection(partnerPupils)
                guard !came.isEmpty else { continue }
                delivered += 1
                reached.formUnion(came)
                let began = here.map(\.joinedAt).min() ?? r.createdAt
                let ended = r.endedAt ?? began
                minutes += max(0, ended.timeIntervalSince(began)) / 60
                last = max(last ?? ended, ended)
            }
            return PairingDTO(id: p.id!, title: p.title, leadSchoolId: p.leadID, leadSchool: names[p.leadID] ?? LocalizedText([:]), partnerSchoolId: p.partnerID,
                              partnerSchool: names[p.partnerID] ?? LocalizedText([:]), subject: p.subject, startsOn: p.startsOn, endsOn: p.endsOn, schedule: schedule,
                              plannedTotal: Self.planned(p, schedule: schedule, until: nil), plannedToDate: Self.planned(p, schedule: schedule, until: today),
                              delivered: delivered, partnerPupils: reached.count, minutes: Int(minutes.rounded()), lastLessonAt: last)
        }
    }

    /// The guest classes of a new room, checked: only under a pairing the caller may see,
    /// running today, for a room of the lead school, with classes of the partner school and,
    /// for each, its own class course and live item.
    func guestClasses(_ input: NewRoom, room: LiveRoom, actor: Actor) async throws -> [LiveRoomClass] {
        guard let pairingID = input.pairingId else {
            if !(input.guestClasses ?? []).isEmpty { throw DomainError.invalid(field: "guestClasses", reason: "live.guests-need-pairing") }
            return []
        }
        let p = try await pairing(pairingID, actor: actor)
        let today = String(XAPITime.format(now).prefix(10))
        guard room.orgPath.hasPrefix(p.leadPath) else { throw DomainError.invalid(field: "pairingId", reason: "live.pairing-lead") }
        guard p.startsOn <= today, today <= p.endsOn else { throw DomainError.invalid(field: "pairingId", reason: "live.pairing-dates") }
        room.pairingID = pairingID
        var out: [LiveRoomClass] = []
        for (n, g) in (input.guestClasses ?? []).enumerated() {
            guard let c = try await directory.orgBrief(g.classId), c.kind == .class, c.path.hasPrefix(p.partnerPath) else {
                throw DomainError.invalid(field: "guestClasses[\(n)].classId", reason: "live.guest-class")
            }
            if let course = g.courseId, !(try await courses.isLiveTarget(course: course, item: g.itemId, ofClass: c.id)) {
                throw DomainError.invalid(field: "guestClasses[\(n)].courseId", reason: "live.guest-course")
            }
            if g.courseId == nil, g.itemId != nil { throw DomainError.invalid(field: "guestClasses[\(n)].courseId", reason: "validation.required") }
            let row = LiveRoomClass()
            row.id = UUID()
            row.roomID = room.id!
            row.classID = c.id
            row.classPath = c.path
            row.courseID = g.courseId
            row.itemID = g.itemId
            out.append(row)
        }
        guard !out.isEmpty, Set(out.map(\.classID)).count == out.count else { throw DomainError.invalid(field: "guestClasses", reason: "live.guest-class") }
        return out
    }

    /// A pupil of a guest class takes part (their attendance goes to their class's item); a
    /// teacher of that class (or of the partner school) assists as co-host.
    func guestStanding(_ r: LiveRoom, actor: Actor) async throws -> (role: LiveRole, item: UUID?)? {
        guard r.pairingID != nil else { return nil }
        let guests = try await LiveRoomClass.query(on: db).filter(\.$roomID == r.id!).all()
        for g in guests {
            if actor.grants.contains(where: { $0.role == .pupil && $0.orgID == g.classID }) {
                return (r.mode == "broadcast" ? .viewer : .participant, g.itemID)
            }
            if actor.grants.contains(where: { [.teacher, .homeroomTeacher].contains($0.role) && g.classPath.hasPrefix($0.orgPath) && $0.orgKind != .district }) {
                return (.cohost, nil)
            }
        }
        return nil
    }
}

