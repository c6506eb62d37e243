import Foundation
import FluentKit
import SQLKit
import Platform

extension ImportPlan {
    /// Hash that no password verifies against: imported accounts get a password from an
    /// administrator before first sign-in.
    static let unusablePassword = "!imported"

    mutating func write(on db: any Database) async throws {
        report = ImportReport(dryRun: false)
        auditRows = []
        let lang = target.country == "CN" ? "zh-Hans" : target.country == "VN" ? "vi" : "en"

        // Organisations, parents before children.
        let fileOrgs = Dictionary(reader.orgs.map { ($0.sourcedID, $0) }, uniquingKeysWith: { a, _ in a })
        var done: Set<String> = []
        func depth(_ o: OROrg) -> Int {
            var d = 0
            var cur = o.parent
            while !cur.isEmpty, let p = fileOrgs[cur], d < 64 { d += 1; cur = p.parent }
            return d
        }
        for o in reader.orgs.sorted(by: { depth($0) < depth($1) }) where !done.contains(o.sourcedID) {
            done.insert(o.sourcedID)
            let kind = ORVocabulary.orgKind(o.type)!
            let parent = o.parent.isEmpty ? target : orgs[o.parent]!
            try await upsertOrg(sourcedID: o.sourcedID, kind: kind, name: LocalizedText([lang: o.name]), parent: parent,
                                attributes: "{}", deleted: o.deleted, entity: "orgs", on: db)
        }
        for s in reader.sessions { try await upsertSession(s, on: db) }
        for c in reader.courses { try await upsertCourse(c, on: db) }
        for c in reader.classes {
            let attrs = ["courseSourcedId": c.course, "termSourcedIds": c.terms, "grades": c.grades,
                         "subjects": c.subjects, "classCode": c.classCode, "classType": c.classType]
            let enc = JSONEncoder()
            enc.outputFormatting = .sortedKeys
            try await upsertOrg(sourcedID: c.sourcedID, kind: .class, name: LocalizedText([lang: c.title]), parent: orgs[c.school]!,
                                attributes: String(decoding: try enc.encode(attrs), as: UTF8.self), deleted: c.deleted,
                                entity: "classes", on: db)
        }

        // People and accounts: new ones in multi-row INSERTs, changed ones one UPDATE each.
        let sql = db.sql
        let rules = ctx.rules.rules(for: target.country)
        let demo = Dictionary(reader.demographics.map { ($0.user, $0) }, uniquingKeysWith: { a, _ in a })
        let firstRoleOrg = Dictionary(reader.roles.map { ($0.user, $0.org) }, uniquingKeysWith: { a, _ in a })
        var newPeople: [[any Encodable & Sendable]] = []
        var newAccounts: [[any Encodable & Sendable]] = []
        for (index, u) in reader.users.enumerated() {
            // Imports run on the event loops that also serve requests: let them breathe.
            if index % 1000 == 999 { await Task.yield() }
            let d = demo[u.sourcedID]
            let birth = d.flatMap { $0.birthDate.isEmpty ? nil : $0.birthDate }
            let gender = d.flatMap { ORVocabulary.gender($0.sex) }
            let child = birth.flatMap { DateOnly.age(birthDate: $0, on: now) }.map { $0 < rules.childAgeBelow } ?? false
            var email = u.email.isEmpty ? nil : u.email
            var phone = u.phone.isEmpty ? nil : u.phone
            if child && (email != nil || phone != nil) {
                warnings.append(FieldProblem(field: "email", line: u.line, file: "users.csv", reason: "validation.oneroster.child-contact-dropped"))
                email = nil
                phone = nil
            }
            let orgSID = u.primaryOrg.isEmpty ? firstRoleOrg[u.sourcedID] : u.primaryOrg
            let org = orgSID.flatMap { orgs[$0] } ?? target
            let status = u.deleted ? "inactive" : "active"
            let names = NameFields(family: u.familyName, middle: u.middleName, given: u.givenName, rules: rules)
            if var p = people[u.sourcedID] {
                let before = [p.familyName, p.givenName, p.middleName, p.email ?? "", p.phone ?? "", p.birthDate ?? "", p.gender, p.status]
                p.familyName = u.familyName; p.givenName = u.givenName; p.middleName = u.middleName
                p.email = email; p.phone = phone
                if let birth { p.birthDate = birth }
                if let gender { p.gender = gender }
                p.status = status
                let after = [p.familyName, p.givenName, p.middleName, p.email ?? "", p.phone ?? "", p.birthDate ?? "", p.gender, p.status]
                let labels = ["familyName", "givenName", "middleName", "email", "phone", "birthDate", "gender", "status"]
                let changes = AuditChange.diff((0..<labels.count).map { (labels[$0], before[$0], after[$0]) })
                if !changes.isEmpty {
                    try await sql.update("people")
                        .set("family_name", to: p.familyName).set("given_name", to: p.givenName).set("middle_name", to: p.middleName)
                        .set("full_name", to: names.full).set("search_name", to: names.search).set("sort_key", to: names.sort)
                        .set("email", to: p.email).set("phone", to: p.phone).set("birth_date", to: p.birthDate)
                        .set("gender", to: p.gender).set("status", to: p.status).set("updated_at", to: now)
                        .where("id", .equal, p.id).run()
                    people[u.sourcedID] = p
                    try audit(u.deleted ? "person.deactivate" : "person.update", "person", p.id, org, changes)
                    bump(u.deleted ? "deactivate" : "update", "users")
                } else { bump("seen", "users") }
                if let a = accountsByPerson[p.id], !u.username.isEmpty, a.username != u.username || a.enabled != u.enabled {
                    try await sql.update("accounts").set("username", to: u.username).set("enabled", to: u.enabled)
                        .where("id", .equal, a.id).run()
                    try audit("account.update", "person", p.id, org, AuditChange.diff([("username", a.username, u.username)]))
                }
                continue
            }
            let id = UUID()
            let nationalID: String? = u.masterID.isEmpty ? nil : NationalID.normalise(u.masterID)
            newPeople.append([id, now, now, u.familyName, u.middleName, u.givenName, rules.familyNameFirst ? "family-first" : "given-first",
                              names.full, names.search, names.sort, birth, gender ?? Gender.unspecified.rawValue, target.country, nationalID,
                              email, phone, Optional<String>.none, lang, org.id, u.sourcedID, status])
            people[u.sourcedID] = PersonRow(id: id, sourcedID: u.sourcedID, familyName: u.familyName, givenName: u.givenName,
                                            middleName: u.middleName, email: email, phone: phone, birthDate: birth,
                                            gender: gender ?? Gender.unspecified.rawValue, status: status, orgID: org.id)
            if !u.username.isEmpty {
                let accountID = UUID()
                newAccounts.append([accountID, id, u.username, Self.unusablePassword, 0, Optional<Date>.none, Optional<Date>.none, u.enabled])
                accountsByPerson[id] = AccountRow(id: accountID, personID: id, username: u.username, enabled: u.enabled)
            }
            try audit("person.create", "person", id, org, AuditChange.diff([("fullName", nil, names.full), ("sourcedId", nil, u.sourcedID)]))
            bump(u.deleted ? "deactivate" : "create", "users")
        }
        try await sql.bulkInsert(into: Person.schema, columns: ["id", "created_at", "updated_at", "family_name", "middle_name", "given_name",
                                                               "name_order", "full_name", "search_name", "sort_key", "birth_date", "gender",
                                                               "country", "national_id", "email", "phone", "address", "preferred_locale",
                                                               "org_id", "sourced_id", "status"], rows: newPeople)
        try await sql.bulkInsert(into: Account.schema, columns: ["id", "person_id", "username", "password_hash", "failed_attempts",
                                                                "locked_until", "password_changed_at", "enabled"], rows: newAccounts)

        // Roles and enrolments.
        var newGrants: [[any Encodable & Sendable]] = []
        var pupils: Set<String> = []
        var guardians: Set<String> = []
        for (index, r) in reader.roles.enumerated() {
            if index % 1000 == 999 { await Task.yield() }
            guard let role = ORVocabulary.role(r.role), let p = people[r.user], let org = orgs[r.org] else { continue }
            if role == .pupil { pupils.insert(r.user) }
            if role == .guardian { guardians.insert(r.user) }
            // A role that does not fit the organisation (a guardian at a department) is
            // reported and skipped rather than stored in a shape no permission expects.
            guard DirectoryService.allowedKinds(for: role).contains(org.orgKind) else {
                warnings.append(FieldProblem(field: "role", line: r.line, file: r.file, reason: "validation.role-at-kind", arguments: [role.rawValue, org.kind]))
                continue
            }
            let key = "\(p.id)|\(org.id!)|\(role.rawValue)"
            if r.deleted {
                if grants.contains(key) {
                    try await sql.delete(from: RoleGrant.schema).where("person_id", .equal, p.id).where("org_id", .equal, org.id!)
                        .where("role", .equal, role.rawValue).run()
                    grants.remove(key)
                    try audit("role.revoke", "person", p.id, org, [AuditChange(field: "role", before: "\(role.rawValue)@\(org.path)", after: nil)])
                    bump("deactivate", "roles")
                }
                continue
            }
            if grants.contains(key) { bump("seen", "roles"); continue }
            grants.insert(key)
            newGrants.append([UUID(), p.id, org.id!, role.rawValue, r.sourcedID, r.begin.isEmpty ? nil : r.begin, r.end.isEmpty ? nil : r.end, now])
            try audit("role.assign", "person", p.id, org, [AuditChange(field: "role", before: nil, after: "\(role.rawValue)@\(org.path)")])
            bump("create", "roles")
        }
        try await sql.bulkInsert(into: RoleGrant.schema, columns: ["id", "person_id", "org_id", "role", "sourced_id", "begin_date", "end_date", "created_at"],
                                 rows: newGrants)

        // Guardians named as a pupil's agents.
        var links: [[any Encodable & Sendable]] = []
        for u in reader.users where pupils.contains(u.sourcedID) {
            for agent in u.agents.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where guardians.contains(agent) {
                guard let g = people[agent], let pupil = people[u.sourcedID] else { continue }
                let key = "\(g.id)|\(pupil.id)"
                if guardianships.contains(key) { continue }
                guardianships.insert(key)
                links.append([UUID(), g.id, pupil.id, GuardianRelationship.guardian.rawValue, pupil.orgID, now])
                let org = pupil.orgID.flatMap { id in orgs.values.first { $0.id == id } }
                try audit("guardian.link", "person", pupil.id, org, [AuditChange(field: "guardian", before: nil, after: g.id.uuidString)])
                bump("create", "guardianships")
            }
        }
        try await sql.bulkInsert(into: Guardianship.schema, columns: ["id", "guardian_id", "pupil_id", "relationship", "org_id", "created_at"], rows: links)
        try await sql.bulkInsert(into: AuditEvent.schema, columns: AuditLog.columns, rows: auditRows)
    }

