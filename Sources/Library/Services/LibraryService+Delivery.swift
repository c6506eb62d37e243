import Foundation
import FluentKit
import SQLKit
import Platform

extension LibraryService {
    /// Where the bytes are for a version the actor may read: the published version for
    /// readers, any version for the author and curators. `rendition` picks a derived
    /// file (`360p`, `720p`, `poster`).
    public func content(_ id: UUID, version: Int?, rendition: String?, actor: Actor) async throws -> ContentLocation {
        // One explicit-column query for the resource and its versions: every byte range of
        // a video asks this, and two model loads cost more than the range itself.
        let rows = try await db.sql.raw("""
            SELECT r.org_path, r.owner_id, r.status, r.scope_path, r.scope_level, r.published_version, r.latest_version,
                   v.id AS version_id, v.number, v.sha256, v.size, v.media_type, v.filename, v.file_kind
            FROM resources r LEFT JOIN resource_versions v ON v.resource_id = r.id WHERE r.id = \(bind: id)
            """).all()
        guard let first = rows.first else { throw DomainError.notFound(entity: "resource") }
        let r = Resource()
        r.id = id
        r.orgPath = try first.decode(column: "org_path", as: String.self)
        r.ownerID = try first.decode(column: "owner_id", as: UUID?.self)
        r.status = try first.decode(column: "status", as: String.self)
        r.scopePath = try first.decode(column: "scope_path", as: String?.self)
        r.scopeLevel = try first.decode(column: "scope_level", as: String?.self)
        r.publishedVersion = try first.decode(column: "published_version", as: Int?.self)
        r.latestVersion = try first.decode(column: "latest_version", as: Int.self)
        let seesWork = canSeeWork(r, actor: actor)
        guard seesWork || canSeePublished(r, actor: actor) else { throw DomainError.notFound(entity: "resource") }
        let number: Int
        if let version {
            guard version >= 1, version <= (seesWork ? r.latestVersion : (r.publishedVersion ?? 0)) else {
                throw DomainError.notFound(entity: "version")
            }
            number = version
        } else {
            number = seesWork ? r.latestVersion : (r.publishedVersion ?? 0)
        }
        guard number > 0, let row = try rows.first(where: { try $0.decode(column: "number", as: Int?.self) == number }) else {
            throw DomainError.notFound(entity: "content")
        }
        let v = ResourceVersion()
        v.id = try row.decode(column: "version_id", as: UUID.self)
        v.sha256 = try row.decode(column: "sha256", as: String.self)
        v.size = try row.decode(column: "size", as: Int64.self)
        v.mediaType = try row.decode(column: "media_type", as: String.self)
        v.filename = try row.decode(column: "filename", as: String.self)
        v.fileKind = try row.decode(column: "file_kind", as: String.self)
        let isPublic = !seesWork && r.scopeLevel == PublishLevel.nation.rawValue
        if let rendition {
            guard let d = try await ResourceRendition.query(on: db).filter(\.$versionID == v.id!).filter(\.$label == rendition).first() else {
                throw DomainError.notFound(entity: "rendition")
            }
            let ext = d.mediaType.hasPrefix("image/") ? "jpg" : "mp4"
            return ContentLocation(sha256: d.sha256, size: d.size, mediaType: d.mediaType,
                                   filename: "\((v.filename as NSString).deletingPathExtension)-\(rendition).\(ext)",
                                   isPublic: isPublic, fileKind: ext)
        }
        return ContentLocation(sha256: v.sha256, size: v.size, mediaType: v.mediaType, filename: v.filename, isPublic: isPublic, fileKind: v.fileKind)
    }

