import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The first AU of a cmi5 course structure (cmi5.xml): what the platform needs to launch
/// it. A lesson item holds one AU; a course structure with several plays its first.
struct Cmi5AU: Sendable, Equatable {
    var id: String
    var url: String
    var moveOn: String
    var masteryScore: Double?
    var launchParameters: String?
    var title: String

    static let moveOnValues: Set<String> = ["Passed", "Completed", "CompletedAndPassed", "CompletedOrPassed", "NotApplicable"]

    static func first(in xml: Data) -> Cmi5AU? {
        let reader = Reader()
        let parser = XMLParser(data: xml)
        parser.delegate = reader
        parser.shouldProcessNamespaces = true
        guard parser.parse() || reader.au != nil, let au = reader.au, !au.id.isEmpty, !au.url.isEmpty else { return nil }
        return au
    }

    private final class Reader: NSObject, XMLParserDelegate {
        var au: Cmi5AU?
        var inAU = false, done = false
        var element = "", text = ""

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            guard !done else { return }
            if name == "au", !inAU {
                inAU = true
                let move = attributes["moveOn"] ?? "NotApplicable"
                au = Cmi5AU(id: attributes["id"] ?? "", url: "", moveOn: Cmi5AU.moveOnValues.contains(move) ? move : "NotApplicable",
                            masteryScore: attributes["masteryScore"].flatMap(Double.init), launchParameters: nil, title: "")
            }
            element = name
            text = ""
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { if inAU { text += string } }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            guard inAU, !done else { return }
            let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
            switch name {
            case "url": au?.url = t
            case "launchParameters": au?.launchParameters = t
            case "langstring" where au?.title.isEmpty == true: au?.title = t
            case "au": done = true; parser.abortParsing()
            default: break
            }
            text = ""
        }
    }
}
