import Foundation
import FluentKit
import Platform

/// The checked, resolved form of an import: existing records loaded once by sourcedId,
/// cross-references checked, then written in batches.
struct ImportPlan: Sendable {
    let reader: OneRosterReader
    let target: Organisation
    let ctx: DirectoryContext
    let actor: Actor
    let now: Date

    var problems: [FieldProblem] = []
    var warnings: [FieldProblem] = []
    var report = ImportReport(dryRun: false)

    // existing rows by sourcedId
    var orgs: [String: Organisation] = [:]
    var people: [String: Person] = [:]
    var accountsByUsername: [String: Account] = [:]
    var accountsByPerson: [UUID: Account] = [:]
    var sessions: [String: AcademicSession] = [:]
    var courses: [String: CatalogCourse] = [:]
    var grants: Set<String> = []
    var guardianships: Set<String> = []
    var events: [AuditEvent] = []

    init(reader: OneRosterReader, target: Organisation, ctx: DirectoryContext, actor: Actor, now: Date) {
        self.reader = reader
        self.target = target
        self.ctx = ctx
        self.actor = actor
        self.now = now
    }

    mutating func load(on db: any Database) async throws {
        for o in try await Organisation.query(on: db).filter(\.$sourcedID != nil).all() { orgs[o.sourcedID!] = o }
        for p in try await Person.query(on: db).filter(\.$sourcedID != nil).all() { people[p.sourcedID!] = p }
        let usernames = reader.users.map(\.username).filter { !$0.isEmpty }
        for chunk in usernames.chunked(500) {
            for a in try await Account.query(on: db).filter(\.$username ~~ chunk).all() { accountsByUsername[a.username] = a; accountsByPerson[a.personID] = a }
        }
        let ids = people.values.compactMap(\.id)
        for chunk in ids.chunked(500) {
            for a in try await Account.query(on: db).filter(\.$personID ~~ chunk).all() { accountsByPerson[a.personID] = a }
            for g in try await RoleGrant.query(on: db).filter(\.$personID ~~ chunk).all() { grants.insert("\(g.personID)|\(g.orgID)|\(g.role)") }
            for l in try await Guardianship.query(on: db).filter(\.$pupilID ~~ chunk).all() { guardianships.insert("\(l.guardianID)|\(l.pupilID)") }
        }
        for s in try await AcademicSession.query(on: db).all() { sessions[s.sourcedID] = s }
        for c in try await CatalogCourse.query(on: db).all() { courses[c.sourcedID] = c }
    }

    mutating func fail(_ file: String, _ line: Int, _ field: String, _ reason: String, _ args: [String] = []) {
        problems.append(FieldProblem(field: field, line: line, file: file, reason: reason, arguments: args))
    }

    // MARK: checking

