/// The port for stored evidence: append-only, one chain per appliance.
///
/// The store enforces what storage can: a batch is appended atomically, only directly after the
/// appliance's current head, with matching previous-hash links, and never over an existing bundle
/// ID. Signature checks happen before, in the ingestion service.
public protocol EvidenceStore: Sendable {
    /// The newest stored bundle of `appliance`: its sequence and hash.
    func head(of appliance: Appliance.ID) async throws(StoreError) -> (sequence: Int64, hash: HexDigest)?

    /// Appends `bundles` (one appliance, consecutive sequences) in one transaction, or nothing.
    /// With `key`, `.conflict` unless that is still the appliance's key when the transaction
    /// runs: a key rotation committed after the signatures were checked wins (ADR 0012).
    /// `states` are the bundles' check results when the caller has decoded them already (the
    /// ingestor); nil makes the store read them from the canonical bytes.
    func append(_ bundles: [StoredBundle], signedWith key: String?, states: [CheckState]?) async throws(StoreError)

    func bundle(_ id: Identifier<EvidenceBundle>) async throws(StoreError) -> StoredBundle?

    /// Which of `ids` are already stored (one query for a whole upload).
    func existingBundleIDs(_ ids: [Identifier<EvidenceBundle>]) async throws(StoreError) -> Set<
        Identifier<EvidenceBundle>
    >

    /// The bundle at `sequence` of `appliance`'s chain.
    func bundle(appliance: Appliance.ID, sequence: Int64) async throws(StoreError) -> StoredBundle?

    /// `appliance`'s bundles after `sequence`, in chain order, at most `limit` (exports).
    func bundles(appliance: Appliance.ID, after sequence: Int64, limit: Int) async throws(StoreError) -> [StoredBundle]

    /// Bundles of `site` observed in `from..<to`, oldest first, at most `limit`.
    func bundles(site: Site.ID, from: Timestamp, to: Timestamp, limit: Int) async throws(StoreError) -> [StoredBundle]

    /// Bundles about `host` at `site` observed at or before `time`, newest first, skipping the
    /// first `offset`, at most `limit`.
    func bundles(site: Site.ID, host: ManagedHost.ID, atOrBefore time: Timestamp, offset: Int, limit: Int)
        async throws(StoreError) -> [StoredBundle]

    /// The hosts of `site` that have evidence, in ID order.
    func hostsWithEvidence(site: Site.ID) async throws(StoreError) -> [ManagedHost.ID]

    /// The current state of every check on every host of `site` (`CheckState`: from the newest
    /// bundle that reported it), kept up to date by `append`.
    func checkStates(site: Site.ID) async throws(StoreError) -> [CheckState]
}

extension EvidenceStore {
    /// Appends, reading the check states from the bundles' bytes.
    public func append(_ bundles: [StoredBundle], signedWith key: String?) async throws(StoreError) {
        try await append(bundles, signedWith: key, states: nil)
    }

    /// Appends without re-checking the appliance's key (imports, tests).
    public func append(_ bundles: [StoredBundle]) async throws(StoreError) {
        try await append(bundles, signedWith: nil)
    }
}
