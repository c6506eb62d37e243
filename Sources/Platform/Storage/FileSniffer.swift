import Foundation

/// What a file is, judged from its first bytes rather than its name, so a renamed
/// executable is not served as a PDF. Office formats and EPUB are ZIP files; they are told
/// apart by the names inside the archive's first entries (read from the local headers in
/// the first bytes, no unzipping).
public enum FileKind: String, Sendable, Codable, CaseIterable {
    case pdf, epub, docx, pptx, xlsx, zip, mp4, webm, mp3, ogg, wav, png, jpeg, gif, webp, svg, html, text, unknown

    public var mediaType: String {
        switch self {
        case .pdf: "application/pdf"
        case .epub: "application/epub+zip"
        case .docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case .pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case .zip: "application/zip"
        case .mp4: "video/mp4"
        case .webm: "video/webm"
        case .mp3: "audio/mpeg"
        case .ogg: "audio/ogg"
        case .wav: "audio/wav"
        case .png: "image/png"
        case .jpeg: "image/jpeg"
        case .gif: "image/gif"
        case .webp: "image/webp"
        case .svg: "image/svg+xml"
        case .html: "text/html"
        case .text: "text/plain"
        case .unknown: "application/octet-stream"
        }
    }
}

public enum FileSniffer {
    /// How many leading bytes `kind(of:)` wants; more is fine.
    public static let headerLength = 4096

    public static func kind(of head: Data) -> FileKind {
        let b = [UInt8](head.prefix(headerLength))
        func starts(_ sig: [UInt8], at offset: Int = 0) -> Bool {
            b.count >= offset + sig.count && Array(b[offset..<offset + sig.count]) == sig
        }
        if starts(Array("%PDF-".utf8)) { return .pdf }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return .gif }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return .webp }
        if starts(Array("RIFF".utf8)) && starts(Array("WAVE".utf8), at: 8) { return .wav }
        if starts(Array("ftyp".utf8), at: 4) { return .mp4 }
        if starts([0x1A, 0x45, 0xDF, 0xA3]) { return .webm }
        if starts(Array("OggS".utf8)) { return .ogg }
        if starts(Array("ID3".utf8)) || (b.count >= 2 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0) { return .mp3 }
        if starts([0x50, 0x4B, 0x03, 0x04]) { return zipKind(b) }
        return textKind(b)
    }

    /// Names of the entries whose local headers fall inside the bytes we have.
    static func zipEntryNames(_ b: [UInt8]) -> [String] {
        var names: [String] = []
        var i = 0
        while i + 30 <= b.count, b[i] == 0x50, b[i + 1] == 0x4B, b[i + 2] == 0x03, b[i + 3] == 0x04 {
            let compressed = Int(b[i + 18]) | Int(b[i + 19]) << 8 | Int(b[i + 20]) << 16 | Int(b[i + 21]) << 24
            let nameLength = Int(b[i + 26]) | Int(b[i + 27]) << 8
            let extraLength = Int(b[i + 28]) | Int(b[i + 29]) << 8
            guard i + 30 + nameLength <= b.count else { break }
            names.append(String(decoding: b[(i + 30)..<(i + 30 + nameLength)], as: UTF8.self))
            // Entries written with a data descriptor (flag bit 3) have no size here: stop.
            if b[i + 6] & 0x08 != 0 { break }
            i += 30 + nameLength + extraLength + compressed
        }
        return names
    }

    static func zipKind(_ b: [UInt8]) -> FileKind {
        let names = zipEntryNames(b)
        // EPUB's first entry is an uncompressed "mimetype" file saying so.
        if names.first == "mimetype", String(decoding: b.dropFirst(38).prefix(20), as: UTF8.self) == "application/epub+zip" { return .epub }
        if names.contains(where: { $0.hasPrefix("word/") }) { return .docx }
        if names.contains(where: { $0.hasPrefix("ppt/") }) { return .pptx }
        if names.contains(where: { $0.hasPrefix("xl/") }) { return .xlsx }
        return .zip
    }

    static func textKind(_ b: [UInt8]) -> FileKind {
        guard !b.isEmpty, !b.contains(0) else { return .unknown }
        // A valid UTF-8 prefix (a cut multi-byte character at the end is allowed).
        guard let decoded = (0..<min(4, b.count)).lazy.compactMap({ String(validating: b[0..<(b.count - $0)], as: UTF8.self) }).first else {
            return .unknown
        }
        let text = decoded.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if text.hasPrefix("<svg") || (text.hasPrefix("<?xml") && text.contains("<svg")) { return .svg }
        if text.hasPrefix("<!doctype html") || text.hasPrefix("<html") { return .html }
        return .text
    }
}
