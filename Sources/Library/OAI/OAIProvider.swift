import Foundation
import FluentKit
import SQLKit
import Platform
import Directory

/// An OAI-PMH 2.0 data provider over the nationally published resources, with Dublin
/// Core (`oai_dc`) metadata, sets by subject (`subject:math`) and by owning organisation
/// (`org:vn:19`, hierarchical), persistent deleted records for withdrawn resources, and
/// stateless resumption tokens (keyset position + filters, so a harvest survives restarts).
public struct OAIProvider: Sendable {
    public let library: LibraryService
    /// `oai:<repositoryIdentifier>:<uuid>`; a domain-like name (oai-identifier schema).
    public let repositoryIdentifier: String
    public let repositoryName: String
    public let adminEmail: String
    public static let pageSize = 100

    public init(library: LibraryService, repositoryIdentifier: String, repositoryName: String, adminEmail: String) {
        self.library = library
        self.repositoryIdentifier = repositoryIdentifier
        self.repositoryName = repositoryName
        self.adminEmail = adminEmail
    }

    struct OAIError: Error { var code: String; var message: String }

    static let verbs: [String: (required: Set<String>, optional: Set<String>, exclusive: String?)] = [
        "Identify": ([], [], nil),
        "ListMetadataFormats": ([], ["identifier"], nil),
        "ListSets": ([], [], "resumptionToken"),
        "GetRecord": (["identifier", "metadataPrefix"], [], nil),
        "ListIdentifiers": (["metadataPrefix"], ["from", "until", "set"], "resumptionToken"),
        "ListRecords": (["metadataPrefix"], ["from", "until", "set"], "resumptionToken"),
    ]

