public import Compliance
public import EvidenceCrypto
public import EvidenceSet

/// Seals bundles into the appliance's chain and commits each to the outbox before returning:
/// a bundle exists for the rest of the appliance only once it is durable. The one writer of the
/// chain, so sequences never race.
public actor EvidenceRecorder {
    private var log: EvidenceLog
    private let outbox: any Outbox
    private let clock: @Sendable () -> Timestamp

    /// Resumes the chain the outbox holds (or starts one).
    public init(
        applianceID: Appliance.ID, key: SigningKey, outbox: any Outbox,
        clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }
    ) async throws(RecorderError) {
        var hashes: [Hash32] = []
        do {
            while true {
                let page = try await outbox.hashes(from: Int64(hashes.count) + 1, limit: 100_000)
                for digest in page {
                    guard let hash = Hash32(hex: digest.hex) else {
                        throw StoreError.invalid("outbox hash \(digest.hex) is not 32 bytes")
                    }
                    hashes.append(hash)
                }
                if page.count < 100_000 { break }
            }
            let status = try await outbox.status()
            guard status.headSequence == Int64(hashes.count), status.headHash.hex == (hashes.last ?? .zero).hex else {
                throw StoreError.invalid(
                    "the outbox's chain has gaps: head \(status.headSequence), \(hashes.count) hashes")
            }
        } catch let error as StoreError {
            throw .storage(error)
        } catch {
            throw .storage(.unavailable("\(error)"))
        }
        do {
            self.log = try EvidenceLog(applianceID: applianceID, key: key, sealedHashes: hashes)
        } catch {
            throw .sealing("\(error)")
        }
        self.outbox = outbox
        self.clock = clock
    }

    /// The last sequence committed and its hash.
    public var head: (sequence: Int64, hash: Hash32) { log.head }

    /// The checkpoint over everything committed.
    public var checkpoint: Checkpoint { log.checkpoint }

    /// The checkpoint over everything committed, signed by the appliance (a C2SP note).
    public func signedCheckpoint() -> SignedNote {
        log.signedCheckpoint(time: UInt64(max(0, clock().millisecondsSinceEpoch / 1000)))
    }

    /// Seals `bundles` in order and commits them together; on any failure nothing is committed
    /// and the chain stays where it was.
    @discardableResult
    public func record(_ bundles: [EvidenceBundle]) async throws(RecorderError) -> [OutboxEntry] {
        var next = log
        var entries: [OutboxEntry] = []
        entries.reserveCapacity(bundles.count)
        let now = clock()
        for bundle in bundles {
            let sealed: SealedBundle
            let hash: HexDigest
            do {
                sealed = try next.seal(bundle)
                hash = try HexDigest(hex: sealed.hash.hex)
            } catch {
                throw .sealing("\(error)")
            }
            entries.append(
                OutboxEntry(
                    sequence: sealed.sequence, bundleID: bundle.bundleID, canonicalBytes: sealed.canonicalBytes,
                    signature: sealed.signature, hash: hash, sealedAt: now))
        }
        do {
            try await outbox.append(entries)
        } catch {
            throw .storage(error)
        }
        log = next
        return entries
    }
}

/// Why recording failed.
public enum RecorderError: Error, Equatable, CustomStringConvertible {
    /// The bundle cannot be sealed (invalid, or belongs to another appliance).
    case sealing(String)
    case storage(StoreError)

    public var description: String {
        switch self {
        case .sealing(let why): "cannot seal the bundle: \(why)"
        case .storage(let error): "outbox: \(error.description)"
        }
    }
}
