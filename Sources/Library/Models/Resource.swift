import Foundation
import FluentKit
import Platform

/// One learning resource: its metadata, who owns it, where it is published and which of
/// its versions the public sees. Lists (subjects, grades, keywords, authors) are stored as
/// JSON text so both databases read them alike; search and facets use their own tables.
final class Resource: Model, @unchecked Sendable {
    static let schema = "resources"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    @Field(key: "org_id") var orgID: UUID
    @Field(key: "org_path") var orgPath: String
    @Field(key: "owner_id") var ownerID: UUID?
    @Field(key: "kind") var kind: String
    @Field(key: "status") var status: String
    @Field(key: "title") var title: String
    @Field(key: "description") var description: String
    @Field(key: "language") var language: String
    @Field(key: "licence") var licence: String
    @Field(key: "subjects") var subjects: String
    @Field(key: "grades") var grades: String
    @Field(key: "keywords") var keywords: String
    @Field(key: "authors") var authors: String
    @OptionalField(key: "link_url") var linkURL: String?
    @OptionalField(key: "broadcast_date") var broadcastDate: String?
    @OptionalField(key: "broadcast_channel") var broadcastChannel: String?
    @Field(key: "latest_version") var latestVersion: Int
    @OptionalField(key: "published_version") var publishedVersion: Int?
    @OptionalField(key: "scope_org_id") var scopeOrgID: UUID?
    @OptionalField(key: "scope_path") var scopePath: String?
    @OptionalField(key: "scope_level") var scopeLevel: String?
    @OptionalField(key: "submitted_at") var submittedAt: Date?
    @OptionalField(key: "published_at") var publishedAt: Date?
    @OptionalField(key: "withdrawn_at") var withdrawnAt: Date?
    @OptionalField(key: "reviewer_id") var reviewerID: UUID?
    @Field(key: "rating_sum") var ratingSum: Int
    @Field(key: "rating_count") var ratingCount: Int
    @Field(key: "usage_count") var usageCount: Int
    @OptionalField(key: "source_id") var sourceID: String?

    init() {}
}

/// One file of a resource. A new file makes a new version; older ones stay reachable.
final class ResourceVersion: Model, @unchecked Sendable {
    static let schema = "resource_versions"

    @ID(key: .id) var id: UUID?
    @Field(key: "resource_id") var resourceID: UUID
    @Field(key: "number") var number: Int
    @Field(key: "sha256") var sha256: String
    @Field(key: "size") var size: Int64
    @Field(key: "media_type") var mediaType: String
    @Field(key: "file_kind") var fileKind: String
    @Field(key: "filename") var filename: String
    @Field(key: "note") var note: String
    /// Entry page of an HTML5/SCORM package, or the package standard ("scorm12", "cmi5").
    @OptionalField(key: "entry") var entry: String?
    @OptionalField(key: "package_type") var packageType: String?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "created_by") var createdBy: UUID?
    /// Video renditions: queued, running, done or failed (see `ProcessingState`).
    @OptionalField(key: "processing_state") var processingState: String?
    /// Why processing failed, as a reason code (`TranscodeReason`).
    @OptionalField(key: "processing_error") var processingError: String?

    init() {}
}

/// A derived file of a version: a 360p or 720p rendition, a poster image.
final class ResourceRendition: Model, @unchecked Sendable {
    static let schema = "resource_renditions"

    @ID(key: .id) var id: UUID?
    @Field(key: "version_id") var versionID: UUID
    @Field(key: "label") var label: String
    @Field(key: "sha256") var sha256: String
    @Field(key: "size") var size: Int64
    @Field(key: "media_type") var mediaType: String

    init() {}
}

/// One step of review: submitted, claimed, commented, changes requested, approved,
/// withdrawn. The history of a resource's publication, kept whole.
final class ResourceReview: Model, @unchecked Sendable {
    static let schema = "resource_reviews"

    @ID(key: .id) var id: UUID?
    @Field(key: "resource_id") var resourceID: UUID
    @Field(key: "version") var version: Int
    @OptionalField(key: "actor_id") var actorID: UUID?
    @Field(key: "actor_name") var actorName: String
    @Field(key: "action") var action: String
    @Field(key: "comment") var comment: String
    @OptionalField(key: "scope_org_id") var scopeOrgID: UUID?
    @Field(key: "at") var at: Date

    init() {}
}

/// A teacher's star rating (1-5), one per person and resource.
final class ResourceRating: Model, @unchecked Sendable {
    static let schema = "resource_ratings"

    @ID(key: .id) var id: UUID?
    @Field(key: "resource_id") var resourceID: UUID
    @Field(key: "person_id") var personID: UUID
    @Field(key: "stars") var stars: Int
    @Field(key: "at") var at: Date

    init() {}
}

/// "Used in my course": one per person, resource and course reference.
final class ResourceUsage: Model, @unchecked Sendable {
    static let schema = "resource_usages"

    @ID(key: .id) var id: UUID?
    @Field(key: "resource_id") var resourceID: UUID
    @Field(key: "person_id") var personID: UUID
    @Field(key: "course_ref") var courseRef: String
    @Field(key: "at") var at: Date

    init() {}
}

/// A resource's place in a curriculum framework (a lesson, a unit, a grade of a subject).
final class ResourceAlignment: Model, @unchecked Sendable {
    static let schema = "resource_alignments"

    @ID(key: .id) var id: UUID?
    @Field(key: "resource_id") var resourceID: UUID
    @Field(key: "node_id") var nodeID: UUID
    @Field(key: "framework_id") var frameworkID: UUID

    init() {}
}