    /// Cross-references and tree shape, against the file and the database together.
    mutating func check() {
        let fileOrgs = Dictionary(reader.orgs.map { ($0.sourcedID, $0) }, uniquingKeysWith: { a, _ in a })
        for o in reader.orgs where !o.parent.isEmpty {
            if fileOrgs[o.parent] == nil && orgs[o.parent] == nil {
                fail("orgs.csv", o.line, "parentSourcedId", "validation.oneroster.reference", [o.parent])
            }
        }
        // Kinds must fit under their parents, and parents must not form a cycle.
        for o in reader.orgs {
            guard let kind = ORVocabulary.orgKind(o.type) else { continue }
            var parentKind: OrgKind? = target.orgKind
            if !o.parent.isEmpty {
                parentKind = fileOrgs[o.parent].flatMap { ORVocabulary.orgKind($0.type) } ?? orgs[o.parent]?.orgKind
            }
            if let pk = parentKind, !pk.allowedChildren.contains(kind) {
                fail("orgs.csv", o.line, "type", "validation.org-kind-under", [kind.rawValue, pk.rawValue])
            }
            var seen: Set<String> = [o.sourcedID]
            var cur = o.parent
            while !cur.isEmpty, let p = fileOrgs[cur] {
                if seen.contains(cur) { fail("orgs.csv", o.line, "parentSourcedId", "validation.org-move-cycle"); break }
                seen.insert(cur)
                cur = p.parent
            }
        }
        let fileSessions = Set(reader.sessions.map(\.sourcedID))
        let fileCourses = Set(reader.courses.map(\.sourcedID))
        let fileClasses = Set(reader.classes.map(\.sourcedID))
        let fileUsers = Set(reader.users.map(\.sourcedID))
        func orgKnown(_ id: String) -> Bool { fileOrgs[id] != nil || orgs[id] != nil }
        for s in reader.sessions where !s.parent.isEmpty && !fileSessions.contains(s.parent) && sessions[s.parent] == nil {
            fail("academicSessions.csv", s.line, "parentSourcedId", "validation.oneroster.reference", [s.parent])
        }
        for c in reader.courses where !orgKnown(c.org) {
            fail("courses.csv", c.line, "orgSourcedId", "validation.oneroster.reference", [c.org])
        }
        for c in reader.classes {
            if !fileCourses.contains(c.course) && courses[c.course] == nil {
                fail("classes.csv", c.line, "courseSourcedId", "validation.oneroster.reference", [c.course])
            }
            if !orgKnown(c.school) {
                fail("classes.csv", c.line, "schoolSourcedId", "validation.oneroster.reference", [c.school])
            } else if let k = fileOrgs[c.school].flatMap({ ORVocabulary.orgKind($0.type) }) ?? orgs[c.school]?.orgKind,
                      !k.allowedChildren.contains(.class) {
                fail("classes.csv", c.line, "schoolSourcedId", "validation.org-kind-under", ["class", k.rawValue])
            }
            for term in c.terms.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !term.isEmpty {
                if !fileSessions.contains(term) && sessions[term] == nil {
                    fail("classes.csv", c.line, "termSourcedIds", "validation.oneroster.reference", [term])
                }
            }
        }
        var usernames: [String: Int] = [:]
        for u in reader.users where !u.username.isEmpty {
            if let first = usernames[u.username] {
                fail("users.csv", u.line, "username", "validation.oneroster.duplicate", [u.username, String(first)])
            }
            usernames[u.username] = u.line
            if let a = accountsByUsername[u.username], people[u.sourcedID]?.id != a.personID {
                fail("users.csv", u.line, "username", "error.username-taken", [u.username])
            }
            if !u.primaryOrg.isEmpty && !orgKnown(u.primaryOrg) {
                fail("users.csv", u.line, "primaryOrgSourcedId", "validation.oneroster.reference", [u.primaryOrg])
            }
            if !u.masterID.isEmpty, let why = NationalID.problem(u.masterID, country: target.country, birthDate: nil, gender: nil) {
                fail("users.csv", u.line, "userMasterIdentifier", why)
            }
        }
        for r in reader.roles {
            if !fileUsers.contains(r.user) && people[r.user] == nil {
                fail(r.file, r.line, "userSourcedId", "validation.oneroster.reference", [r.user])
            }
            let isEnrolment = r.file.lowercased() == "enrollments.csv"
            if isEnrolment ? !(fileClasses.contains(r.org) || orgs[r.org] != nil) : !orgKnown(r.org) {
                fail(r.file, r.line, isEnrolment ? "classSourcedId" : "orgSourcedId", "validation.oneroster.reference", [r.org])
            }
        }
        for d in reader.demographics where !fileUsers.contains(d.user) && people[d.user] == nil {
            fail("demographics.csv", d.line, "sourcedId", "validation.oneroster.reference", [d.user])
        }
        countPlanned()
    }

    /// Fills the report's counts for a dry run, from the same comparison the write uses.
    mutating func countPlanned() {
        for o in reader.orgs { bump(o.deleted ? "deactivate" : (orgs[o.sourcedID] == nil ? "create" : "seen"), "orgs") }
        for c in reader.classes { bump(c.deleted ? "deactivate" : (orgs[c.sourcedID] == nil ? "create" : "seen"), "classes") }
        for u in reader.users { bump(u.deleted ? "deactivate" : (people[u.sourcedID] == nil ? "create" : "seen"), "users") }
        for s in reader.sessions { bump(sessions[s.sourcedID] == nil ? "create" : "seen", "academicSessions") }
        for c in reader.courses { bump(courses[c.sourcedID] == nil ? "create" : "seen", "courses") }
    }

    mutating func bump(_ what: String, _ entity: String) {
        switch what {
        case "create": report.created[entity, default: 0] += 1
        case "update": report.updated[entity, default: 0] += 1
        case "deactivate": report.deactivated[entity, default: 0] += 1
        default: report.unchanged[entity, default: 0] += 1
        }
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
