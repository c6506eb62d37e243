import Foundation

/// Recent search answers, shared by everyone who sees the same things. Entries live for
/// `ttl` seconds and are dropped at once when this process changes the index; another
/// process's change shows within `ttl` (the price of not asking the database each time).
public final class SearchCache: @unchecked Sendable {
    private struct Entry { var value: SearchResultsDTO; var expires: Date; var generation: Int }
    private var entries: [String: Entry] = [:]
    private var order: [String] = []
    private var generation = 0
    /// Answers being computed now, so identical searches arriving together (a class told
    /// to look something up) wait for one computation instead of each running their own.
    private var inflight: [String: (task: Task<SearchResultsDTO, any Error>, generation: Int)] = [:]
    private var computed = 0
    private let lock = NSLock()
    public let ttl: TimeInterval
    public let capacity: Int

    public init(ttl: TimeInterval = 30, capacity: Int = 4096) {
        self.ttl = ttl
        self.capacity = capacity
    }

    /// The cached answer, the one being computed, or a new computation whose answer is
    /// then kept. An answer computed across a change (`invalidate`) is given to those who
    /// asked before the change but not kept.
    func answer(_ key: String, compute: @escaping @Sendable () async throws -> SearchResultsDTO) async throws -> SearchResultsDTO {
        guard ttl > 0 else {
            lock.withLock { computed += 1 }
            return try await compute()
        }
        enum Step { case hit(SearchResultsDTO), wait(Task<SearchResultsDTO, any Error>, owner: Bool, generation: Int) }
        let step: Step = lock.withLock {
            if let e = entries[key], e.generation == generation, e.expires > Date() { return .hit(e.value) }
            if let f = inflight[key], f.generation == generation { return .wait(f.task, owner: false, generation: f.generation) }
            computed += 1
            let task = Task { try await compute() }
            inflight[key] = (task, generation)
            return .wait(task, owner: true, generation: generation)
        }
        switch step {
        case .hit(let value):
            return value
        case .wait(let task, let owner, let started):
            do {
                let value = try await task.value
                if owner { finish(key, value, generation: started) }
                return value
            } catch {
                if owner { finish(key, nil, generation: started) }
                throw error
            }
        }
    }

    private func finish(_ key: String, _ value: SearchResultsDTO?, generation started: Int) {
        lock.withLock {
            if inflight[key]?.generation == started { inflight[key] = nil }
            guard let value, started == generation else { return }
            if entries[key] == nil {
                order.append(key)
                while entries.count >= capacity, !order.isEmpty { entries[order.removeFirst()] = nil }
            }
            entries[key] = Entry(value: value, expires: Date().addingTimeInterval(ttl), generation: started)
        }
    }

    /// How many answers were computed rather than reused (for tests and metrics).
    public var computations: Int { lock.withLock { computed } }

    /// Something was published, changed or withdrawn here.
    public func invalidate() {
        lock.withLock {
            generation += 1
            entries.removeAll(keepingCapacity: true)
            order.removeAll(keepingCapacity: true)
            inflight.removeAll()
        }
    }
}
