public import Compliance
import EvidenceCrypto
import Foundation
public import VigilAPI

/// Why an upload as a whole was refused (as opposed to single bundles in it).
public enum IngestError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownAppliance(String)
    case tooManyBundles(limit: Int)
    case storage(StoreError)

    public var description: String {
        switch self {
        case .unknownAppliance(let id): "appliance \(id) is not enrolled"
        case .tooManyBundles(let limit): "an upload holds at most \(limit) bundles"
        case .storage(let error): error.description
        }
    }
}

/// Takes evidence uploads from enrolled appliances (issue 3, appliance API).
///
/// Every bundle must be canonical JSON of the `vigil.evidence/v1` schema, from this appliance and
/// its site, signed by the appliance's key in force for its sequence (ADR 0012). Bundles extend the stored chain in order;
/// a re-upload of a held bundle gets the same receipt again; a bundle that contradicts the stored
/// chain (fork, broken link, reused ID) or fails authentication is refused and recorded as a
/// security event. Accepted bundles are stored in one transaction before any receipt is issued.
public struct EvidenceIngestor: Sendable {
    public static let maximumBundlesPerUpload = 500

    let tenancy: any TenancyStore
    let evidence: any EvidenceStore
    let events: any SecurityEventSink
    let identity: ServerIdentity
    let clock: @Sendable () -> Timestamp

