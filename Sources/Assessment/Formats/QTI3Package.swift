import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Platform

/// QTI 3.0 content packages (a ZIP with `imsmanifest.xml` at its root), and single item
/// files. A package's items are read in the order of its test when it has one, then in
/// manifest order; images inside the package travel with the items.
///
/// Bank metadata QTI items have no place for (tags, category, cognitive level,
/// difficulty) is written as LOM keywords on the item's manifest resource:
/// `level:<level>`, `category:<path>`, `difficulty:<0..1>`, and the tags as they are.
public enum QTI3Package {
    static let manifestNamespace = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
    static let itemType = "imsqti_item_xmlv3p0"
    static let testType = "imsqti_test_xmlv3p0"

    public static func isZip(_ data: Data) -> Bool { data.starts(with: [0x50, 0x4B, 0x03, 0x04]) || data.starts(with: [0x50, 0x4B, 0x05, 0x06]) }

    public static func read(_ data: Data) -> ParseResult {
        var result = ParseResult()
        guard isZip(data) else {
            switch QTI3Reader.item(data) {
            case .success(let item): result.items.append(ParsedItem(line: nil, content: item))
            case .failure(let p): result.problems.append(p)
            }
            return result
        }
        let zip: ZipArchive
        do {
            zip = try ZipArchive(size: Int64(data.count)) { offset, length in
                let start = Int(offset)
                guard start >= 0, start <= data.count else { return Data() }
                return data.subdata(in: start..<min(data.count, start + length))
            }
            try zip.check(maxEntries: 10_000, maxUncompressed: 1 << 30, maxRatio: 200)
        } catch {
            result.problems.append(FormatProblem(line: nil, item: nil, reason: "qti.bad-zip", detail: String(describing: error)))
            return result
        }
        func file(_ path: String) -> Data? {
            guard ZipArchive.isSafePath(path), let e = zip.entry(named: path) else { return nil }
            return try? zip.data(of: e)
        }
        guard let manifestData = file("imsmanifest.xml") else {
            result.problems.append(FormatProblem(line: nil, item: nil, reason: "qti.no-manifest"))
            return result
        }
        let manifest: XMLDocument
        switch SafeXML.load(manifestData, reasons: "qti") {
        case .success(let d): manifest = d
        case .failure(var p):
            p.item = "imsmanifest.xml"
            result.problems.append(p)
            return result
        }
        let resources = QTI3Reader.descendants(manifest.rootElement() ?? XMLElement(name: "x"), "resource")
        let items = resources.filter { QTI3Reader.attr($0, "type") == itemType }
        if items.isEmpty {
            let v2 = resources.contains { (QTI3Reader.attr($0, "type") ?? "").hasPrefix("imsqti_item_xmlv2") }
            result.problems.append(FormatProblem(line: nil, item: "imsmanifest.xml", reason: v2 ? "qti.version-2" : "qti.no-items"))
            return result
        }
        var order = items.compactMap { QTI3Reader.attr($0, "href") }.map(normalize)
        if let test = resources.first(where: { QTI3Reader.attr($0, "type") == testType }), let href = QTI3Reader.attr(test, "href"),
           let testData = file(normalize(href)), case .success(let doc) = SafeXML.load(testData, reasons: "qti"), let root = doc.rootElement() {
            let base = folder(normalize(href))
            let refs = QTI3Reader.descendants(root, "qti-assessment-item-ref").compactMap { QTI3Reader.attr($0, "href") }.map { normalize(base + $0) }
            order = refs.filter(order.contains) + order.filter { !refs.contains($0) }
        }
        let byHref = Dictionary(items.compactMap { r in QTI3Reader.attr(r, "href").map { (normalize($0), r) } }, uniquingKeysWith: { a, _ in a })
        for href in order {
            guard let data = file(href) else {
                result.problems.append(FormatProblem(line: nil, item: href, reason: "qti.missing-file", detail: href))
                continue
            }
            let base = folder(href)
            switch QTI3Reader.item(data, resource: { file(normalize(base + $0)) }) {
            case .success(var item):
                if let r = byHref[href] { MetadataWords.apply(keywords(r), to: &item, category: true) }
                result.items.append(ParsedItem(line: nil, content: item))
            case .failure(var p):
                p.item = href
                result.problems.append(p)
            }
        }
        return result
    }

