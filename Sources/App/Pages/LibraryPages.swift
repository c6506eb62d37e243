import Foundation
import Vapor
import Platform
import Directory
import Library

struct FacetLink: Encodable, Sendable { var label: String; var count: Int; var href: String; var selected: Bool }
struct FacetGroup: Encodable, Sendable { var title: String; var links: [FacetLink] }
struct ResultRow: Encodable, Sendable {
    var id: UUID; var title: String; var description: String; var kind: String; var facts: String; var status: String?
}

struct LibraryBrowsePage: Encodable, Sendable {
    var base: PageBase
    var query: String
    var total: String
    var results: [ResultRow]
    var facets: [FacetGroup]
    var clearHref: String?
    var prevHref: String?
    var nextHref: String?
    var error: String?
    var canContribute: Bool
}

struct ResourcePage: Encodable, Sendable {
    var base: PageBase
    var r: ResourceDTO
    var kindLabel: String
    var statusLabel: String
    var facts: [Fact]
    var viewer: Viewer?
    var versions: [VersionRow]
    var history: [HistoryRow]
    var scopes: [SelectOption]
    var errors: FormErrors
    var canUse: Bool
    var uploadAction: String
    /// Editors: the curriculum-alignment picker (drill down subject > grade > unit > lesson).
    var align: AlignPicker?

    struct Fact: Encodable, Sendable { var label: String; var value: String; var href: String? }
    struct VersionRow: Encodable, Sendable { var number: Int; var href: String; var size: String; var filename: String; var date: String; var note: String }
    struct HistoryRow: Encodable, Sendable { var action: String; var who: String; var when: String; var comment: String }
    struct Viewer: Encodable, Sendable {
        var type: String
        var src: String
        var size: String
        var sources: [Source]
        var poster: String?
        /// E-textbooks: the chapters, the one shown, and a download link.
        var chapters: [Chapter] = []
        var prevHref: String? = nil
        var nextHref: String? = nil
        var download: String? = nil
        /// Videos: where the smaller renditions stand, and the version to prepare again.
        var processing: String? = nil
        var retryVersion: Int? = nil
    }
    struct Chapter: Encodable, Sendable { var title: String; var href: String; var current: Bool }
    struct AlignPicker: Encodable, Sendable {
        var current: [Aligned]
        var frameworks: [Link]
        var frameworkName: String?
        var nodes: [Node]
        var topHref: String?
        var back: String
        struct Aligned: Encodable, Sendable { var label: String; var nodeId: UUID }
        struct Link: Encodable, Sendable { var label: String; var href: String }
        struct Node: Encodable, Sendable { var label: String; var nodeId: UUID; var href: String?; var added: Bool }
    }
    struct Source: Encodable, Sendable { var src: String; var label: String; var size: String; var type: String }
}

struct ResourceFormPage: Encodable, Sendable {
    var base: PageBase
    var action: String
    var kinds: [SelectOption]
    var languages: [SelectOption]
    var licences: [SelectOption]
    var subjects: [SelectOption]
    var grades: [SelectOption]
    var values: [String: String]
    var errors: FormErrors
    var limits: String
}

struct ResourceListPage: Encodable, Sendable {
    var base: PageBase
    var heading: String
    var empty: String
    var results: [ResultRow]
    var nextHref: String?
}

/// The commons for people: browse and search with facets, a resource's page with its
/// viewer or player, the upload form, a teacher's own resources and the review queue.
struct LibraryPages {
    static let facetOrder = ["subject", "grade", "type", "language", "licence", "scope"]
    static let facetParam = ["subject": "subject", "grade": "grade", "type": "type", "language": "language", "licence": "licence", "scope": "scope"]

