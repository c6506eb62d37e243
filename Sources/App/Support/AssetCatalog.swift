import Foundation
import Vapor
import Crypto

/// Static files from `Public/`, held in memory (they are a few kilobytes) and served
/// under content-hashed names so browsers may cache them for a year.
struct AssetCatalog: Sendable {
    struct Asset: Sendable {
        var data: ByteBuffer
        var contentType: HTTPMediaType
        var hashedName: String
    }

    private(set) var byHashedName: [String: Asset] = [:]
    private(set) var urlByName: [String: String] = [:]

    static func load(directory: String) throws -> AssetCatalog {
        var catalog = AssetCatalog()
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory) else { return catalog }
        for name in names.sorted() where !name.hasPrefix(".") {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
            let hash = SHA256.hash(data: data).prefix(5).map { String(format: "%02x", $0) }.joined()
            let ext = (name as NSString).pathExtension
            let base = (name as NSString).deletingPathExtension
            let hashed = "\(base).\(hash).\(ext)"
            let type = HTTPMediaType.fileExtension(ext) ?? .binary
            catalog.byHashedName[hashed] = Asset(data: ByteBuffer(data: data), contentType: type, hashedName: hashed)
            catalog.urlByName[name] = "/static/\(hashed)"
        }
        return catalog
    }

    func url(_ name: String) -> String { urlByName[name] ?? "/static/missing-\(name)" }
}
