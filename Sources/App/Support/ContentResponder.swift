import Foundation
import Vapor
import Platform
import Library

/// Serves stored files: single byte ranges (video seeking, resumed downloads), an ETag
/// that is the content's SHA-256 (so it never changes for the same bytes), and caching
/// that matches who may see the file.
enum ContentResponder {
    static func respond(_ req: Request, location: ContentLocation, immutable: Bool, download: Bool) async throws -> Response {
        let etag = "\"\(location.sha256)\""
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .eTag, value: etag)
        headers.replaceOrAdd(name: .acceptRanges, value: "bytes")
        // A specific version's bytes never change; the "current" URL may move to a new version.
        let age = immutable ? "max-age=31536000, immutable" : "max-age=300"
        headers.replaceOrAdd(name: .cacheControl, value: (location.isPublic ? "public, " : "private, ") + age)
        headers.replaceOrAdd(name: .vary, value: "Authorization, Cookie")
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        if location.mediaType == "image/svg+xml" {
            // An SVG can carry script; opened directly it must not run in our origin.
            headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'none'; style-src 'unsafe-inline'; sandbox")
        } else {
            // PDFs and media are shown inside our own resource page.
            headers.replaceOrAdd(name: "Content-Security-Policy", value: "frame-ancestors 'self'")
        }
        headers.replaceOrAdd(name: .contentDisposition, value: disposition(location.filename, attachment: download))
        // Already-compressed media must not be gzipped again, and ranges need identity bytes.
        headers.responseCompression = .disable

        if let match = req.headers.first(name: .ifNoneMatch), match.split(separator: ",").contains(where: {
            let t = $0.trimmingCharacters(in: .whitespaces)
            return t == etag || t == "W/\(etag)" || t == "*"
        }) {
            return Response(status: .notModified, headers: headers)
        }
        guard let url = try req.library.ctx.blobs.localURL(location.sha256) else {
            // The row exists but the file is gone: an operator problem, reported as such.
            req.logger.error("blob missing", metadata: ["sha256": .string(location.sha256)])
            throw DomainError.notFound(entity: "content")
        }
        headers.replaceOrAdd(name: .contentType, value: location.mediaType)
        let size = location.size
        var status = HTTPResponseStatus.ok
        var offset: Int64 = 0
        var count = size
        let ifRange = req.headers.first(name: "If-Range")
        if let rangeHeader = req.headers.first(name: .range), ifRange == nil || ifRange == etag {
            switch parseRange(rangeHeader, size: size) {
            case .satisfiable(let start, let end):
                status = .partialContent
                offset = start
                count = end - start + 1
                headers.replaceOrAdd(name: .contentRange, value: "bytes \(start)-\(end)/\(size)")
            case .unsatisfiable:
                headers.replaceOrAdd(name: .contentRange, value: "bytes */\(size)")
                return Response(status: .rangeNotSatisfiable, headers: headers)
            case .ignore:
                break
            }
        }
        let response = Response(status: status, headers: headers)
        if req.method == .HEAD || count == 0 {
            response.headers.replaceOrAdd(name: .contentLength, value: String(count))
            return response
        }
        let path = url.path
        let fileio = req.fileio
        let start = offset
        let length = count
        response.body = .init(asyncStream: { writer in
            let chunks: FileIO.FileChunks
            do {
                chunks = try await fileio.readFile(at: path, chunkSize: 1024 * 1024, offset: start, byteCount: Int(length))
            } catch {
                try? await writer.write(.error(error))
                return
            }
            do {
                for try await chunk in chunks { try await writer.writeBuffer(chunk) }
                try await writer.write(.end)
            } catch {
                // The reader went away mid-file (a video player that only wanted the
                // header, a dropped phone link). The file handle closes itself only at the
                // end of the file; left open here, NIO stops the whole process.
                try? await chunks.closeHandle()
                try? await writer.write(.error(error))
            }
        }, count: Int(count), byteBufferAllocator: req.byteBufferAllocator)
        return response
    }

    enum RangeResult: Equatable { case satisfiable(Int64, Int64), unsatisfiable, ignore }

    /// One `bytes=` range (RFC 9110 §14.1.2). Several ranges or another unit: the whole
    /// file is sent, which the RFC allows; a syntactically bad header is ignored likewise.
    static func parseRange(_ header: String, size: Int64) -> RangeResult {
        let h = header.trimmingCharacters(in: .whitespaces)
        guard h.lowercased().hasPrefix("bytes="), !h.contains(",") else { return .ignore }
        let spec = h.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard let dash = spec.firstIndex(of: "-") else { return .ignore }
        let a = spec[..<dash], b = spec[spec.index(after: dash)...]
        if a.isEmpty {
            guard let n = Int64(b), n >= 0 else { return .ignore }
            if n == 0 { return .unsatisfiable }
            return size == 0 ? .unsatisfiable : .satisfiable(max(0, size - n), size - 1)
        }
        guard let start = Int64(a), start >= 0 else { return .ignore }
        if start >= size { return .unsatisfiable }
        if b.isEmpty { return .satisfiable(start, size - 1) }
        guard let end = Int64(b), end >= start else { return .ignore }
        return .satisfiable(start, min(end, size - 1))
    }

    static func disposition(_ filename: String, attachment: Bool) -> String {
        let ascii = String(filename.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
        let encoded = filename.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: ".-_"))) ?? ascii
        return "\(attachment ? "attachment" : "inline"); filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }

    /// A file of an HTML5/SCORM package. It runs in a sandboxed frame without our origin
    /// (no cookies, no storage of ours, no top navigation); its CSP lets it load only its
    /// own files and inline code, nothing from elsewhere.
    /// A cmi5 package's AU talks to the platform's LRS: `connect` names that origin (and
    /// nothing else) for it.
    static func packageResponse(_ req: Request, data: Data, mediaType: String, isPublic: Bool, connect: String? = nil) -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: mediaType)
        headers.replaceOrAdd(name: .cacheControl, value: (isPublic ? "public" : "private") + ", max-age=3600")
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        headers.replaceOrAdd(name: "Content-Security-Policy",
                             value: connect.map { packageCSP.replacingOccurrences(of: "connect-src 'none'", with: "connect-src \($0)") } ?? packageCSP)
        // No Cross-Origin-Resource-Policy: the sandboxed package is an opaque origin, and
        // same-origin would block its own scripts and images.
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }

    static let packageCSP = "sandbox allow-scripts allow-forms allow-popups; default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; connect-src 'none'; frame-ancestors 'self'; form-action 'none'; base-uri 'self'"
}
