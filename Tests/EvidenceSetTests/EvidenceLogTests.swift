import Compliance
import EvidenceCrypto
import EvidenceSet
import Foundation
import TestSupport
import Testing

@Suite struct EvidenceLogTests {
    func bundle() throws -> EvidenceBundle {
        EvidenceBundle(
            bundleID: .random(prefix: "bundle"), kind: .scan, siteID: try Site.ID("site-1"),
            hostID: try ManagedHost.ID("host-1"), applianceID: Fixtures.applianceID, sequence: 0, previousHash: .zero,
            observedAt: Fixtures.start, startedAt: Fixtures.start, finishedAt: Fixtures.start.adding(milliseconds: 5),
            softwareRevision: "test", deploymentMode: .direct, outcome: .success)
    }

    @Test func chainsAndSignsCanonicalBytes() throws {
        var log = try EvidenceLog(applianceID: Fixtures.applianceID, key: Fixtures.applianceKey)
        let first = try log.seal(try bundle())
        let second = try log.seal(try bundle())
        #expect(first.sequence == 1)
        #expect(second.sequence == 2)
        #expect(Hash32.sha256(first.canonicalBytes) == first.hash)
        #expect(Fixtures.applianceKey.verifyingKey.isValidSignature(second.signature, for: second.canonicalBytes))
        #expect(try CanonicalJSON.canonicalize(second.canonicalBytes) == second.canonicalBytes)
        let decoded = try JSONDecoder().decode(EvidenceBundle.self, from: Data(second.canonicalBytes))
        #expect(decoded.previousHash.hex == first.hash.hex)
        #expect(decoded.schema == EvidenceBundle.schemaV1)
        let firstDecoded = try JSONDecoder().decode(EvidenceBundle.self, from: Data(first.canonicalBytes))
        #expect(firstDecoded.previousHash == .zero)
    }

    @Test func refusesBundlesOfAnotherAppliance() throws {
        var log = try EvidenceLog(applianceID: try Appliance.ID("appliance-other"), key: Fixtures.applianceKey)
        #expect(throws: EvidenceSetError.self) { try log.seal(try bundle()) }
    }

    @Test func refusesInvalidBundles() throws {
        var log = try EvidenceLog(applianceID: Fixtures.applianceID, key: Fixtures.applianceKey)
        var bad = try bundle()
        bad.finishedAt = Fixtures.start.adding(milliseconds: -1)
        #expect(throws: EvidenceSetError.self) { try log.seal(bad) }
        #expect(log.head.sequence == 0)
    }

    @Test func checkpointsAndProofsAgree() throws {
        var log = try EvidenceLog(applianceID: Fixtures.applianceID, key: Fixtures.applianceKey)
        for _ in 1...13 { _ = try log.seal(try bundle()) }
        let note = log.signedCheckpoint(time: 0)
        #expect(log.signer.verifier.verify(note) == .valid(timestamp: nil))
        let checkpoint = try Checkpoint(text: note.text)
        #expect(checkpoint.treeSize == 13)
        let proof = log.inclusionProof(sequence: 5, treeSize: 13)
        #expect(
            MerkleTree.verifyInclusion(
                leafHash: log.leafHashes[4], index: 4, treeSize: 13, proof: proof, root: checkpoint.rootHash))
        let older = MerkleTree.root(leafHashes: Array(log.leafHashes.prefix(8)))
        #expect(
            MerkleTree.verifyConsistency(
                oldSize: 8, newSize: 13, oldRoot: older, newRoot: checkpoint.rootHash,
                proof: log.consistencyProof(oldSize: 8, newSize: 13)))
    }

    @Test func sampleSetsAreReproducibleFromSeedAndKey() throws {
        let directory = try TemporaryDirectory()
        let first = try Fixtures.sampleSet(in: directory, name: "a", bundles: 6)
        let second = try Fixtures.sampleSet(in: directory, name: "b", bundles: 6)
        for sequence in Int64(1)...6 {
            #expect(
                try Fixtures.read(Fixtures.bundlePath(first, sequence))
                    == Fixtures.read(Fixtures.bundlePath(second, sequence)))
        }
    }

    @Test func refusesToWriteIntoANonEmptyDirectory() throws {
        let directory = try TemporaryDirectory()
        try Fixtures.write([1], directory.appending("something"))
        #expect(throws: EvidenceSetError.self) { try EvidenceSetWriter(directory: directory.path) }
    }
}
