import Foundation
import JWTKit

/// The claim names of LTI 1.3 and its services, as the IMS specifications spell them.
enum LTIClaim {
    static let prefix = "https://purl.imsglobal.org/spec/lti/claim/"
    static let resourceLinkRequest = "LtiResourceLinkRequest"
    static let deepLinkingRequest = "LtiDeepLinkingRequest"
    static let deepLinkingResponse = "LtiDeepLinkingResponse"
    static let version = "1.3.0"

    enum Role {
        static let instructor = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
        static let learner = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
        static let administrator = "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator"
        static let institutionStudent = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"
        static let institutionFaculty = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty"
    }

    enum Scope {
        static let lineItem = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
        static let lineItemReadOnly = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
        static let resultReadOnly = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
        static let score = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
        static let all = [lineItem, lineItemReadOnly, resultReadOnly, score]
    }
}

/// The id_token of a launch, signed by the platform.
struct LaunchClaims: JWTPayload, Equatable {
    struct ResourceLink: Codable, Equatable { var id: String; var title: String? }
    struct Context: Codable, Equatable { var id: String; var label: String?; var title: String?; var type: [String] }
    struct Presentation: Codable, Equatable {
        var document_target: String
        var return_url: String?
        var locale: String?
    }
    struct Platform: Codable, Equatable { var guid: String; var name: String; var product_family_code: String }
    struct Endpoint: Codable, Equatable { var scope: [String]; var lineitems: String; var lineitem: String? }
    struct DeepLinkingSettings: Codable, Equatable {
        var deep_link_return_url: String
        var accept_types: [String]
        var accept_presentation_document_targets: [String]
        var accept_multiple: Bool
        var auto_create: Bool
        var title: String?
        var data: String
    }

    var iss: String
    var sub: String
    var aud: String
    var azp: String
    var exp: Int
    var iat: Int
    var nonce: String
    var name: String?
    var locale: String?
    var messageType: String
    var version: String
    var deploymentID: String
    var targetLinkURI: String
    var resourceLink: ResourceLink?
    var roles: [String]
    var context: Context
    var presentation: Presentation
    var platform: Platform
    var custom: [String: String]?
    var endpoint: Endpoint?
    var deepLinking: DeepLinkingSettings?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, azp, exp, iat, nonce, name, locale
        case messageType = "https://purl.imsglobal.org/spec/lti/claim/message_type"
        case version = "https://purl.imsglobal.org/spec/lti/claim/version"
        case deploymentID = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
        case targetLinkURI = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"
        case resourceLink = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
        case roles = "https://purl.imsglobal.org/spec/lti/claim/roles"
        case context = "https://purl.imsglobal.org/spec/lti/claim/context"
        case presentation = "https://purl.imsglobal.org/spec/lti/claim/launch_presentation"
        case platform = "https://purl.imsglobal.org/spec/lti/claim/tool_platform"
        case custom = "https://purl.imsglobal.org/spec/lti/claim/custom"
        case endpoint = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
        case deepLinking = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
    }

    /// Checked when the platform reads its own token back (tests, support): not expired.
    func verify(using algorithm: some JWTAlgorithm) async throws {
        try ExpirationClaim(value: Date(timeIntervalSince1970: TimeInterval(exp))).verifyNotExpired()
    }
}

/// The JWT a tool signs to ask for a service token (RFC 7523 client assertion).
struct ClientAssertion: JWTPayload {
    var iss: String
    var sub: String
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim?
    var jti: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {
        // A little leeway for clocks a few seconds apart; the jti keeps a replay out.
        try exp.verifyNotExpired(currentDate: Date().addingTimeInterval(-30))
    }
}

/// What a tool posts back at the end of deep linking.
struct DeepLinkingResponse: JWTPayload {
    struct LineItem: Codable {
        var scoreMaximum: Double?
        var label: String?
        var resourceId: String?
        var tag: String?
    }
    struct ContentItem: Codable {
        var type: String
        var title: String?
        var text: String?
        var url: String?
        var custom: [String: String]?
        var lineItem: LineItem?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            type = try c.decode(String.self, forKey: .type)
            title = try c.decodeIfPresent(String.self, forKey: .title)
            text = try c.decodeIfPresent(String.self, forKey: .text)
            url = try c.decodeIfPresent(String.self, forKey: .url)
            // Custom values are strings by the specification; a tool sending numbers should
            // not lose the whole response over it, so anything else is left out.
            custom = (try? c.decodeIfPresent([String: String].self, forKey: .custom)) ?? nil
            lineItem = try? c.decodeIfPresent(LineItem.self, forKey: .lineItem)
        }
    }

    var iss: String
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim?
    var nonce: String
    var messageType: String
    var version: String
    var deploymentID: String
    var contentItems: [ContentItem]?
    var data: String?
    var msg: String?
    var errormsg: String?

    enum CodingKeys: String, CodingKey {
        case iss, aud, exp, iat, nonce
        case messageType = "https://purl.imsglobal.org/spec/lti/claim/message_type"
        case version = "https://purl.imsglobal.org/spec/lti/claim/version"
        case deploymentID = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
        case contentItems = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
        case data = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
        case msg = "https://purl.imsglobal.org/spec/lti-dl/claim/msg"
        case errormsg = "https://purl.imsglobal.org/spec/lti-dl/claim/errormsg"
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired(currentDate: Date().addingTimeInterval(-30))
    }
}

/// Only the issuer, read before the signature is checked to find whose keys check it.
struct IssuerOnly: JWTPayload {
    var iss: String
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
