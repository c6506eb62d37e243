import Foundation
import Testing
import Platform
@testable import Assessment

@Suite("QTI 3.0")
struct QTI3Tests {
    func item(_ file: String) throws -> Result<ItemContent, FormatProblem> {
        QTI3Reader.item(try Data(contentsOf: Fixtures.root.appendingPathComponent("qti3/items/\(file).xml")))
    }

    func reason(_ r: Result<ItemContent, FormatProblem>) -> String? {
        if case .failure(let p) = r { return p.reason + (p.detail.isEmpty ? "" : " " + p.detail) }
        return nil
    }

    @Test(.enabled(if: Fixtures.present, "\(Fixtures.absent)"))
    func playerItemsAreReadOrRefusedWithTheirReason() throws {
        let inline = try item("q12-inline-choice-interaction").get()
        #expect(inline.type == .cloze && inline.name == "Richard III (Take 2)")
        #expect(inline.gaps?.count == 1 && inline.gaps?.first?.choices?.map(\.text.text) == ["Gloucester", "Lancaster", "York"])
        #expect(inline.gaps?.first?.choices?.map(\.fraction) == [0, 0, 1])
        #expect(inline.stem.format == .html && inline.stem.text.contains("sun of {{1}};") && inline.stem.text.contains("<blockquote>"))
        #expect(!inline.stem.text.contains("xmlns") && inline.stem.text.contains("<br/>"), "HTML5-safe: no namespaces, void elements closed")
        let math = try item("q12-inline-choice-mathml").get()
        #expect(math.gaps?.first?.choices?.first { $0.fraction == 1 }?.text.text.contains("<math>") == true)
        let hot = try item("q11-hottext-sv-1").get()
        #expect(hot.type == .singleChoice && hot.choices?.count == 5)
        #expect(hot.choices?.first { $0.fraction == 1 }?.text == RichText("includes"))
        #expect(hot.stem.text.contains("Select the error") && hot.stem.text.contains("Sponsors of the Olympic Games who bought"))
        let essay = try item("q5-extendedtext-sv-1").get()
        #expect(essay.type == .essay && essay.stem.text.contains("Write Sam a postcard"))
        let vertical = try item("vertical-choice-1").get()
        #expect(vertical.type == .singleChoice && vertical.name == "季語を必要とするのは和歌か俳句か")
        // The player's display-only items declare no key; the others need what the bank
        // cannot hold, each said plainly.
        #expect(reason(try item("q2-choice-interaction-single-sv-4d")) == "qti.no-key")
        let q6 = reason(try item("q6-gap-match-interaction-sv-4")); #expect(q6 == "qti.no-key G1", "\(String(describing: q6))")
        #expect(reason(try item("q2-choice-interaction-multiple-sv-4a")) == "qti.composite-item 2")
        #expect(reason(try item("q13-match-interaction-sv-2")) == "qti.composite-item 3")
        #expect(reason(try item("q15-order-interaction-sv-2")) == "qti.composite-item 12")
        #expect(reason(try item("q10-hotspot-interaction-sv-2")) == "qti.interaction-not-supported hotspot-interaction")
        #expect(reason(try item("card-08a-baseline")) == "qti.template-not-supported")
    }