    /// Queues an audit event; all are inserted in batches at the end of the transaction.
    mutating func audit(_ action: String, _ type: String, _ id: UUID?, _ org: Organisation?, _ changes: [AuditChange]) throws {
        auditRows.append(try ctx.audit.values(actor: actor, action: action, entityType: type, entityID: id, orgID: org?.id,
                                              orgPath: org?.path ?? target.path, changes: changes))
    }

    mutating func upsertOrg(sourcedID: String, kind: OrgKind, name: LocalizedText, parent: Organisation, attributes: String,
                            deleted: Bool, entity: String, on db: any Database) async throws {
        if let existing = orgs[sourcedID] {
            let status = deleted ? "inactive" : "active"
            let before = (existing.nameJSON, existing.status, existing.attributesJSON)
            existing.name = name
            existing.status = status
            existing.attributesJSON = attributes
            if before != (existing.nameJSON, existing.status, existing.attributesJSON) {
                try await existing.save(on: db)
                try audit(deleted ? "org.deactivate" : "org.update", "organisation", existing.id, existing,
                          AuditChange.diff([("name", before.0, existing.nameJSON), ("status", before.1, status)]))
                bump(deleted ? "deactivate" : "update", entity)
            } else {
                bump("seen", entity)
            }
            if existing.parentID != parent.id {
                warnings.append(FieldProblem(field: "parentSourcedId", reason: "validation.oneroster.parent-changed", arguments: [sourcedID]))
            }
            return
        }
        var code = OrgPath.code(fromExternal: sourcedID)
        if try await Organisation.query(on: db).filter(\.$path == OrgPath.child(of: parent.path, code: code)).first() != nil {
            code = String(code.prefix(30)) + "." + String(Digest.sha256Hex("or:" + sourcedID).prefix(8))
        }
        let o = Organisation()
        o.id = UUID()
        o.kind = kind.rawValue
        o.code = code
        o.parentID = parent.id
        o.path = OrgPath.child(of: parent.path, code: code)
        o.depth = parent.depth + 1
        o.name = name
        o.country = parent.country
        o.timeZone = parent.timeZone
        o.status = deleted ? "inactive" : "active"
        o.sourcedID = sourcedID
        o.attributesJSON = attributes
        try await o.create(on: db)
        orgs[sourcedID] = o
        try audit("org.create", "organisation", o.id, o, AuditChange.diff([("name", nil, o.nameJSON), ("path", nil, o.path)]))
        bump("create", entity)
    }

