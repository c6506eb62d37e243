import Foundation
import FluentKit
import SQLKit
import Platform

/// The fields of an existing person the import compares against.
struct PersonRow: Sendable {
    var id: UUID
    var sourcedID: String
    var familyName, givenName, middleName: String
    var email, phone, birthDate: String?
    var gender, status: String
    var orgID: UUID?

    init(_ row: any SQLRow) throws {
        id = try row.decode(column: "id", as: UUID.self)
        sourcedID = try row.decode(column: "sourced_id", as: String.self)
        familyName = try row.decode(column: "family_name", as: String.self)
        givenName = try row.decode(column: "given_name", as: String.self)
        middleName = try row.decode(column: "middle_name", as: String.self)
        email = try row.decode(column: "email", as: String?.self)
        phone = try row.decode(column: "phone", as: String?.self)
        birthDate = try row.decode(column: "birth_date", as: String?.self)
        gender = try row.decode(column: "gender", as: String.self)
        status = try row.decode(column: "status", as: String.self)
        orgID = try row.decode(column: "org_id", as: UUID?.self)
    }

    init(id: UUID, sourcedID: String, familyName: String, givenName: String, middleName: String, email: String?, phone: String?,
         birthDate: String?, gender: String, status: String, orgID: UUID?) {
        self.id = id; self.sourcedID = sourcedID; self.familyName = familyName; self.givenName = givenName
        self.middleName = middleName; self.email = email; self.phone = phone; self.birthDate = birthDate
        self.gender = gender; self.status = status; self.orgID = orgID
    }
}

struct AccountRow: Sendable {
    var id: UUID
    var personID: UUID
    var username: String
    var enabled: Bool
}

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

    // existing rows, loaded once with explicit columns (tens of thousands of rows: the
    // model layer's per-row reflection would dominate the import)
    var orgs: [String: Organisation] = [:]
    var people: [String: PersonRow] = [:]
    var accountsByUsername: [String: UUID] = [:]
    var accountsByPerson: [UUID: AccountRow] = [:]
    var sessions: [String: AcademicSession] = [:]
    var courses: [String: CatalogCourse] = [:]
    var grants: Set<String> = []
    var guardianships: Set<String> = []
    var auditRows: [[any Encodable & Sendable]] = []

    init(reader: OneRosterReader, target: Organisation, ctx: DirectoryContext, actor: Actor, now: Date) {
        self.reader = reader
        self.target = target
        self.ctx = ctx
        self.actor = actor
        self.now = now
    }

    mutating func load(on db: any Database) async throws {
        for o in try await Organisation.query(on: db).filter(\.$sourcedID != nil).all() { orgs[o.sourcedID!] = o }
        let sql = db.sql
        for row in try await sql.raw("""
            SELECT id, sourced_id, family_name, given_name, middle_name, email, phone, birth_date, gender, status, org_id
            FROM people WHERE sourced_id IS NOT NULL
            """).all() {
            let p = try PersonRow(row)
            people[p.sourcedID] = p
        }
        for row in try await sql.raw("""
            SELECT a.id, a.person_id, a.username, a.enabled FROM accounts a JOIN people p ON p.id = a.person_id
            WHERE p.sourced_id IS NOT NULL
            """).all() {
            let a = AccountRow(id: try row.decode(column: "id", as: UUID.self), personID: try row.decode(column: "person_id", as: UUID.self),
                               username: try row.decode(column: "username", as: String.self), enabled: try row.decode(column: "enabled", as: Bool.self))
            accountsByPerson[a.personID] = a
            accountsByUsername[a.username] = a.personID
        }
        let usernames = reader.users.map(\.username).filter { !$0.isEmpty && accountsByUsername[$0] == nil }
        for chunk in usernames.chunked(500) {
            let q = sql.select().columns("username", "person_id").from("accounts").where("username", .in, Array(chunk))
            for row in try await q.all() {
                accountsByUsername[try row.decode(column: "username", as: String.self)] = try row.decode(column: "person_id", as: UUID.self)
            }
        }
        for row in try await sql.raw("""
            SELECT g.person_id, g.org_id, g.role FROM role_grants g JOIN people p ON p.id = g.person_id WHERE p.sourced_id IS NOT NULL
            """).all() {
            grants.insert("\(try row.decode(column: "person_id", as: UUID.self))|\(try row.decode(column: "org_id", as: UUID.self))|\(try row.decode(column: "role", as: String.self))")
        }
        for row in try await sql.raw("""
            SELECT l.guardian_id, l.pupil_id FROM guardianships l JOIN people p ON p.id = l.pupil_id WHERE p.sourced_id IS NOT NULL
            """).all() {
            guardianships.insert("\(try row.decode(column: "guardian_id", as: UUID.self))|\(try row.decode(column: "pupil_id", as: UUID.self))")
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
            if let owner = accountsByUsername[u.username], people[u.sourcedID]?.id != owner {
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
