import Foundation
import Platform

/// Reads and validates a OneRoster 1.2 CSV set without touching the database: every
/// problem is collected with file, line, field and reason, so one run shows them all.
struct OneRosterReader {
    var problems: [FieldProblem] = []
    var warnings: [FieldProblem] = []
    var orgs: [OROrg] = []
    var sessions: [ORSession] = []
    var courses: [ORCourse] = []
    var classes: [ORClass] = []
    var users: [ORUser] = []
    var roles: [ORRole] = []
    var demographics: [ORDemographic] = []

    /// Known misspellings seen in real exports, read as the real column with a warning.
    static let aliases: [String: [String]] = [
        "dateLastModified": ["dataLastModified"],
        "preferredGivenName": ["prefferedGivenName"],
        "preferredMiddleName": ["prefferedMiddleName"],
        "preferredFamilyName": ["prefferedFamilyName"],
    ]

    static let columns: [String: (required: [String], optional: [String])] = [
        "orgs.csv": (["sourcedId", "name", "type"], ["status", "dateLastModified", "identifier", "parentSourcedId"]),
        "academicSessions.csv": (["sourcedId", "title", "type", "startDate", "endDate", "schoolYear"],
                                 ["status", "dateLastModified", "parentSourcedId"]),
        "courses.csv": (["sourcedId", "title", "orgSourcedId"],
                        ["status", "dateLastModified", "schoolYearSourcedId", "courseCode", "grades", "subjects", "subjectCodes"]),
        "classes.csv": (["sourcedId", "title", "courseSourcedId", "schoolSourcedId", "termSourcedIds"],
                        ["status", "dateLastModified", "grades", "classCode", "classType", "location", "subjects", "subjectCodes", "periods"]),
        "users.csv": (["sourcedId", "enabledUser", "username", "givenName", "familyName"],
                      ["status", "dateLastModified", "userIds", "middleName", "identifier", "email", "sms", "phone",
                       "agentSourcedIds", "grades", "password", "userMasterIdentifier", "preferredGivenName",
                       "preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId", "pronouns"]),
        "roles.csv": (["sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId"],
                      ["status", "dateLastModified", "beginDate", "endDate", "userProfileSourcedId"]),
        "enrollments.csv": (["sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"],
                            ["status", "dateLastModified", "primary", "beginDate", "endDate"]),
        "demographics.csv": (["sourcedId"], ["status", "dateLastModified", "birthDate", "sex",
                                             "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
                                             "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces",
                                             "hispanicOrLatinoEthnicity", "countryOfBirthCode", "stateOfBirthAbbreviation",
                                             "cityOfBirth", "publicSchoolResidenceStatus"]),
    ]

    /// Files we read; the others of the standard (results, line items...) belong to
    /// later areas and are reported as not imported.
    static let imported = ["orgs.csv", "academicSessions.csv", "courses.csv", "classes.csv", "users.csv",
                           "roles.csv", "enrollments.csv", "demographics.csv"]

    mutating func problem(_ file: String, _ line: Int?, _ field: String, _ reason: String, _ args: [String] = []) {
        problems.append(FieldProblem(field: field, line: line, file: file, reason: reason, arguments: args))
    }

    mutating func warn(_ file: String, _ line: Int?, _ field: String, _ reason: String, _ args: [String] = []) {
        warnings.append(FieldProblem(field: field, line: line, file: file, reason: reason, arguments: args))
    }

    /// `files` maps file names (any case) to contents.
    mutating func read(files: [String: Data]) {
        var byName: [String: (String, Data)] = [:]
        for (name, data) in files { byName[((name as NSString).lastPathComponent).lowercased()] = ((name as NSString).lastPathComponent, data) }

        guard let (manifestName, manifestData) = byName["manifest.csv"] else {
            problem("manifest.csv", nil, "file", "validation.oneroster.manifest-missing")
            return
        }
        guard let manifest = table(manifestName, manifestData) else { return }
        var props: [String: (String, Int)] = [:]
        for r in manifest.rows where r.values.count >= 2 {
            props[r.values[0].trimmingCharacters(in: .whitespaces).lowercased()] = (r.values[1].trimmingCharacters(in: .whitespaces), r.line)
        }
        let version = props["oneroster.version"]?.0 ?? ""
        guard version == "1.2" else {
            problem(manifestName, props["oneroster.version"]?.1, "oneroster.version", "validation.oneroster.version", [version.isEmpty ? "?" : version])
            return
        }
        var present: [String: CSVTable] = [:]
        for (key, (mode, line)) in props where key.hasPrefix("file.") {
            let file = String(key.dropFirst(5)).lowercased() + ".csv"
            let canonical = Self.imported.first { $0.lowercased() == file }
            switch mode.lowercased() {
            case "absent": continue
            case "":
                warn(manifestName, line, key, "validation.oneroster.manifest-empty")
                continue
            case "bulk", "delta": break
            default:
                problem(manifestName, line, key, "validation.oneroster.manifest-mode", [mode])
                continue
            }
            guard let (realName, data) = byName[file] else {
                problem(file, nil, "file", "validation.oneroster.file-missing")
                continue
            }
            guard let canonical else {
                warn(realName, nil, "file", "validation.oneroster.file-not-imported")
                continue
            }
            if let t = table(realName, data) { present[canonical] = t }
        }
        for name in Self.imported { if let t = present[name] { readRows(name, t) } }
    }

