import Foundation
import Vapor
import Platform
import Library

struct SubmitRequest: Decodable { var scopeOrgId: UUID; var comment: String? }
struct CommentRequest: Decodable { var comment: String? }
struct WithdrawRequest: Decodable { var reason: String? }
struct RatingRequest: Decodable { var stars: Int }
struct UsageRequest: Decodable { var courseRef: String }

/// The commons over JSON: create (multipart with a file, or JSON for a link), read,
/// edit, versions, review steps, ratings, search and delivery.
struct LibraryAPI {
    /// `POST /api/v1/resources`: multipart (`metadata` JSON part + `file`) or JSON alone.
    @Sendable func create(req: Request) async throws -> JSON<ResourceDTO> {
        let actor = try req.requireActor()
        let lib = req.library
        if req.headers.contentType?.type == "multipart" {
            let upload = try await MultipartUpload.read(req, blobs: lib.ctx.blobs, fileLimit: lib.ctx.rules.limits.values.max() ?? .max)
            do {
                guard let raw = upload.fields["metadata"] else { throw DomainError.invalid(field: "metadata", reason: "validation.required") }
                let input = try decodeJSON(NewResource.self, from: ByteBuffer(string: raw))
                return JSON(try await lib.createResource(input, file: upload.file, actor: actor), status: .created)
            } catch {
                if let blob = upload.file?.blob { try? await lib.discardUnreferenced(blob) }
                throw error
            }
        }
        let input = try decodeJSON(NewResource.self, from: try await req.body.collect(upTo: 1_048_576))
        if let upload = input.uploadId {
            // A file sent earlier over the resumable protocol.
            let file = try await lib.uploadedFile(upload, actor: actor)
            let created = try await lib.createResource(input, file: file, actor: actor)
            try await lib.forgetUpload(upload)
            return JSON(created, status: .created)
        }
        return JSON(try await lib.createResource(input, file: nil, actor: actor), status: .created)
    }

    /// `GET /api/v1/resources/{id}` (national resources without signing in).
    @Sendable func show(req: Request) async throws -> JSON<ResourceDTO> {
        JSON(try await req.library.resource(try req.uuid("id"), actor: req.actorOrAnonymous))
    }

    /// `GET /api/v1/resources?mine=true` lists the caller's own; `GET /api/v1/review-queue`.
    @Sendable func mine(req: Request) async throws -> JSON<ListPage<ResourceSummaryDTO>> {
        JSON(try await req.library.myResources(actor: try req.requireActor(), limit: req.query[Int.self, at: "limit"],
                                               cursor: req.query[String.self, at: "cursor"]))
    }

    @Sendable func queue(req: Request) async throws -> JSON<ListPage<ResourceSummaryDTO>> {
        JSON(try await req.library.reviewQueue(actor: try req.requireActor(), limit: req.query[Int.self, at: "limit"],
                                               cursor: req.query[String.self, at: "cursor"]))
    }

    /// `PATCH /api/v1/resources/{id}`
    @Sendable func update(req: Request) async throws -> JSON<ResourceDTO> {
        let actor = try req.requireActor()
        return JSON(try await req.library.updateResource(try req.uuid("id"), try req.decodeJSON(ResourcePatch.self), actor: actor))
    }

    /// `POST /api/v1/resources/{id}/versions` (multipart: `file`, optional `note`).
    @Sendable func addVersion(req: Request) async throws -> JSON<ResourceDTO> {
        let actor = try req.requireActor()
        let id = try req.uuid("id")
        let lib = req.library
        if req.headers.contentType == .json {
            struct FromUpload: Decodable { var uploadId: UUID; var note: String? }
            let body = try decodeJSON(FromUpload.self, from: try await req.body.collect(upTo: 65_536))
            let file = try await lib.uploadedFile(body.uploadId, actor: actor)
            let updated = try await lib.addVersion(id, file: file, note: body.note, actor: actor)
            try await lib.forgetUpload(body.uploadId)
            return JSON(updated, status: .created)
        }
        let upload = try await MultipartUpload.read(req, blobs: lib.ctx.blobs, fileLimit: lib.ctx.rules.limits.values.max() ?? .max)
        guard let file = upload.file else { throw DomainError.invalid(field: "file", reason: "validation.file-required") }
        return JSON(try await lib.addVersion(id, file: file, note: upload.fields["note"], actor: actor), status: .created)
    }