    mutating func upsertSession(_ s: ORSession, on db: any Database) async throws {
        let m = sessions[s.sourcedID] ?? AcademicSession()
        let isNew = m.id == nil
        let before = isNew ? nil : [m.title, m.kind, m.startDate, m.endDate, m.parentSourcedID ?? "", m.schoolYear, m.status]
        m.sourcedID = s.sourcedID; m.title = s.title; m.kind = s.type; m.startDate = s.start; m.endDate = s.end
        m.parentSourcedID = s.parent.isEmpty ? nil : s.parent; m.schoolYear = s.schoolYear
        m.status = s.deleted ? "tobedeleted" : "active"
        m.orgID = target.id
        if isNew { try await m.create(on: db); sessions[s.sourcedID] = m; bump("create", "academicSessions"); return }
        if before! != [m.title, m.kind, m.startDate, m.endDate, m.parentSourcedID ?? "", m.schoolYear, m.status] {
            try await m.save(on: db)
            bump("update", "academicSessions")
        } else { bump("seen", "academicSessions") }
    }

    mutating func upsertCourse(_ c: ORCourse, on db: any Database) async throws {
        let m = courses[c.sourcedID] ?? CatalogCourse()
        let isNew = m.id == nil
        let before = isNew ? nil : [m.title, m.courseCode, m.grades, m.subjects, m.status]
        m.sourcedID = c.sourcedID; m.title = c.title; m.courseCode = c.code; m.grades = c.grades; m.subjects = c.subjects
        m.orgID = orgs[c.org]?.id; m.schoolYearSourcedID = c.schoolYear.isEmpty ? nil : c.schoolYear
        m.status = c.deleted ? "tobedeleted" : "active"
        if isNew { try await m.create(on: db); courses[c.sourcedID] = m; bump("create", "courses"); return }
        if before! != [m.title, m.courseCode, m.grades, m.subjects, m.status] {
            try await m.save(on: db)
            bump("update", "courses")
        } else { bump("seen", "courses") }
    }
}
