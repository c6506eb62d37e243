import Foundation
import Synchronization
import Platform

/// Checks a statement against the xAPI 1.0.3 data model (Part Two of the specification):
/// required properties, one identifier per agent, IRIs, UUIDs, language maps, scores,
/// durations, and no property the specification does not define. Every problem is named
/// with its path, so a client learns exactly what to fix; the LRS answers 400 for any.
struct StatementValidator {
    private(set) var problems: [FieldProblem] = []

    static let interactionTypes: Set<String> = ["true-false", "choice", "fill-in", "long-fill-in", "matching", "performance",
                                                "sequencing", "likert", "numeric", "other"]

    /// Problems of a whole statement (empty when it is valid).
    static func check(_ statement: JSONValue) -> [FieldProblem] {
        var v = StatementValidator()
        v.statement(statement, path: "", sub: false)
        return v.problems
    }

    mutating func fail(_ path: String, _ reason: String, _ args: [String] = []) {
        problems.append(FieldProblem(field: path.isEmpty ? "statement" : path, reason: reason, arguments: args))
    }

    static func join(_ a: String, _ b: String) -> String { a.isEmpty ? b : "\(a).\(b)" }

    /// Refuses properties outside `allowed`.
    mutating func only(_ o: [String: JSONValue], _ allowed: Set<String>, _ path: String) {
        for key in o.keys.sorted() where !allowed.contains(key) { fail(Self.join(path, key), "xapi.unknown-property") }
    }

    mutating func object(_ v: JSONValue?, _ path: String) -> [String: JSONValue]? {
        guard let v else { fail(path, "xapi.required"); return nil }
        guard let o = v.object else { fail(path, "xapi.not-object"); return nil }
        return o
    }

    mutating func statement(_ s: JSONValue, path: String, sub: Bool) {
        guard let o = object(s, path) else { return }
        let allowed: Set<String> = sub ? ["objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"]
                                       : ["id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority", "version", "attachments"]
        only(o, allowed, path)
        if let id = o["id"] { uuid(id, Self.join(path, "id")) }
        actorOrGroup(o["actor"], Self.join(path, "actor"))
        verb(o["verb"], Self.join(path, "verb"))
        let objectType = statementObject(o["object"], Self.join(path, "object"), sub: sub)
        if let r = o["result"] { result(r, Self.join(path, "result")) }
        if let c = o["context"] { context(c, Self.join(path, "context"), objectIsActivity: objectType == "Activity") }
        if let t = o["timestamp"] { timestamp(t, Self.join(path, "timestamp")) }
        if let t = o["stored"] { timestamp(t, Self.join(path, "stored")) }
        if let a = o["authority"] { actorOrGroup(a, Self.join(path, "authority")) }
        if let v = o["version"] {
            if !(v.string.map { $0.hasPrefix("1.0.") || $0 == "1.0" } ?? false) { fail(Self.join(path, "version"), "xapi.version") }
        }
        if let a = o["attachments"] { attachments(a, Self.join(path, "attachments")) }
        // Voiding: the object is the statement voided.
        if o["verb"]?["id"]?.string == XAPIVerbs.voided, objectType != "StatementRef" {
            fail(Self.join(path, "object"), "xapi.voiding-needs-ref")
        }
    }

    mutating func actorOrGroup(_ v: JSONValue?, _ path: String) {
        guard let o = object(v, path) else { return }
        if o["objectType"]?.string == "Group" { group(o, path) } else { agent(o, path) }
    }

    mutating func agent(_ o: [String: JSONValue], _ path: String) {
        only(o, ["objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"], path)
        if let t = o["objectType"], t.string != "Agent" { fail(Self.join(path, "objectType"), "xapi.object-type") }
        if let n = o["name"], n.string == nil { fail(Self.join(path, "name"), "xapi.not-string") }
        let ifis = identifiers(o, path)
        if ifis != 1 { fail(path, ifis == 0 ? "xapi.agent-no-identifier" : "xapi.agent-many-identifiers") }
    }

    mutating func group(_ o: [String: JSONValue], _ path: String) {
        only(o, ["objectType", "name", "mbox", "mbox_sha1sum", "openid", "account", "member"], path)
        if let n = o["name"], n.string == nil { fail(Self.join(path, "name"), "xapi.not-string") }
        let ifis = identifiers(o, path)
        if ifis > 1 { fail(path, "xapi.agent-many-identifiers") }
        if let m = o["member"] {
            guard let members = m.array else { fail(Self.join(path, "member"), "xapi.not-array"); return }
            for (i, member) in members.enumerated() {
                let p = "\(path).member[\(i)]"
                guard let mo = object(member, p) else { continue }
                // Groups hold agents, not groups.
                if mo["objectType"]?.string == "Group" { fail(p, "xapi.group-in-group") } else { agent(mo, p) }
            }
            if ifis == 0, members.isEmpty { fail(Self.join(path, "member"), "xapi.anonymous-group-members") }
        } else if ifis == 0 {
            fail(Self.join(path, "member"), "xapi.anonymous-group-members")
        }
    }