    @Sendable func history(req: Request) async throws -> JSON<[ReviewEventDTO]> {
        JSON(try await req.library.history(try req.uuid("id"), actor: try req.requireActor()))
    }

    @Sendable func submit(req: Request) async throws -> JSON<ResourceDTO> {
        let actor = try req.requireActor()
        let body = try req.decodeJSON(SubmitRequest.self)
        return JSON(try await req.library.submit(try req.uuid("id"), scopeOrgID: body.scopeOrgId, comment: body.comment, actor: actor))
    }

    @Sendable func claim(req: Request) async throws -> JSON<ResourceDTO> {
        JSON(try await req.library.claim(try req.uuid("id"), actor: try req.requireActor()))
    }

    @Sendable func comment(req: Request) async throws -> JSON<[ReviewEventDTO]> {
        let actor = try req.requireActor()
        let body = try req.decodeJSON(CommentRequest.self)
        return JSON(try await req.library.comment(try req.uuid("id"), text: body.comment ?? "", actor: actor), status: .created)
    }

    @Sendable func requestChanges(req: Request) async throws -> JSON<ResourceDTO> {
        let actor = try req.requireActor()
        let body = try req.decodeJSON(CommentRequest.self)
        return JSON(try await req.library.requestChanges(try req.uuid("id"), comment: body.comment ?? "", actor: actor))
    }

    @Sendable func approve(req: Request) async throws -> JSON<ResourceDTO> {
        let actor = try req.requireActor()
        let body = try req.decodeOptionalJSON(CommentRequest.self)
        return JSON(try await req.library.approve(try req.uuid("id"), comment: body?.comment, actor: actor))
    }

    @Sendable func withdraw(req: Request) async throws -> JSON<ResourceDTO> {
        let actor = try req.requireActor()
        let body = try req.decodeOptionalJSON(WithdrawRequest.self)
        return JSON(try await req.library.withdraw(try req.uuid("id"), reason: body?.reason, actor: actor))
    }

    @Sendable func rate(req: Request) async throws -> JSON<ResourceDTO> {
        let actor = try req.requireActor()
        let body = try req.decodeJSON(RatingRequest.self)
        return JSON(try await req.library.rate(try req.uuid("id"), stars: body.stars, actor: actor))
    }

    /// `POST /api/v1/resources/{id}/versions/{version}/transcode`: prepare a video's
    /// renditions again (after a failure, or once the operator has installed ffmpeg).
    @Sendable func transcode(req: Request) async throws -> JSON<ResourceDTO> {
        let actor = try req.requireActor()
        guard let v = req.parameters.get("version").flatMap(Int.init) else { throw DomainError.notFound(entity: "version") }
        return JSON(try await req.library.requestTranscode(try req.uuid("id"), version: v, actor: actor), status: .accepted)
    }

    @Sendable func markUsed(req: Request) async throws -> JSON<ResourceDTO> {
        let actor = try req.requireActor()
        let body = try req.decodeJSON(UsageRequest.self)
        return JSON(try await req.library.markUsed(try req.uuid("id"), courseRef: body.courseRef, actor: actor), status: .created)
    }

    /// `GET /api/v1/search/resources?q=&subject=&grade=&type=&language=&licence=&scope=&page=`
    @Sendable func search(req: Request) async throws -> JSON<SearchResultsDTO> {
        var results = try await req.library.search(try req.searchQuery(), actor: req.actorOrAnonymous)
        results.localizeFacetLabels(req)
        return JSON(results)
    }

    /// `GET /api/v1/resources/{id}/content?version=&rendition=`: ranges, ETag, caching.
    @Sendable func content(req: Request) async throws -> Response {
        let version = try req.optionalInt("version")
        let location = try await req.library.content(try req.uuid("id"), version: version, rendition: req.query[String.self, at: "rendition"],
                                                     actor: req.actorOrAnonymous)
        return try await ContentResponder.respond(req, location: location, immutable: version != nil,
                                                  download: req.query[String.self, at: "download"] != nil)
    }

    /// `GET /api/v1/resources/{id}/package/{version}/{path...}`: one file of an HTML5 or
    /// SCORM package, for the sandboxed player.
    @Sendable func packageFile(req: Request) async throws -> Response {
        guard let v = req.parameters.get("version").flatMap(Int.init) else { throw DomainError.notFound(entity: "version") }
        let path = req.parameters.getCatchall().joined(separator: "/")
        let file = try await req.library.packageFile(try req.uuid("id"), version: v, path: path, actor: req.actorOrAnonymous)
        return ContentResponder.packageResponse(req, data: file.data, mediaType: file.mediaType, isPublic: file.location.isPublic)
    }
}