    @Sendable func browse(req: Request) async throws -> Response {
        let actor = req.actorOrAnonymous
        let format = LocaleFormat(req.locale)
        var page = LibraryBrowsePage(base: await PageBase.make(req, title: req.t("library.title")), query: req.query[String.self, at: "q"] ?? "",
                                     total: "", results: [], facets: [], clearHref: nil, prevHref: nil, nextHref: nil, error: nil,
                                     canContribute: actor.grants.contains { $0.capabilities.contains(.contributeResources) })
        let params = Self.params(req)
        do {
            var results = try await req.library.search(try req.searchQuery(), actor: actor)
            results.localizeFacetLabels(req)
            page.total = req.t(results.totalIsLowerBound ? "library.results-more" : "library.results", [format.number(results.total)])
            if results.facetsFromNewest != nil { page.total += " · " + req.t("library.facets-newest", [format.number(results.facetsFromNewest ?? 0)]) }
            page.results = results.items.map { Self.row($0, req, format, showStatus: false) }
            page.facets = Self.facetOrder.compactMap { facet in
                guard let values = results.facets[facet], !values.isEmpty else { return nil }
                let current = params[facet]
                return FacetGroup(title: req.t("library.facet.\(facet)"), links: values.prefix(20).map { v in
                    var p = params
                    p["page"] = nil
                    p[facet] = current == v.value ? nil : v.value
                    let label = ["type", "scope", "language", "licence"].contains(facet) ? Self.label(req, "library.\(facet).\(v.value)", v.label) : v.label
                    return FacetLink(label: label, count: v.count, href: Self.href(p), selected: current == v.value)
                })
            }
            if params.keys.contains(where: { $0 != "q" && $0 != "page" }) { page.clearHref = Self.href(params.filter { $0.key == "q" }) }
            if results.page > 1 { var p = params; p["page"] = String(results.page - 1); page.prevHref = Self.href(p) }
            if results.page * results.pageSize < results.total && results.page < 500 { var p = params; p["page"] = String(results.page + 1); page.nextHref = Self.href(p) }
            return try await req.page("library", page)
        } catch let e as DomainError where e.status == 422 {
            page.error = FormErrors(e, req).summary.joined(separator: " ")
            return try await req.page("library", page, status: .unprocessableEntity)
        }
    }

    @Sendable func resource(req: Request) async throws -> Response {
        try await renderResource(req, errors: FormErrors())
    }

