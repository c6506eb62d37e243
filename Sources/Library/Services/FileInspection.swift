import Foundation
import Platform

/// What an uploaded file turned out to be, judged from its bytes.
struct InspectedFile: Sendable {
    var kind: FileKind
    /// Entry page of an HTML5 or SCORM package.
    var entry: String?
    /// "html5", "scorm12" or "cmi5".
    var packageType: String?
}

extension LibraryService {
    /// Checks a stored file against the resource kind: type from content (a renamed file
    /// is caught), size within the kind's limit, and for packages a safe archive with an
    /// entry page or manifest.
    func inspect(_ file: UploadedFile, kind: ResourceKind) throws -> InspectedFile {
        let limit = ctx.rules.limit(for: kind)
        if file.blob.size > limit {
            throw DomainError.invalid(field: "file", reason: "validation.file-too-large", arguments: [String(limit / 1_048_576)])
        }
        if file.blob.size == 0 { throw DomainError.invalid(field: "file", reason: "validation.file-empty") }
        let head = try ctx.blobs.read(file.blob.sha256, range: 0..<Int64(FileSniffer.headerLength)) ?? Data()
        let sniffed = FileSniffer.kind(of: head)
        // A zip whose first entries did not reveal an office or EPUB layout may still be
        // one: look at its whole directory before judging.
        var fileKind = sniffed
        var archive: ZipArchive?
        if [.zip, .docx, .pptx, .xlsx, .epub].contains(sniffed) {
            do { archive = try ctx.blobs.zip(file.blob.sha256) } catch {
                throw DomainError.invalid(field: "file", reason: "validation.file-corrupt", arguments: [file.filename])
            }
            if sniffed == .zip, let names = archive?.entries.map(\.name) {
                if names.contains(where: { $0.hasPrefix("word/") }) { fileKind = .docx }
                else if names.contains(where: { $0.hasPrefix("ppt/") }) { fileKind = .pptx }
                else if names.contains(where: { $0.hasPrefix("xl/") }) { fileKind = .xlsx }
            }
        }
        guard kind.acceptedFiles.contains(fileKind) else {
            throw DomainError.invalid(field: "file", reason: "validation.file-type",
                                      arguments: [fileKind.rawValue, kind.acceptedFiles.map(\.rawValue).sorted().joined(separator: ", ")])
        }
        guard kind == .simulation || kind == .package, let archive else { return InspectedFile(kind: fileKind) }
        let limits = ctx.rules.package
        do {
            try archive.check(maxEntries: limits.maxEntries, maxUncompressed: limits.maxUncompressedBytes, maxRatio: limits.maxCompressionRatio)
        } catch let problem as ZipArchive.Problem {
            throw DomainError.invalid(field: "file", reason: Self.reason(for: problem).0, arguments: Self.reason(for: problem).1)
        }
        let names = Set(archive.entries.map(\.name))
        if kind == .package {
            if names.contains("cmi5.xml") { return InspectedFile(kind: .zip, entry: "cmi5.xml", packageType: "cmi5") }
            if let manifest = archive.entry(named: "imsmanifest.xml") {
                let xml = String(decoding: (try? archive.data(of: manifest)) ?? Data(), as: UTF8.self)
                guard let launch = ScormManifest.launchHref(xml), names.contains(launch.components(separatedBy: "?")[0]) else {
                    throw DomainError.invalid(field: "file", reason: "validation.scorm-launch")
                }
                guard ScormManifest.isScorm12(xml) else { throw DomainError.invalid(field: "file", reason: "validation.scorm-version") }
                return InspectedFile(kind: .zip, entry: launch, packageType: "scorm12")
            }
            throw DomainError.invalid(field: "file", reason: "validation.package-manifest")
        }
        // An HTML5 simulation opens at index.html, at the top or in a single top folder.
        let candidates = ["index.html", "index.htm"] + names.filter { $0.split(separator: "/").count == 2 && $0.hasSuffix("/index.html") }.sorted()
        guard let entry = candidates.first(where: names.contains) else {
            throw DomainError.invalid(field: "file", reason: "validation.package-entry")
        }
        return InspectedFile(kind: .zip, entry: entry, packageType: "html5")
    }

    static func reason(for problem: ZipArchive.Problem) -> (String, [String]) {
        switch problem {
        case .notZip, .corrupt: ("validation.file-corrupt", [""])
        case .pathTraversal(let n): ("validation.zip-traversal", [n])
        case .symlink(let n): ("validation.zip-symlink", [n])
        case .tooManyEntries(let c): ("validation.zip-entries", [String(c)])
        case .tooLarge: ("validation.zip-bomb", [""])
        case .compressionRatio(let n): ("validation.zip-bomb", [n])
        case .encrypted(let n): ("validation.zip-encrypted", [n])
        case .unsupportedMethod(let n): ("validation.zip-method", [n])
        }
    }
}

/// The little of a SCORM manifest we need: its version and the launch page of its first
/// resource with an href (what SCORM players open).
enum ScormManifest {
    static func isScorm12(_ xml: String) -> Bool {
        guard let r = xml.range(of: "<schemaversion>") ?? xml.range(of: ":schemaversion>") else {
            // Many 1.2 packages omit the version; the adlcp 1.2 namespace says enough.
            return xml.contains("adlcp_rootv1p2")
        }
        let rest = xml[r.upperBound...].drop(while: { $0.isWhitespace })
        return rest.hasPrefix("1.2")
    }

    static func launchHref(_ xml: String) -> String? {
        var search = xml[...]
        while let r = search.range(of: "<resource ") {
            let tagEnd = search[r.upperBound...].firstIndex(of: ">") ?? search.endIndex
            let tag = search[r.upperBound..<tagEnd]
            if let h = tag.range(of: "href=\"") {
                let start = h.upperBound
                if let end = tag[start...].firstIndex(of: "\"") { return String(tag[start..<end]) }
            }
            search = search[tagEnd...]
        }
        return nil
    }
}