    @Test(.enabled(if: Fixtures.present, "\(Fixtures.absent)"))
    func theKennisnetPackageIsReadInItsTestsOrder() throws {
        let data = try Data(contentsOf: Fixtures.root.appendingPathComponent("qti3/package-kennisnet-1.zip"))
        let r = QTI3Package.read(data)
        #expect(r.problems.map { "\($0.item ?? "") \($0.reason)" } == ["INTRODUCTION.xml qti.no-interaction", "ITEM005.xml qti.interaction-not-supported"])
        let items = r.items.map(\.content)
        #expect(items.map(\.type) == [.multipleResponse, .matching, .matching, .cloze, .cloze, .multipleResponse, .essay, .ordering])
        try #require(items.count == 8)
        let hot = items[0]
        #expect(hot.choices?.map(\.text.text) == ["Dit", "een", "tekst"], "padding trimmed")
        #expect(hot.choices?.map(\.fraction) == [0.5, -0.5, 0.5])
        let sesame = items[1]
        #expect(sesame.pairs?.map { $0.prompt?.text } == ["Ernie", "Pino", "Kermit"])
        #expect(sesame.pairs?.allSatisfy { $0.answer.hasPrefix("<img src=\"data:image/") } == true, "the package's pictures travel inside the item")
        let gaps = items[3]
        #expect(gaps.gaps?.count == 5 && gaps.stem.text.contains("{{1}}") && gaps.stem.text.contains("{{5}}"))
        #expect(gaps.gaps?.first?.choices?.first { $0.fraction == 1 }?.text.text == "plank")
        let blanks = items[4]
        #expect(blanks.gaps?.map(\.kind) == [.text, .text] && blanks.gaps?.map { $0.answers?.first?.pattern } == ["kat", "muizen"])
        #expect(blanks.gaps?.first?.variant == "SHORTANSWER", "the package maps answers case-insensitively")
        let order = items[7]
        #expect(order.sequence?.map(\.text) == ["Opstaan", "Aankleden", "Ontbijten", "Naar school gaan", "Naar bed gaan"])
        for i in items { #expect(ItemValidator.problems(i).isEmpty, "\(i.name)") }
    }

    @Test func everyTypeRoundTripsThroughAPackage() throws {
        var items = SampleItems.everyType()
        items[0].level = .comprehension
        items[0].difficulty = 0.4
        items[2].category = "Khoa học/地理"
        var md = ItemContent(type: .essay, name: "Markdown & rubric", stem: RichText("# Đề\n\n*Viết*  một đoạn\nvăn", format: .markdown))
        md.rubric = [RubricCriterion(name: "Nội dung", levels: [.init(points: 0, description: "Lạc đề"), .init(points: 2, description: "Đủ ý")])]
        md.generalFeedback = RichText("<p>Xem <i>bài mẫu</i>&nbsp;ở lớp</p>", format: .html)
        items.append(md)
        var accents = ItemContent(type: .shortAnswer, name: "Accents", stem: RichText("Thủ đô?"))
        accents.answers = [TextAnswer(pattern: "Hà Nội", fraction: 1)]
        accents.caseSensitive = true
        accents.accentSensitive = true
        items.append(accents)
        let out = QTI3Package.write(items, test: (identifier: "T1", title: "Đề kiểm tra"))
        #expect(out.skipped.isEmpty)
        let back = QTI3Package.read(out.data)
        #expect(back.problems.isEmpty, "\(back.problems)")
        #expect(back.items.count == items.count)
        for (a, b) in zip(items, back.items.map(\.content)) where normalized(a) != normalized(b) {
            Issue.record("\(a.name) changed:\n\(a)\n\(b)")
        }
        // A single item file reads too (without the manifest's metadata).
        let one = try #require(QTI3Writer.item(items[3], identifier: "X1"))
        #expect(try QTI3Reader.item(Data(one.utf8)).get().answers == items[3].answers)
    }

    @Test(.enabled(if: Fixtures.present, "\(Fixtures.absent)"))
    func moodlesFixturesRoundTripThroughQTI() throws {
        for file in ["multichoice.testquestion.moodle.xml", "matching.testquestion.moodle.xml", "shortanswer.testquestion.moodle.xml",
                     "truefalse.testquestion.moodle.xml", "nested_categories_with_questions.xml"] {
            let first = MoodleXMLReader.parse(Data(try Fixtures.text("moodle-questions/moodlexml/" + file).utf8)).items.map(\.content)
            let out = QTI3Package.write(first)
            #expect(out.skipped.isEmpty, "\(file)")
            let again = QTI3Package.read(out.data)
            #expect(again.problems.isEmpty, "\(file): \(again.problems)")
            #expect(again.items.map { normalized($0.content) } == first.map(normalized), "\(file)")
        }
        let gift = GIFTParser.parse(try Fixtures.text("moodle-questions/gift/questions.gift.txt")).items.map(\.content)
        let back = QTI3Package.read(QTI3Package.write(gift).data)
        #expect(!gift.isEmpty && back.items.map { normalized($0.content) } == gift.map(normalized), "\(back.problems)")
    }

    /// HTML comes back as the same markup written the XML way (`&nbsp;` as the character).
    func normalized(_ c: ItemContent) -> ItemContent {
        var c = c
        func fix(_ t: RichText?) -> RichText? {
            guard var t, t.format == .html, let x = SafeXML.xhtml(t.text), case .success(let doc) = SafeXML.load(Data("<div>\(x)</div>".utf8), reasons: "t"),
                  let root = doc.rootElement() else { return t }
            t.text = SafeXML.html(root.children ?? [])
            return t
        }
        c.stem = fix(c.stem)!
        c.generalFeedback = fix(c.generalFeedback)
        c.graderInfo = fix(c.graderInfo)
        return c
    }

    @Test func brokenFilesSayWhatIsWrong() {
        func problems(_ s: String) -> [String] { QTI3Package.read(Data(s.utf8)).problems.map(\.reason) }
        #expect(problems("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><qti-assessment-item>&e;</qti-assessment-item>") == ["qti.doctype"])
        #expect(problems("<qti-assessment-item><qti-item-body>") == ["qti.not-xml"])
        #expect(problems("<assessmentItem xmlns=\"http://www.imsglobal.org/xsd/imsqti_v2p1\"/>") == ["qti.version-2"])
        #expect(problems("<quiz/>") == ["qti.not-item"])
        let ns = "xmlns=\"\(QTI3Reader.namespace)\""
        #expect(problems("<qti-assessment-item \(ns) identifier=\"a\"><qti-item-body><p>Hi</p></qti-item-body></qti-assessment-item>") == ["qti.no-interaction"])
        // A single choice whose key names a choice that is not there.
        let wrongKey = """
            <qti-assessment-item \(ns) identifier="a" title="t"><qti-response-declaration identifier="R" cardinality="single" base-type="identifier">
            <qti-correct-response><qti-value>Z</qti-value></qti-correct-response></qti-response-declaration>
            <qti-item-body><p>Q?</p><qti-choice-interaction response-identifier="R" max-choices="1"><qti-simple-choice identifier="A">a</qti-simple-choice>
            <qti-simple-choice identifier="B">b</qti-simple-choice></qti-choice-interaction></qti-item-body></qti-assessment-item>
            """
        #expect(problems(wrongKey) == ["qti.no-key"])
        // One choice only: the bank's own rule, named by part.
        let oneChoice = wrongKey.replacingOccurrences(of: "<qti-value>Z</qti-value>", with: "<qti-value>A</qti-value>")
            .replacingOccurrences(of: "<qti-simple-choice identifier=\"B\">b</qti-simple-choice>", with: "")
        #expect(QTI3Package.read(Data(oneChoice.utf8)).problems.map { "\($0.reason) \($0.detail)" } == ["item.too-few-choices choices"])
        // Packages: not a ZIP inside, no manifest, a manifest pointing at nothing, a path out
        // of the package, an image that is not there.
        #expect(QTI3Package.read(Data([0x50, 0x4B, 0x03, 0x04, 1, 2, 3])).problems.map(\.reason) == ["qti.bad-zip"])
        var noManifest = ZipWriter()
        noManifest.add("item.xml", Data(oneChoice.utf8))
        #expect(QTI3Package.read(noManifest.finish()).problems.map(\.reason) == ["qti.no-manifest"])
        func package(_ href: String, files: [(String, String)]) -> Data {
            var z = ZipWriter()
            z.add("imsmanifest.xml", Data("""
                <manifest xmlns="\(QTI3Package.manifestNamespace)"><resources><resource identifier="I" type="imsqti_item_xmlv3p0" href="\(href)"/></resources></manifest>
                """.utf8))
            for (n, d) in files { z.add(n, Data(d.utf8)) }
            return z.finish()
        }
        #expect(QTI3Package.read(package("missing.xml", files: [])).problems.map { "\($0.reason) \($0.detail)" } == ["qti.missing-file missing.xml"])
        #expect(QTI3Package.read(package("../../etc/passwd", files: [])).problems.map(\.reason) == ["qti.missing-file"])
        let withImage = wrongKey.replacingOccurrences(of: "<qti-value>Z</qti-value>", with: "<qti-value>A</qti-value>")
            .replacingOccurrences(of: "<qti-item-body>", with: "<qti-item-body><p><img src=\"img/gone.png\" alt=\"\"/></p>")
        #expect(QTI3Package.read(package("q/i.xml", files: [("q/i.xml", withImage)])).problems.map { "\($0.reason) \($0.detail)" } == ["qti.missing-file img/gone.png"])
        #expect(QTI3Package.read(package("q/i.xml", files: [("q/i.xml", withImage), ("q/img/gone.png", "PNG")])).items.first?.content.stem.text
            .contains("data:image/png;base64,UE5H") == true)
        var v2 = ZipWriter()
        v2.add("imsmanifest.xml", Data("<manifest><resources><resource identifier=\"I\" type=\"imsqti_item_xmlv2p1\" href=\"a.xml\"/></resources></manifest>".utf8))
        #expect(QTI3Package.read(v2.finish()).problems.map(\.reason) == ["qti.version-2"])
    }

    @Test func htmlTooBrokenForXMLIsLeftOutOfAnExportByName() {
        var bad = ItemContent(type: .essay, name: "Broken", stem: RichText("<p><b>unclosed</p></div>", format: .html))
        bad.graderInfo = nil
        var fine = ItemContent(type: .essay, name: "Fine", stem: RichText("<p>a<br>b&nbsp;c</p>", format: .html))
        fine.graderInfo = nil
        let out = QTI3Package.write([bad, fine])
        #expect(out.skipped.map { "\($0.item ?? "") \($0.reason)" } == ["Broken qti.html-not-xml"])
        #expect(QTI3Package.read(out.data).items.map(\.content.stem.text) == ["<p>a<br/>b\u{A0}c</p>"])
    }
}
