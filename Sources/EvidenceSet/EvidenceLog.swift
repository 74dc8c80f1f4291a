public import Compliance
public import EvidenceCrypto

/// An appliance's evidence log: assigns each bundle its place in the chain, seals it (canonical
/// bytes, SHA-256, Ed25519 signature) and signs checkpoints over everything sealed so far.
///
/// It keeps every leaf hash (32 bytes a bundle) so it can produce inclusion and consistency
/// proofs; the appliance's outbox persists the chain hashes it is rebuilt from.
public struct EvidenceLog: Sendable {
    public let applianceID: Appliance.ID
    public let signer: NoteSigner
    public private(set) var head: (sequence: Int64, hash: Hash32) = (0, .zero)
    public private(set) var leafHashes: [Hash32] = []

    /// The note key name and checkpoint origin of this log.
    public var origin: String { signer.name }

    public init(applianceID: Appliance.ID, key: SigningKey) throws(NoteError) {
        self.applianceID = applianceID
        self.signer = try NoteSigner(
            name: EvidenceSetLayout.origin(applianceID: applianceID.rawValue), key: key, type: .ed25519)
    }

    /// The log of an appliance that has sealed bundles 1…n before, with `sealedHashes` their
    /// chain hashes in sequence order (from its outbox), so sealing continues the same chain.
    public init(applianceID: Appliance.ID, key: SigningKey, sealedHashes: [Hash32]) throws(NoteError) {
        try self.init(applianceID: applianceID, key: key)
        if let last = sealedHashes.last { head = (Int64(sealedHashes.count), last) }
        leafHashes = sealedHashes.map(MerkleTree.leafHash(bundleHash:))
    }

    /// Chains, canonicalises and signs `bundle`, which must belong to this appliance.
    public mutating func seal(_ bundle: EvidenceBundle) throws(EvidenceSetError) -> SealedBundle {
        var bundle = bundle
        guard bundle.applianceID == applianceID else {
            throw .invalid("bundle belongs to appliance \(bundle.applianceID), not \(applianceID)")
        }
        bundle.sequence = head.sequence + 1
        do {
            // Domain and crypto layers each have their own 32-byte hash type; hex is the bridge.
            bundle.previousHash = try HexDigest(hex: head.hash.hex)
            try bundle.validate()
        } catch {
            throw .invalid(error.description)
        }
        let bytes: [UInt8]
        do {
            bytes = try CanonicalJSON.encode(bundle)
        } catch {
            throw .invalid(error.description)
        }
        let hash = Hash32.sha256(bytes)
        let sealed = SealedBundle(
            sequence: bundle.sequence, canonicalBytes: bytes, signature: signer.key.signature(for: bytes), hash: hash)
        head = (bundle.sequence, hash)
        leafHashes.append(MerkleTree.leafHash(bundleHash: hash))
        return sealed
    }

    /// The checkpoint over every bundle sealed so far.
    public var checkpoint: Checkpoint {
        Checkpoint(origin: origin, treeSize: leafHashes.count, rootHash: MerkleTree.root(leafHashes: leafHashes))
    }

    /// The checkpoint signed by the appliance and, when given, cosigned by witnesses.
    public func signedCheckpoint(witnesses: [NoteSigner] = [], time: UInt64) -> SignedNote {
        let text = checkpoint.text
        var signatures = [signer.sign(text: text)]
        for witness in witnesses { signatures.append(witness.sign(text: text, time: time)) }
        return SignedNote(text: text, signatures: signatures)
    }

    /// Proof that bundle `sequence` is in the tree of the first `treeSize` bundles.
    public func inclusionProof(sequence: Int64, treeSize: Int) -> [Hash32] {
        MerkleTree.inclusionProof(index: Int(sequence - 1), leafHashes: leafHashes[0..<treeSize])
    }

    /// Proof that the tree of `oldSize` bundles is a prefix of the tree of `newSize`.
    public func consistencyProof(oldSize: Int, newSize: Int) -> [Hash32] {
        MerkleTree.consistencyProof(oldSize: oldSize, leafHashes: leafHashes[0..<newSize])
    }
}

/// Errors from sealing, writing and reading evidence sets.
public enum EvidenceSetError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(String)
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalid(let reason): reason
        case .io(let path, let reason): "\(path): \(reason)"
        }
    }
}
