import Foundation
import FluentKit
import Platform

extension ImportPlan {
    /// Hash that no password verifies against: imported accounts get a password from an
    /// administrator before first sign-in.
    static let unusablePassword = "!imported"

    mutating func write(on db: any Database) async throws {
        report = ImportReport(dryRun: false)
        events = []
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

        // People and accounts, created in batches.
        let rules = ctx.rules.rules(for: target.country)
        let demo = Dictionary(reader.demographics.map { ($0.user, $0) }, uniquingKeysWith: { a, _ in a })
        let firstRoleOrg = Dictionary(reader.roles.map { ($0.user, $0.org) }, uniquingKeysWith: { a, _ in a })
        var newPeople: [Person] = []
        var newAccounts: [Account] = []
        for u in reader.users {
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
            if let p = people[u.sourcedID] {
                let before = [("familyName", p.familyName), ("givenName", p.givenName), ("middleName", p.middleName),
                              ("email", p.email ?? ""), ("phone", p.phone ?? ""), ("birthDate", p.birthDate ?? ""),
                              ("gender", p.gender), ("status", p.status)]
                p.familyName = u.familyName; p.givenName = u.givenName; p.middleName = u.middleName
                p.email = email; p.phone = phone
                if let birth { p.birthDate = birth }
                if let gender { p.gender = gender }
                p.status = status
                let after = [p.familyName, p.givenName, p.middleName, p.email ?? "", p.phone ?? "", p.birthDate ?? "", p.gender, p.status]
                let changes = AuditChange.diff(zip(before, after).map { ($0.0, $0.1, $1) })
                if !changes.isEmpty {
                    applyNames(p, rules: rules)
                    try await p.save(on: db)
                    try audit(u.deleted ? "person.deactivate" : "person.update", "person", p.id, org, changes)
                    bump(u.deleted ? "deactivate" : "update", "users")
                } else { bump("seen", "users") }
                if let a = accountsByPerson[p.id!], !u.username.isEmpty, a.username != u.username || a.enabled != u.enabled {
                    let old = a.username
                    a.username = u.username
                    a.enabled = u.enabled
                    try await a.save(on: db)
                    try audit("account.update", "person", p.id, org, AuditChange.diff([("username", old, a.username)]))
                }
                continue
            }
            let p = Person()
            p.id = UUID()
            p.familyName = u.familyName; p.givenName = u.givenName; p.middleName = u.middleName
            p.nameOrder = rules.familyNameFirst ? "family-first" : "given-first"
            applyNames(p, rules: rules)
            p.birthDate = birth
            p.gender = gender ?? Gender.unspecified.rawValue
            p.country = target.country
            p.nationalID = u.masterID.isEmpty ? nil : NationalID.normalise(u.masterID)
            p.email = email; p.phone = phone; p.address = nil
            p.preferredLocale = lang
            p.orgID = org.id
            p.sourcedID = u.sourcedID
            p.status = status
            newPeople.append(p)
            people[u.sourcedID] = p
            if !u.username.isEmpty {
                let a = Account()
                a.id = UUID()
                a.personID = p.id!
                a.username = u.username
                a.passwordHash = Self.unusablePassword
                a.failedAttempts = 0
                a.enabled = u.enabled
                newAccounts.append(a)
                accountsByPerson[p.id!] = a
            }
            try audit("person.create", "person", p.id, org, AuditChange.diff([("fullName", nil, p.fullName), ("sourcedId", nil, u.sourcedID)]))
            bump(u.deleted ? "deactivate" : "create", "users")
        }
        for chunk in newPeople.chunked(200) { try await Array(chunk).create(on: db) }
        for chunk in newAccounts.chunked(400) { try await Array(chunk).create(on: db) }

        // Roles and enrolments.
        var newGrants: [RoleGrant] = []
        var pupils: Set<String> = []
        var guardians: Set<String> = []
        for r in reader.roles {
            guard let role = ORVocabulary.role(r.role), let p = people[r.user], let org = orgs[r.org] else { continue }
            if role == .pupil { pupils.insert(r.user) }
            if role == .guardian { guardians.insert(r.user) }
            // A role that does not fit the organisation (a guardian at a class) is kept as
            // the nearest that does: enrolment roles at classes stay, others are reported.
            guard DirectoryService.allowedKinds(for: role).contains(org.orgKind) else {
                warnings.append(FieldProblem(field: "role", line: r.line, file: r.file, reason: "validation.role-at-kind", arguments: [role.rawValue, org.kind]))
                continue
            }
            let key = "\(p.id!)|\(org.id!)|\(role.rawValue)"
            if r.deleted {
                if grants.contains(key) {
                    try await RoleGrant.query(on: db).filter(\.$personID == p.id!).filter(\.$orgID == org.id!).filter(\.$role == role.rawValue).delete()
                    grants.remove(key)
                    try audit("role.revoke", "person", p.id, org, [AuditChange(field: "role", before: "\(role.rawValue)@\(org.path)", after: nil)])
                    bump("deactivate", "roles")
                }
                continue
            }
            if grants.contains(key) { bump("seen", "roles"); continue }
            grants.insert(key)
            let g = RoleGrant()
            g.id = UUID()
            g.personID = p.id!
            g.orgID = org.id!
            g.role = role.rawValue
            g.sourcedID = r.sourcedID
            g.beginDate = r.begin.isEmpty ? nil : r.begin
            g.endDate = r.end.isEmpty ? nil : r.end
            newGrants.append(g)
            try audit("role.assign", "person", p.id, org, [AuditChange(field: "role", before: nil, after: "\(role.rawValue)@\(org.path)")])
            bump("create", "roles")
        }
        for chunk in newGrants.chunked(300) { try await Array(chunk).create(on: db) }

        // Guardians named as a pupil's agents.
        var links: [Guardianship] = []
        for u in reader.users where pupils.contains(u.sourcedID) {
            for agent in u.agents.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where guardians.contains(agent) {
                guard let g = people[agent], let pupil = people[u.sourcedID] else { continue }
                let key = "\(g.id!)|\(pupil.id!)"
                if guardianships.contains(key) { continue }
                guardianships.insert(key)
                let l = Guardianship()
                l.guardianID = g.id!
                l.pupilID = pupil.id!
                l.relationship = GuardianRelationship.guardian.rawValue
                l.orgID = pupil.orgID
                links.append(l)
                try audit("guardian.link", "person", pupil.id, nil, [AuditChange(field: "guardian", before: nil, after: g.id!.uuidString)])
                bump("create", "guardianships")
            }
        }
        for chunk in links.chunked(300) { try await Array(chunk).create(on: db) }
        for chunk in events.chunked(200) { try await Array(chunk).create(on: db) }
    }

    /// Queues an audit event; all are inserted in batches at the end of the transaction.
    mutating func audit(_ action: String, _ type: String, _ id: UUID?, _ org: Organisation?, _ changes: [AuditChange]) throws {
        events.append(try ctx.audit.event(actor: actor, action: action, entityType: type, entityID: id, orgID: org?.id,
                                          orgPath: org?.path ?? target.path, changes: changes))
    }

    func applyNames(_ p: Person, rules: CountryRules) {
        p.fullName = PersonName.full(family: p.familyName, middle: p.middleName, given: p.givenName, rules: rules)
        p.searchName = PersonName.search(family: p.familyName, middle: p.middleName, given: p.givenName, full: p.fullName)
        p.sortKey = PersonName.sortKey(family: p.familyName, middle: p.middleName, given: p.givenName, rules: rules)
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
