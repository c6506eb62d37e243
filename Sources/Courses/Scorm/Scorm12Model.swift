import Foundation
import Platform

/// The SCORM 1.2 run-time data model (RTE 1.2, §3.4): which elements exist, who may read or
/// write them, and what values they take. Public/scorm12-api.js applies the same rules in
/// the browser (a SCO gets its error code at once); the server applies them again to what
/// is committed, since a commit is new input.
enum Scorm12Model {
    enum Access { case readOnly, readWrite, writeOnly }
    enum Kind: Equatable {
        case string(Int)
        case vocabulary(Set<String>)
        /// CMIDecimal, or empty (the score elements may be blank).
        case decimal(blankAllowed: Bool)
        case timespan
        case time
        /// CMISInteger within a range (student preferences).
        case integer(ClosedRange<Int>)
    }
    struct Spec { var access: Access; var kind: Kind }

    static let statuses: Set<String> = ["passed", "completed", "failed", "incomplete", "browsed", "not attempted"]
    static let interactionTypes: Set<String> = ["true-false", "choice", "fill-in", "matching", "performance", "sequencing", "likert", "numeric"]
    static let results: Set<String> = ["correct", "wrong", "unanticipated", "neutral"]

    static let fixed: [String: Spec] = [
        "cmi.core.student_id": Spec(access: .readOnly, kind: .string(255)),
        "cmi.core.student_name": Spec(access: .readOnly, kind: .string(255)),
        "cmi.core.lesson_location": Spec(access: .readWrite, kind: .string(255)),
        "cmi.core.credit": Spec(access: .readOnly, kind: .vocabulary(["credit", "no-credit"])),
        "cmi.core.lesson_status": Spec(access: .readWrite, kind: .vocabulary(statuses)),
        "cmi.core.entry": Spec(access: .readOnly, kind: .vocabulary(["ab-initio", "resume", ""])),
        "cmi.core.score.raw": Spec(access: .readWrite, kind: .decimal(blankAllowed: true)),
        "cmi.core.score.min": Spec(access: .readWrite, kind: .decimal(blankAllowed: true)),
        "cmi.core.score.max": Spec(access: .readWrite, kind: .decimal(blankAllowed: true)),
        "cmi.core.total_time": Spec(access: .readOnly, kind: .timespan),
        "cmi.core.lesson_mode": Spec(access: .readOnly, kind: .vocabulary(["browse", "normal", "review"])),
        "cmi.core.exit": Spec(access: .writeOnly, kind: .vocabulary(["time-out", "suspend", "logout", ""])),
        "cmi.core.session_time": Spec(access: .writeOnly, kind: .timespan),
        "cmi.suspend_data": Spec(access: .readWrite, kind: .string(4096)),
        "cmi.launch_data": Spec(access: .readOnly, kind: .string(4096)),
        "cmi.comments": Spec(access: .readWrite, kind: .string(4096)),
        "cmi.comments_from_lms": Spec(access: .readOnly, kind: .string(4096)),
        "cmi.student_data.mastery_score": Spec(access: .readOnly, kind: .decimal(blankAllowed: true)),
        "cmi.student_data.max_time_allowed": Spec(access: .readOnly, kind: .string(255)),
        "cmi.student_data.time_limit_action": Spec(access: .readOnly, kind: .string(255)),
        "cmi.student_preference.audio": Spec(access: .readWrite, kind: .integer(-1...100)),
        "cmi.student_preference.language": Spec(access: .readWrite, kind: .string(255)),
        "cmi.student_preference.speed": Spec(access: .readWrite, kind: .integer(-100...100)),
        "cmi.student_preference.text": Spec(access: .readWrite, kind: .integer(-1...1)),
    ]

    /// Elements of the numbered lists: objectives (read and write) and interactions (write
    /// only, as SCORM 1.2 has it).
    static let objectiveFields: [String: Kind] = [
        "id": .string(255), "score.raw": .decimal(blankAllowed: true), "score.min": .decimal(blankAllowed: true),
        "score.max": .decimal(blankAllowed: true), "status": .vocabulary(statuses),
    ]
    static let interactionFields: [String: Kind] = [
        "id": .string(255), "time": .time, "type": .vocabulary(interactionTypes), "weighting": .decimal(blankAllowed: false),
        "student_response": .string(255), "result": .string(255), "latency": .timespan,
    ]
    static let maxListEntries = 250