    /// A signed, expiring path prefix for a package's files:
    /// `/api/v1/package-files/<resource>.<version>.<expiry>.<signature>/`. The player page
    /// frames `<prefix><entry>`, and the package's relative links inherit the prefix. This
    /// is needed because the package runs sandboxed in an opaque origin: the browser sends
    /// no session cookie with its requests, so the link itself must carry the permission.
    public func packageLink(_ id: UUID, version: Int, actor: Actor) async throws -> String {
        let location = try await content(id, version: version, rendition: nil, actor: actor)
        guard [FileKind.zip.rawValue, FileKind.epub.rawValue].contains(location.fileKind) else { throw DomainError.notFound(entity: "file") }
        let expires = Int(ctx.clock.now().timeIntervalSince1970) + 6 * 3600
        let claim = "\(id.uuidString.lowercased()).\(version).\(expires)"
        return "/api/v1/package-files/\(claim).\(Digest.hmacHex(key: ctx.contentSecret, claim).prefix(32))/"
    }

    /// One file of a package through a signed link; no session needed (see `packageLink`).
    public func packageFile(token: String, path: String) async throws -> (data: Data, mediaType: String, location: ContentLocation) {
        let parts = token.split(separator: ".")
        guard parts.count == 4, let id = UUID(uuidString: String(parts[0])), let version = Int(parts[1]), let expires = Int(parts[2]),
              Digest.constantTimeEqual(String(parts[3]), String(Digest.hmacHex(key: ctx.contentSecret, "\(parts[0]).\(parts[1]).\(parts[2])").prefix(32))),
              Double(expires) > ctx.clock.now().timeIntervalSince1970 else { throw DomainError.notFound(entity: "file") }
        return try await packageFile(id, version: version, path: path, actor: .system("package link"))
    }

    /// One file inside an HTML5 or SCORM package, for the sandboxed player. Paths are
    /// checked again here: the archive was vetted at upload, but a request path is new input.
    public func packageFile(_ id: UUID, version: Int?, path: String, actor: Actor) async throws -> (data: Data, mediaType: String, location: ContentLocation) {
        let location = try await content(id, version: version, rendition: nil, actor: actor)
        guard [FileKind.zip.rawValue, FileKind.epub.rawValue].contains(location.fileKind) else { throw DomainError.notFound(entity: "file") }
        guard ZipArchive.isSafePath(path) else { throw DomainError.notFound(entity: "file") }
        let archive: ZipArchive
        do { archive = try ctx.blobs.zip(location.sha256, cache: ctx.zipDirectories) } catch { throw DomainError.notFound(entity: "file") }
        guard let entry = archive.entry(named: path), !entry.isDirectory, !entry.isSymlink,
              entry.uncompressedSize <= 64 * 1_048_576 else { throw DomainError.notFound(entity: "file") }
        let data: Data
        do { data = try archive.data(of: entry) } catch { throw DomainError.notFound(entity: "file") }
        return (data, MediaTypes.forPath(path), location)
    }
}

/// Media types by extension for files inside packages (their names are all we have;
/// they are served only inside the sandbox with `nosniff`).
public enum MediaTypes {
    public static func forPath(_ path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "html", "htm": "text/html; charset=utf-8"
        case "xhtml": "application/xhtml+xml"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "json": "application/json"
        case "xml", "xsd": "application/xml"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "gif": "image/gif"
        case "webp": "image/webp"
        case "mp3": "audio/mpeg"
        case "mp4", "m4v": "video/mp4"
        case "webm": "video/webm"
        case "ogg": "audio/ogg"
        case "wav": "audio/wav"
        case "woff": "font/woff"
        case "woff2": "font/woff2"
        case "ttf": "font/ttf"
        case "txt": "text/plain; charset=utf-8"
        case "pdf": "application/pdf"
        case "wasm": "application/wasm"
        default: "application/octet-stream"
        }
    }
}

extension LibraryService {
    /// The package standard of a resource's newest version ("scorm12", "cmi5", "html5"),
    /// or nil for other files: the courses decide from it whether a run-time API is offered.
    /// No permission check: it says nothing a viewer of the item could not see.
    public func packageType(_ id: UUID) async throws -> String? {
        try await ResourceVersion.query(on: db).filter(\.$resourceID == id).sort(\.$number, .descending).first()?.packageType
    }
}
