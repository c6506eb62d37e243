import Foundation
import Platform

/// Typed rows of a OneRoster 1.2 CSV set, after field-level validation.
struct ORStatus {
    /// Bulk files may leave status empty; it then means active.
    static func parse(_ s: String) -> (deleted: Bool, valid: Bool) {
        switch s.lowercased() {
        case "", "active": (false, true)
        case "tobedeleted": (true, true)
        default: (false, false)
        }
    }
}

struct OROrg { var sourcedID, name, type, identifier, parent: String; var deleted: Bool; var line: Int }
struct ORSession { var sourcedID, title, type, start, end, parent, schoolYear: String; var deleted: Bool; var line: Int }
struct ORCourse { var sourcedID, title, code, grades, subjects, org, schoolYear: String; var deleted: Bool; var line: Int }
struct ORClass { var sourcedID, title, grades, course, classCode, classType, school, terms, subjects: String; var deleted: Bool; var line: Int }
struct ORUser {
    var sourcedID, username, givenName, familyName, middleName, email, phone, agents, primaryOrg, masterID: String
    var enabled: Bool; var deleted: Bool; var line: Int
}
struct ORRole { var sourcedID, user, role, org, begin, end: String; var deleted: Bool; var line: Int; var file: String }
struct ORDemographic { var user, birthDate, sex: String; var line: Int }

/// How OneRoster's vocabularies map onto ours.
enum ORVocabulary {
    static func orgKind(_ type: String) -> OrgKind? {
        switch type.lowercased() {
        case "national": .nation
        case "state": .province
        case "district", "local": .district
        case "school": .school
        case "department": .department
        default: nil
        }
    }

    /// OneRoster roles (1.2 adds many) to EduCommons roles; `isClass` for enrolments.
    static func role(_ r: String) -> Role? {
        switch r.lowercased() {
        case "student": .pupil
        case "teacher", "aide", "proctor": .teacher
        case "guardian", "parent", "relative": .guardian
        case "administrator", "siteadministrator", "principal": .schoolAdmin
        case "districtadministrator", "systemadministrator": .official
        default: nil
        }
    }

    static func gender(_ sex: String) -> String? {
        switch sex.lowercased() {
        case "": nil
        case "male", "m": "male"
        case "female", "f": "female"
        case "other": "other"
        case "unspecified": "unspecified"
        default: "invalid"
        }
    }

    /// ISO 8601 date-time as OneRoster writes it, or a bare date.
    static func isDateTime(_ s: String) -> Bool {
        if DateOnly.parse(s) != nil { return true }
        guard s.count >= 20, let t = s.firstIndex(of: "T") else { return false }
        guard DateOnly.parse(String(s[..<t])) != nil else { return false }
        let time = s[s.index(after: t)...]
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let g = ISO8601DateFormatter()
        return time.count >= 9 && (f.date(from: s) != nil || g.date(from: s) != nil)
    }
}
