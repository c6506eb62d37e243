import Foundation

/// Recent search answers, shared by everyone who sees the same things. Entries live for
/// `ttl` seconds and are dropped at once when this process changes the index; another
/// process's change shows within `ttl` (the price of not asking the database each time).
public final class SearchCache: @unchecked Sendable {
    private struct Entry { var value: SearchResultsDTO; var expires: Date; var generation: Int }
    private var entries: [String: Entry] = [:]
    private var order: [String] = []
    private var generation = 0
    private let lock = NSLock()
    public let ttl: TimeInterval
    public let capacity: Int

    public init(ttl: TimeInterval = 30, capacity: Int = 4096) {
        self.ttl = ttl
        self.capacity = capacity
    }

    func get(_ key: String) -> SearchResultsDTO? {
        guard ttl > 0 else { return nil }
        return lock.withLock {
            guard let e = entries[key], e.generation == generation, e.expires > Date() else { return nil }
            return e.value
        }
    }

    func put(_ key: String, _ value: SearchResultsDTO) {
        guard ttl > 0 else { return }
        lock.withLock {
            if entries[key] == nil {
                order.append(key)
                // Oldest first out; the order list is compacted when it grows past twice the cap.
                while entries.count >= capacity, !order.isEmpty { entries[order.removeFirst()] = nil }
            }
            entries[key] = Entry(value: value, expires: Date().addingTimeInterval(ttl), generation: generation)
        }
    }

    /// Something was published, changed or withdrawn here.
    public func invalidate() {
        lock.withLock {
            generation += 1
            entries.removeAll(keepingCapacity: true)
            order.removeAll(keepingCapacity: true)
        }
    }
}