    func renderResource(_ req: Request, errors: FormErrors, status: HTTPStatus = .ok) async throws -> Response {
        let actor = req.actorOrAnonymous
        let id = try req.uuid("id")
        let r = try await req.library.resource(id, actor: actor)
        let format = LocaleFormat(req.locale)
        let rules = req.library.ctx.rules
        var facts: [ResourcePage.Fact] = []
        func fact(_ key: String, _ value: String, _ href: String? = nil) { if !value.isEmpty { facts.append(.init(label: req.t(key), value: value, href: href)) } }
        fact("library.field.subjects", r.subjects.map { rules.subjects[$0]?.pick(req.locale) ?? $0 }.joined(separator: ", "))
        fact("library.field.grades", r.grades.map { rules.grades[$0]?.pick(req.locale) ?? $0 }.joined(separator: ", "))
        fact("library.field.language", Self.label(req, "library.language.\(r.language)", r.language))
        fact("library.field.licence", Self.label(req, "library.licence.\(r.licence)", r.licence), r.licenceURL)
        fact("library.field.authors", r.authors.joined(separator: ", "))
        fact("library.field.keywords", r.keywords.joined(separator: ", "))
        if let s = r.scope, r.publishedVersion != nil { fact("library.field.scope", req.t("library.scope.\(s.level)")) }
        if let d = r.publishedAt { fact("library.field.published", format.date(d)) }
        if let d = r.broadcastDate { fact("library.field.broadcast", "\(d) · \(r.broadcastChannel ?? "")") }
        if let avg = r.ratingAverage { fact("library.field.rating", req.t("library.rating-value", [String(format: "%.1f", avg), String(r.ratingCount)])) }
        if r.usageCount > 0 { fact("library.field.usage", req.t("library.usage-value", [String(r.usageCount)])) }
        for a in r.alignments { fact("library.field.alignment", "\(a.frameworkCode): \(a.name)") }

        let viewer = try await Self.viewer(req, r, actor: actor, format: format)
        let content = "/api/v1/resources/\(r.id)/content"
        let versions = r.versions.reversed().map {
            ResourcePage.VersionRow(number: $0.number, href: "\(content)?version=\($0.number)&download=1", size: format.bytes($0.size),
                                    filename: $0.filename, date: format.date($0.createdAt), note: $0.note)
        }
        var history: [ResourcePage.HistoryRow] = []
        var scopes: [SelectOption] = []
        if r.can.edit || r.can.review || r.can.withdraw {
            history = (try? await req.library.history(id, actor: actor))?.reversed().map {
                .init(action: req.t("library.action.\($0.action)"), who: $0.actorName, when: format.dateTime($0.at), comment: $0.comment)
            } ?? []
        }
        if r.can.submit {
            // Where it may be published: the owning organisation and everything above it.
            let chain = (try? await req.directory.ancestors(of: r.orgId, actor: actor)) ?? []
            scopes = chain.filter { OrgKind(rawValue: $0.kind).flatMap(PublishLevel.init(kind:)) != nil }.reversed().map {
                SelectOption(value: $0.id.uuidString, label: "\($0.displayName) (\(req.t("org.kind.\($0.kind)")))", selected: false)
            }
        }
        let page = ResourcePage(base: await PageBase.make(req, title: r.displayTitle), r: r, kindLabel: req.t("library.type.\(r.kind)"),
                                statusLabel: req.t("library.status.\(r.status)"), facts: facts, viewer: viewer, versions: versions,
                                history: history, scopes: scopes, errors: errors,
                                canUse: r.can.rate, uploadAction: "/library/\(r.id)/versions?_csrf=\(req.csrfToken)",
                                align: r.can.edit ? try await alignPicker(req, r) : nil)
        return try await req.page("resource", page, status: status)
    }

    /// How a resource shows in a page: the video player with its renditions, the audio
    /// player, an image, a PDF or EPUB reader, a sandboxed package, a link or a download.
    /// The library's page and the course's lesson player share it.
    static let scormBrowse = "ec_scorm=browse"

