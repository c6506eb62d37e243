import Foundation

/// `POST /api/v1/lti/tools`: an administrator registers a tool.
public struct NewLTITool: Sendable, Codable {
    public var name: String
    public var loginUrl: String
    public var launchUrl: String
    /// Where the tool takes id_tokens; the launch URL when empty.
    public var redirectUris: [String]?
    public var deepLinkUrl: String?
    /// The tool's key-set URL, or...
    public var jwksUrl: String?
    /// ...its key set pasted as JSON (one of the two).
    public var jwks: String?
    public var sharesName: Bool?

    public init(name: String, loginUrl: String, launchUrl: String) {
        self.name = name
        self.loginUrl = loginUrl
        self.launchUrl = launchUrl
    }
}

/// A registered tool, with what its operator must enter on the tool's side.
public struct LTIToolDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var name: String
    public var clientId: String
    public var deploymentId: String
    public var loginUrl: String
    public var launchUrl: String
    public var redirectUris: [String]
    public var deepLinkUrl: String?
    public var jwksUrl: String?
    public var hasPastedKeys: Bool
    public var sharesName: Bool
    public var enabled: Bool
    public var createdAt: Date
    public var platform: LTIPlatformEndpoints
}

/// The platform's side of a registration, the same for every tool.
public struct LTIPlatformEndpoints: Sendable, Codable, Equatable {
    public var issuer: String
    public var authorizationUrl: String
    public var tokenUrl: String
    public var jwksUrl: String
    public var deepLinkReturnUrl: String
}

/// The start of a launch: the browser posts these fields to the tool's login URL
/// (third-party initiated login, LTI 1.3 §5.1.1).
public struct LTILoginInitiation: Sendable, Codable, Equatable {
    public var url: String
    public var fields: [Field]
    public struct Field: Sendable, Codable, Equatable {
        public var name: String
        public var value: String
        public init(name: String, value: String) { self.name = name; self.value = value }
    }
    public var toolName: String
}

/// The answer to the tool's authentication request: post `id_token` and `state` to
/// `redirectUri`.
public struct LTIAuthResponse: Sendable, Codable, Equatable {
    public var redirectUri: String
    public var idToken: String
    public var state: String?
}

/// What deep linking added to a lesson.
public struct DeepLinkResultDTO: Sendable, Codable, Equatable {
    public var courseId: UUID
    public var lessonId: UUID
    public var added: [CourseItemDTO]
    /// Content the lesson cannot hold (types other than LTI resource links), by title.
    public var skipped: [String]
    public var message: String?
    public var toolError: String?
}

/// An access token for the tool's service calls (OAuth 2 client credentials).
public struct LTITokenDTO: Sendable, Codable, Equatable {
    public var access_token: String
    public var token_type: String
    public var expires_in: Int
    public var scope: String
}

/// The tool's side of an access token, checked on every service call.
public struct LTIServiceCaller: Sendable {
    public var toolID: UUID
    public var scopes: Set<String>
}

/// An AGS line item (application/vnd.ims.lis.v2.lineitem+json).
public struct LineItemDTO: Sendable, Codable, Equatable {
    public var id: String
    public var scoreMaximum: Double
    public var label: String
    public var resourceId: String?
    public var tag: String?
    public var resourceLinkId: String?
}

public struct NewLineItem: Sendable, Codable {
    public var scoreMaximum: Double?
    public var label: String?
    public var resourceId: String?
    public var tag: String?
    public var resourceLinkId: String?
}

/// An AGS score (application/vnd.ims.lis.v1.score+json).
public struct ScoreInput: Sendable, Codable {
    public var userId: String?
    public var scoreGiven: Double?
    public var scoreMaximum: Double?
    public var comment: String?
    public var timestamp: String?
    public var activityProgress: String?
    public var gradingProgress: String?
}

/// An AGS result (application/vnd.ims.lis.v2.resultcontainer+json holds a list of these).
public struct ResultDTO: Sendable, Codable, Equatable {
    public var id: String
    public var scoreOf: String
    public var userId: String
    public var resultScore: Double?
    public var resultMaximum: Double?
    public var comment: String?
}
