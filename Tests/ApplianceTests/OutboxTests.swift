import Appliance
import Compliance
import EvidenceCrypto
import EvidenceSet
import Foundation
import Logging
import SQLStorage
import TestSupport
import Testing

/// The appliance's outbox and evidence recorder on a real SQLite file: the chain continues
/// across restarts, nothing unreceipted is pruned, and a refused append changes nothing.
@Suite struct OutboxTests {
    static var appliance: Appliance.ID { get throws { try Appliance.ID("appliance-o") } }
    static let start = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)

    static func bundle(host: String = "host-x", results: Int = 3) throws -> EvidenceBundle {
        EvidenceBundle(
            bundleID: .random(prefix: "bundle"), kind: .scan, siteID: try Site.ID("site-x"),
            hostID: try ManagedHost.ID(host), applianceID: try appliance, sequence: 0, previousHash: .zero,
            observedAt: start, startedAt: start, finishedAt: start, softwareRevision: "test",
            deploymentMode: .direct, outcome: .success)
    }

    func open(_ directory: TemporaryDirectory) async throws -> SQLOutbox {
        try await SQLOutbox.open(path: directory.appending("outbox.sqlite"), logger: Logger(label: "test"))
    }

    @Test func theChainContinuesAcrossRestartsAndVerifies() async throws {
        let directory = try TemporaryDirectory()
        let key = SigningKey()
        var first = try await open(directory)
        let recorder = try await EvidenceRecorder(applianceID: try Self.appliance, key: key, outbox: first)
        let committed = try await recorder.record([try Self.bundle(), try Self.bundle(host: "host-y")])
        #expect(committed.map(\.sequence) == [1, 2])
        let checkpointBefore = await recorder.checkpoint
        await first.close()

        // A new process: the recorder rebuilds its head and Merkle tree from the outbox.
        first = try await open(directory)
        let resumed = try await EvidenceRecorder(applianceID: try Self.appliance, key: key, outbox: first)
        #expect(await resumed.checkpoint == checkpointBefore)
        try await resumed.record([try Self.bundle()])
        let status = try await first.status()
        #expect(status.headSequence == 3 && status.unreceipted == 3)

        // Every stored bundle verifies with the key and links to the one before.
        var previous = Hash32.zero
        for sequence in Int64(1)...3 {
            let entry = try #require(try await first.entry(sequence))
            let bytes = try #require(entry.canonicalBytes)
            #expect(key.verifyingKey.isValidSignature(try #require(entry.signature), for: bytes))
            let decoded = try JSONDecoder().decode(EvidenceBundle.self, from: Data(bytes))
            #expect(decoded.sequence == sequence && decoded.previousHash.hex == previous.hex)
            #expect(Hash32.sha256(bytes).hex == entry.hash.hex)
            previous = Hash32.sha256(bytes)
        }
        await first.close()
    }

    @Test func aRefusedRecordLeavesTheChainWhereItWas() async throws {
        let directory = try TemporaryDirectory()
        let outbox = try await open(directory)
        let recorder = try await EvidenceRecorder(applianceID: try Self.appliance, key: SigningKey(), outbox: outbox)
        try await recorder.record([try Self.bundle()])
        var foreign = try Self.bundle()
        foreign.applianceID = try Appliance.ID("someone-else")
        // One bad bundle in a batch: nothing of the batch is committed.
        await #expect(throws: RecorderError.self) { try await recorder.record([try Self.bundle(), foreign]) }
        #expect(await recorder.head.sequence == 1)
        #expect(try await outbox.status().headSequence == 1)
        try await recorder.record([try Self.bundle()])
        #expect(try await outbox.status().headSequence == 2)
        await outbox.close()
    }

    @Test func appendsMustContinueTheChainAndCarryTheirBytes() async throws {
        let directory = try TemporaryDirectory()
        let outbox = try await open(directory)
        func entry(_ sequence: Int64, signature: [UInt8] = Array(repeating: 1, count: 64)) throws -> OutboxEntry {
            OutboxEntry(
                sequence: sequence, bundleID: .random(prefix: "bundle"), canonicalBytes: Array("{}".utf8),
                signature: signature, hash: try HexDigest(hex: String(repeating: "ab", count: 32)),
                sealedAt: Self.start)
        }
        await #expect(throws: StoreError.self) { try await outbox.append([try entry(2)]) }
        await #expect(throws: StoreError.self) { try await outbox.append([try entry(1), try entry(3)]) }
        await #expect(throws: StoreError.self) { try await outbox.append([try entry(1, signature: [1, 2])]) }
        #expect(try await outbox.status().headSequence == 0)
        try await outbox.append([try entry(1), try entry(2)])
        await #expect(throws: StoreError.self) { try await outbox.append([try entry(2)]) }
        #expect(try await outbox.status().headSequence == 2)
        await outbox.close()
    }

    @Test func receiptsAreKeptOnceAndOnlyReceiptedBundlesArePruned() async throws {
        let directory = try TemporaryDirectory()
        let outbox = try await open(directory)
        let recorder = try await EvidenceRecorder(
            applianceID: try Self.appliance, key: SigningKey(), outbox: outbox, clock: { Self.start })
        try await recorder.record((0..<5).map { _ in try Self.bundle() })
        #expect(try await outbox.unreceipted(limit: 10).map(\.sequence) == [1, 2, 3, 4, 5])
        try await outbox.recordReceipts([(1, "receipt-1"), (2, "receipt-2")], at: Self.start)
        try await outbox.recordReceipts([(1, "a later copy")], at: Self.start.adding(milliseconds: 5))
        #expect(try await outbox.entry(1)?.receipt == "receipt-1")
        // An unknown sequence refuses the whole call.
        await #expect(throws: StoreError.self) {
            try await outbox.recordReceipts([(3, "receipt-3"), (99, "nope")], at: Self.start)
        }
        #expect(try await outbox.entry(3)?.receipt == nil)
        #expect(try await outbox.unreceipted(limit: 2).map(\.sequence) == [3, 4])
        let status = try await outbox.status()
        #expect(status.unreceipted == 3 && status.oldestUnreceipted == Self.start)

        // Pruning drops bytes of receipted bundles past the cutoff only; hashes stay.
        #expect(try await outbox.prune(receiptedBefore: Self.start) == 0)
        #expect(try await outbox.prune(receiptedBefore: Self.start.adding(milliseconds: 1)) == 2)
        let pruned = try #require(try await outbox.entry(1))
        #expect(pruned.canonicalBytes == nil && pruned.signature == nil && pruned.receipt == "receipt-1")
        #expect(try await outbox.entry(3)?.canonicalBytes != nil)
        #expect(try await outbox.prune(receiptedBefore: Self.start.adding(milliseconds: 1_000_000)) == 0)
        #expect(try await outbox.hashes(from: 1, limit: 10).count == 5)
        // Range reads come in chain order, pruned rows included (without bytes).
        let range = try await outbox.entries(after: 1, limit: 3)
        #expect(range.map(\.sequence) == [2, 3, 4])
        #expect(range[0].canonicalBytes == nil && range[1].canonicalBytes != nil)
        #expect(try await outbox.entries(after: 5, limit: 10).isEmpty)
        // The chain still resumes after pruning.
        let resumed = try await EvidenceRecorder(applianceID: try Self.appliance, key: SigningKey(), outbox: outbox)
        #expect(await resumed.head.sequence == 5)
        await outbox.close()
    }
}