    /// `chapter`: the book's chapter to show (a live room's followed page); otherwise the
    /// page's `?chapter=`.
    static func viewer(_ req: Request, _ r: ResourceDTO, actor: Actor, format: LocaleFormat, chapter: Int? = nil) async throws -> ResourcePage.Viewer? {
        let shown = r.versions.last
        // EPUB chapters page within whichever page shows the book.
        let here = req.url.path
        var viewer: ResourcePage.Viewer?
        let content = "/api/v1/resources/\(r.id)/content"
        if let v = shown {
            let size = format.bytes(v.size)
            let versioned = "\(content)?version=\(v.number)"
            switch r.kind {
            case "video", "tvLesson":
                // Smallest first: the browser plays the first source it can, and player.js
                // moves up only on a good connection.
                let renditions = v.renditions.filter { $0.label.hasSuffix("p") }.sorted { (Int($0.label.dropLast()) ?? 0) < (Int($1.label.dropLast()) ?? 0) }
                let sources = renditions.map { ResourcePage.Source(src: "\(versioned)&rendition=\($0.label)", label: $0.label, size: format.bytes($0.size), type: $0.mediaType) }
                    + [ResourcePage.Source(src: versioned, label: req.t("library.original"), size: size, type: v.mediaType)]
                var processing: String?
                switch v.processing {
                case "queued", "running": processing = req.t("library.processing.queued")
                case "failed": processing = req.t("library.processing.failed", [req.t("library.processing.\(v.processingError ?? "transcode-failed")")])
                default: processing = nil
                }
                viewer = .init(type: "video", src: sources[0].src, size: size, sources: sources,
                               poster: v.renditions.contains { $0.label == "poster" } ? "\(versioned)&rendition=poster" : nil,
                               processing: processing, retryVersion: v.processing == "failed" && r.can.reprocess ? v.number : nil)
            case "audio": viewer = .init(type: "audio", src: versioned, size: size, sources: [], poster: nil)
            case "image": viewer = .init(type: "image", src: versioned, size: size, sources: [], poster: nil)
            case "simulation", "package":
                if let entry = v.entry, v.packageType != "cmi5" {
                    let prefix = try await req.library.packageLink(r.id, version: v.number, actor: actor)
                    // A SCORM 1.2 package gets the run-time API in its entry page; here in
                    // browse mode (nothing recorded), a course's learner gets their own.
                    let src = prefix + entry + (v.packageType == "scorm12" ? (entry.contains("?") ? "&" : "?") + Self.scormBrowse : "")
                    viewer = .init(type: "package", src: src, size: size, sources: [], poster: nil)
                } else {
                    viewer = .init(type: "download", src: versioned + "&download=1", size: size, sources: [], poster: nil)
                }
            default:
                if v.fileKind == "epub", let book = try? await req.library.epubChapters(r.id, version: v.number, actor: actor), !book.chapters.isEmpty {
                    // Read in the page, a chapter at a time, without scripts.
                    let n = min(max(chapter ?? req.query[Int.self, at: "chapter"] ?? 1, 1), book.chapters.count)
                    viewer = .init(type: "epub", src: book.prefix + book.chapters[n - 1].path, size: size, sources: [], poster: nil,
                                   chapters: book.chapters.enumerated().map { .init(title: $0.element.title, href: "\(here)?chapter=\($0.offset + 1)", current: $0.offset + 1 == n) },
                                   prevHref: n > 1 ? "\(here)?chapter=\(n - 1)" : nil,
                                   nextHref: n < book.chapters.count ? "\(here)?chapter=\(n + 1)" : nil,
                                   download: versioned + "&download=1")
                } else {
                    viewer = .init(type: v.fileKind == "pdf" ? "pdf" : "download",
                                   src: v.fileKind == "pdf" ? versioned : versioned + "&download=1", size: size, sources: [], poster: nil)
                }
            }
        } else if let url = r.url {
            viewer = .init(type: "link", src: url, size: "", sources: [], poster: nil)
        }
        return viewer
    }

    /// The alignment picker, rendered on the server so it works on any phone without
    /// scripts: `?align=<framework>&node=<node>` walks one level down at a time.
    func alignPicker(_ req: Request, _ r: ResourceDTO) async throws -> ResourcePage.AlignPicker {
        let lib = req.library
        let chosen = r.alignments.map(\.nodeId)
        var picker = ResourcePage.AlignPicker(current: r.alignments.map { .init(label: "\($0.frameworkCode): \($0.name)", nodeId: $0.nodeId) },
                                              frameworks: [], nodes: [], back: "")
        guard let fw = req.query[UUID.self, at: "align"] else {
            picker.frameworks = try await lib.curricula(locale: req.locale).map {
                .init(label: $0.displayName, href: "/library/\(r.id)?align=\($0.id)#align")
            }
            return picker
        }
        let node = req.query[UUID.self, at: "node"]
        guard let framework = try? await lib.curriculum(fw, locale: req.locale),
              let children = try? await lib.curriculumNodes(fw, parent: node, locale: req.locale) else { return picker }
        picker.frameworkName = framework.displayName
        picker.topHref = node == nil ? "/library/\(r.id)#align" : "/library/\(r.id)?align=\(fw)#align"
        picker.back = "?align=\(fw)" + (node.map { "&node=\($0)" } ?? "")
        picker.nodes = children.map {
            .init(label: "\($0.code) \($0.name)", nodeId: $0.id,
                  href: $0.kind == "lesson" ? nil : "/library/\(r.id)?align=\(fw)&node=\($0.id)#align", added: chosen.contains($0.id))
        }
        return picker
    }

