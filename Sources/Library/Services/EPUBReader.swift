import Foundation
import Platform

/// The reading order of an EPUB, so the browser can show it chapter by chapter without a
/// reader library: META-INF/container.xml names the package document, whose spine lists
/// the chapters. Each chapter is then served from the package's signed link.
public struct EPUBChapter: Sendable, Codable, Equatable {
    public var title: String
    /// Path inside the archive.
    public var path: String
}

enum EPUBReader {
    static func chapters(_ archive: ZipArchive, limit: Int = 300) throws -> [EPUBChapter] {
        guard let container = archive.entry(named: "META-INF/container.xml") else { return [] }
        let containerXML = String(decoding: try archive.data(of: container), as: UTF8.self)
        guard let opfPath = attribute("full-path", in: containerXML), ZipArchive.isSafePath(opfPath),
              let opfEntry = archive.entry(named: opfPath), opfEntry.uncompressedSize < 4 * 1_048_576 else { return [] }
        let opf = String(decoding: try archive.data(of: opfEntry), as: UTF8.self)
        let base = (opfPath as NSString).deletingLastPathComponent
        var hrefs: [String: String] = [:]
        for item in tags("item", in: opf) {
            if let id = attribute("id", in: item), let href = attribute("href", in: item) { hrefs[id] = href }
        }
        var out: [EPUBChapter] = []
        for ref in tags("itemref", in: opf).prefix(limit) {
            guard let idref = attribute("idref", in: ref), let href = hrefs[idref] else { continue }
            let path = base.isEmpty ? href : base + "/" + href
            guard ZipArchive.isSafePath(path), let entry = archive.entry(named: path) else { continue }
            var title = String(out.count + 1)
            if entry.uncompressedSize < 1_048_576, let xhtml = try? archive.data(of: entry) {
                let text = String(decoding: xhtml, as: UTF8.self)
                if let t = element("title", in: text) ?? element("h1", in: text), !t.isEmpty { title = t }
            }
            out.append(EPUBChapter(title: title, path: path))
        }
        return out
    }

    /// Every `<name ...>` start tag (with its attributes) in the text.
    static func tags(_ name: String, in xml: String) -> [Substring] {
        var out: [Substring] = []
        var rest = xml[...]
        while let r = rest.range(of: "<\(name) ") ?? rest.range(of: "<\(name)\t") {
            let end = rest[r.upperBound...].firstIndex(of: ">") ?? rest.endIndex
            out.append(rest[r.lowerBound..<end])
            rest = rest[end...]
        }
        return out
    }

    static func attribute(_ name: String, in xml: some StringProtocol) -> String? {
        for quote in ["\"", "'"] {
            if let r = xml.range(of: " \(name)=\(quote)") {
                let start = r.upperBound
                if let end = xml[start...].firstIndex(of: Character(quote)) { return unescape(String(xml[start..<end])) }
            }
        }
        return nil
    }

    static func element(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)"), let gt = xml[open.upperBound...].firstIndex(of: ">"),
              let close = xml.range(of: "</\(name)>", range: gt..<xml.endIndex) else { return nil }
        let inner = xml[xml.index(after: gt)..<close.lowerBound]
        // Drop nested tags; keep the text.
        var text = ""
        var inTag = false
        for c in inner { if c == "<" { inTag = true } else if c == ">" { inTag = false } else if !inTag { text.append(c) } }
        return unescape(text.trimmingCharacters(in: .whitespacesAndNewlines)).prefix(200).description
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }
}

extension LibraryService {
    /// The chapters of an e-textbook version the actor may read, and the signed prefix to
    /// read them from.
    public func epubChapters(_ id: UUID, version: Int, actor: Actor) async throws -> (chapters: [EPUBChapter], prefix: String) {
        let location = try await content(id, version: version, rendition: nil, actor: actor)
        guard location.fileKind == FileKind.epub.rawValue else { throw DomainError.notFound(entity: "file") }
        let archive: ZipArchive
        do { archive = try ctx.blobs.zip(location.sha256, cache: ctx.zipDirectories) } catch { throw DomainError.notFound(entity: "file") }
        let chapters = (try? EPUBReader.chapters(archive)) ?? []
        return (chapters, try await packageLink(id, version: version, actor: actor))
    }
}