    public init(
        tenancy: any TenancyStore, evidence: any EvidenceStore, events: any SecurityEventSink, identity: ServerIdentity,
        clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }
    ) {
        self.tenancy = tenancy
        self.evidence = evidence
        self.events = events
        self.identity = identity
        self.clock = clock
    }

    struct Candidate {
        var index: Int
        var bundle: EvidenceBundle
        var stored: StoredBundle
    }

    public func ingest(_ upload: EvidenceUpload, from applianceID: Appliance.ID) async throws(IngestError)
        -> EvidenceUploadResult
    {
        guard upload.bundles.count <= Self.maximumBundlesPerUpload else {
            throw .tooManyBundles(limit: Self.maximumBundlesPerUpload)
        }
        let appliance: Appliance
        let keys: KeyHistory<VerifyingKey>
        do {
            guard let found = try await tenancy.appliance(applianceID) else {
                throw IngestError.unknownAppliance(applianceID.rawValue)
            }
            appliance = found
            // Each bundle verifies with the key in force for its sequence (ADR 0012).
            keys = try await tenancy.verifyingKeys(of: found)
        } catch let error as IngestError {
            throw error
        } catch let error as StoreError {
            throw .storage(error)
        } catch {
            throw .storage(.invalid("appliance \(applianceID) has no usable public key"))
        }
        let now = clock()
        var rejected: [UploadRejection] = []
        var securityEvents: [SecurityEvent] = []
        func refuse(
            _ index: Int, _ bundle: EvidenceBundle?, _ reason: UploadRejection.Reason, _ message: String, security: Bool
        ) {
            rejected.append(
                UploadRejection(
                    index: index, bundleID: bundle?.bundleID.rawValue, sequence: bundle?.sequence, reason: reason,
                    message: message))
            if security {
                securityEvents.append(
                    SecurityEvent(at: now, applianceID: applianceID, kind: reason.rawValue, detail: message))
            }
        }

        // 1. Authenticate and decode every bundle on its own.
        var candidates: [Candidate] = []
        let form = CanonicalForm(capturing: [])
        for (index, uploaded) in upload.bundles.enumerated() {
            guard let bytes = Base64.decode(uploaded.canonicalBytes), !bytes.isEmpty else {
                refuse(index, nil, .malformed, "canonical_bytes is not base64", security: false)
                continue
            }
            guard let signature = Base64.decode(uploaded.signature), signature.count == 64 else {
                refuse(index, nil, .malformed, "signature is not base64 of 64 bytes", security: false)
                continue
            }
            do {
                _ = try form.validate(bytes)
            } catch {
                refuse(index, nil, .notCanonical, "bundle is not RFC 8785 canonical JSON: \(error)", security: false)
                continue
            }
            let bundle: EvidenceBundle
            do {
                bundle = try JSONDecoder().decode(EvidenceBundle.self, from: Data(bytes))
                try bundle.validate()
            } catch {
                refuse(
                    index, nil, .malformed,
                    "not a valid vigil.evidence/v1 bundle: \(DecodingErrorText.describe(error))",
                    security: false)
                continue
            }
            guard keys.key(for: bundle.sequence).isValidSignature(signature, for: bytes) else {
                refuse(
                    index, bundle, .badSignature,
                    "bundle \(bundle.sequence): signature does not verify with the appliance's key for that sequence",
                    security: true)
                continue
            }
            guard bundle.applianceID == applianceID else {
                refuse(
                    index, bundle, .foreignAppliance, "bundle \(bundle.sequence) names appliance \(bundle.applianceID)",
                    security: true)
                continue
            }
            guard bundle.siteID == appliance.siteID else {
                refuse(
                    index, bundle, .wrongSite,
                    "bundle \(bundle.sequence) names site \(bundle.siteID), not \(appliance.siteID)", security: true)
                continue
            }
            let hex = HexDigest(Hash32.sha256(bytes))
            candidates.append(
                Candidate(
                    index: index, bundle: bundle,
                    stored: StoredBundle(
                        applianceID: applianceID, sequence: bundle.sequence, bundleID: bundle.bundleID,
                        siteID: bundle.siteID, hostID: bundle.hostID, observedAt: bundle.observedAt, hash: hex,
                        previousHash: bundle.previousHash, canonicalBytes: bytes, signature: signature, receivedAt: now)
                ))
        }
        candidates.sort { ($0.stored.sequence, $0.index) < ($1.stored.sequence, $1.index) }

        // 2. Place them on the chain.
        var held: [StoredBundle] = []  // Already stored: receipts again.
        var accepted: [StoredBundle] = []
        // The accepted bundles' check results, from the decoding already done (the store keeps
        // the current state per host and check, ADR 0018).
        var states: [CheckState] = []
        var missing: [SequenceRange] = []
        do {
            let head = try await evidence.head(of: applianceID)
            let usedIDs = try await evidence.existingBundleIDs(candidates.map(\.stored.bundleID))
            var nextSequence = (head?.sequence ?? 0) + 1
            var previousHash = head?.hash ?? .zero
            var blocked = false
            for candidate in candidates {
                let stored = candidate.stored
                if stored.sequence < nextSequence {
                    let existing: StoredBundle?
                    if let inBatch = accepted.first(where: { $0.sequence == stored.sequence }) {
                        existing = inBatch
                    } else {
                        existing = try await evidence.bundle(appliance: applianceID, sequence: stored.sequence)
                    }
                    if let existing, existing.hash == stored.hash {
                        if !held.contains(existing) && !accepted.contains(existing) { held.append(existing) }
                    } else {
                        refuse(
                            candidate.index, candidate.bundle, .fork,
                            "bundle \(stored.sequence) differs from the bundle \(stored.sequence) already held: the chain forked",
                            security: true)
                    }
                    continue
                }
                guard !blocked, stored.sequence == nextSequence else {
                    if !blocked && stored.sequence > nextSequence {
                        missing.append(SequenceRange(from: nextSequence, to: stored.sequence - 1))
                    }
                    blocked = true
                    refuse(
                        candidate.index, candidate.bundle, .outOfOrder,
                        "bundle \(stored.sequence) cannot be accepted before bundle \(nextSequence)", security: false)
                    continue
                }
                guard stored.previousHash == previousHash else {
                    blocked = true
                    refuse(
                        candidate.index, candidate.bundle, .brokenLink,
                        "bundle \(stored.sequence) does not link to bundle \(stored.sequence - 1)", security: true)
                    continue
                }
                if usedIDs.contains(stored.bundleID) || accepted.contains(where: { $0.bundleID == stored.bundleID }) {
                    blocked = true
                    refuse(
                        candidate.index, candidate.bundle, .idReused,
                        "bundle ID \(stored.bundleID) is already used by another bundle", security: true)
                    continue
                }
                accepted.append(stored)
                states += stored.checkStates(of: candidate.bundle)
                nextSequence += 1
                previousHash = stored.hash
            }
            // 3. Store, then record what was refused, then answer.
            // New bundles were checked with the newest key; the store refuses them if a rotation
            // committed meanwhile.
            try await evidence.append(
                accepted, signedWith: Base64.encode(keys.current.rawRepresentation), states: states)
            if !securityEvents.isEmpty { try await events.record(securityEvents) }
            let receipts = try (held + accepted).map { bundle throws(IngestError) in try receipt(for: bundle) }
            return EvidenceUploadResult(
                receipts: receipts, rejected: rejected.sorted { $0.index < $1.index }, missing: missing,
                head: nextSequence - 1)
        } catch let error as IngestError {
            throw error
        } catch let error as StoreError {
            throw .storage(error)
        } catch {
            throw .storage(.unavailable(String(describing: error)))
        }
    }

    func receipt(for bundle: StoredBundle) throws(IngestError) -> SignedReceipt {
        let receipt = EvidenceReceipt(
            bundleID: bundle.bundleID.rawValue, applianceID: bundle.applianceID.rawValue, sequence: bundle.sequence,
            hash: bundle.hash.hex, receivedAt: bundle.receivedAt.description, signer: identity.name)
        do {
            return try identity.sign(receipt)
        } catch {
            throw .storage(.invalid("cannot sign receipt: \(error)"))
        }
    }
}
