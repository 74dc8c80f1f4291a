/// Remembers the nonces of authenticated requests so a captured request cannot be replayed, across
/// every Central Command instance that shares the database.
public protocol NonceStore: Sendable {
    /// Records `nonce` for `appliance`; returns false when it was seen before (a replay).
    func claim(_ nonce: String, appliance: Appliance.ID, at: Timestamp) async throws(StoreError) -> Bool
}