    /// Elements a SCO writes that are kept between sessions (the rest are per session or
    /// the platform's).
    static func isKept(_ element: String) -> Bool {
        element.hasPrefix("cmi.objectives.") || element.hasPrefix("cmi.interactions.") || element.hasPrefix("cmi.student_preference.")
            || ["cmi.core.lesson_location", "cmi.core.lesson_status", "cmi.core.score.raw", "cmi.core.score.min", "cmi.core.score.max",
                "cmi.suspend_data", "cmi.comments", "cmi.core.exit"].contains(element)
    }

    /// The problem with writing `value` to `element`, as a SCORM 1.2 error code, or nil.
    /// 201 invalid argument (no such element), 401 not implemented, 402 a keyword,
    /// 403 read only, 405 wrong type.
    static func writeError(_ element: String, _ value: String, counts: (objectives: Int, interactions: Int)) -> Int? {
        if element.hasSuffix("._children") || element.hasSuffix("._count") { return 402 }
        if let spec = fixed[element] {
            if spec.access == .readOnly { return 403 }
            return valid(value, spec.kind) ? nil : 405
        }
        let parts = element.split(separator: ".", maxSplits: 3).map(String.init)
        guard parts.count == 4, parts[0] == "cmi", let n = Int(parts[2]), n >= 0, n < maxListEntries else { return 201 }
        switch parts[1] {
        case "objectives":
            // A new entry comes at the end of the list (RTE 1.2 §3.4.4: n is the count).
            guard n <= counts.objectives else { return 201 }
            guard let kind = objectiveFields[parts[3]] else { return 201 }
            return valid(value, kind) ? nil : 405
        case "interactions":
            guard n <= counts.interactions else { return 201 }
            let field = parts[3]
            if let kind = interactionFields[field] { return valid(value, kind) ? nil : 405 }
            // objectives.m.id and correct_responses.m.pattern of an interaction
            let sub = field.split(separator: ".").map(String.init)
            guard sub.count == 3, let m = Int(sub[1]), m >= 0, m < maxListEntries,
                  (sub[0] == "objectives" && sub[2] == "id") || (sub[0] == "correct_responses" && sub[2] == "pattern") else { return 201 }
            return valid(value, .string(255)) ? nil : 405
        default:
            return 201
        }
    }

    static func valid(_ v: String, _ kind: Kind) -> Bool {
        switch kind {
        case .string(let max): return v.count <= max
        case .vocabulary(let set): return set.contains(v)
        case .decimal(let blank):
            if v.isEmpty { return blank }
            return v.wholeMatch(of: /-?[0-9]+(\.[0-9]+)?/) != nil && Double(v) != nil
        case .timespan: return timespanCentiseconds(v) != nil
        case .time: return v.wholeMatch(of: /([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,2})?/) != nil
        case .integer(let r): return Int(v).map(r.contains) ?? false
        }
    }

    /// CMITimespan `HHHH:MM:SS.SS` (hours 2-4 digits) in hundredths of a second.
    static func timespanCentiseconds(_ v: String) -> Int? {
        guard let m = v.wholeMatch(of: /([0-9]{2,4}):([0-5][0-9]):([0-5][0-9])(\.([0-9]{1,2}))?/),
              let h = Int(m.output.1), let min = Int(m.output.2), let s = Int(m.output.3) else { return nil }
        var cs = 0
        if let frac = m.output.5 { cs = Int(frac.count == 1 ? frac + "0" : String(frac)) ?? 0 }
        return ((h * 60 + min) * 60 + s) * 100 + cs
    }

    static func timespan(_ centiseconds: Int) -> String {
        let total = max(0, centiseconds)
        let h = min(total / 360_000, 9999), m = (total / 6000) % 60, s = (total / 100) % 60, cs = total % 100
        return String(format: "%04d:%02d:%02d.%02d", h, m, s, cs)
    }
}
