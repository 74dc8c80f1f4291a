/// An appliance's signed checkpoint over its evidence log, as Central Command accepted and
/// cosigned it: the note text with the appliance's signature and Central Command's witness
/// cosignature.
public struct StoredCheckpoint: Equatable, Sendable {
    public var applianceID: Appliance.ID
    public var treeSize: Int64
    /// The Merkle root (hex) over the first `treeSize` bundles.
    public var rootHash: HexDigest
    /// The signed note (C2SP signed-note text).
    public var note: String
    public var receivedAt: Timestamp

    public init(applianceID: Appliance.ID, treeSize: Int64, rootHash: HexDigest, note: String, receivedAt: Timestamp) {
        self.applianceID = applianceID
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.note = note
        self.receivedAt = receivedAt
    }
}

/// The port for accepted checkpoints.
public protocol CheckpointStore: Sendable {
    /// Stores a checkpoint; `.conflict` when one of that size exists with another root.
    func store(_ checkpoint: StoredCheckpoint) async throws(StoreError)
    func checkpoint(of appliance: Appliance.ID, treeSize: Int64) async throws(StoreError) -> StoredCheckpoint?
    /// The largest checkpoint of `appliance`.
    func latestCheckpoint(of appliance: Appliance.ID) async throws(StoreError) -> StoredCheckpoint?
    /// The hashes (hex SHA-256 of the canonical bytes) of bundles 1…`treeSize` of `appliance`,
    /// in sequence order; `.notFound` when the chain is shorter.
    func bundleHashes(of appliance: Appliance.ID, through treeSize: Int64) async throws(StoreError) -> [HexDigest]
}
