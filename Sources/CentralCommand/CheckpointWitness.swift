public import Compliance
public import EvidenceCrypto
import Foundation
public import VigilAPI

/// Why a checkpoint was refused.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case badSignature(String)
    /// The appliance must upload bundles up to the checkpoint's size first.
    case ahead(String)
    /// The root disagrees with the stored chain, or the log shrank: recorded as a security event.
    case inconsistent(String)
    case storage(StoreError)

    public var description: String {
        switch self {
        case .malformed(let why), .badSignature(let why), .ahead(let why), .inconsistent(let why): why
        case .storage(let error): error.description
        }
    }
}

/// Central Command as a witness of each appliance's evidence log (c2sp.org/tlog-witness ideas,
/// simplified: Central Command holds every leaf, so it recomputes roots instead of asking for
/// proofs). A checkpoint is cosigned only when the appliance signed it, its root equals the
/// Merkle root Central Command computes over the bundles it stores, and it extends the last
/// checkpoint it cosigned (checked with an RFC 6962 consistency proof over those leaves).
public struct CheckpointWitness: Sendable {
    let tenancy: any TenancyStore
    let checkpoints: any CheckpointStore
    let events: any SecurityEventSink
    let identity: ServerIdentity
    let clock: @Sendable () -> Timestamp

    public init(
        tenancy: any TenancyStore, checkpoints: any CheckpointStore, events: any SecurityEventSink,
        identity: ServerIdentity, clock: @escaping @Sendable () -> Timestamp
    ) {
        self.tenancy = tenancy
        self.checkpoints = checkpoints
        self.events = events
        self.identity = identity
        self.clock = clock
    }

    /// The witness's note key: Central Command's signing key under its name, as `cosignature/v1`.
    var witness: NoteSigner {
        get throws(CheckpointError) {
            do {
                return try NoteSigner(name: identity.name, key: identity.key, type: .cosignatureV1)
            } catch {
                throw .malformed("server name \(identity.name) is not a note key name")
            }
        }
    }

    public func submit(_ submission: CheckpointSubmission, from appliance: Appliance) async throws(CheckpointError)
        -> CosignedCheckpoint
    {
        let note: SignedNote
        let checkpoint: Checkpoint
        do {
            note = try SignedNote(parsing: submission.note)
            checkpoint = try Checkpoint(text: note.text)
        } catch {
            throw .malformed("not a signed checkpoint note: \(error.description)")
        }
        let origin = "vigil.appliance/\(appliance.id)"
        guard checkpoint.origin == origin else {
            throw .malformed("checkpoint origin must be \(origin), not \(checkpoint.origin)")
        }
        guard checkpoint.treeSize >= 1 else { throw .malformed("a checkpoint covers at least one bundle") }
        // Signed by the key in force for the checkpoint's last bundle, or a later one (ADR 0012).
        let keys = try await storage { () async throws(StoreError) in try await tenancy.verifyingKeys(of: appliance) }
        let signedByAllowedKey = keys.keys(forCheckpointOf: Int64(checkpoint.treeSize)).contains { key in
            guard let verifier = try? NoteVerifier(name: origin, key: key, type: .ed25519),
                case .valid = verifier.verify(note)
            else { return false }
            return true
        }
        guard signedByAllowedKey else {
            await record(appliance, "bad_checkpoint_signature", "checkpoint of size \(checkpoint.treeSize)")
            throw .badSignature("the checkpoint is not signed by appliance \(appliance.id)'s key")
        }
        let size = Int64(checkpoint.treeSize)
        let root = try hexRoot(checkpoint.rootHash)
        if let known = try await storage({ () async throws(StoreError) in
            try await checkpoints.checkpoint(of: appliance.id, treeSize: size)
        }), known.rootHash == root {
            return try answer(known)
        }
        let stored: [HexDigest]
        do {
            stored = try await checkpoints.bundleHashes(of: appliance.id, through: size)
        } catch .notFound {
            throw .ahead("Central Command does not hold bundles 1–\(size) yet; upload them first")
        } catch {
            throw .storage(error)
        }
        var leaves: [Hash32] = []
        leaves.reserveCapacity(stored.count)
        for digest in stored { leaves.append(MerkleTree.leafHash(bundleHash: try hash(digest))) }
        let computed = MerkleTree.root(leafHashes: leaves)
        guard computed == checkpoint.rootHash else {
            await record(appliance, "checkpoint_mismatch", "size \(size): signed root differs from the stored chain")
            throw .inconsistent("the checkpoint's root does not match the bundles Central Command holds")
        }
        let previous = try await storage { () async throws(StoreError) in
            try await checkpoints.latestCheckpoint(of: appliance.id)
        }
        if let previous {
            guard previous.treeSize <= size else {
                await record(appliance, "checkpoint_rollback", "size \(size) after \(previous.treeSize)")
                throw .inconsistent("the log shrank: size \(size) after a cosigned size \(previous.treeSize)")
            }
            let oldRoot = try hash(previous.rootHash)
            let proof = MerkleTree.consistencyProof(oldSize: Int(previous.treeSize), leafHashes: leaves[...])
            guard
                MerkleTree.verifyConsistency(
                    oldSize: Int(previous.treeSize), newSize: checkpoint.treeSize, oldRoot: oldRoot,
                    newRoot: computed, proof: proof)
            else {
                await record(appliance, "checkpoint_inconsistent", "size \(size) does not extend \(previous.treeSize)")
                throw .inconsistent("the checkpoint does not extend the last cosigned one")
            }
        }
        let now = clock()
        let cosignature = try witness.sign(text: note.text, time: UInt64(now.millisecondsSinceEpoch / 1000))
        let cosigned = SignedNote(text: note.text, signatures: note.signatures + [cosignature])
        let accepted = StoredCheckpoint(
            applianceID: appliance.id, treeSize: size, rootHash: root, note: cosigned.serialized, receivedAt: now)
        try await storage { () async throws(StoreError) in try await checkpoints.store(accepted) }
        return try answer(accepted)
    }

    func answer(_ stored: StoredCheckpoint) throws(CheckpointError) -> CosignedCheckpoint {
        CosignedCheckpoint(
            applianceID: stored.applianceID.rawValue, treeSize: stored.treeSize, note: stored.note,
            witnessName: try witness.name, witnessKey: Base64.encode(identity.key.verifyingKey.rawRepresentation))
    }

    private func hexRoot(_ hash: Hash32) throws(CheckpointError) -> HexDigest {
        do {
            return try HexDigest(hex: hash.hex)
        } catch {
            throw .malformed("root hash: \(error)")
        }
    }

    private func hash(_ digest: HexDigest) throws(CheckpointError) -> Hash32 {
        guard let hash = Hash32(hex: digest.hex) else {
            throw .storage(.invalid("stored root \(digest.hex) is not a hash"))
        }
        return hash
    }

    private func record(_ appliance: Appliance, _ kind: String, _ detail: String) async {
        try? await events.record([SecurityEvent(at: clock(), applianceID: appliance.id, kind: kind, detail: detail)])
    }

    private func storage<T>(_ body: () async throws(StoreError) -> T) async throws(CheckpointError) -> T {
        do {
            return try await body()
        } catch {
            throw .storage(error)
        }
    }
}
