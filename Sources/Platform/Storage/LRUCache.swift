import Foundation
import Synchronization

/// A small thread-safe cache by string key; the least recently used entry leaves first.
/// For values that never change under their key (a blob's ZIP directory, an exam's paper),
/// or that the owner replaces or removes when they change.
public final class LRUCache<Value: Sendable>: Sendable {
    private struct State {
        var items: [String: (value: Value, used: UInt64)] = [:]
        var tick: UInt64 = 0
    }
    private let state = Mutex(State())
    private let capacity: Int

    public init(capacity: Int = 64) {
        self.capacity = capacity
    }

    public func get(_ key: String) -> Value? {
        state.withLock { s in
            guard let item = s.items[key] else { return nil }
            s.tick += 1
            s.items[key]?.used = s.tick
            return item.value
        }
    }

    public func put(_ key: String, _ value: Value) {
        state.withLock { s in
            s.tick += 1
            s.items[key] = (value, s.tick)
            // Over capacity, the least recently used quarter leaves in one pass, so a full
            // cache pays for the scan once per capacity/4 insertions, not on each one.
            if s.items.count > capacity {
                let cut = s.items.values.map(\.used).sorted()[max(0, s.items.count / 4 - 1)]
                s.items = s.items.filter { $0.value.used > cut }
            }
        }
    }

    public func remove(_ key: String) {
        state.withLock { s in s.items[key] = nil }
    }

    public var count: Int { state.withLock { $0.items.count } }
}