    /// Counts the inverse functional identifiers present and checks each one's form.
    mutating func identifiers(_ o: [String: JSONValue], _ path: String) -> Int {
        var n = 0
        if let m = o["mbox"] {
            n += 1
            if !(m.string.map { $0.hasPrefix("mailto:") && $0.count > 8 && $0.contains("@") } ?? false) { fail(Self.join(path, "mbox"), "xapi.mbox") }
        }
        if let s = o["mbox_sha1sum"] {
            n += 1
            if !(s.string.map { $0.count == 40 && $0.allSatisfy(\.isHexDigit) } ?? false) { fail(Self.join(path, "mbox_sha1sum"), "xapi.sha1") }
        }
        if let u = o["openid"] {
            n += 1
            if !Self.isIRI(u.string) { fail(Self.join(path, "openid"), "xapi.iri") }
        }
        if let a = o["account"] {
            n += 1
            let p = Self.join(path, "account")
            if let ao = object(a, p) {
                only(ao, ["homePage", "name"], p)
                if !Self.isIRI(ao["homePage"]?.string) { fail(Self.join(p, "homePage"), "xapi.iri") }
                if (ao["name"]?.string ?? "").isEmpty { fail(Self.join(p, "name"), "xapi.required") }
            }
        }
        return n
    }

    mutating func verb(_ v: JSONValue?, _ path: String) {
        guard let o = object(v, path) else { return }
        only(o, ["id", "display"], path)
        if !Self.isIRI(o["id"]?.string) { fail(Self.join(path, "id"), o["id"] == nil ? "xapi.required" : "xapi.iri") }
        if let d = o["display"] { languageMap(d, Self.join(path, "display")) }
    }

    /// Checks the object and answers its type.
    mutating func statementObject(_ v: JSONValue?, _ path: String, sub: Bool) -> String? {
        guard let o = object(v, path) else { return nil }
        let type = o["objectType"]?.string ?? "Activity"
        switch type {
        case "Activity": activity(o, path)
        case "Agent": agent(o, path)
        case "Group": group(o, path)
        case "StatementRef":
            only(o, ["objectType", "id"], path)
            guard let id = o["id"] else { fail(Self.join(path, "id"), "xapi.required"); break }
            uuid(id, Self.join(path, "id"))
        case "SubStatement":
            if sub { fail(path, "xapi.nested-substatement") } else { statement(.object(o), path: path, sub: true) }
        default:
            fail(Self.join(path, "objectType"), "xapi.object-type")
        }
        return type
    }

    mutating func activity(_ o: [String: JSONValue], _ path: String) {
        only(o, ["objectType", "id", "definition"], path)
        if !Self.isIRI(o["id"]?.string) { fail(Self.join(path, "id"), o["id"] == nil ? "xapi.required" : "xapi.iri") }
        guard let d = o["definition"] else { return }
        let p = Self.join(path, "definition")
        guard let def = object(d, p) else { return }
        only(def, ["name", "description", "type", "moreInfo", "interactionType", "correctResponsesPattern",
                   "choices", "scale", "source", "target", "steps", "extensions"], p)
        if let n = def["name"] { languageMap(n, Self.join(p, "name")) }
        if let n = def["description"] { languageMap(n, Self.join(p, "description")) }
        if let t = def["type"], !Self.isIRI(t.string) { fail(Self.join(p, "type"), "xapi.iri") }
        if let m = def["moreInfo"], !Self.isIRI(m.string) { fail(Self.join(p, "moreInfo"), "xapi.iri") }
        if let i = def["interactionType"], !(i.string.map(Self.interactionTypes.contains) ?? false) {
            fail(Self.join(p, "interactionType"), "xapi.interaction-type")
        }
        if let c = def["correctResponsesPattern"], !(c.array?.allSatisfy { $0.string != nil } ?? false) {
            fail(Self.join(p, "correctResponsesPattern"), "xapi.strings")
        }
        for key in ["choices", "scale", "source", "target", "steps"] {
            guard let list = def[key] else { continue }
            guard let items = list.array else { fail(Self.join(p, key), "xapi.not-array"); continue }
            for (i, component) in items.enumerated() {
                let cp = "\(Self.join(p, key))[\(i)]"
                guard let co = object(component, cp) else { continue }
                only(co, ["id", "description"], cp)
                if (co["id"]?.string ?? "").isEmpty { fail(Self.join(cp, "id"), "xapi.required") }
                if let d = co["description"] { languageMap(d, Self.join(cp, "description")) }
            }
        }
        if let e = def["extensions"] { extensions(e, Self.join(p, "extensions")) }
    }

