import Foundation

/// Keeps resolved tokens for a few seconds. Every authenticated request resolves its token;
/// without this, two queries of each request only repeat the previous request's answer.
///
/// Staleness is bounded and local: this process drops a person's entries at once when it
/// revokes a token, changes a password or changes that person's roles or profile. Another
/// app process behind the same load balancer sees such a change within `ttl` seconds
/// (documented in docs/operations.md). A `ttl` of 0 turns the cache off.
public final class IdentityCache: @unchecked Sendable {
    // @unchecked: all state is guarded by `lock`.
    private let lock = NSLock()
    private var entries: [String: (identity: ResolvedIdentity, until: Date)] = [:]
    public let ttl: TimeInterval
    private let capacity = 100_000

    public init(ttl: TimeInterval) {
        self.ttl = ttl
    }

    func get(_ tokenHash: String, now: Date) -> ResolvedIdentity? {
        guard ttl > 0 else { return nil }
        lock.lock()
        defer { lock.unlock() }
        guard let e = entries[tokenHash] else { return nil }
        if e.until <= now {
            entries[tokenHash] = nil
            return nil
        }
        return e.identity
    }

    func put(_ tokenHash: String, _ identity: ResolvedIdentity, now: Date, tokenExpires: Date) {
        guard ttl > 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        // A full cache is emptied rather than scanned: it refills from the database.
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[tokenHash] = (identity, min(now.addingTimeInterval(ttl), tokenExpires))
    }

    func remove(tokenHash: String) {
        lock.lock()
        entries[tokenHash] = nil
        lock.unlock()
    }

    /// Drops every cached token of a person (roles, profile or password changed).
    public func invalidate(personID: UUID) {
        lock.lock()
        entries = entries.filter { $0.value.identity.personID != personID }
        lock.unlock()
    }

    public func removeAll() {
        lock.lock()
        entries.removeAll()
        lock.unlock()
    }
}
