import Appliance
import CentralClient
import Compliance
import EvidenceCrypto
import Foundation
import Logging
import SQLStorage
import Synchronization
import TestSupport
import Testing
import VigilAPI

/// The uploader against a loopback double of the upload endpoint that signs receipts the way
/// Central Command does (Ed25519 over the receipt's RFC 8785 bytes): only receipts that verify
/// and match the bytes sent are recorded.
@Suite struct EvidenceUploaderTests {
    /// Receipts every bundle it is sent, signed with `key`, after `tamper` has had its way.
    final class FakeServer: EvidenceSink {
        let key: SigningKey
        let tamper: @Sendable (inout EvidenceReceipt) -> Void
        let calls = Mutex(0)

        init(key: SigningKey, tamper: @escaping @Sendable (inout EvidenceReceipt) -> Void = { _ in }) {
            self.key = key
            self.tamper = tamper
        }

        func upload(_ upload: EvidenceUpload) async throws(CentralClientError) -> EvidenceUploadResult {
            calls.withLock { $0 += 1 }
            var receipts: [SignedReceipt] = []
            for bundle in upload.bundles {
                guard let bytes = Base64.decode(bundle.canonicalBytes),
                    let decoded = try? JSONDecoder().decode(EvidenceBundle.self, from: Data(bytes))
                else { throw .malformedAnswer("test server got bad bytes") }
                var receipt = EvidenceReceipt(
                    bundleID: decoded.bundleID.rawValue, applianceID: decoded.applianceID.rawValue,
                    sequence: decoded.sequence, hash: Hash32.sha256(bytes).hex, receivedAt: "2026-11-22T00:00:00Z",
                    signer: "test")
                tamper(&receipt)
                guard let canonical = try? CanonicalJSON.encode(receipt) else { throw .malformedAnswer("encode") }
                receipts.append(
                    SignedReceipt(receipt: receipt, signature: Base64.encode(key.signature(for: canonical))))
            }
            return EvidenceUploadResult(receipts: receipts, rejected: [], missing: [], head: 0)
        }
    }

    func fixture(_ directory: TemporaryDirectory, bundles: Int) async throws -> SQLOutbox {
        let outbox = try await SQLOutbox.open(path: directory.appending("outbox.sqlite"), logger: Logger(label: "t"))
        let recorder = try await EvidenceRecorder(
            applianceID: try OutboxTests.appliance, key: SigningKey(), outbox: outbox)
        try await recorder.record((0..<bundles).map { _ in try OutboxTests.bundle() })
        return outbox
    }

    @Test func uploadsInBatchesAndRecordsVerifiedReceipts() async throws {
        let directory = try TemporaryDirectory()
        let outbox = try await fixture(directory, bundles: 25)
        let server = FakeServer(key: SigningKey())
        let uploader = EvidenceUploader(
            outbox: outbox, sink: server, serverKey: server.key.verifyingKey, applianceID: try OutboxTests.appliance,
            batchSize: 10)
        let pass = await uploader.flush()
        #expect(pass.failure == nil && pass.sent == 25 && pass.receipted == 25)
        #expect(server.calls.withLock { $0 } == 3)
        #expect(try await outbox.status().unreceipted == 0)
        let stored = try #require(try await outbox.entry(7)?.receipt)
        let receipt = try JSONDecoder().decode(SignedReceipt.self, from: Data(stored.utf8))
        #expect(ServerSignatures.verify(receipt, with: server.key.verifyingKey) && receipt.receipt.sequence == 7)
        #expect(await uploader.flush().sent == 0)
        await outbox.close()
    }

    @Test(arguments: ["foreign key", "other hash", "other appliance", "other sequence"])
    func receiptsThatDoNotVerifyOrMatchAreNotRecorded(_ forgery: String) async throws {
        let directory = try TemporaryDirectory()
        let outbox = try await fixture(directory, bundles: 3)
        let pinned = SigningKey()
        let server = FakeServer(key: forgery == "foreign key" ? SigningKey() : pinned) { receipt in
            switch forgery {
            case "other hash": receipt.hash = String(repeating: "0", count: 64)
            case "other appliance": receipt.applianceID = "appliance-other"
            case "other sequence": receipt.sequence += 1
            default: break
            }
        }
        let uploader = EvidenceUploader(
            outbox: outbox, sink: server, serverKey: pinned.verifyingKey, applianceID: try OutboxTests.appliance)
        let pass = await uploader.flush()
        #expect(pass.receipted == 0)
        #expect(pass.failure?.contains("receipt for bundle") == true, "\(pass.failure ?? "no failure")")
        #expect(try await outbox.status().unreceipted == 3)
        await outbox.close()
    }

    @Test func backoffGrowsWithJitterUpToItsCapAndResets() {
        var backoff = Backoff(baseSeconds: 2, capSeconds: 60)
        var random = SystemRandomNumberGenerator()
        let waits = (0..<8).map { _ in backoff.failed(using: &random) }
        for (attempt, wait) in waits.enumerated() {
            let ceiling = min(60, 2 * pow(2, Double(attempt)))
            #expect(wait >= ceiling / 2 && wait <= ceiling, "attempt \(attempt): \(wait)")
        }
        backoff.succeeded()
        #expect(backoff.failed(using: &random) <= 2)
    }
}