    mutating func result(_ v: JSONValue, _ path: String) {
        guard let o = object(v, path) else { return }
        only(o, ["score", "success", "completion", "response", "duration", "extensions"], path)
        if let s = o["score"], let so = object(s, Self.join(path, "score")) {
            let p = Self.join(path, "score")
            only(so, ["scaled", "raw", "min", "max"], p)
            for key in ["scaled", "raw", "min", "max"] where so[key] != nil && so[key]?.number == nil { fail(Self.join(p, key), "xapi.not-number") }
            if let scaled = so["scaled"]?.number, !(-1...1).contains(scaled) { fail(Self.join(p, "scaled"), "xapi.scaled-range") }
            let min = so["min"]?.number, max = so["max"]?.number, raw = so["raw"]?.number
            if let min, let max, min >= max { fail(Self.join(p, "min"), "xapi.min-max") }
            if let raw, let min, raw < min { fail(Self.join(p, "raw"), "xapi.raw-range") }
            if let raw, let max, raw > max { fail(Self.join(p, "raw"), "xapi.raw-range") }
        }
        for key in ["success", "completion"] where o[key] != nil && o[key]?.bool == nil { fail(Self.join(path, key), "xapi.not-boolean") }
        if let r = o["response"], r.string == nil { fail(Self.join(path, "response"), "xapi.not-string") }
        if let d = o["duration"], !Self.isDuration(d.string) { fail(Self.join(path, "duration"), "xapi.duration") }
        if let e = o["extensions"] { extensions(e, Self.join(path, "extensions")) }
    }

    mutating func context(_ v: JSONValue, _ path: String, objectIsActivity: Bool) {
        guard let o = object(v, path) else { return }
        only(o, ["registration", "instructor", "team", "contextActivities", "revision", "platform", "language", "statement", "extensions"], path)
        if let r = o["registration"] { uuid(r, Self.join(path, "registration")) }
        if let i = o["instructor"] { actorOrGroup(i, Self.join(path, "instructor")) }
        if let t = o["team"] {
            if t["objectType"]?.string != "Group" { fail(Self.join(path, "team"), "xapi.team-group") } else { actorOrGroup(t, Self.join(path, "team")) }
        }
        if let ca = o["contextActivities"], let cao = object(ca, Self.join(path, "contextActivities")) {
            let p = Self.join(path, "contextActivities")
            only(cao, ["parent", "grouping", "category", "other"], p)
            for (key, value) in cao where ["parent", "grouping", "category", "other"].contains(key) {
                let list = value.array ?? [value]
                for (i, a) in list.enumerated() {
                    let ap = value.array == nil ? Self.join(p, key) : "\(Self.join(p, key))[\(i)]"
                    if let ao = object(a, ap) {
                        if let t = ao["objectType"], t.string != "Activity" { fail(Self.join(ap, "objectType"), "xapi.object-type") }
                        activity(ao, ap)
                    }
                }
            }
        }
        for key in ["revision", "platform"] where o[key] != nil {
            if o[key]?.string == nil { fail(Self.join(path, key), "xapi.not-string") }
            if !objectIsActivity { fail(Self.join(path, key), "xapi.only-for-activities") }
        }
        if let l = o["language"], !Self.isLanguageTag(l.string) { fail(Self.join(path, "language"), "xapi.language-tag") }
        if let s = o["statement"] {
            let p = Self.join(path, "statement")
            if let so = object(s, p) {
                only(so, ["objectType", "id"], p)
                if so["objectType"]?.string != "StatementRef" { fail(Self.join(p, "objectType"), "xapi.object-type") }
                if let id = so["id"] { uuid(id, Self.join(p, "id")) } else { fail(Self.join(p, "id"), "xapi.required") }
            }
        }
        if let e = o["extensions"] { extensions(e, Self.join(path, "extensions")) }
    }

