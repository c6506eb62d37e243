import Foundation

/// One field-level problem: which field, which line of an input file, and why.
/// `reason` is a localisation key (with `arguments`) so the edge can render it in the
/// reader's language; `detail` carries untranslatable context such as a file name.
public struct FieldProblem: Sendable, Equatable, Codable {
    public var field: String
    public var line: Int?
    public var file: String?
    public var reason: String
    public var arguments: [String]

    public init(field: String, line: Int? = nil, file: String? = nil, reason: String, arguments: [String] = []) {
        self.field = field
        self.line = line
        self.file = file
        self.reason = reason
        self.arguments = arguments
    }
}

/// Every failure a service reports. The edge maps each case to an HTTP status, a stable
/// problem code and a localised title/detail; nothing here knows about HTTP types.
public enum DomainError: Error, Sendable, Equatable {
    /// No valid identity (401).
    case unauthenticated(reason: String = "error.unauthenticated")
    /// Signed in but not allowed (403).
    case forbidden(reason: String = "error.forbidden")
    /// Unknown, or not visible to this actor: existence must not leak (404).
    case notFound(entity: String)
    /// Well-formed but invalid input (422).
    case invalid([FieldProblem])
    /// Malformed request body (400).
    case malformed(reason: String = "error.malformed")
    /// Input a protocol says to refuse with 400 rather than 422, with each problem named
    /// (an xAPI statement that breaks the specification).
    case badInput([FieldProblem])
    /// State conflict: duplicate username, stale write (409).
    case conflict(reason: String, arguments: [String] = [])
    /// Account locked after repeated failures (429 with Retry-After).
    case locked(retryAfterSeconds: Int)
    /// Too many requests (429).
    case rateLimited(retryAfterSeconds: Int)
    /// A protocol precondition failed, e.g. an unsupported tus version (412).
    case preconditionFailed(reason: String)
    /// The body's media type is not accepted here (415).
    case unsupportedMediaType(reason: String = "error.unsupported-media-type")
    /// A service the platform relies on (a BigBlueButton server) did not answer or refused (503).
    case unavailable(reason: String, arguments: [String] = [])

    public static func invalid(field: String, reason: String, arguments: [String] = []) -> DomainError {
        .invalid([FieldProblem(field: field, reason: reason, arguments: arguments)])
    }

    /// Stable machine code used in `urn:educommons:problem:<code>`.
    public var code: String {
        switch self {
        case .unauthenticated: "unauthenticated"
        case .forbidden: "forbidden"
        case .notFound: "not-found"
        case .invalid: "validation-failed"
        case .malformed: "malformed-request"
        case .badInput: "bad-input"
        case .conflict: "conflict"
        case .locked: "account-locked"
        case .rateLimited: "rate-limited"
        case .preconditionFailed: "precondition-failed"
        case .unsupportedMediaType: "unsupported-media-type"
        case .unavailable: "service-unavailable"
        }
    }

    public var status: Int {
        switch self {
        case .unauthenticated: 401
        case .forbidden: 403
        case .notFound: 404
        case .invalid: 422
        case .malformed, .badInput: 400
        case .conflict: 409
        case .locked, .rateLimited: 429
        case .preconditionFailed: 412
        case .unsupportedMediaType: 415
        case .unavailable: 503
        }
    }

    /// Localisation key of the title; the detail key is `<titleKey>.detail` unless the
    /// case carries a more specific reason.
    public var titleKey: String { "problem.\(code)" }

    public var detailKey: String {
        switch self {
        case .unauthenticated(let reason), .forbidden(let reason), .malformed(let reason),
             .preconditionFailed(let reason), .unsupportedMediaType(let reason): reason
        case .conflict(let reason, _), .unavailable(let reason, _): reason
        case .notFound: "error.not-found"
        case .invalid: "error.validation-failed"
        case .badInput: "error.bad-input"
        case .locked: "error.account-locked"
        case .rateLimited: "error.rate-limited"
        }
    }

    public var detailArguments: [String] {
        switch self {
        case .conflict(_, let args), .unavailable(_, let args): args
        case .locked(let s), .rateLimited(let s): [String(max(1, (s + 59) / 60))]
        case .notFound(let entity): [entity]
        default: []
        }
    }

    public var problems: [FieldProblem] {
        if case .invalid(let p) = self { return p }
        if case .badInput(let p) = self { return p }
        return []
    }

    public var retryAfter: Int? {
        switch self {
        case .locked(let s), .rateLimited(let s): s
        default: nil
        }
    }
}