    /// Adds or removes one alignment from the picker, then shows the same level again.
    func align(_ req: Request, _ id: UUID, actor: Actor) async throws -> String {
        guard let node = req.field("node").flatMap(UUID.init(uuidString:)) else { throw DomainError.invalid(field: "node", reason: "validation.required") }
        let current = try await req.library.resource(id, actor: actor).alignments.map(\.nodeId)
        var patch = ResourcePatch()
        patch.alignments = req.field("op") == "remove" ? current.filter { $0 != node } : current + (current.contains(node) ? [] : [node])
        _ = try await req.library.updateResource(id, patch, actor: actor)
        // Only a picker position goes back into the address: never an arbitrary URL.
        let back = req.field("back") ?? ""
        let safe = back.range(of: #"^\?align=[0-9A-Fa-f-]{36}(&node=[0-9A-Fa-f-]{36})?$"#, options: .regularExpression) != nil
        return "/library/\(id)\(safe ? back : "")#align"
    }

    // MARK: create

    @Sendable func newForm(req: Request) async throws -> Response {
        _ = try req.requireActor()
        return try await renderForm(req, values: ["language": req.locale.rawValue, "licence": "CC-BY-4.0", "kind": "document"],
                                    subjects: [], grades: [], errors: FormErrors())
    }

    func renderForm(_ req: Request, values: [String: String], subjects chosenSubjects: [String], grades chosen: [String], errors: FormErrors,
                    status: HTTPStatus = .ok) async throws -> Response {
        let rules = req.library.ctx.rules
        func options(_ pairs: [(String, String)], _ selected: String?) -> [SelectOption] {
            pairs.map { SelectOption(value: $0.0, label: $0.1, selected: $0.0 == selected) }
        }
        let format = LocaleFormat(req.locale)
        let limits = ResourceKind.allCases.filter(\.needsFile).map { "\(req.t("library.type.\($0.rawValue)")) \(format.bytes(rules.limit(for: $0)))" }
        let page = ResourceFormPage(
            base: await PageBase.make(req, title: req.t("library.new")), action: "/library/new?_csrf=\(req.csrfToken)",
            kinds: options(ResourceKind.allCases.map { ($0.rawValue, req.t("library.type.\($0.rawValue)")) }, values["kind"]),
            languages: options(rules.languages.map { ($0, Self.label(req, "library.language.\($0)", $0)) }, values["language"]),
            licences: options(Licence.allCases.map { ($0.rawValue, Self.label(req, "library.licence.\($0.rawValue)", $0.rawValue)) }, values["licence"]),
            subjects: rules.subjects.map { SelectOption(value: $0.key, label: $0.value.pick(req.locale), selected: chosenSubjects.contains($0.key)) }
                .sorted { $0.label < $1.label },
            grades: rules.gradeOrder.map { SelectOption(value: $0, label: rules.grades[$0]!.pick(req.locale), selected: chosen.contains($0)) },
            values: values, errors: errors, limits: limits.joined(separator: " · "))
        return try await req.page("resource-new", page, status: status)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let lib = req.library
        let upload = try await MultipartUpload.read(req, blobs: lib.ctx.blobs, fileLimit: lib.ctx.rules.limits.values.max() ?? .max)
        let f = upload.fields
        let titleLanguage = AppLocale(rawValue: f["titleLanguage"] ?? "") ?? req.locale
        let input = NewResource(kind: f["kind"] ?? "", title: LocalizedText([titleLanguage.rawValue: f["title"] ?? ""]),
                                description: LocalizedText([titleLanguage.rawValue: f["description"] ?? ""]),
                                language: f["language"] ?? "", licence: f["licence"] ?? "",
                                subjects: (upload.lists["subject"] ?? []).filter { !$0.isEmpty }, grades: (upload.lists["grade"] ?? []).filter { !$0.isEmpty },
                                keywords: (f["keywords"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
                                authors: (f["authors"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
                                url: (f["url"] ?? "").isEmpty ? nil : f["url"], broadcastDate: (f["broadcastDate"] ?? "").isEmpty ? nil : f["broadcastDate"],
                                broadcastChannel: (f["broadcastChannel"] ?? "").isEmpty ? nil : f["broadcastChannel"])
        return try await req.submitForm({
            "/library/\(try await lib.createResource(input, file: upload.file, actor: actor).id)"
        }, orShow: { errors, status in
            var errors = errors
            // Field names of the service map onto the form's.
            for (from, to) in [("title.\(titleLanguage.rawValue)", "title"), ("subjects", "subject"), ("grades", "grade")] {
                if let m = errors.messages[from] { errors.messages[to] = m }
            }
            return try await renderForm(req, values: f, subjects: upload.lists["subject"] ?? [], grades: upload.lists["grade"] ?? [],
                                        errors: errors, status: status)
        })
    }

    @Sendable func addVersion(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        let lib = req.library
        let upload = try await MultipartUpload.read(req, blobs: lib.ctx.blobs, fileLimit: lib.ctx.rules.limits.values.max() ?? .max)
        return try await req.submitForm({
            guard let file = upload.file else { throw DomainError.invalid(field: "file", reason: "validation.file-required") }
            _ = try await lib.addVersion(id, file: file, note: upload.fields["note"], actor: actor)
            return "/library/\(id)"
        }, orShow: { errors, status in try await renderResource(req, errors: errors, status: status) })
    }

    // MARK: review steps

    @Sendable func step(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        let lib = req.library
        let comment = req.field("comment")
        return try await req.submitForm({
            switch req.parameters.get("step") ?? "" {
            case "submit":
                guard let scope = req.field("scope").flatMap(UUID.init(uuidString:)) else {
                    throw DomainError.invalid(field: "scope", reason: "validation.required")
                }
                _ = try await lib.submit(id, scopeOrgID: scope, comment: comment, actor: actor)
            case "claim": _ = try await lib.claim(id, actor: actor)
            case "approve": _ = try await lib.approve(id, comment: comment, actor: actor)
            case "request-changes": _ = try await lib.requestChanges(id, comment: comment ?? "", actor: actor)
            case "withdraw": _ = try await lib.withdraw(id, reason: comment, actor: actor)
            case "rate": _ = try await lib.rate(id, stars: Int(req.field("stars") ?? "") ?? 0, actor: actor)
            case "use": _ = try await lib.markUsed(id, courseRef: req.field("course") ?? "", actor: actor)
            case "align": return try await align(req, id, actor: actor)
            case "transcode":
                _ = try await lib.requestTranscode(id, version: Int(req.field("version") ?? "") ?? 0, actor: actor)
            default: throw DomainError.notFound(entity: "action")
            }
            return "/library/\(id)"
        }, orShow: { errors, status in try await renderResource(req, errors: errors, status: status) })
    }

    // MARK: lists

    @Sendable func mine(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let page = try await req.library.myResources(actor: actor, limit: 50, cursor: req.query[String.self, at: "cursor"])
        return try await list(req, heading: "library.mine", empty: "library.mine-empty", page: page, path: "/library/mine")
    }

    @Sendable func queue(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let page = try await req.library.reviewQueue(actor: actor, limit: 50, cursor: req.query[String.self, at: "cursor"])
        return try await list(req, heading: "library.queue", empty: "library.queue-empty", page: page, path: "/library/review")
    }

    func list(_ req: Request, heading: String, empty: String, page: ListPage<ResourceSummaryDTO>, path: String) async throws -> Response {
        let format = LocaleFormat(req.locale)
        let view = ResourceListPage(base: await PageBase.make(req, title: req.t(heading)), heading: req.t(heading), empty: req.t(empty),
                                    results: page.items.map { Self.row($0, req, format, showStatus: true) },
                                    nextHref: page.nextCursor.map { "\(path)?cursor=\($0)" })
        return try await req.page("library-list", view)
    }

    // MARK: coverage

    struct CoveragePage: Encodable, Sendable {
        var base: PageBase
        var frameworks: [SelectOption]
        var orgs: [SelectOption]
        var rows: [Row]
        var summary: String?
        struct Row: Encodable, Sendable { var subject: String; var grade: String; var lessons: Int; var covered: Int; var percent: String; var width: Int }
    }

    @Sendable func coverage(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let lib = req.library
        let frameworks = try await lib.curricula(locale: req.locale)
        let selectedFramework = req.query[String.self, at: "curriculum"].flatMap(UUID.init(uuidString:)) ?? frameworks.first?.id
        // The organisations of the reader's own grants, from the top down.
        var seen = Set<UUID>()
        let grants = actor.grants.filter { $0.orgKind != .class && seen.insert($0.orgID).inserted }.sorted { $0.orgPath.count < $1.orgPath.count }
        let selectedOrg = req.query[String.self, at: "org"].flatMap(UUID.init(uuidString:)) ?? grants.first?.orgID
        var page = CoveragePage(base: await PageBase.make(req, title: req.t("library.coverage")),
                                frameworks: frameworks.map { SelectOption(value: $0.id.uuidString, label: $0.displayName, selected: $0.id == selectedFramework) },
                                orgs: grants.map { SelectOption(value: $0.orgID.uuidString, label: $0.orgName.pick(req.locale), selected: $0.orgID == selectedOrg) },
                                rows: [], summary: nil)
        if let f = selectedFramework, let o = selectedOrg {
            let c = try await lib.coverage(f, scopeOrgID: o, actor: actor)
            let pct = { (x: Double) in String(format: "%.0f%%", x * 100) }
            page.rows = c.rows.map { .init(subject: $0.subjectName, grade: $0.gradeName, lessons: $0.lessons, covered: $0.covered,
                                           percent: pct($0.share), width: Int(($0.share * 100).rounded())) }
            page.summary = req.t("library.coverage-total", [String(c.covered), String(c.lessons), pct(c.share)])
        }
        return try await req.page("library-coverage", page)
    }

    // MARK: helpers

    static func row(_ s: ResourceSummaryDTO, _ req: Request, _ format: LocaleFormat, showStatus: Bool) -> ResultRow {
        let rules = req.library.ctx.rules
        var facts = [req.t("library.type.\(s.kind)")]
        facts += s.subjects.prefix(2).map { rules.subjects[$0]?.pick(req.locale) ?? $0 }
        facts += s.grades.prefix(2).map { rules.grades[$0]?.pick(req.locale) ?? $0 }
        if let size = s.size { facts.append(format.bytes(size)) }
        if let avg = s.ratingAverage { facts.append("★ " + String(format: "%.1f", avg)) }
        return ResultRow(id: s.id, title: s.displayTitle, description: s.displayDescription, kind: s.kind, facts: facts.joined(separator: " · "),
                         status: showStatus ? req.t("library.status.\(s.status)") : nil)
    }

    static func label(_ req: Request, _ key: String, _ fallback: String) -> String {
        let t = req.t(key)
        return t == key ? fallback : t
    }

    static func params(_ req: Request) -> [String: String] {
        var out: [String: String] = [:]
        for k in ["q", "subject", "grade", "type", "language", "licence", "scope", "page"] {
            if let v = req.query[String.self, at: k], !v.isEmpty { out[k] = v }
        }
        return out
    }

    static func href(_ params: [String: String]) -> String {
        let q = params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
        return "/library" + (q.isEmpty ? "" : "?" + q.joined(separator: "&"))
    }
}