    mutating func attachments(_ v: JSONValue, _ path: String) {
        guard let list = v.array else { fail(path, "xapi.not-array"); return }
        for (i, a) in list.enumerated() {
            let p = "\(path)[\(i)]"
            guard let o = object(a, p) else { continue }
            only(o, ["usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"], p)
            if !Self.isIRI(o["usageType"]?.string) { fail(Self.join(p, "usageType"), "xapi.iri") }
            if let d = o["display"] { languageMap(d, Self.join(p, "display")) } else { fail(Self.join(p, "display"), "xapi.required") }
            if let d = o["description"] { languageMap(d, Self.join(p, "description")) }
            if o["contentType"]?.string == nil { fail(Self.join(p, "contentType"), "xapi.required") }
            if o["length"]?.number.map({ $0 >= 0 && $0 == $0.rounded() }) != true { fail(Self.join(p, "length"), "xapi.not-number") }
            if o["sha2"]?.string == nil { fail(Self.join(p, "sha2"), "xapi.required") }
            // Without a fileUrl the bytes travel in a multipart/mixed request, which this LRS does not take.
            if let u = o["fileUrl"] { if !Self.isIRI(u.string) { fail(Self.join(p, "fileUrl"), "xapi.iri") } }
            else { fail(p, "xapi.attachment-content") }
        }
    }

    mutating func languageMap(_ v: JSONValue, _ path: String) {
        guard let o = object(v, path) else { return }
        for (tag, text) in o {
            if !Self.isLanguageTag(tag) { fail(Self.join(path, tag), "xapi.language-tag") }
            if text.string == nil { fail(Self.join(path, tag), "xapi.not-string") }
        }
    }

    mutating func extensions(_ v: JSONValue, _ path: String) {
        guard let o = object(v, path) else { return }
        for key in o.keys.sorted() where !Self.isIRI(key) { fail(Self.join(path, key), "xapi.iri") }
    }

    mutating func uuid(_ v: JSONValue, _ path: String) {
        if v.string.flatMap(UUID.init(uuidString:)) == nil { fail(path, "xapi.uuid") }
    }

    mutating func timestamp(_ v: JSONValue, _ path: String) {
        guard let s = v.string, XAPITime.parse(s) != nil, !s.hasSuffix("-00:00") else { fail(path, "xapi.timestamp"); return }
    }

    /// An absolute IRI: a scheme (letter, then letters, digits, + - .), a colon, no spaces.
    static func isIRI(_ s: String?) -> Bool {
        guard let s, let colon = s.firstIndex(of: ":"), colon != s.startIndex, s.index(after: colon) != s.endIndex else { return false }
        let scheme = s[..<colon]
        guard let first = scheme.first, first.isASCII, first.isLetter,
              scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") }) else { return false }
        return !s.contains(where: { $0 == " " || $0 == "\n" || $0 == "\t" })
    }

    /// Well-formed per RFC 5646: a 2-8 letter language (or x-/i- private and grandfathered
    /// forms), then subtags of 1-8 letters or digits.
    static func isLanguageTag(_ s: String?) -> Bool {
        guard let s, !s.isEmpty else { return false }
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, parts.allSatisfy({ (1...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }) else { return false }
        if first.count == 1 { return ["x", "i"].contains(first.lowercased()) && parts.count > 1 }
        return first.count >= 2 && first.allSatisfy(\.isLetter)
    }

    /// ISO 8601 durations: P[nY][nM][nW][nD][T[nH][nM][n(.n)S]].
    static func isDuration(_ s: String?) -> Bool {
        guard let s, s.count > 1 else { return false }
        return s.range(of: #"^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$"#,
                       options: .regularExpression) != nil
    }
}

/// xAPI's ISO 8601 timestamps, with or without fractions of a second. The formatters are
/// made once: making one per statement cost more than storing the statement.
public enum XAPITime {
    private static let readers = Mutex<(ISO8601DateFormatter, ISO8601DateFormatter)>({
        let a = ISO8601DateFormatter()
        a.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let b = ISO8601DateFormatter()
        b.formatOptions = [.withInternetDateTime]
        return (a, b)
    }())

    public static func parse(_ s: String) -> Date? {
        readers.withLock { f in f.0.date(from: s) ?? f.1.date(from: s) }
    }

    /// `2026-11-22T08:30:05.123Z`
    public static func format(_ d: Date) -> String {
        let seconds = d.timeIntervalSince1970
        var t = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&t, &parts)
        let ms = min(999, Int((seconds - seconds.rounded(.down)) * 1000))
        func pad(_ n: Int32, _ w: Int) -> String { let s = String(n); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(ms), 3))Z"
    }
}

enum XAPIVerbs {
    static let voided = "http://adlnet.gov/expapi/verbs/voided"
    static let launched = "http://adlnet.gov/expapi/verbs/launched"
    static let completed = "http://adlnet.gov/expapi/verbs/completed"
    static let answered = "http://adlnet.gov/expapi/verbs/answered"
    static let scored = "http://adlnet.gov/expapi/verbs/scored"
}
