import Foundation
import FluentKit
import SQLKit
import Platform

public enum Gender: String, Sendable, CaseIterable { case female, male, other, unspecified }

extension DirectoryService {
    static let maxNameLength = 100
    static let maxContactLength = 200

    /// One person with their roles, if the actor may see them (404 otherwise).
    public func person(_ id: UUID, actor: Actor) async throws -> PersonDTO {
        let p = try await visiblePerson(id, actor: actor)
        return try await personDTO(p, locale: actor.locale)
    }

    /// People the actor may see, optionally under one organisation, with one role, or
    /// matching a name (diacritics ignored: "nguyen van an" finds "Nguyễn Văn An").
    /// Three queries whatever the page size: ids, people, roles.
    public func searchPeople(query: String?, orgID: UUID?, role: String?, limit: Int?, cursor: String?,
                             actor: Actor) async throws -> ListPage<PersonSummaryDTO> {
        let limit = Paging.clamp(limit)
        let offset = try Paging.offset(from: cursor)
        if (query ?? "").count > 100 { throw DomainError.invalid(field: "q", reason: "validation.too-long", arguments: ["100"]) }
        var prefixes = actor.isSystem ? ["/"] : actor.prefixes(for: .viewPeople)
        if let orgID {
            let org = try await visibleOrg(orgID, actor: actor)
            prefixes = prefixes.compactMap { p in
                org.path.hasPrefix(p) ? org.path : (p.hasPrefix(org.path) ? p : nil)
            }
        }
        var ids: [UUID] = []
        if !prefixes.isEmpty {
            // Walk people in sort order and keep those with a grant in scope (EXISTS on the
            // person's own grants): the first page is found without joining every grant of
            // the scope, which on 30,000 people was 30 times slower.
            var grantFilter: SQLQueryString = "g.person_id = p.id AND " + Scope.pathFilter(OrgPath.minimalPrefixes(prefixes))
            if let role, !role.isEmpty {
                guard Role(rawValue: role) != nil else { throw DomainError.invalid(field: "role", reason: "validation.role-unknown", arguments: [role]) }
                grantFilter += " AND g.role = \(bind: role)"
            }
            // Every word must start a word of the name: "nguyen an" finds "Nguyễn Văn An",
            // "an" does not find "Thanh". The cheap name test comes before the grant test.
            var q: SQLQueryString = "SELECT p.id FROM people p WHERE 1 = 1"
            let words = TextFolding.fold(query ?? "").filter { $0 != "%" && $0 != "_" && $0 != "\\" }.split(separator: " ").prefix(8)
            for word in words { q += " AND (' ' || p.search_name) LIKE \(bind: "% " + word + "%")" }
            q += " AND EXISTS (SELECT 1 FROM role_grants g JOIN organisations o ON o.id = g.org_id WHERE " + grantFilter + ")"
            q += " ORDER BY p.sort_key, p.id LIMIT \(unsafeRaw: String(limit + 1)) OFFSET \(unsafeRaw: String(offset))"
            ids = try await db.sql.raw(q).all().map { try $0.decode(column: "id", as: UUID.self) }
        }
        let more = ids.count > limit
        ids = Array(ids.prefix(limit))
        // Names and role names with explicit columns: a page of 50 through the model layer
        // cost more than the search itself.
        var names: [UUID: (String, String?)] = [:]
        var roleNames: [UUID: Set<String>] = [:]
        if !ids.isEmpty {
            for row in try await db.sql.select().columns("id", "full_name", "birth_date").from(Person.schema).where("id", .in, ids).all() {
                names[try row.decode(column: "id", as: UUID.self)] = (try row.decode(column: "full_name", as: String.self),
                                                                   try row.decode(column: "birth_date", as: String?.self))
            }
            for row in try await db.sql.select().columns("person_id", "role").from(RoleGrant.schema).where("person_id", .in, ids).all() {
                roleNames[try row.decode(column: "person_id", as: UUID.self), default: []].insert(try row.decode(column: "role", as: String.self))
            }
        }
        let items = ids.compactMap { id -> PersonSummaryDTO? in
            guard let (name, birth) = names[id] else { return nil }
            return PersonSummaryDTO(id: id, fullName: name, birthDate: birth, roles: (roleNames[id] ?? []).sorted())
        }
        return ListPage(items: items, nextCursor: more ? Paging.cursor(offset: offset + limit) : nil)
    }