extension LibraryAPI {
    /// `GET /api/v1/package-files/{token}/{path...}`: a package file through a signed link.
    @Sendable func signedPackageFile(req: Request) async throws -> Response {
        let path = req.parameters.getCatchall().joined(separator: "/")
        let file = try await req.library.packageFile(token: req.parameters.get("token") ?? "", path: path)
        if let run = req.query[String.self, at: "ec_scorm"], file.mediaType.hasPrefix("text/html") {
            // The SCORM 1.2 API goes into the entry page with the learner's data (or in
            // browse mode). Personal: never cached.
            let boot = run == "browse" ? ScormShim.browseBoot : try await req.courses.scormInit(token: run)
            let response = ContentResponder.packageResponse(req, data: ScormShim.inject(file.data, boot: boot, home: req.services.config.homeDirectory),
                                                            mediaType: file.mediaType, isPublic: false)
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
            return response
        }
        // A cmi5 AU calls the LRS and the fetch URL on this platform's origin, and only there.
        let resource = (req.parameters.get("token") ?? "").split(separator: ".").first.flatMap { UUID(uuidString: String($0)) }
        let cmi5 = try await resource.asyncMap { try await req.library.packageType($0) } == "cmi5"
        return ContentResponder.packageResponse(req, data: file.data, mediaType: file.mediaType, isPublic: file.location.isPublic,
                                                connect: cmi5 ? req.publicOrigin : nil)
    }
}

extension Optional {
    func asyncMap<T>(_ f: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let w): try await f(w)
        case .none: nil
        }
    }
}

extension Request {
    /// The platform's origin as this request reached it: EDUCOMMONS_PUBLIC_URL when set,
    /// else the Host the browser used (a test server on a random port, a LAN address).
    var publicOrigin: String {
        if let u = services.config.publicURL, let c = URLComponents(string: u), let scheme = c.scheme, let host = c.host {
            return "\(scheme)://\(host)\(c.port.map { ":\($0)" } ?? "")"
        }
        return "http://" + (headers.first(name: .host) ?? "\(services.config.hostname):\(services.config.port)")
    }
}

extension SearchResultsDTO {
    /// Facet values that are codes of ours (type, licence, scope, language) get their
    /// names in the reader's language; subjects and grades come named from the rules.
    mutating func localizeFacetLabels(_ req: Request) {
        for facet in ["type", "scope", "language", "licence"] {
            guard let values = facets[facet] else { continue }
            facets[facet] = values.map { v in
                var v = v
                let key = "library.\(facet).\(v.value)"
                let text = req.t(key)
                if text != key { v.label = text }
                return v
            }
        }
    }
}

extension Request {
    /// Who is asking; someone not signed in sees only what is public.
    var actorOrAnonymous: Actor {
        actor ?? Actor(personID: nil, displayName: "anonymous", grants: [], ipAddress: remoteAddress?.ipAddress, locale: locale)
    }

    func optionalInt(_ name: String) throws -> Int? {
        guard let raw = query[String.self, at: name], !raw.isEmpty else { return nil }
        guard let n = Int(raw) else { throw DomainError.invalid(field: name, reason: "validation.type") }
        return n
    }

    func searchQuery() throws -> SearchQuery {
        func s(_ k: String) -> String? { query[String.self, at: k].flatMap { $0.isEmpty ? nil : $0 } }
        return SearchQuery(q: s("q"), subject: s("subject"), grade: s("grade"), kind: s("type"), language: s("language"),
                           licence: s("licence"), scope: s("scope"), page: try optionalInt("page") ?? 1)
    }
}

/// Decodes JSON from a buffer with the same error mapping as `Request.decodeJSON`.
func decodeJSON<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer?) throws -> T {
    guard let buffer, buffer.readableBytes > 0 else { throw DomainError.malformed(reason: "error.body-missing") }
    do {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: buffer)
    } catch let e as DecodingError {
        switch e {
        case .keyNotFound(let key, _):
            throw DomainError.invalid(field: key.stringValue, reason: "validation.required")
        case .typeMismatch(_, let c), .valueNotFound(_, let c):
            throw DomainError.invalid(field: c.codingPath.map(\.stringValue).joined(separator: "."), reason: "validation.type")
        default:
            throw DomainError.malformed(reason: "error.malformed-json")
        }
    }
}
