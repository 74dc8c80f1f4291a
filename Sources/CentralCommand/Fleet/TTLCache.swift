import Compliance

/// A small read-through cache with a time to live, for data that appliance requests read
/// thousands of times a second and that rarely changes (appliance records). A change made through
/// any instance is seen everywhere within `ttl`; with a TTL of zero nothing is cached.
actor TTLCache<Key: Hashable & Sendable, Value: Sendable> {
    private let ttlMilliseconds: Int64
    private let capacity: Int
    private var entries: [Key: (value: Value, expires: Int64)] = [:]

    init(ttlSeconds: Int64, capacity: Int = 100_000) {
        self.ttlMilliseconds = ttlSeconds * 1000
        self.capacity = capacity
    }

    /// The cached value for `key` at `now`, or the one `load` returns (cached when found).
    func value<Failure: Error>(
        _ key: Key, now: Timestamp, load: @Sendable () async throws(Failure) -> Value?
    ) async throws(Failure) -> Value? {
        if let cached = peek(key, now: now) { return cached }
        guard let value = try await load() else { return nil }
        store(value, for: key, now: now)
        return value
    }

    /// The cached value for `key` when still fresh at `now`.
    func peek(_ key: Key, now: Timestamp) -> Value? {
        guard let entry = entries[key], entry.expires > now.millisecondsSinceEpoch else { return nil }
        return entry.value
    }

    /// Caches `value` for `key` from `now` on.
    func store(_ value: Value, for key: Key, now: Timestamp) {
        guard ttlMilliseconds > 0 else { return }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = (value, now.millisecondsSinceEpoch + ttlMilliseconds)
    }

    func remove(_ key: Key) {
        entries[key] = nil
    }
}
