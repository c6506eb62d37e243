import Foundation

/// The shared third-party fixtures (`../shared/fixtures` beside the project), read in place.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/fixtures")
    static var present: Bool { FileManager.default.fileExists(atPath: root.path) }
    static let absent = "../shared/fixtures is absent: the interoperability checks need the shared third-party files"

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }
}
