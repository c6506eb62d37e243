import Foundation
import FluentKit
import SQLKit

/// An external tool registered with the platform (LTI 1.3). The platform makes the client
/// id and deployment id; the tool gives its URLs and its public keys, either a key-set URL
/// (fetched and cached) or a key set pasted at registration.
final class LTITool: Model, @unchecked Sendable {
    static let schema = "lti_tools"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "client_id") var clientID: String
    @Field(key: "deployment_id") var deploymentID: String
    /// The tool's OIDC login initiation URL (third-party initiated login).
    @Field(key: "login_url") var loginURL: String
    /// The default target link URI of a resource-link launch.
    @Field(key: "launch_url") var launchURL: String
    /// Where an id_token may be posted, one per line; the launch URL when none is named.
    @Field(key: "redirect_uris") var redirectURIs: String
    @OptionalField(key: "deep_link_url") var deepLinkURL: String?
    @OptionalField(key: "jwks_url") var jwksURL: String?
    @OptionalField(key: "jwks") var jwks: String?
    /// Sends the person's name and language with each launch; off by default (a tool learns
    /// only an opaque id unless the operator decides otherwise).
    @Field(key: "shares_name") var sharesName: Bool
    @Field(key: "enabled") var enabled: Bool
    @Field(key: "created_at") var createdAt: Date

    init() {}

    var redirectList: [String] { redirectURIs.split(whereSeparator: \.isNewline).map(String.init) }
}

/// The platform's RSA signing keys. `generation` is unique so two processes starting at
/// once agree on one first key instead of signing with two.
final class LTIPlatformKey: Model, @unchecked Sendable {
    static let schema = "lti_keys"

    @ID(key: .id) var id: UUID?
    @Field(key: "generation") var generation: Int
    @Field(key: "kid") var kid: String
    @Field(key: "private_pem") var privatePEM: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "retired_at") var retiredAt: Date?

    init() {}
}

/// One launch begun on the platform: its id is the `lti_message_hint` the tool hands back
/// in the authentication request, so the request proves which person, item and message it
/// is for. Used once.
final class LTILaunch: Model, @unchecked Sendable {
    static let schema = "lti_launches"

    @ID(key: .id) var id: UUID?
    @Field(key: "tool_id") var toolID: UUID
    @Field(key: "person_id") var personID: UUID
    @Field(key: "course_id") var courseID: UUID
    /// LtiResourceLinkRequest or LtiDeepLinkingRequest.
    @Field(key: "message_type") var messageType: String
    @OptionalField(key: "item_id") var itemID: UUID?
    /// A deep-linking launch: the lesson the returned content goes into.
    @OptionalField(key: "lesson_id") var lessonID: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?
    @OptionalField(key: "returned_at") var returnedAt: Date?

    init() {}
}

/// A tool's AGS line item (a gradebook column) in a course, tied to a lesson item when it
/// was made for one.
final class LTILineItem: Model, @unchecked Sendable {
    static let schema = "lti_line_items"

    @ID(key: .id) var id: UUID?
    @Field(key: "tool_id") var toolID: UUID
    @Field(key: "course_id") var courseID: UUID
    @OptionalField(key: "item_id") var itemID: UUID?
    @Field(key: "label") var label: String
    @Field(key: "score_maximum") var scoreMaximum: Double
    @OptionalField(key: "resource_id") var resourceID: String?
    @OptionalField(key: "tag") var tag: String?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// The latest score a tool sent for one learner on one line item.
final class LTIScore: Model, @unchecked Sendable {
    static let schema = "lti_scores"

    @ID(key: .id) var id: UUID?
    @Field(key: "line_item_id") var lineItemID: UUID
    @Field(key: "person_id") var personID: UUID
    @OptionalField(key: "score_given") var scoreGiven: Double?
    @OptionalField(key: "score_maximum") var scoreMaximum: Double?
    @Field(key: "activity_progress") var activityProgress: String
    @Field(key: "grading_progress") var gradingProgress: String
    @OptionalField(key: "comment") var comment: String?
    @Field(key: "timestamp") var timestamp: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// A bearer token for the tool's service calls; only its hash is kept.
final class LTIAccessToken: Model, @unchecked Sendable {
    static let schema = "lti_tokens"

    @ID(key: .id) var id: UUID?
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "tool_id") var toolID: UUID
    @Field(key: "scopes") var scopes: String
    @Field(key: "expires_at") var expiresAt: Date

    init() {}
}

/// A one-time value a tool signed (a deep-linking nonce, a client assertion's jti), kept
/// until its token expires so the same message cannot be played twice.
final class LTIReplay: Model, @unchecked Sendable {
    static let schema = "lti_replays"

    @ID(key: .id) var id: UUID?
    @Field(key: "key") var key: String
    @Field(key: "expires_at") var expiresAt: Date

    init() {}
}

struct AddLTI: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(LTITool.schema)
            .id()
            .field("name", .string, .required)
            .field("client_id", .string, .required)
            .field("deployment_id", .string, .required)
            .field("login_url", .string, .required)
            .field("launch_url", .string, .required)
            .field("redirect_uris", .string, .required)
            .field("deep_link_url", .string)
            .field("jwks_url", .string)
            .field("jwks", .string)
            .field("shares_name", .bool, .required)
            .field("enabled", .bool, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "client_id")
            .create()
        try await database.schema(LTIPlatformKey.schema)
            .id()
            .field("generation", .int, .required)
            .field("kid", .string, .required)
            .field("private_pem", .string, .required)
            .field("created_at", .datetime, .required)
            .field("retired_at", .datetime)
            .unique(on: "generation")
            .create()
        try await database.schema(LTILaunch.schema)
            .id()
            .field("tool_id", .uuid, .required)
            .field("person_id", .uuid, .required)
            .field("course_id", .uuid, .required)
            .field("message_type", .string, .required)
            .field("item_id", .uuid)
            .field("lesson_id", .uuid)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .field("returned_at", .datetime)
            .create()
        try await database.schema(LTILineItem.schema)
            .id()
            .field("tool_id", .uuid, .required)
            .field("course_id", .uuid, .required)
            .field("item_id", .uuid)
            .field("label", .string, .required)
            .field("score_maximum", .double, .required)
            .field("resource_id", .string)
            .field("tag", .string)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(LTIScore.schema)
            .id()
            .field("line_item_id", .uuid, .required)
            .field("person_id", .uuid, .required)
            .field("score_given", .double)
            .field("score_maximum", .double)
            .field("activity_progress", .string, .required)
            .field("grading_progress", .string, .required)
            .field("comment", .string)
            .field("timestamp", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "line_item_id", "person_id")
            .create()
        try await database.schema(LTIAccessToken.schema)
            .id()
            .field("token_hash", .string, .required)
            .field("tool_id", .uuid, .required)
            .field("scopes", .string, .required)
            .field("expires_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
        try await database.schema(LTIReplay.schema)
            .id()
            .field("key", .string, .required)
            .field("expires_at", .datetime, .required)
            .unique(on: "key")
            .create()
        for statement in [
            "CREATE INDEX lti_line_items_course ON lti_line_items (course_id, tool_id)",
            "CREATE INDEX lti_line_items_item ON lti_line_items (item_id)",
        ] { try await database.sql.raw("\(unsafeRaw: statement)").run() }
    }

    func revert(on database: any Database) async throws {
        for s in [LTIReplay.schema, LTIAccessToken.schema, LTIScore.schema, LTILineItem.schema, LTILaunch.schema, LTIPlatformKey.schema, LTITool.schema] {
            try await database.schema(s).delete()
        }
    }
}
