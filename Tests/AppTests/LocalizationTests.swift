import Foundation
import Testing
@testable import App
import Platform

@Suite("Every string in en, vi and zh-Hans")
struct LocalizationTests {
    let localizer = try! Localizer.load(directory: URL(fileURLWithPath: packageRoot + "/Resources/Localization"))

    @Test func theThreeCataloguesHoldTheSameKeys() {
        #expect(localizer.missingKeys().isEmpty, "\(localizer.missingKeys())")
        #expect(localizer.catalogues[.vi]?.count ?? 0 > 200)
    }

    /// Every `#t("key")` in a template and every literal key in the sources exists.
    @Test func everyKeyUsedInTemplatesAndSourcesExists() throws {
        let en = localizer.catalogues[.en]!
        var used: Set<String> = []
        let fm = FileManager.default
        let pattern = try NSRegularExpression(pattern: #"(?:#t\(|req\.t\(|reason: |DomainError\.forbidden\(reason: )"((?:error|validation|problem|[a-z]+)\.[A-Za-z0-9.\-]+)""#)
        for dir in ["Resources/Views", "Sources"] {
            let root = packageRoot + "/" + dir
            for case let file as String in fm.enumerator(atPath: root)! where file.hasSuffix(".leaf") || file.hasSuffix(".swift") {
                let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
                for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    used.insert(String(text[Range(m.range(at: 1), in: text)!]))
                }
            }
        }
        #expect(used.count > 50)
        let missing = used.filter { en[$0] == nil }
        #expect(missing.isEmpty, "missing keys: \(missing.sorted())")
        for role in Role.allCases { #expect(en["role.\(role.rawValue)"] != nil) }
        for kind in OrgKind.allCases { #expect(en["org.kind.\(kind.rawValue)"] != nil) }
        for code in ["unauthenticated", "forbidden", "not-found", "validation-failed", "malformed-request", "conflict", "account-locked", "rate-limited", "internal"] {
            #expect(en["problem.\(code)"] != nil)
        }
    }

    @Test func vietnameseAndChineseAreReallyTranslated() {
        let en = localizer.catalogues[.en]!, vi = localizer.catalogues[.vi]!, zh = localizer.catalogues[.zhHans]!
        let sameAsEnglish = en.keys.filter { vi[$0] == en[$0] && zh[$0] == en[$0] }
        #expect(sameAsEnglish.isEmpty, "untranslated: \(sameAsEnglish.sorted())")
    }
}
