import Foundation

/// The current time, injectable so lock-out windows and token expiry are testable
/// without sleeping.
public protocol PlatformClock: Sendable {
    func now() -> Date
}

public struct SystemClock: PlatformClock {
    public init() {}
    public func now() -> Date { Date() }
}
