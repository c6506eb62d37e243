import Foundation
import Vapor
import MultipartKit
import Platform
import Library

/// A multipart/form-data body read as it arrives: file parts go straight into the blob
/// store (constant memory, hashed on the way), small text parts are kept. Used by the
/// resource upload API and the upload page.
struct MultipartUpload {
    var fields: [String: String] = [:]
    /// Every value of each text field, in order (checkbox groups send one name many times).
    var lists: [String: [String]] = [:]
    var file: UploadedFile?
    /// Name of the form field that carried the file.
    var fileField: String?

    enum Problem: Error { case fieldTooLarge(String), tooManyFiles }

    /// Reads the whole body. `fileLimit` bounds the file, `fieldLimit` each text part.
    /// On any failure the partly written file is removed.
    static func read(_ req: Request, blobs: any BlobStore, fileLimit: Int64, fieldLimit: Int = 256 * 1024) async throws -> MultipartUpload {
        guard let type = req.headers.contentType, type.type == "multipart", type.subType == "form-data",
              let boundary = type.parameters["boundary"], !boundary.isEmpty else {
            throw DomainError.malformed(reason: "error.multipart-expected")
        }
        let parser = MultipartParser(boundary: boundary)
        var result = MultipartUpload()
        var headers: [String: String] = [:]
        var writer: (any BlobWriter)?
        var fieldBytes = Data()
        var partIsFile = false
        var partName = ""
        var filename = ""
        var failure: (any Error)?

        parser.onHeader = { name, value in headers[name.lowercased()] = value }
        parser.onBody = { buffer in
            guard failure == nil else { return }
            if writer == nil && fieldBytes.isEmpty && !partIsFile {
                // First body bytes of a part: decide what it is from its headers.
                let disposition = ContentDisposition(headers["content-disposition"] ?? "")
                partName = disposition.name ?? ""
                if let f = disposition.filename {
                    if result.file != nil || writer != nil { failure = Problem.tooManyFiles; return }
                    partIsFile = true
                    filename = f
                    do { writer = try blobs.writer(limit: fileLimit) } catch { failure = error; return }
                }
            }
            let bytes = Data(buffer.readableBytesView)
            if partIsFile {
                do { try writer?.write(bytes) } catch { failure = error }
            } else {
                fieldBytes.append(bytes)
                if fieldBytes.count > fieldLimit { failure = Problem.fieldTooLarge(partName) }
            }
        }
        parser.onPartComplete = {
            guard failure == nil else { return }
            let disposition = ContentDisposition(headers["content-disposition"] ?? "")
            if partIsFile, let w = writer {
                do {
                    let blob = try w.finish()
                    result.file = UploadedFile(blob: blob, filename: filename)
                    result.fileField = partName
                } catch { failure = error }
                writer = nil
            } else if disposition.filename != nil {
                // An empty file part: a form sent without choosing a file. Nothing to keep.
            } else if let name = disposition.name {
                let value = String(decoding: fieldBytes, as: UTF8.self)
                result.fields[name] = value
                result.lists[name, default: []].append(value)
            }
            headers = [:]
            fieldBytes = Data()
            partIsFile = false
            partName = ""
            filename = ""
        }

        do {
            for try await chunk in req.body {
                do { try parser.execute(chunk) } catch { throw DomainError.malformed(reason: "error.multipart-malformed") }
                if let failure { throw failure }
            }
            if let failure { throw failure }
        } catch {
            writer?.abort()
            if let blob = result.file?.blob, blob.isNew { try? blobs.delete(blob.sha256) }
            switch error {
            case BlobStoreError.tooLarge(let limit):
                throw DomainError.invalid(field: "file", reason: "validation.file-too-large", arguments: [String(limit / 1_048_576)])
            case Problem.fieldTooLarge(let name):
                throw DomainError.invalid(field: name, reason: "validation.too-long", arguments: [String(fieldLimit)])
            case Problem.tooManyFiles:
                throw DomainError.invalid(field: "file", reason: "validation.one-file")
            default:
                throw error
            }
        }
        if writer != nil {
            // The body ended inside a part: an interrupted upload keeps nothing.
            writer?.abort()
            throw DomainError.malformed(reason: "error.upload-incomplete")
        }
        return result
    }
}

/// `form-data; name="file"; filename="bài 1.pdf"` (and RFC 5987 `filename*=`).
struct ContentDisposition {
    var name: String?
    var filename: String?

    init(_ header: String) {
        var params: [String: String] = [:]
        var current = ""
        var inQuotes = false
        var parts: [String] = []
        for c in header {
            if c == "\"" { inQuotes.toggle(); current.append(c) }
            else if c == ";" && !inQuotes { parts.append(current); current = "" }
            else { current.append(c) }
        }
        parts.append(current)
        for p in parts.dropFirst() {
            guard let eq = p.firstIndex(of: "=") else { continue }
            let key = p[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            var value = p[p.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            params[key] = value
        }
        name = params["name"]
        if let star = params["filename*"], let quote = star.range(of: "''") {
            filename = String(star[quote.upperBound...]).removingPercentEncoding
        } else {
            filename = params["filename"]
        }
    }
}
