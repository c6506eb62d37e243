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

    /// ISO 8601 date-time as OneRoster writes it (`2023-05-01T18:25:43.511Z`, an offset
    /// instead of Z, no fraction), or a bare date. Checked by hand: a date formatter per
    /// row made a 30,000-person import spend most of its time here.
    static func isDateTime(_ s: String) -> Bool {
        if DateOnly.parse(s) != nil { return true }
        let u = Array(s.utf8)
        guard u.count >= 20, u[10] == UInt8(ascii: "T"), DateOnly.parse(String(decoding: u[0..<10], as: UTF8.self)) != nil else { return false }
        func digits(_ r: Range<Int>) -> Int? {
            guard r.upperBound <= u.count else { return nil }
            var n = 0
            for i in r {
                guard (48...57).contains(u[i]) else { return nil }
                n = n * 10 + Int(u[i] - 48)
            }
            return n
        }
        guard let h = digits(11..<13), u[13] == UInt8(ascii: ":"), let mi = digits(14..<16), u[16] == UInt8(ascii: ":"),
              let sec = digits(17..<19), h < 24, mi < 60, sec < 61 else { return false }
        var i = 19
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < u.count, (48...57).contains(u[i]) { i += 1 }
            guard i > start else { return false }
        }
        guard i < u.count else { return false }
        if u[i] == UInt8(ascii: "Z") { return i == u.count - 1 }
        guard u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-"), u.count == i + 6, u[i + 3] == UInt8(ascii: ":"),
              let oh = digits((i + 1)..<(i + 3)), let om = digits((i + 4)..<(i + 6)) else { return false }
        return oh < 24 && om < 60
    }
}