    mutating func table(_ name: String, _ data: Data) -> CSVTable? {
        do {
            return try CSVTable.parse(data, fileName: name)
        } catch CSVTable.ParseError.unterminatedQuote(let line) {
            problem(name, line, "row", "validation.csv.quote")
        } catch {
            problem(name, nil, "file", "validation.csv.encoding")
        }
        return nil
    }

    /// Checks the header and reads each row into its typed record.
    mutating func readRows(_ name: String, _ t: CSVTable) {
        guard let spec = Self.columns[name] else { return }
        var index: [String: Int] = [:]
        for col in spec.required + spec.optional {
            if let i = t.column(col) {
                index[col] = i
            } else if let alias = Self.aliases[col], let i = t.column(col, aliases: alias) {
                index[col] = i
                warn(t.fileName, 1, t.headers[i], "validation.oneroster.header-misspelt", [col])
            }
        }
        let known = Set((spec.required + spec.optional + Self.aliases.values.flatMap { $0 }).map(CSVTable.normaliseHeader))
        for h in t.headers where !h.trimmingCharacters(in: .whitespaces).isEmpty && !known.contains(CSVTable.normaliseHeader(h)) {
            warn(t.fileName, 1, h, "validation.oneroster.header-unknown")
        }
        let missing = spec.required.filter { index[$0] == nil }
        for m in missing { problem(t.fileName, 1, m, "validation.oneroster.column-missing") }
        guard missing.isEmpty else { return }

        var seen: [String: Int] = [:]
        for row in t.rows {
            if row.values.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            func v(_ col: String) -> String {
                guard let i = index[col], i < row.values.count else { return "" }
                return row.values[i].trimmingCharacters(in: .whitespaces)
            }
            for col in spec.required where v(col).isEmpty && !(name == "users.csv" && col == "username") {
                problem(t.fileName, row.line, col, "validation.required")
            }
            let sid = v("sourcedId")
            if !sid.isEmpty {
                if let first = seen[sid] {
                    problem(t.fileName, row.line, "sourcedId", "validation.oneroster.duplicate", [sid, String(first)])
                }
                seen[sid] = row.line
                if sid.count > 255 { problem(t.fileName, row.line, "sourcedId", "validation.too-long", ["255"]) }
            }
            let status = ORStatus.parse(v("status"))
            if !status.valid { problem(t.fileName, row.line, "status", "validation.oneroster.status", [v("status")]) }
            let modified = v("dateLastModified")
            if !modified.isEmpty && !ORVocabulary.isDateTime(modified) {
                problem(t.fileName, row.line, "dateLastModified", "validation.oneroster.datetime", [modified])
            }
            func date(_ col: String) {
                let d = v(col)
                if !d.isEmpty && DateOnly.parse(d) == nil { problem(t.fileName, row.line, col, "validation.date") }
            }
            func bounded(_ col: String, _ max: Int) {
                if v(col).count > max { problem(t.fileName, row.line, col, "validation.too-long", [String(max)]) }
            }
            let deleted = status.deleted
            switch name {
            case "orgs.csv":
                if !v("type").isEmpty && ORVocabulary.orgKind(v("type")) == nil {
                    problem(t.fileName, row.line, "type", "validation.oneroster.org-type", [v("type")])
                }
                bounded("name", 200)
                orgs.append(OROrg(sourcedID: sid, name: v("name"), type: v("type"), identifier: v("identifier"),
                                  parent: v("parentSourcedId"), deleted: deleted, line: row.line))
            case "academicSessions.csv":
                date("startDate"); date("endDate")
                if !["gradingperiod", "semester", "schoolyear", "term"].contains(v("type").lowercased()) && !v("type").isEmpty {
                    problem(t.fileName, row.line, "type", "validation.oneroster.session-type", [v("type")])
                }
                if let s = DateOnly.parse(v("startDate")), let e = DateOnly.parse(v("endDate")),
                   (s.year!, s.month!, s.day!) > (e.year!, e.month!, e.day!) {
                    problem(t.fileName, row.line, "endDate", "validation.date-order")
                }
                if !v("schoolYear").isEmpty && (v("schoolYear").count != 4 || Int(v("schoolYear")) == nil) {
                    problem(t.fileName, row.line, "schoolYear", "validation.oneroster.school-year")
                }
                sessions.append(ORSession(sourcedID: sid, title: v("title"), type: v("type"), start: v("startDate"), end: v("endDate"),
                                          parent: v("parentSourcedId"), schoolYear: v("schoolYear"), deleted: deleted, line: row.line))
            case "courses.csv":
                bounded("title", 200)
                courses.append(ORCourse(sourcedID: sid, title: v("title"), code: v("courseCode"), grades: v("grades"),
                                        subjects: v("subjects"), org: v("orgSourcedId"), schoolYear: v("schoolYearSourcedId"),
                                        deleted: deleted, line: row.line))
            case "classes.csv":
                bounded("title", 200)
                classes.append(ORClass(sourcedID: sid, title: v("title"), grades: v("grades"), course: v("courseSourcedId"),
                                       classCode: v("classCode"), classType: v("classType"), school: v("schoolSourcedId"),
                                       terms: v("termSourcedIds"), subjects: v("subjects"), deleted: deleted, line: row.line))
            case "users.csv":
                let enabled = v("enabledUser").lowercased()
                if !["true", "false"].contains(enabled) {
                    problem(t.fileName, row.line, "enabledUser", "validation.oneroster.boolean", [v("enabledUser")])
                }
                let username = AccountRules.normaliseUsername(v("username"))
                if !username.isEmpty, let p = AccountRules.usernameProblems(username).first {
                    problem(t.fileName, row.line, "username", p.reason)
                }
                for col in ["givenName", "familyName", "middleName"] { bounded(col, 100) }
                for col in ["email", "phone", "sms"] { bounded(col, 200) }
                users.append(ORUser(sourcedID: sid, username: username, givenName: v("givenName"), familyName: v("familyName"),
                                    middleName: v("middleName"), email: v("email"), phone: v("phone").isEmpty ? v("sms") : v("phone"),
                                    agents: v("agentSourcedIds"), primaryOrg: v("primaryOrgSourcedId"),
                                    masterID: v("userMasterIdentifier"), enabled: enabled == "true", deleted: deleted, line: row.line))
            case "roles.csv":
                if ORVocabulary.role(v("role")) == nil && !v("role").isEmpty {
                    problem(t.fileName, row.line, "role", "validation.oneroster.role", [v("role")])
                }
                if !["primary", "secondary"].contains(v("roleType").lowercased()) && !v("roleType").isEmpty {
                    problem(t.fileName, row.line, "roleType", "validation.oneroster.role-type", [v("roleType")])
                }
                date("beginDate"); date("endDate")
                roles.append(ORRole(sourcedID: sid, user: v("userSourcedId"), role: v("role"), org: v("orgSourcedId"),
                                    begin: v("beginDate"), end: v("endDate"), deleted: deleted, line: row.line, file: t.fileName))
            case "enrollments.csv":
                if ORVocabulary.role(v("role")) == nil && !v("role").isEmpty {
                    problem(t.fileName, row.line, "role", "validation.oneroster.role", [v("role")])
                }
                date("beginDate"); date("endDate")
                roles.append(ORRole(sourcedID: sid, user: v("userSourcedId"), role: v("role"), org: v("classSourcedId"),
                                    begin: v("beginDate"), end: v("endDate"), deleted: deleted, line: row.line, file: t.fileName))
            case "demographics.csv":
                date("birthDate")
                if ORVocabulary.gender(v("sex")) == "invalid" {
                    problem(t.fileName, row.line, "sex", "validation.gender")
                }
                demographics.append(ORDemographic(user: sid, birthDate: v("birthDate"), sex: v("sex"), line: row.line))
            default: break
            }
        }
    }
}