    /// Writes a package of items; `test` adds an assessment test listing them in order.
    /// Items whose HTML cannot be made XML are left out and named.
    public static func write(_ items: [ItemContent], test: (identifier: String, title: String)? = nil) -> (data: Data, skipped: [FormatProblem]) {
        var zip = ZipWriter()
        var skipped: [FormatProblem] = []
        var resources = ""
        var written: [String] = []
        for (i, item) in items.enumerated() {
            let id = String(format: "ITEM-%04d", i + 1)
            guard let xml = QTI3Writer.item(item, identifier: id) else {
                skipped.append(FormatProblem(line: nil, item: item.name, reason: "qti.html-not-xml"))
                continue
            }
            let href = "items/\(id).xml"
            zip.add(href, Data(xml.utf8))
            written.append(id)
            let words = MetadataWords.words(for: item, category: true)
            let lom = words.isEmpty ? "<metadata/>" : "<metadata><imsmd:lom><imsmd:general>"
                + words.map { "<imsmd:keyword><imsmd:string>\(QTI3Writer.esc($0))</imsmd:string></imsmd:keyword>" }.joined()
                + "</imsmd:general></imsmd:lom></metadata>"
            resources += "    <resource identifier=\"\(id)\" type=\"\(itemType)\" href=\"\(href)\">\(lom)<file href=\"\(href)\"/></resource>\n"
        }
        var testResource = ""
        if let test {
            var t = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<qti-assessment-test xmlns=\"\(QTI3Reader.namespace)\" identifier=\"\(QTI3Writer.esc(test.identifier))\" title=\"\(QTI3Writer.esc(test.title))\">\n"
            t += "  <qti-outcome-declaration identifier=\"SCORE\" cardinality=\"single\" base-type=\"float\"/>\n"
            t += "  <qti-test-part identifier=\"PART-1\" navigation-mode=\"nonlinear\" submission-mode=\"simultaneous\">\n    <qti-assessment-section identifier=\"SECTION-1\" title=\"\(QTI3Writer.esc(test.title))\" visible=\"true\">\n"
            for id in written { t += "      <qti-assessment-item-ref identifier=\"\(id)\" href=\"items/\(id).xml\"/>\n" }
            t += "    </qti-assessment-section>\n  </qti-test-part>\n"
            t += "  <qti-outcome-processing><qti-set-outcome-value identifier=\"SCORE\"><qti-sum><qti-test-variables variable-identifier=\"SCORE\"/></qti-sum></qti-set-outcome-value></qti-outcome-processing>\n"
            t += "</qti-assessment-test>\n"
            zip.add("test.xml", Data(t.utf8))
            testResource = "    <resource identifier=\"TEST\" type=\"\(testType)\" href=\"test.xml\"><metadata/><file href=\"test.xml\"/>"
                + written.map { "<dependency identifierref=\"\($0)\"/>" }.joined() + "</resource>\n"
        }
        var m = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest xmlns=\"\(manifestNamespace)\" xmlns:imsmd=\"http://ltsc.ieee.org/xsd/LOM\" identifier=\"MANIFEST-1\">\n"
        m += "  <metadata><schema>QTI Package</schema><schemaversion>3.0.0</schemaversion></metadata>\n  <organizations/>\n  <resources>\n"
        m += testResource + resources + "  </resources>\n</manifest>\n"
        zip.add("imsmanifest.xml", Data(m.utf8))
        return (zip.finish(), skipped)
    }

    static func keywords(_ resource: XMLElement) -> [String] {
        QTI3Reader.descendants(resource, "keyword").flatMap { k in
            let strings = QTI3Reader.children(k, "string")
            return (strings.isEmpty ? [k] : strings).map { SafeXML.collapse($0.stringValue ?? "") }
        }.filter { !$0.isEmpty }
    }

    /// `a/./b/../c` → `a/c`; percent-escapes decoded (hrefs are URIs).
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for p in (path.removingPercentEncoding ?? path).split(separator: "/") {
            if p == "." { continue }
            if p == "..", !parts.isEmpty { parts.removeLast(); continue }
            parts.append(p)
        }
        return parts.joined(separator: "/")
    }

    static func folder(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }
}