    /// Creates a person with a first role at an organisation the actor manages, and an
    /// account when a username is given.
    public func createPerson(_ input: NewPerson, actor: Actor, sourcedID: String? = nil) async throws -> PersonDTO {
        guard let org = try await Organisation.find(input.orgID, on: db), canView(org: org, actor: actor) else {
            throw DomainError.invalid(field: "orgId", reason: "validation.org-unknown")
        }
        guard let role = Role(rawValue: input.role) else {
            throw DomainError.invalid(field: "role", reason: "validation.role-unknown", arguments: [input.role])
        }
        try actor.require(.managePeople, at: org.path)
        try checkGrantable(role: role, at: org, actor: actor)

        let country = (input.country ?? org.country).uppercased()
        let rules = ctx.rules.rules(for: country)
        var problems = nameProblems(family: input.familyName, middle: input.middleName ?? "", given: input.givenName)
        problems += personFieldProblems(birthDate: input.birthDate, gender: input.gender, language: input.preferredLanguage,
                                        email: input.email, phone: input.phone, address: input.address)
        let nationalID: String? = input.nationalID.flatMap { $0.isEmpty ? nil : NationalID.normalise($0) }
        if let raw = input.nationalID, !raw.isEmpty {
            if let reason = NationalID.problem(raw, country: country, birthDate: input.birthDate, gender: input.gender) {
                problems.append(FieldProblem(field: "nationalId", reason: reason))
            }
        }
        let username: String? = input.username.flatMap { $0.isEmpty ? nil : AccountRules.normaliseUsername($0) }
        if let username {
            problems += AccountRules.usernameProblems(username)
            problems += PasswordPolicy.problems(input.password ?? "")
        }
        // Contact details of a child need consent first (DOMAIN-RULES §7): they can be
        // added once a guardian's consent is recorded.
        if isChild(birthDate: input.birthDate, rules: rules), hasContact(input.email, input.phone, input.address) {
            problems.append(FieldProblem(field: "email", reason: "validation.consent-required"))
        }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }

        if let nationalID, try await Person.query(on: db).filter(\.$nationalID == nationalID).first() != nil {
            throw DomainError.conflict(reason: "error.national-id-taken")
        }
        if let username, try await Account.query(on: db).filter(\.$username == username).first() != nil {
            throw DomainError.conflict(reason: "error.username-taken", arguments: [username])
        }
        let passwordHash = try await username.asyncMap { _ in try await ctx.hasher.hash(input.password ?? "") }

