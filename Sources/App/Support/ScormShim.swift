import Foundation
import Synchronization

/// Puts the SCORM 1.2 run-time API (Public/scorm12-api.js) and the learner's data at the
/// top of a package's entry page, so the SCO finds `API` on its own window.
enum ScormShim {
    static let browseBoot = #"{"browse":true,"values":{"cmi.core.lesson_mode":"browse","cmi.core.credit":"no-credit","cmi.core.entry":"ab-initio","cmi.core.lesson_status":"not attempted"}}"#
    private static let script = Mutex<String?>(nil)

    static func api(home: String) -> String {
        if let s = script.withLock({ $0 }) { return s }
        let text = (try? String(contentsOfFile: home + "/Public/scorm12-api.js", encoding: .utf8)) ?? "window.API=null;"
        script.withLock { $0 = text }
        return text
    }

    static func inject(_ page: Data, boot: String, home: String) -> Data {
        // "</" would end the script element early; the data is JSON, so "<\/" reads the same.
        let safeBoot = boot.replacingOccurrences(of: "</", with: "<\\/").replacingOccurrences(of: "\u{2028}", with: "\\u2028")
            .replacingOccurrences(of: "\u{2029}", with: "\\u2029")
        let tag = "<script>window.ECScormBoot=\(safeBoot);</script><script>\(api(home: home).replacingOccurrences(of: "</script", with: "<\\/script"))</script>"
        var html = String(decoding: page, as: UTF8.self)
        if let head = html.range(of: "<head[^>]*>", options: [.regularExpression, .caseInsensitive]) {
            html.insert(contentsOf: tag, at: head.upperBound)
        } else if let root = html.range(of: "<html[^>]*>", options: [.regularExpression, .caseInsensitive]) {
            html.insert(contentsOf: tag, at: root.upperBound)
        } else {
            html = tag + html
        }
        return Data(html.utf8)
    }
}
