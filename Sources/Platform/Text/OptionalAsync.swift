extension Optional {
    /// `map` for an async transform (Swift's own `map` takes no `await`).
    public func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let wrapped): try await transform(wrapped)
        case .none: nil
        }
    }
}
