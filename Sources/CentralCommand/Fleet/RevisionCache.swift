/// Values kept with the revision they were made from. A reader compares the revision with the
/// database's current one before using the value, so nothing stale is ever served; the cache
/// only saves re-reading and re-processing what has not changed.
actor RevisionCache<Key: Hashable & Sendable, Value: Sendable> {
    private let capacity: Int
    private var entries: [Key: (revision: Int64, value: Value)] = [:]

    /// - Parameter capacity: the most entries kept; when full, an arbitrary entry (the first in
    ///   the dictionary's per-process hash order) makes room.
    init(capacity: Int = 50_000) {
        self.capacity = max(1, capacity)
    }

    func entry(_ key: Key) -> (revision: Int64, value: Value)? { entries[key] }

    /// Keeps `value` for `key` unless a later revision is already kept.
    func store(_ value: Value, revision: Int64, for key: Key) {
        if let existing = entries[key], existing.revision > revision { return }
        if entries[key] == nil, entries.count >= capacity {
            entries.remove(at: entries.startIndex)
        }
        entries[key] = (revision, value)
    }

    var count: Int { entries.count }
}
