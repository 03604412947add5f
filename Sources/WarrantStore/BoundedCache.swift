/// A dictionary of at most `limit` entries, for caches of things cheap to rebuild: when a new key would pass
/// the limit it starts over. The working set (a process's services, clients, keys) is usually far below the
/// limit, so starting over is rare, costs one rebuild per entry, and needs no bookkeeping of use per read;
/// callers that put unknown keys in (keys from requests) must not cache what does not exist.
public struct BoundedCache<Key: Hashable, Value> {
    public let limit: Int
    private var entries: [Key: Value] = [:]

    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    public var count: Int { entries.count }

    public subscript(key: Key) -> Value? {
        get { entries[key] }
        set {
            if newValue != nil, entries[key] == nil, entries.count >= limit { entries.removeAll(keepingCapacity: true) }
            entries[key] = newValue
        }
    }

    public mutating func removeAll() {
        entries.removeAll()
    }

    public mutating func removeAll(where shouldBeRemoved: (Key, Value) -> Bool) {
        entries = entries.filter { !shouldBeRemoved($0.key, $0.value) }
    }
}

extension BoundedCache: Sendable where Key: Sendable, Value: Sendable {}
