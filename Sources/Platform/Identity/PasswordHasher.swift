import Foundation

/// Password hashing lives behind a protocol so areas need not import the web framework;
/// the App target supplies bcrypt. Async because a bcrypt hash takes tens of milliseconds
/// of CPU: the implementation runs it off the event loops that serve requests.
public protocol PasswordHasher: Sendable {
    func hash(_ password: String) async throws -> String
    func verify(_ password: String, against hash: String) async throws -> Bool
}

/// Rules every new password meets; kept small and explained in the user guide.
public enum PasswordPolicy {
    public static let minimumLength = 8
    public static let maximumLength = 72 // bcrypt reads at most 72 bytes

    public static func problems(_ password: String, field: String = "password") -> [FieldProblem] {
        if password.count < minimumLength {
            return [FieldProblem(field: field, reason: "validation.password-short", arguments: [String(minimumLength)])]
        }
        if password.utf8.count > maximumLength {
            return [FieldProblem(field: field, reason: "validation.too-long", arguments: [String(maximumLength)])]
        }
        return []
    }
}
