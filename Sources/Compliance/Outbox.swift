/// One sealed bundle in the appliance's outbox: the canonical bytes exactly as signed, the
/// detached signature, the chain hash, and Central Command's receipt once it has one.
public struct OutboxEntry: Equatable, Sendable {
    public var sequence: Int64
    public var bundleID: Identifier<EvidenceBundle>
    /// Nil once pruned (receipted and past the retention period); the hash stays for ever.
    public var canonicalBytes: [UInt8]?
    public var signature: [UInt8]?
    /// SHA-256 of the canonical bytes: the chain link and the Merkle leaf.
    public var hash: HexDigest
    public var sealedAt: Timestamp
    /// Central Command's signed receipt (its JSON), verified before it was recorded.
    public var receipt: String?
    public var receiptedAt: Timestamp?

    public init(
        sequence: Int64, bundleID: Identifier<EvidenceBundle>, canonicalBytes: [UInt8]?, signature: [UInt8]?,
        hash: HexDigest, sealedAt: Timestamp, receipt: String? = nil, receiptedAt: Timestamp? = nil
    ) {
        self.sequence = sequence
        self.bundleID = bundleID
        self.canonicalBytes = canonicalBytes
        self.signature = signature
        self.hash = hash
        self.sealedAt = sealedAt
        self.receipt = receipt
        self.receiptedAt = receiptedAt
    }
}

/// How full the outbox is.
public struct OutboxStatus: Equatable, Sendable {
    /// The last sequence sealed (0 for an empty chain) and its hash.
    public var headSequence: Int64
    public var headHash: HexDigest
    /// Bundles sealed but without a receipt yet.
    public var unreceipted: Int64
    /// Oldest unreceipted bundle's seal time.
    public var oldestUnreceipted: Timestamp?

    public init(headSequence: Int64, headHash: HexDigest, unreceipted: Int64, oldestUnreceipted: Timestamp?) {
        self.headSequence = headSequence
        self.headHash = headHash
        self.unreceipted = unreceipted
        self.oldestUnreceipted = oldestUnreceipted
    }
}

/// The appliance's durable outbox: every sealed bundle is committed here (fully synced) before
/// any upload, receipts are recorded against it, and nothing without a receipt is ever pruned.
public protocol Outbox: Sendable {
    /// Appends `entries`, which must continue the chain in order (the first one's sequence is the
    /// head's plus one, each next one's plus one): all of them or none, durable on return.
    func append(_ entries: [OutboxEntry]) async throws(StoreError)
    func status() async throws(StoreError) -> OutboxStatus
    /// The chain hashes of sequences `from`… in order (to rebuild the log's Merkle tree).
    func hashes(from sequence: Int64, limit: Int) async throws(StoreError) -> [HexDigest]
    /// The oldest bundles without a receipt, in sequence order.
    func unreceipted(limit: Int) async throws(StoreError) -> [OutboxEntry]
    /// Records receipts by sequence. A sequence that has a receipt keeps its first one; an
    /// unknown sequence is `.notFound` and nothing is recorded.
    func recordReceipts(_ receipts: [(sequence: Int64, receipt: String)], at: Timestamp) async throws(StoreError)
    func entry(_ sequence: Int64) async throws(StoreError) -> OutboxEntry?
    /// Entries after `sequence`, in order, at most `limit` (one read for forwarding and exports).
    func entries(after sequence: Int64, limit: Int) async throws(StoreError) -> [OutboxEntry]
    /// Drops the bytes and signatures of bundles receipted before `cutoff`; keeps their hashes
    /// and receipts. Returns how many were pruned. Unreceipted bundles are never touched.
    func prune(receiptedBefore cutoff: Timestamp) async throws(StoreError) -> Int
}

/// The appliance's memory of the orders it has seen, so a signed order is acted on once: the
/// same order handed out again at the next check-in is recognised, and a nonce that comes back
/// with another order is a replay.
public protocol OrderLedger: Sendable {
    /// Records `nonce` for `orderID` unless seen before.
    func claim(nonce: String, orderID: String, at: Timestamp) async throws(StoreError) -> OrderClaim
}

public enum OrderClaim: Equatable, Sendable {
    /// First sight of this nonce: act on the order.
    case fresh
    /// This order was seen before (Central Command hands it out until it hears back): do not act
    /// again.
    case seenBefore
    /// The nonce belongs to another order: a replay or forgery.
    case reused(byOrder: String)
}

/// The SSH host keys the appliance trusts, pinned on first use: a host that later presents
/// another key is refused and raised as an alert until an operator clears the pin.
public protocol HostKeyPins: Sendable {
    func pinnedKey(of host: ManagedHost.ID) async throws(StoreError) -> String?
    /// Pins `key` unless the host has a pin already; returns the pin in force.
    func pin(_ key: String, of host: ManagedHost.ID, at: Timestamp) async throws(StoreError) -> String
    /// Forgets a host's pin (an operator accepted a re-keyed host).
    func clear(_ host: ManagedHost.ID) async throws(StoreError)
}

/// Signed orders for disruptive work the appliance accepted but may not run yet (outside the
/// maintenance window, or with the clock gate closed), kept across restarts until run or expired.
public protocol DeferredOrders: Sendable {
    /// Keeps the order as signed (base64 payload and signature); keeping it again changes nothing.
    func keep(orderID: String, payload: String, signature: String, reason: String, at: Timestamp)
        async throws(StoreError)
    /// Every kept order, oldest first.
    func pending() async throws(StoreError) -> [(orderID: String, payload: String, signature: String)]
    func remove(orderID: String) async throws(StoreError)
}

/// How far each forwarding target (reseller mode) has been sent the appliance's chain, so every
/// bundle is forwarded at least once, across outages and restarts.
public protocol ForwardCursors: Sendable {
    /// The last sequence delivered to `target` (0 when none).
    func cursor(_ target: String) async throws(StoreError) -> Int64
    func advance(_ target: String, to sequence: Int64) async throws(StoreError)
}