    /// Answers one request. `arguments` keeps repeated keys, which the protocol forbids.
    /// `baseURL` is this endpoint's address; `resourceURL` makes a resource's page link.
    public func respond(arguments: [(String, String)], baseURL: String, resourceURL: @Sendable (UUID) -> String) async throws -> String {
        var w = envelope()
        var args: [String: String] = [:]
        var repeated = false
        for (k, v) in arguments {
            if args[k] != nil { repeated = true }
            args[k] = v
        }
        guard let verb = args["verb"], let spec = Self.verbs[verb], !(repeated && arguments.filter({ $0.0 == "verb" }).count > 1) else {
            return refusal(code: "badVerb", message: "Missing, repeated or unknown verb.", baseURL: baseURL)
        }
        args["verb"] = nil
        // Argument checks: no repeats, nothing unknown, the exclusive one alone.
        let allowed = spec.required.union(spec.optional).union(spec.exclusive.map { [$0] } ?? [])
        var problem: String?
        if repeated { problem = "An argument is repeated." }
        else if let unknown = args.keys.sorted().first(where: { !allowed.contains($0) }) { problem = "Illegal argument \(unknown)." }
        else if let ex = spec.exclusive, args[ex] != nil, args.count > 1 { problem = "\(ex) is an exclusive argument." }
        else if spec.exclusive == nil || args[spec.exclusive!] == nil, let missing = spec.required.sorted().first(where: { args[$0] == nil }) {
            problem = "Missing required argument \(missing)."
        } else if let bad = ["from", "until"].compactMap({ k in args[k].flatMap { (try? Self.parseDate($0, end: false)) == nil ? $0 : nil } }).first {
            problem = "\(bad) is not a date in YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ."
        } else if let f = args["from"], let u = args["until"], f.count != u.count {
            problem = "from and until must have the same granularity."
        }
        if let problem { return refusal(code: "badArgument", message: problem, baseURL: baseURL) }
        w.element("request", baseURL, [("verb", verb)] + args.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        do {
            switch verb {
            case "Identify": try await identify(&w, baseURL: baseURL)
            case "ListMetadataFormats": try await listMetadataFormats(&w, identifier: args["identifier"])
            case "ListSets": try await listSets(&w, token: args["resumptionToken"])
            case "GetRecord": try await getRecord(&w, identifier: args["identifier"]!, prefix: args["metadataPrefix"]!, resourceURL: resourceURL)
            default: try await list(&w, verb: verb, args: args, resourceURL: resourceURL)
            }
        } catch let e as OAIError {
            w.element("error", e.message, [("code", e.code)])
        }
        w.close("OAI-PMH")
        return w.text
    }

    /// A request refused before any verb runs, in the protocol's own form.
    public func refusal(code: String, message: String, baseURL: String) -> String {
        var w = envelope()
        w.element("request", baseURL)
        w.element("error", message, [("code", code)])
        w.close("OAI-PMH")
        return w.text
    }

    private func envelope() -> XMLWriter {
        var w = XMLWriter()
        w.open("OAI-PMH", [("xmlns", "http://www.openarchives.org/OAI/2.0/"), ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
                           ("xsi:schemaLocation", "http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd")])
        w.element("responseDate", Self.datestamp(library.ctx.clock.now()))
        return w
    }

    // MARK: verbs

    func identify(_ w: inout XMLWriter, baseURL: String) async throws {
        let earliest = try await library.db.sql.raw("SELECT MIN(updated_at) AS t FROM resources WHERE scope_level = 'nation' AND published_at IS NOT NULL").first()
        let date = (try? earliest?.decode(column: "t", as: Date?.self)) ?? nil
        w.open("Identify")
        w.element("repositoryName", repositoryName)
        w.element("baseURL", baseURL)
        w.element("protocolVersion", "2.0")
        w.element("adminEmail", adminEmail)
        w.element("earliestDatestamp", Self.datestamp(date ?? Date(timeIntervalSince1970: 1_577_836_800)))
        w.element("deletedRecord", "persistent")
        w.element("granularity", "YYYY-MM-DDThh:mm:ssZ")
        w.open("description")
        w.open("oai-identifier", [("xmlns", "http://www.openarchives.org/OAI/2.0/oai-identifier"),
                                  ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
                                  ("xsi:schemaLocation", "http://www.openarchives.org/OAI/2.0/oai-identifier http://www.openarchives.org/OAI/2.0/oai-identifier.xsd")])
        w.element("scheme", "oai")
        w.element("repositoryIdentifier", repositoryIdentifier)
        w.element("delimiter", ":")
        w.element("sampleIdentifier", "oai:\(repositoryIdentifier):0190a0b4-0000-7000-8000-000000000000")
        w.close("oai-identifier")
        w.close("description")
        w.close("Identify")
    }

    func listMetadataFormats(_ w: inout XMLWriter, identifier: String?) async throws {
        if let identifier { _ = try await harvestable(identifier) }
        w.open("ListMetadataFormats")
        w.open("metadataFormat")
        w.element("metadataPrefix", "oai_dc")
        w.element("schema", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
        w.element("metadataNamespace", "http://www.openarchives.org/OAI/2.0/oai_dc/")
        w.close("metadataFormat")
        w.close("ListMetadataFormats")
    }

    func listSets(_ w: inout XMLWriter, token: String?) async throws {
        if token != nil { throw OAIError(code: "badResumptionToken", message: "The list of sets is complete in one response.") }
        let subjects = library.ctx.rules.subjects.sorted { $0.key < $1.key }
        let paths = try await library.db.sql.raw("SELECT DISTINCT org_path FROM resources WHERE scope_level = 'nation' AND published_at IS NOT NULL").all()
            .map { try $0.decode(column: "org_path", as: String.self) }
        let orgPaths = Set(paths.flatMap(OrgPath.selfAndAncestors)).sorted()
        w.open("ListSets")
        for (code, name) in subjects {
            w.open("set")
            w.element("setSpec", "subject:\(code)")
            w.element("setName", name.pick(.en) + " / " + name.pick(.vi) + " / " + name.pick(.zhHans))
            w.close("set")
        }
        let directory = library.directory
        for path in orgPaths {
            let name = (try? await directory.organisation(path: path, actor: .system("oai")))?.name
            w.open("set")
            w.element("setSpec", Self.orgSetSpec(path))
            w.element("setName", name.map { $0.pick(.vi) } ?? path)
            w.close("set")
        }
        w.close("ListSets")
    }

    func getRecord(_ w: inout XMLWriter, identifier: String, prefix: String, resourceURL: (UUID) -> String) async throws {
        guard prefix == "oai_dc" else { throw OAIError(code: "cannotDisseminateFormat", message: "Only oai_dc is offered.") }
        let row = try await harvestable(identifier)
        let records = try await self.records([row], resourceURL: resourceURL)
        w.open("GetRecord")
        w.raw(records[0])
        w.close("GetRecord")
    }

    /// What a list request is asking for, carried in its resumption token.
    struct ListState: Codable {
        var prefix: String
        var from: Date?
        var until: Date?
        var set: String?
        var afterID: UUID?
        var total: Int
        var cursor: Int
    }

    func list(_ w: inout XMLWriter, verb: String, args: [String: String], resourceURL: (UUID) -> String) async throws {
        var state: ListState
        if let token = args["resumptionToken"] {
            guard let data = Data(base64URL: token), let s = try? JSONDecoder().decode(ListState.self, from: data) else {
                throw OAIError(code: "badResumptionToken", message: "The resumption token is not one this repository issued.")
            }
            state = s
        } else {
            let prefix = args["metadataPrefix"]!
            var from: Date?, until: Date?
            if let f = args["from"] { from = try Self.parseDate(f, end: false) }
            if let u = args["until"] { until = try Self.parseDate(u, end: true) }
            if let f = args["from"], let u = args["until"], f.count != u.count {
                throw OAIError(code: "badArgument", message: "from and until must have the same granularity.")
            }
            guard prefix == "oai_dc" else { throw OAIError(code: "cannotDisseminateFormat", message: "Only oai_dc is offered.") }
            if let set = args["set"] { _ = try setFilter(set) }
            state = ListState(prefix: prefix, from: from, until: until, set: args["set"], total: 0, cursor: 0)
            state.total = try await count(state)
            if state.total == 0 { throw OAIError(code: "noRecordsMatch", message: "No records match.") }
        }
        let rows = try await page(state)
        let shown = Array(rows.prefix(Self.pageSize))
        w.open(verb)
        if verb == "ListRecords" {
            for r in try await records(shown, resourceURL: resourceURL) { w.raw(r) }
        } else {
            for r in shown { w.raw(header(r)) }
        }
        if rows.count > Self.pageSize || args["resumptionToken"] != nil {
            var next = state
            next.afterID = shown.last?.id
            next.cursor = state.cursor + shown.count
            let attrs = [("completeListSize", String(state.total)), ("cursor", String(state.cursor))]
            if rows.count > Self.pageSize, let data = try? JSONEncoder().encode(next) {
                w.element("resumptionToken", data.base64URLEncoded(), attrs)
            } else {
                w.element("resumptionToken", "", attrs)
            }
        }
        w.close(verb)
    }

    // MARK: queries

    struct Row {
        var id: UUID
        var updatedAt: Date
        var deleted: Bool
        var title: String, description: String, language: String, licence: String
        var subjects: String, keywords: String, authors: String, kind: String, orgPath: String
        var publishedAt: Date?
        var publishedVersion: Int?
    }

    static let columns = "id, updated_at, status, title, description, language, licence, subjects, keywords, authors, kind, org_path, published_at, published_version"
    /// National publications, and national ones since withdrawn (kept as deleted records).
    static let harvestableCondition: SQLQueryString =
        "scope_level = 'nation' AND published_at IS NOT NULL AND (published_version IS NOT NULL OR status = 'withdrawn')"

    func decode(_ row: any SQLRow) throws -> Row {
        Row(id: try row.decode(column: "id", as: UUID.self), updatedAt: try row.decode(column: "updated_at", as: Date.self),
            deleted: try row.decode(column: "published_version", as: Int?.self) == nil,
            title: try row.decode(column: "title", as: String.self), description: try row.decode(column: "description", as: String.self),
            language: try row.decode(column: "language", as: String.self), licence: try row.decode(column: "licence", as: String.self),
            subjects: try row.decode(column: "subjects", as: String.self), keywords: try row.decode(column: "keywords", as: String.self),
            authors: try row.decode(column: "authors", as: String.self), kind: try row.decode(column: "kind", as: String.self),
            orgPath: try row.decode(column: "org_path", as: String.self), publishedAt: try row.decode(column: "published_at", as: Date?.self),
            publishedVersion: try row.decode(column: "published_version", as: Int?.self))
    }

    func harvestable(_ identifier: String) async throws -> Row {
        let prefix = "oai:\(repositoryIdentifier):"
        guard identifier.hasPrefix(prefix), let id = UUID(uuidString: String(identifier.dropFirst(prefix.count))),
              let row = try await library.db.sql.raw("SELECT \(unsafeRaw: Self.columns) FROM resources WHERE id = \(bind: id) AND " + Self.harvestableCondition).first()
        else { throw OAIError(code: "idDoesNotExist", message: "No item has the identifier \(identifier).") }
        return try decode(row)
    }

    func setFilter(_ set: String) throws -> SQLQueryString {
        if set.hasPrefix("subject:") {
            let code = String(set.dropFirst("subject:".count))
            guard library.ctx.rules.subjects[code] != nil else { throw OAIError(code: "noRecordsMatch", message: "No set \(set).") }
            return "subjects LIKE \(bind: "%\"\(code)\"%")"
        }
        if set.hasPrefix("org:") {
            let codes = set.dropFirst("org:".count).split(separator: ":", omittingEmptySubsequences: false)
            guard !codes.isEmpty, codes.allSatisfy({ OrgPath.isValidCode(String($0)) }) else {
                throw OAIError(code: "noRecordsMatch", message: "No set \(set).")
            }
            return "org_path LIKE \(bind: "/" + codes.joined(separator: "/") + "/%")"
        }
        throw OAIError(code: "noRecordsMatch", message: "No set \(set).")
    }

    func filters(_ s: ListState) throws -> SQLQueryString {
        var parts: [SQLQueryString] = [Self.harvestableCondition]
        if let f = s.from { parts.append("updated_at >= \(bind: f)") }
        if let u = s.until { parts.append("updated_at <= \(bind: u)") }
        if let set = s.set { parts.append(try setFilter(set)) }
        return parts.joined(separator: " AND ")
    }

    func count(_ s: ListState) async throws -> Int {
        let row = try await library.db.sql.raw("SELECT COUNT(*) AS n FROM resources WHERE " + (try filters(s))).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    func page(_ s: ListState) async throws -> [Row] {
        var q: SQLQueryString = "SELECT \(unsafeRaw: Self.columns) FROM resources WHERE " + (try filters(s))
        // Keyset on the id alone: ids never change (an edit during a harvest does not move
        // a record), and a timestamp round-tripped through a token can lose its last bit.
        if let id = s.afterID { q = q + " AND id > \(bind: id)" }
        q = q + " ORDER BY id LIMIT \(bind: Self.pageSize + 1)"
        return try await library.db.sql.raw(q).all().map(decode)
    }

    // MARK: records

    func header(_ r: Row) -> String {
        var w = XMLWriter(document: false)
        w.open("header", r.deleted ? [("status", "deleted")] : [])
        w.element("identifier", "oai:\(repositoryIdentifier):\(r.id.uuidString.lowercased())")
        w.element("datestamp", Self.datestamp(r.updatedAt))
        for s in LibraryService.list(r.subjects) { w.element("setSpec", "subject:\(s)") }
        for p in OrgPath.selfAndAncestors(r.orgPath) { w.element("setSpec", Self.orgSetSpec(p)) }
        w.close("header")
        return w.text
    }

    func records(_ rows: [Row], resourceURL: (UUID) -> String) async throws -> [String] {
        // Media types of the published versions, and publisher names, in two queries.
        let live = rows.filter { !$0.deleted }
        var mediaTypes: [UUID: String] = [:]
        if !live.isEmpty {
            let versions = try await ResourceVersion.query(on: library.db).filter(\.$resourceID ~~ live.map(\.id)).all()
            for r in live {
                if let v = versions.first(where: { $0.resourceID == r.id && $0.number == r.publishedVersion }) { mediaTypes[r.id] = v.mediaType }
            }
        }
        var publishers: [String: String] = [:]
        for path in Set(live.map(\.orgPath)) {
            publishers[path] = (try? await library.directory.organisation(path: path, actor: .system("oai")))?.name.pick(.vi)
        }
        return rows.map { r in
            var w = XMLWriter(document: false)
            w.open("record")
            w.raw(header(r))
            if !r.deleted {
                w.open("metadata")
                w.open("oai_dc:dc", [("xmlns:oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc/"), ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
                                     ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
                                     ("xsi:schemaLocation", "http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd")])
                for (lang, t) in LocalizedText.fromJSON(r.title).values.sorted(by: { $0.key < $1.key }) { w.element("dc:title", t, [("xml:lang", lang)]) }
                for a in LibraryService.list(r.authors) { w.element("dc:creator", a) }
                for s in LibraryService.list(r.subjects) {
                    for (lang, name) in (library.ctx.rules.subjects[s]?.values ?? [:]).sorted(by: { $0.key < $1.key }) {
                        w.element("dc:subject", name, [("xml:lang", lang)])
                    }
                }
                for k in LibraryService.list(r.keywords) { w.element("dc:subject", k) }
                for (lang, d) in LocalizedText.fromJSON(r.description).values.sorted(by: { $0.key < $1.key }) {
                    w.element("dc:description", d, [("xml:lang", lang)])
                }
                if let p = publishers[r.orgPath] { w.element("dc:publisher", p) }
                if let d = r.publishedAt { w.element("dc:date", String(Self.datestamp(d).prefix(10))) }
                w.element("dc:type", Self.dcmiType(r.kind))
                if let m = mediaTypes[r.id] { w.element("dc:format", m) }
                w.element("dc:identifier", resourceURL(r.id))
                w.element("dc:language", r.language)
                w.element("dc:rights", Licence(rawValue: r.licence)?.url ?? r.licence)
                w.close("oai_dc:dc")
                w.close("metadata")
            }
            w.close("record")
            return w.text
        }
    }

    static func dcmiType(_ kind: String) -> String {
        switch ResourceKind(rawValue: kind) {
        case .video, .tvLesson: "MovingImage"
        case .audio: "Sound"
        case .image: "StillImage"
        case .simulation, .package: "InteractiveResource"
        case .link: "Collection"
        default: "Text"
        }
    }

    static func orgSetSpec(_ path: String) -> String {
        "org:" + path.split(separator: "/").joined(separator: ":")
    }

    static func datestamp(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: d)
    }

    /// `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ssZ`; a day `until` means its end.
    static func parseDate(_ s: String, end: Bool) throws -> Date {
        if s.count == 10, let c = DateOnly.parse(s) {
            var cal = Calendar(identifier: .gregorian)
            cal.timeZone = TimeZone(identifier: "UTC")!
            let start = cal.date(from: c)!
            return end ? start.addingTimeInterval(86_399.999) : start
        }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if s.count == 20, s.hasSuffix("Z"), let d = f.date(from: s) { return end ? d.addingTimeInterval(0.999) : d }
        throw OAIError(code: "badArgument", message: "\(s) is not a date in YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ.")
    }
}

extension Data {
    init?(base64URL s: String) {
        var b = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        self.init(base64Encoded: b)
    }

    func base64URLEncoded() -> String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
