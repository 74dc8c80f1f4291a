public import CentralClient
public import Compliance
public import EvidenceCrypto
import Foundation
public import VigilAPI

/// Where evidence goes: Central Command's upload endpoint (`ApplianceClient`), or a test double.
public protocol EvidenceSink: Sendable {
    func upload(_ upload: EvidenceUpload) async throws(CentralClientError) -> EvidenceUploadResult
}

extension ApplianceClient: EvidenceSink {}

/// What one upload pass did.
public struct UploadPass: Equatable, Sendable {
    /// Bundles sent (including resends of ones the server already held).
    public var sent = 0
    /// Receipts verified and recorded.
    public var receipted = 0
    /// Bundles the server refused: never retried blindly, reported as an alert.
    public var rejected: [UploadRejection] = []
    /// Why the pass stopped early (server unreachable, bad receipt…); nil when the outbox emptied.
    public var failure: String?

    public init() {}
}

/// Uploads the outbox's unreceipted bundles oldest first, in batches, and records each receipt
/// only after checking it: signed by the pinned server key, for this appliance, this sequence,
/// this bundle and these exact bytes. A bundle leaves the unreceipted set only that way, so a
/// crash or an outage at any point loses nothing and a resend stores nothing twice (the server
/// answers a held bundle with the same receipt).
public struct EvidenceUploader: Sendable {
    let outbox: any Outbox
    let sink: any EvidenceSink
    let serverKey: VerifyingKey
    let applianceID: Appliance.ID
    let batchSize: Int
    let clock: @Sendable () -> Timestamp

    public init(
        outbox: any Outbox, sink: any EvidenceSink, serverKey: VerifyingKey, applianceID: Appliance.ID,
        batchSize: Int = 100, clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }
    ) {
        self.outbox = outbox
        self.sink = sink
        self.serverKey = serverKey
        self.applianceID = applianceID
        self.batchSize = max(1, min(batchSize, 500))
        self.clock = clock
    }

    /// Uploads until nothing unreceipted is left or something stops the pass.
    public func flush() async -> UploadPass {
        var pass = UploadPass()
        while true {
            let batch: [OutboxEntry]
            do {
                batch = try await outbox.unreceipted(limit: batchSize)
            } catch {
                pass.failure = "outbox: \(error.description)"
                return pass
            }
            guard !batch.isEmpty else { return pass }
            let upload = EvidenceUpload(
                bundles: batch.map {
                    UploadedBundle(
                        canonicalBytes: Base64.encode($0.canonicalBytes ?? []),
                        signature: Base64.encode($0.signature ?? []))
                })
            let result: EvidenceUploadResult
            do {
                result = try await sink.upload(upload)
            } catch {
                pass.failure = error.description
                return pass
            }
            pass.sent += batch.count
            pass.rejected += result.rejected
            let accepted: [(sequence: Int64, receipt: String)]
            do {
                accepted = try receipts(result.receipts, for: batch)
                try await outbox.recordReceipts(accepted, at: clock())
            } catch let error as UploadFailure {
                pass.failure = error.why
                return pass
            } catch {
                pass.failure = "outbox: \(error)"
                return pass
            }
            pass.receipted += accepted.count
            // A refused bundle or a batch without progress ends the pass: resending the same
            // bytes would get the same answer. The caller raises the alert.
            guard result.rejected.isEmpty, accepted.count == batch.count else {
                if result.rejected.isEmpty {
                    pass.failure =
                        "Central Command receipted \(accepted.count) of \(batch.count) bundles; its head is \(result.head)"
                }
                return pass
            }
        }
    }

    struct UploadFailure: Error {
        var why: String
    }

    /// The checked receipts of `batch`, as stored JSON.
    func receipts(_ signed: [SignedReceipt], for batch: [OutboxEntry]) throws(UploadFailure) -> [(
        sequence: Int64, receipt: String
    )] {
        let bySequence = Dictionary(batch.map { ($0.sequence, $0) }, uniquingKeysWith: { first, _ in first })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var accepted: [(Int64, String)] = []
        for receipt in signed {
            let body = receipt.receipt
            guard ServerSignatures.verify(receipt, with: serverKey) else {
                throw UploadFailure(why: "receipt for bundle \(body.sequence) is not signed by Central Command's key")
            }
            guard body.applianceID == applianceID.rawValue, let entry = bySequence[body.sequence],
                entry.bundleID.rawValue == body.bundleID, entry.hash.hex == body.hash
            else {
                throw UploadFailure(
                    why: "receipt for bundle \(body.sequence) does not match what this appliance sent")
            }
            guard let text = try? encoder.encode(receipt) else {
                throw UploadFailure(why: "receipt for bundle \(body.sequence) cannot be stored")
            }
            accepted.append((body.sequence, String(decoding: text, as: UTF8.self)))
        }
        return accepted
    }
}

/// Exponential backoff with jitter: after the n-th consecutive failure the wait is a random time
/// between half and all of `base × 2ⁿ` (capped at `cap`), so a fleet recovering from an outage
/// does not come back all at once.
public struct Backoff: Sendable {
    public var base: Double
    public var cap: Double
    public private(set) var failures = 0

    public init(baseSeconds: Double = 2, capSeconds: Double = 600) {
        self.base = baseSeconds
        self.cap = capSeconds
    }

    /// Records a failure and returns how long to wait before the next try.
    public mutating func failed(using random: inout some RandomNumberGenerator) -> Double {
        let ceiling = min(cap, base * pow(2, Double(min(failures, 30))))
        failures += 1
        return Double.random(in: (ceiling / 2)...ceiling, using: &random)
    }

    public mutating func succeeded() { failures = 0 }
}
