import Foundation
import Testing
@testable import Platform

@Suite("File types from content, not names")
struct FileSnifferTests {
    /// A minimal ZIP local header (stored, no data descriptor) for `name` with `body`.
    func zipEntry(_ name: String, _ body: String) -> [UInt8] {
        let n = Array(name.utf8), d = Array(body.utf8)
        var h: [UInt8] = [0x50, 0x4B, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        h += [UInt8(d.count & 0xff), UInt8(d.count >> 8 & 0xff), 0, 0]
        h += [UInt8(d.count & 0xff), UInt8(d.count >> 8 & 0xff), 0, 0]
        h += [UInt8(n.count), 0, 0, 0]
        return h + n + d
    }

    @Test func signaturesDecideTheKind() {
        #expect(FileSniffer.kind(of: Data("%PDF-1.7\n".utf8)) == .pdf)
        #expect(FileSniffer.kind(of: Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0])) == .png)
        #expect(FileSniffer.kind(of: Data([0xFF, 0xD8, 0xFF, 0xE0])) == .jpeg)
        #expect(FileSniffer.kind(of: Data([0, 0, 0, 0x20] + Array("ftypisom".utf8))) == .mp4)
        #expect(FileSniffer.kind(of: Data(Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8 ".utf8))) == .webp)
        #expect(FileSniffer.kind(of: Data("ID3\u{4}".utf8)) == .mp3)
        #expect(FileSniffer.kind(of: Data("<!DOCTYPE html><html>".utf8)) == .html)
        #expect(FileSniffer.kind(of: Data("<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>".utf8)) == .svg)
        #expect(FileSniffer.kind(of: Data("Phương trình bậc hai".utf8)) == .text)
        #expect(FileSniffer.kind(of: Data([0x7F, 0x45, 0x4C, 0x46, 0, 1])) == .unknown) // an ELF executable
        #expect(FileSniffer.kind(of: Data()) == .unknown)
    }

    @Test func zipBasedFormatsAreToldApartByTheirEntries() {
        #expect(FileSniffer.kind(of: Data(zipEntry("mimetype", "application/epub+zip") + zipEntry("META-INF/container.xml", "<x/>"))) == .epub)
        #expect(FileSniffer.kind(of: Data(zipEntry("[Content_Types].xml", "<x/>") + zipEntry("word/document.xml", "<w/>"))) == .docx)
        #expect(FileSniffer.kind(of: Data(zipEntry("[Content_Types].xml", "<x/>") + zipEntry("ppt/presentation.xml", "<p/>"))) == .pptx)
        #expect(FileSniffer.kind(of: Data(zipEntry("index.html", "<html></html>"))) == .zip)
    }

    @Test func textCutInsideACharacterIsStillText() {
        let bytes = Array("Phương trình".utf8)
        // "ư" and "ơ" are two bytes each: five bytes end inside "ơ".
        let cut = Data(bytes.prefix(5))
        #expect(FileSniffer.kind(of: cut) == .text)
        #expect(FileSniffer.kind(of: Data([0xC3, 0x28, 0x41, 0x42, 0x43, 0x44])) == .unknown) // invalid UTF-8 inside
        #expect(FileKind.epub.mediaType == "application/epub+zip")
    }
}