        let p = Person()
        p.id = UUID()
        p.familyName = input.familyName.trimmingCharacters(in: .whitespaces)
        p.middleName = (input.middleName ?? "").trimmingCharacters(in: .whitespaces)
        p.givenName = input.givenName.trimmingCharacters(in: .whitespaces)
        p.nameOrder = rules.familyNameFirst ? "family-first" : "given-first"
        applyNames(p, rules: rules)
        p.birthDate = input.birthDate.flatMap { $0.isEmpty ? nil : $0 }
        p.gender = input.gender.flatMap { $0.isEmpty ? nil : $0 } ?? Gender.unspecified.rawValue
        p.country = country
        p.nationalID = nationalID
        p.email = input.email.flatMap { $0.isEmpty ? nil : $0 }
        p.phone = input.phone.flatMap { $0.isEmpty ? nil : $0 }
        p.address = input.address.flatMap { $0.isEmpty ? nil : $0 }
        p.preferredLocale = input.preferredLanguage.flatMap { AppLocale(tag: $0)?.rawValue } ?? (country == "CN" ? "zh-Hans" : country == "VN" ? "vi" : "en")
        p.orgID = org.id
        p.sourcedID = sourcedID
        p.status = "active"
        let now = ctx.clock.now()
        try await db.transaction { tx in
            try await p.create(on: tx)
            if let username, let passwordHash {
                let a = Account()
                a.personID = p.id!
                a.username = username
                a.passwordHash = passwordHash
                a.failedAttempts = 0
                a.enabled = true
                a.passwordChangedAt = now
                try await a.create(on: tx)
            }
            let g = RoleGrant()
            g.personID = p.id!
            g.orgID = org.id!
            g.role = role.rawValue
            try await g.create(on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "person.create", entityType: "person",
                                       entityID: p.id, orgID: org.id, orgPath: org.path,
                                       changes: AuditChange.diff([("fullName", nil, p.fullName), ("birthDate", nil, p.birthDate),
                                                                  ("nationalId", nil, p.nationalID), ("username", nil, username),
                                                                  ("role", nil, "\(role.rawValue)@\(org.path)")]))
        }
        return try await personDTO(p, locale: actor.locale)
    }

    /// Edits a person's ordinary fields. A person may edit their own contact details and
    /// language; managers edit the rest. The national ID is never changed here: see
    /// `correctNationalID`, which demands a reason and is audited as a correction.
    public func updatePerson(_ id: UUID, _ patch: PersonPatch, actor: Actor) async throws -> PersonDTO {
        let p = try await visiblePerson(id, actor: actor)
        let manager = try await canManage(personID: id, actor: actor)
        let isSelf = actor.personID == id
        let touchesManagedFields = patch.familyName != nil || patch.middleName != nil || patch.givenName != nil
            || patch.birthDate != nil || patch.gender != nil
        guard manager || (isSelf && !touchesManagedFields) else { throw DomainError.forbidden() }
        if let nid = patch.nationalID, NationalID.normalise(nid) != (p.nationalID ?? "") {
            if p.nationalID != nil {
                throw DomainError.invalid(field: "nationalId", reason: "validation.national-id-correction-required")
            }
        }

        var problems = nameProblems(family: patch.familyName ?? p.familyName, middle: patch.middleName ?? p.middleName,
                                    given: patch.givenName ?? p.givenName)
        problems += personFieldProblems(birthDate: patch.birthDate, gender: patch.gender, language: patch.preferredLanguage,
                                        email: patch.email, phone: patch.phone, address: patch.address)
        let rules = ctx.rules.rules(for: p.country)
        let newBirth = patch.birthDate.map { $0.isEmpty ? nil : $0 } ?? p.birthDate
        if let nid = patch.nationalID, !nid.isEmpty, p.nationalID == nil,
           let reason = NationalID.problem(nid, country: p.country, birthDate: newBirth, gender: patch.gender ?? p.gender) {
            problems.append(FieldProblem(field: "nationalId", reason: reason))
        }
        let addsContact = hasContact(patch.email, patch.phone, patch.address)
        if addsContact, isChild(birthDate: newBirth, rules: rules),
           !(try await hasActiveConsent(subject: id, purpose: ConsentPurpose.contactDetails.rawValue)) {
            problems.append(FieldProblem(field: "email", reason: "validation.consent-required"))
        }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }

        let before: [String: String?] = ["familyName": p.familyName, "middleName": p.middleName, "givenName": p.givenName,
                                         "birthDate": p.birthDate, "gender": p.gender, "email": p.email, "phone": p.phone,
                                         "address": p.address, "preferredLanguage": p.preferredLocale, "nationalId": p.nationalID]
        if let v = patch.familyName { p.familyName = v.trimmingCharacters(in: .whitespaces) }
        if let v = patch.middleName { p.middleName = v.trimmingCharacters(in: .whitespaces) }
        if let v = patch.givenName { p.givenName = v.trimmingCharacters(in: .whitespaces) }
        applyNames(p, rules: rules)
        if let v = patch.birthDate { p.birthDate = v.isEmpty ? nil : v }
        if let v = patch.gender { p.gender = v.isEmpty ? Gender.unspecified.rawValue : v }
        if let v = patch.email { p.email = v.isEmpty ? nil : v }
        if let v = patch.phone { p.phone = v.isEmpty ? nil : v }
        if let v = patch.address { p.address = v.isEmpty ? nil : v }
        if let v = patch.preferredLanguage, let l = AppLocale(tag: v) { p.preferredLocale = l.rawValue }
        if let v = patch.nationalID, !v.isEmpty, p.nationalID == nil {
            let nid = NationalID.normalise(v)
            if try await Person.query(on: db).filter(\.$nationalID == nid).first() != nil {
                throw DomainError.conflict(reason: "error.national-id-taken")
            }
            p.nationalID = nid
        }
        let after: [String: String?] = ["familyName": p.familyName, "middleName": p.middleName, "givenName": p.givenName,
                                        "birthDate": p.birthDate, "gender": p.gender, "email": p.email, "phone": p.phone,
                                        "address": p.address, "preferredLanguage": p.preferredLocale, "nationalId": p.nationalID]
        let changes = AuditChange.diff(before.keys.sorted().map { ($0, before[$0]!, after[$0]!) })
        guard !changes.isEmpty else { return try await personDTO(p, locale: actor.locale) }
        let org = try await p.orgID.asyncMap { try await Organisation.find($0, on: db) } ?? nil
        try await db.transaction { tx in
            try await p.save(on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "person.update", entityType: "person",
                                       entityID: p.id, orgID: org?.id, orgPath: org?.path ?? "/", changes: changes)
        }
        ctx.identities.invalidate(personID: id)
        return try await personDTO(p, locale: actor.locale)
    }

    /// Corrects a wrong national ID. IDs are set once and never changed silently
    /// (Circular 42/2021): a correction needs a managing role and a written reason, and
    /// the audit keeps the old value, the new one and the reason.
    public func correctNationalID(_ id: UUID, newID: String, reason: String, actor: Actor) async throws -> PersonDTO {
        let p = try await visiblePerson(id, actor: actor)
        guard try await canManage(personID: id, actor: actor) else { throw DomainError.forbidden() }
        var problems: [FieldProblem] = []
        let trimmedReason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmedReason.count < 5 { problems.append(FieldProblem(field: "reason", reason: "validation.reason-required")) }
        if trimmedReason.count > 500 { problems.append(FieldProblem(field: "reason", reason: "validation.too-long", arguments: ["500"])) }
        if let why = NationalID.problem(newID, country: p.country, birthDate: p.birthDate, gender: p.gender) {
            problems.append(FieldProblem(field: "nationalId", reason: why))
        }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }
        let nid = NationalID.normalise(newID)
        if nid == p.nationalID { return try await personDTO(p, locale: actor.locale) }
        if try await Person.query(on: db).filter(\.$nationalID == nid).first() != nil {
            throw DomainError.conflict(reason: "error.national-id-taken")
        }
        let old = p.nationalID
        p.nationalID = nid
        let org = try await p.orgID.asyncMap { try await Organisation.find($0, on: db) } ?? nil
        try await db.transaction { tx in
            try await p.save(on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "person.national-id.correct", entityType: "person",
                                       entityID: p.id, orgID: org?.id, orgPath: org?.path ?? "/",
                                       changes: [AuditChange(field: "nationalId", before: old, after: nid),
                                                 AuditChange(field: "reason", before: nil, after: trimmedReason)])
        }
        return try await personDTO(p, locale: actor.locale)
    }

    /// The actor's own record for `GET /me`: one query with explicit columns; the roles come
    /// from the grants already resolved with the token. This is the hot path of every client
    /// start, so it avoids the model layer.
    /// The actor of an account, with its grants, for work the platform does on someone's
    /// behalf (demo data, command-line tools). Only the system may ask.
    public func actor(username: String, acting: Actor) async throws -> Actor {
        guard acting.isSystem else { throw DomainError.forbidden() }
        guard let account = try await Account.query(on: db).filter(\.$username == username.lowercased()).first(),
              let person = try await Person.find(account.personID, on: db) else { throw DomainError.notFound(entity: "account") }
        return Actor(personID: person.id, displayName: person.fullName, grants: try await Scope.grants(of: person.id!, on: db), locale: acting.locale)
    }

    public func me(actor: Actor) async throws -> PersonDTO {
        guard let id = actor.personID else { throw DomainError.unauthenticated() }
        guard let row = try await db.sql.raw("""
            SELECT p.family_name, p.middle_name, p.given_name, p.full_name, p.birth_date, p.gender, p.country,
                   p.national_id, p.email, p.phone, p.address, p.preferred_locale, p.org_id, p.status, a.username
            FROM people p LEFT JOIN accounts a ON a.person_id = p.id WHERE p.id = \(bind: id)
            """).first() else { throw DomainError.notFound(entity: "person") }
        let roles = actor.grants.map {
            RoleDTO(role: $0.role.rawValue, orgID: $0.orgID, orgName: $0.orgName.pick(actor.locale), orgKind: $0.orgKind.rawValue)
        }.sorted { ($0.orgKind, $0.role) < ($1.orgKind, $1.role) }
        func s(_ c: String) throws -> String { try row.decode(column: c, as: String.self) }
        func o(_ c: String) throws -> String? { try row.decode(column: c, as: String?.self) }
        return PersonDTO(id: id, fullName: try s("full_name"), familyName: try s("family_name"), middleName: try s("middle_name"),
                         givenName: try s("given_name"), birthDate: try o("birth_date"), gender: try s("gender"),
                         country: try s("country"), nationalID: try o("national_id"), email: try o("email"), phone: try o("phone"),
                         address: try o("address"), preferredLanguage: try s("preferred_locale"), username: try o("username"),
                         orgID: try row.decode(column: "org_id", as: UUID?.self), roles: roles, status: try s("status"))
    }

    // MARK: helpers shared by create, update and import

    func applyNames(_ p: Person, rules: CountryRules) {
        NameFields(family: p.familyName, middle: p.middleName, given: p.givenName, rules: rules).apply(to: p)
    }

    func nameProblems(family: String, middle: String, given: String) -> [FieldProblem] {
        var out: [FieldProblem] = []
        for (field, value) in [("familyName", family), ("middleName", middle), ("givenName", given)] {
            if value.count > Self.maxNameLength {
                out.append(FieldProblem(field: field, reason: "validation.too-long", arguments: [String(Self.maxNameLength)]))
            }
            if value.contains(where: { $0.isNewline || ($0.unicodeScalars.first.map { $0.properties.generalCategory == .control } ?? false) }) {
                out.append(FieldProblem(field: field, reason: "validation.characters"))
            }
        }
        if given.trimmingCharacters(in: .whitespaces).isEmpty && family.trimmingCharacters(in: .whitespaces).isEmpty {
            out.append(FieldProblem(field: "givenName", reason: "validation.required"))
        }
        return out
    }

    func personFieldProblems(birthDate: String?, gender: String?, language: String?, email: String?,
                             phone: String?, address: String?) -> [FieldProblem] {
        var out: [FieldProblem] = []
        if let b = birthDate, !b.isEmpty {
            if let c = DateOnly.parse(b), let y = c.year {
                let thisYear = Calendar(identifier: .gregorian).component(.year, from: ctx.clock.now())
                if y > thisYear { out.append(FieldProblem(field: "birthDate", reason: "validation.date-future")) }
            } else {
                out.append(FieldProblem(field: "birthDate", reason: "validation.date"))
            }
        }
        if let g = gender, !g.isEmpty, Gender(rawValue: g) == nil {
            out.append(FieldProblem(field: "gender", reason: "validation.gender"))
        }
        if let l = language, !l.isEmpty, AppLocale(tag: l) == nil {
            out.append(FieldProblem(field: "preferredLanguage", reason: "validation.language-unknown", arguments: [l]))
        }
        if let e = email, !e.isEmpty {
            let parts = e.split(separator: "@")
            if parts.count != 2 || !parts[1].contains(".") || e.contains(" ") {
                out.append(FieldProblem(field: "email", reason: "validation.email"))
            }
        }
        if let ph = phone, !ph.isEmpty, !ph.allSatisfy({ $0.isNumber || "+ -().".contains($0) }) || ph.filter(\.isNumber).count < 6 {
            out.append(FieldProblem(field: "phone", reason: "validation.phone"))
        }
        for (field, v) in [("email", email), ("phone", phone), ("address", address)] where (v?.count ?? 0) > Self.maxContactLength {
            out.append(FieldProblem(field: field, reason: "validation.too-long", arguments: [String(Self.maxContactLength)]))
        }
        return out
    }

    func isChild(birthDate: String?, rules: CountryRules) -> Bool {
        guard let b = birthDate, let age = DateOnly.age(birthDate: b, on: ctx.clock.now()) else { return false }
        return age < rules.childAgeBelow
    }

    func hasContact(_ values: String?...) -> Bool {
        values.contains { !($0 ?? "").isEmpty }
    }
}

/// Usernames: lower-case letters, digits, dot, dash, underscore; 3–64 characters.
public enum AccountRules {
    public static func normaliseUsername(_ u: String) -> String {
        u.trimmingCharacters(in: .whitespaces).lowercased()
    }

    public static func usernameProblems(_ u: String) -> [FieldProblem] {
        let ok = (3...64).contains(u.count) && u.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "-" || $0 == "_" || $0 == "@"
        }
        return ok ? [] : [FieldProblem(field: "username", reason: "validation.username")]
    }
}
