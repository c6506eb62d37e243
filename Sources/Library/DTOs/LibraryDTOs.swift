import Foundation
import Platform

/// Metadata of a new resource, as the API, the upload page, the bulk importer and the
/// demo send it. Unknown codes are refused with the field that holds them.
public struct NewResource: Sendable, Codable {
    public var kind: String
    public var title: LocalizedText
    public var description: LocalizedText?
    public var language: String
    public var licence: String
    public var subjects: [String]?
    public var grades: [String]?
    public var keywords: [String]?
    public var authors: [String]?
    /// Curriculum nodes (lessons, units) the resource serves.
    public var alignments: [UUID]?
    /// The owning organisation; defaults to where the author holds a contributing role.
    public var orgId: UUID?
    /// For links.
    public var url: String?
    /// For TV lessons: ISO date and channel name.
    public var broadcastDate: String?
    public var broadcastChannel: String?
    /// A stable id from a source repository (bulk import): importing again skips it.
    public var sourceId: String?
    /// A finished resumable (tus) upload holding the file, instead of a multipart part.
    public var uploadId: UUID?

    public init(kind: String, title: LocalizedText, description: LocalizedText? = nil, language: String, licence: String,
                subjects: [String]? = nil, grades: [String]? = nil, keywords: [String]? = nil, authors: [String]? = nil,
                alignments: [UUID]? = nil, orgId: UUID? = nil, url: String? = nil, broadcastDate: String? = nil,
                broadcastChannel: String? = nil, sourceId: String? = nil) {
        self.kind = kind
        self.title = title
        self.description = description
        self.language = language
        self.licence = licence
        self.subjects = subjects
        self.grades = grades
        self.keywords = keywords
        self.authors = authors
        self.alignments = alignments
        self.orgId = orgId
        self.url = url
        self.broadcastDate = broadcastDate
        self.broadcastChannel = broadcastChannel
        self.sourceId = sourceId
    }
}

/// A partial metadata change; absent fields stay as they are.
public struct ResourcePatch: Sendable, Codable {
    public var title: LocalizedText?
    public var description: LocalizedText?
    public var language: String?
    public var licence: String?
    public var subjects: [String]?
    public var grades: [String]?
    public var keywords: [String]?
    public var authors: [String]?
    public var alignments: [UUID]?
    public var url: String?
    public var broadcastDate: String?
    public var broadcastChannel: String?

    public init() {}
}

/// A file that has already been streamed into the blob store, waiting to be attached.
public struct UploadedFile: Sendable {
    public var blob: StoredBlob
    public var filename: String

    public init(blob: StoredBlob, filename: String) {
        self.blob = blob
        self.filename = filename
    }
}

public struct RenditionDTO: Sendable, Codable, Equatable {
    public var label: String
    public var size: Int64
    public var mediaType: String
}

public struct VersionDTO: Sendable, Codable, Equatable {
    public var number: Int
    public var sha256: String
    public var size: Int64
    public var mediaType: String
    public var fileKind: String
    public var filename: String
    public var note: String
    public var entry: String?
    public var packageType: String?
    public var createdAt: Date
    public var renditions: [RenditionDTO]
    /// Video renditions: queued, running, done or failed; absent for other files.
    public var processing: String?
    /// When processing failed: ffmpeg-missing, storage-not-local, unreadable-video,
    /// transcode-failed or timeout.
    public var processingError: String?
}

public struct AlignmentDTO: Sendable, Codable, Equatable {
    public var nodeId: UUID
    public var frameworkCode: String
    public var path: String
    public var name: String
}

public struct ScopeDTO: Sendable, Codable, Equatable {
    public var orgId: UUID
    public var level: String
    public var path: String
}

public struct ReviewEventDTO: Sendable, Codable, Equatable {
    public var action: String
    public var actorName: String
    public var comment: String
    public var version: Int
    public var at: Date
}

public struct ResourceDTO: Sendable, Codable {
    public var id: UUID
    public var kind: String
    public var status: String
    public var title: LocalizedText
    public var description: LocalizedText
    public var displayTitle: String
    public var displayDescription: String
    public var language: String
    public var licence: String
    public var licenceURL: String?
    public var subjects: [String]
    public var grades: [String]
    public var keywords: [String]
    public var authors: [String]
    public var alignments: [AlignmentDTO]
    public var orgId: UUID
    public var ownerId: UUID?
    /// Where it is published or asked to be published.
    public var scope: ScopeDTO?
    public var latestVersion: Int
    public var publishedVersion: Int?
    public var versions: [VersionDTO]
    public var url: String?
    public var broadcastDate: String?
    public var broadcastChannel: String?
    public var ratingAverage: Double?
    public var ratingCount: Int
    public var usageCount: Int
    public var createdAt: Date?
    public var updatedAt: Date?
    public var publishedAt: Date?
    /// What the reader may do now, so pages show only working buttons.
    public var can: Permissions

    public struct Permissions: Sendable, Codable, Equatable {
        public var edit: Bool
        public var submit: Bool
        public var review: Bool
        public var withdraw: Bool
        public var rate: Bool
        /// May ask for a video's renditions to be prepared again.
        public var reprocess: Bool
    }
}

/// One line of a result list or queue.
public struct ResourceSummaryDTO: Sendable, Codable {
    public var id: UUID
    public var kind: String
    public var status: String
    public var displayTitle: String
    public var displayDescription: String
    public var language: String
    public var licence: String
    public var subjects: [String]
    public var grades: [String]
    public var scopeLevel: String?
    public var ratingAverage: Double?
    public var ratingCount: Int
    public var usageCount: Int
    public var size: Int64?
    public var publishedAt: Date?
    public var updatedAt: Date?
}

public struct SearchQuery: Sendable {
    public var q: String?
    public var subject: String?
    public var grade: String?
    public var kind: String?
    public var language: String?
    public var licence: String?
    public var scope: String?
    public var page: Int

    public init(q: String? = nil, subject: String? = nil, grade: String? = nil, kind: String? = nil, language: String? = nil,
                licence: String? = nil, scope: String? = nil, page: Int = 1) {
        self.q = q
        self.subject = subject
        self.grade = grade
        self.kind = kind
        self.language = language
        self.licence = licence
        self.scope = scope
        self.page = page
    }
}

public struct FacetValueDTO: Sendable, Codable, Equatable {
    public var value: String
    public var label: String
    public var count: Int
}

public struct SearchResultsDTO: Sendable, Codable {
    public var query: String
    public var total: Int
    /// True when there are more matches than were counted (the total is "at least").
    public var totalIsLowerBound: Bool
    public var page: Int
    public var pageSize: Int
    public var items: [ResourceSummaryDTO]
    /// subject, grade, type, language, licence, scope -> values with counts.
    public var facets: [String: [FacetValueDTO]]
    /// When set, facet counts and ranking cover only this many newest matches.
    public var facetsFromNewest: Int?
}

/// Where the bytes of a version (or one of its renditions) are, for the delivery route.
public struct ContentLocation: Sendable {
    public var sha256: String
    public var size: Int64
    public var mediaType: String
    public var filename: String
    /// Published nationally: any cache may keep it.
    public var isPublic: Bool
    public var fileKind: String
}
