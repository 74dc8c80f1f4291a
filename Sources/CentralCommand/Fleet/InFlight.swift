/// Keys some request is working on right now: a second request for the same key is refused
/// instead of racing the first (two approvals of one incident must not sign two orders).
/// Per process; the store's own checks still decide between processes.
actor InFlight<Key: Hashable & Sendable> {
    private var keys: Set<Key> = []

    /// Whether `key` was free (and is now taken).
    func claim(_ key: Key) -> Bool { keys.insert(key).inserted }

    func release(_ key: Key) { keys.remove(key) }
}
