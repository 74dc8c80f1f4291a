/// An evidence bundle as Central Command keeps it: the canonical bytes exactly as the appliance
/// signed them, the signature, the chain position, and the fields queries need.
public struct StoredBundle: Hashable, Sendable {
    public var applianceID: Appliance.ID
    public var sequence: Int64
    public var bundleID: Identifier<EvidenceBundle>
    public var siteID: Site.ID
    public var hostID: ManagedHost.ID
    public var observedAt: Timestamp
    /// SHA-256 of `canonicalBytes`.
    public var hash: HexDigest
    public var previousHash: HexDigest
    public var canonicalBytes: [UInt8]
    public var signature: [UInt8]
    public var receivedAt: Timestamp

    public init(
        applianceID: Appliance.ID, sequence: Int64, bundleID: Identifier<EvidenceBundle>, siteID: Site.ID,
        hostID: ManagedHost.ID, observedAt: Timestamp, hash: HexDigest, previousHash: HexDigest,
        canonicalBytes: [UInt8], signature: [UInt8], receivedAt: Timestamp
    ) {
        self.applianceID = applianceID
        self.sequence = sequence
        self.bundleID = bundleID
        self.siteID = siteID
        self.hostID = hostID
        self.observedAt = observedAt
        self.hash = hash
        self.previousHash = previousHash
        self.canonicalBytes = canonicalBytes
        self.signature = signature
        self.receivedAt = receivedAt
    }
}
