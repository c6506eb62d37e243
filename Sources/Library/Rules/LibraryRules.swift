import Foundation
import Platform

/// Vocabularies (subjects, grades, languages) and limits of the commons, read from
/// `Resources/Rules/library.json` so a country can change them without a release.
public struct LibraryRules: Sendable {
    public struct PackageLimits: Sendable, Codable {
        public var maxEntries: Int
        public var maxUncompressedMB: Int
        public var maxCompressionRatio: Int

        public var maxUncompressedBytes: Int64 { Int64(maxUncompressedMB) * 1_048_576 }
    }

    /// What the transcoding job makes of a video.
    public struct VideoRules: Sendable, Codable {
        public struct Rendition: Sendable, Codable {
            public var label: String
            public var height: Int
            public var crf: Int
            public var audioKbps: Int
        }
        public var renditions: [Rendition]
        public var posterHeight: Int
        public var timeoutMinutes: Int
    }

    public var subjects: [String: LocalizedText]
    public var grades: [String: LocalizedText]
    public var languages: [String]
    /// Bytes per resource kind.
    public var limits: [ResourceKind: Int64]
    public var package: PackageLimits
    public var video: VideoRules

    private struct File: Codable {
        var subjects: [String: [String: String]]
        var grades: [String: [String: String]]
        var languages: [String]
        var limitsMB: [String: Int]
        var package: PackageLimits
        var video: VideoRules
    }

    public init(subjects: [String: LocalizedText], grades: [String: LocalizedText], languages: [String],
                limits: [ResourceKind: Int64], package: PackageLimits, video: VideoRules) {
        self.subjects = subjects
        self.grades = grades
        self.languages = languages
        self.limits = limits
        self.package = package
        self.video = video
    }

    /// Reads the file; `overrides` (kind -> megabytes, from the environment) win.
    public static func load(file: URL, overrides: [ResourceKind: Int] = [:]) throws -> LibraryRules {
        let f = try JSONDecoder().decode(File.self, from: Data(contentsOf: file))
        var limits: [ResourceKind: Int64] = [:]
        for (k, mb) in f.limitsMB {
            guard let kind = ResourceKind(rawValue: k) else { throw RulesError.unknownKind(k) }
            limits[kind] = Int64(mb) * 1_048_576
        }
        for (kind, mb) in overrides { limits[kind] = Int64(mb) * 1_048_576 }
        return LibraryRules(subjects: f.subjects.mapValues(LocalizedText.init), grades: f.grades.mapValues(LocalizedText.init),
                            languages: f.languages, limits: limits, package: f.package, video: f.video)
    }

    public enum RulesError: Error, CustomStringConvertible {
        case unknownKind(String)
        public var description: String {
            switch self { case .unknownKind(let k): "library.json: unknown resource kind '\(k)' in limitsMB" }
        }
    }

    /// The upload limit for a kind; links have none because they hold no file.
    public func limit(for kind: ResourceKind) -> Int64 { limits[kind] ?? 100 * 1_048_576 }

    /// Grade codes in teaching order, for facets and pages.
    public var gradeOrder: [String] {
        let order = ["preschool"] + (1...12).map(String.init) + ["vocational", "higher", "adult"]
        return order.filter { grades[$0] != nil } + grades.keys.filter { !order.contains($0) }.sorted()
    }
}
