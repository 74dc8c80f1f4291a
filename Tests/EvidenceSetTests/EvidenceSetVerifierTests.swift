import Compliance
import EvidenceCrypto
import EvidenceSet
import Foundation
import TestSupport
import Testing
import VigilAPI

/// Verification of good sets and one test per kind of bad input. Each bad case must give a clear
/// failure naming the file or bundle, never a pass and never a crash.
@Suite struct EvidenceSetVerifierTests {
    let directory: TemporaryDirectory
    let set: String

    init() throws {
        directory = try TemporaryDirectory("vigil-verify")
        // 25 bundles, checkpoints at 10 and 20: bundles 21–25 rely on their own signatures.
        set = try Fixtures.sampleSet(in: directory)
    }

    func verify(_ options: EvidenceSetVerifier.Options = .init()) -> VerificationReport {
        EvidenceSetVerifier(options: options).verify(directory: set)
    }

    func kinds(_ report: VerificationReport) -> Set<VerificationReport.FailureKind> {
        Set(report.failures.map(\.kind))
    }

    // MARK: Good sets

    @Test func verifiesAnIntactSet() {
        let report = verify()
        #expect(report.verified, "\(report.failures)")
        #expect(report.bundles == 25)
        #expect(report.authenticatedByCheckpoint == 20)
        #expect(report.authenticatedBySignature == 5)
        #expect(report.checkpoints.verified == 2)
        #expect(report.checkpoints.cosignatures[SampleEvidence.witnessName] == 2)
        #expect(report.consistencyProofs == 1)
        #expect(report.inclusionProofs == 2)
        #expect(report.trustedKey?.source == "evidence-set")
        #expect(report.trustedKey?.fingerprint == Fixtures.applianceKey.verifyingKey.fingerprint)
    }

    @Test func verifiesEverySignatureWhenAsked() {
        let report = verify(.init(allSignatures: true))
        #expect(report.verified)
        #expect(report.authenticatedBySignature == 25)
    }

    @Test func verifiesWithSmallWindowsAndOneThread() {
        let report = verify(.init(concurrency: 1, windowSize: 3))
        #expect(report.verified, "\(report.failures)")
        #expect(report.authenticatedByCheckpoint == 20)
    }

    @Test func pinsAKeyObtainedIndependently() throws {
        let keyFile = directory.appending("pinned.pem")
        try Fixtures.applianceKey.verifyingKey.pem.write(toFile: keyFile, atomically: true, encoding: .utf8)
        let report = verify(.init(pinnedKeyPath: keyFile))
        #expect(report.verified)
        #expect(report.trustedKey?.source == "pinned")
    }

    @Test func verifiesAPartialSetByItsSignatures() throws {
        for sequence in Int64(1)...5 {
            try FileManager.default.removeItem(atPath: Fixtures.bundlePath(set, sequence))
            try FileManager.default.removeItem(atPath: Fixtures.signaturePath(set, sequence))
        }
        try rewriteManifest { $0.firstSequence = 6 }
        try FileManager.default.removeItem(atPath: "\(set)/proofs")
        let report = verify()
        #expect(report.verified, "\(report.failures)")
        #expect(report.authenticatedBySignature == 20)
        #expect(report.firstSequence == 6)
    }

    // MARK: Bad input, one test per case

    @Test func truncatedBundleFile() throws {
        let path = Fixtures.bundlePath(set, 7)
        let bytes = try Fixtures.read(path)
        try Fixtures.write(Array(bytes.prefix(bytes.count / 2)), path)
        let report = verify()
        #expect(!report.verified)
        let failure = try #require(report.failures.first { $0.sequence == 7 && $0.kind == .invalidJSON })
        #expect(failure.message.contains("truncated"))
        #expect(failure.file == "bundles/000000000007.json")
    }

    @Test func emptyBundleFile() throws {
        try Fixtures.write([], Fixtures.bundlePath(set, 7))
        let report = verify()
        #expect(report.failures.contains { $0.sequence == 7 && $0.message.contains("empty") })
    }

    @Test func invalidJSON() throws {
        try Fixtures.write(Array("{\"sequence\":7,".utf8) + [0xFF] + Array("}".utf8), Fixtures.bundlePath(set, 7))
        let report = verify()
        #expect(!report.verified)
        #expect(report.failures.contains { $0.sequence == 7 && $0.kind == .invalidJSON })
    }

    @Test func duplicateKeys() throws {
        let path = Fixtures.bundlePath(set, 22)
        var text = String(decoding: try Fixtures.read(path), as: UTF8.self)
        // Repeat the first member: the file still parses with lenient readers, which take the last.
        let firstMember = text.dropFirst().prefix { $0 != "," }
        text = "{" + firstMember + "," + text.dropFirst()
        try Fixtures.write(Array(text.utf8), path)
        let report = verify()
        #expect(!report.verified)
        let failure = try #require(report.failures.first { $0.sequence == 22 })
        #expect(failure.kind == .notCanonical)
        #expect(failure.message.contains("duplicate key"))
    }

    @Test func nonCanonicalJSON() throws {
        let path = Fixtures.bundlePath(set, 23)
        let value = try JSONParser().parse(try Fixtures.read(path))
        let pretty = try JSONSerialization.data(
            withJSONObject: try #require(Self.foundationObject(value)), options: [.prettyPrinted])
        try Fixtures.write([UInt8](pretty), path)
        let report = verify()
        #expect(!report.verified)
        #expect(report.failures.contains { $0.sequence == 23 && $0.kind == .notCanonical })
    }

    @Test func signatureFromTheWrongKey() throws {
        let path = Fixtures.bundlePath(set, 24)
        try Fixtures.write(Fixtures.otherKey.signature(for: try Fixtures.read(path)), Fixtures.signaturePath(set, 24))
        let report = verify()
        #expect(!report.verified)
        let failure = try #require(report.failures.first { $0.sequence == 24 })
        #expect(failure.kind == .badSignature)
    }

    @Test func pinnedKeyThatDidNotSignTheSet() throws {
        let keyFile = directory.appending("other.pem")
        try Fixtures.otherKey.verifyingKey.pem.write(toFile: keyFile, atomically: true, encoding: .utf8)
        let report = verify(.init(pinnedKeyPath: keyFile))
        #expect(!report.verified)
        #expect(report.failures.filter { $0.kind == .badCheckpoint }.count == 2)
        #expect(report.failures.filter { $0.kind == .badSignature }.count == 25)
        #expect(report.warnings.contains { $0.contains("not the pinned key") })
    }

    @Test func bundleAlteredInsideACheckpointedRange() throws {
        // Re-canonicalised with one result changed: still canonical JSON, but not what was signed.
        let path = Fixtures.bundlePath(set, 4)
        var text = String(decoding: try Fixtures.read(path), as: UTF8.self)
        let replaced = text.replacingOccurrences(of: "\"status\":\"fail\"", with: "\"status\":\"pass\"")
        text =
            replaced != text
            ? replaced : text.replacingOccurrences(of: "\"status\":\"pass\"", with: "\"status\":\"warn\"")
        try Fixtures.write(Array(text.utf8), path)
        let report = verify()
        #expect(!report.verified)
        #expect(report.failures.contains { $0.sequence == 4 && $0.kind == .badSignature })
        #expect(report.failures.contains { $0.sequence == 5 && $0.kind == .chainBroken })
        #expect(report.failures.contains { $0.kind == .inconsistentCheckpoint })
        #expect(report.authenticatedByCheckpoint == 0)
    }

    @Test func duplicateSequenceNumbers() throws {
        try FileManager.default.copyItem(
            atPath: Fixtures.bundlePath(set, 12), toPath: "\(set)/bundles/000000000012-copy.json")
        let report = verify()
        #expect(!report.verified)
        let failure = try #require(report.failures.first { $0.kind == .duplicate })
        #expect(failure.sequence == 12)
        #expect(failure.message.contains("000000000012-copy.json"))
    }

    @Test func forkAtOneSequence() throws {
        // A second, validly signed bundle 12 from the same appliance: a fork of its history.
        var log = try EvidenceLog(applianceID: Fixtures.applianceID, key: Fixtures.applianceKey)
        var sealed: SealedBundle?
        for _ in 1...12 { sealed = try log.seal(Self.bundle(applianceID: Fixtures.applianceID)) }
        let fork = try #require(sealed)
        try Fixtures.write(fork.canonicalBytes, "\(set)/bundles/000000000012-b.json")
        try Fixtures.write(fork.signature, "\(set)/bundles/000000000012-b.sig")
        let report = verify()
        #expect(!report.verified)
        #expect(report.failures.contains { $0.kind == .fork && $0.sequence == 12 })
    }

    @Test func bundleFromAnotherApplianceInTheChain() throws {
        let intruder = try Appliance.ID("appliance-intruder")
        var log = try EvidenceLog(applianceID: intruder, key: Fixtures.otherKey)
        var sealed: SealedBundle?
        for _ in 1...23 { sealed = try log.seal(Self.bundle(applianceID: intruder)) }
        let foreign = try #require(sealed)
        try Fixtures.write(foreign.canonicalBytes, Fixtures.bundlePath(set, 23))
        try Fixtures.write(foreign.signature, Fixtures.signaturePath(set, 23))
        let report = verify()
        #expect(!report.verified)
        #expect(report.failures.contains { $0.kind == .foreignAppliance && $0.sequence == 23 })
    }

    @Test func missingBundle() throws {
        try FileManager.default.removeItem(atPath: Fixtures.bundlePath(set, 15))
        try FileManager.default.removeItem(atPath: Fixtures.signaturePath(set, 15))
        let report = verify()
        #expect(!report.verified)
        let failure = try #require(report.failures.first { $0.kind == .missingBundle })
        #expect(failure.message.contains("sequence 15"))
    }

    @Test func truncatedTailAfterTheLastCheckpointIsCaughtByTheManifest() throws {
        try FileManager.default.removeItem(atPath: Fixtures.bundlePath(set, 25))
        let report = verify()
        #expect(report.failures.contains { $0.kind == .missingBundle && $0.message.contains("25") })
    }

    @Test func bundlesCoveredByACheckpointButAbsent() throws {
        for sequence in Int64(18)...25 {
            try FileManager.default.removeItem(atPath: Fixtures.bundlePath(set, sequence))
        }
        try rewriteManifest { $0.lastSequence = 17 }
        let report = verify()
        #expect(!report.verified)
        #expect(report.failures.contains { $0.kind == .missingBundle && $0.message.contains("signed for 20 bundles") })
    }

    @Test func reorderedBundles() throws {
        let first = Fixtures.bundlePath(set, 5)
        let second = Fixtures.bundlePath(set, 6)
        try FileManager.default.moveItem(atPath: first, toPath: directory.appending("swap"))
        try FileManager.default.moveItem(atPath: second, toPath: first)
        try FileManager.default.moveItem(atPath: directory.appending("swap"), toPath: second)
        let report = verify()
        #expect(!report.verified)
        #expect(report.failures.filter { $0.kind == .reordered }.count == 2)
    }

    @Test func checkpointSignedWithTheRightKeyButAWrongRoot() throws {
        let forged = try NoteSigner(
            name: EvidenceSetLayout.origin(applianceID: Fixtures.applianceID.rawValue), key: Fixtures.applianceKey,
            type: .ed25519)
        let text = Checkpoint(origin: forged.name, treeSize: 10, rootHash: MerkleTree.emptyRoot).text
        let note = SignedNote(text: text, signatures: [forged.sign(text: text)])
        try Fixtures.write(Array(note.serialized.utf8), "\(set)/checkpoints/000000000010.note")
        let report = verify()
        #expect(!report.verified)
        #expect(report.failures.contains { $0.kind == .inconsistentCheckpoint })
    }

    @Test func checkpointWithABadSignature() throws {
        let path = "\(set)/checkpoints/000000000020.note"
        let text = String(decoding: try Fixtures.read(path), as: UTF8.self)
        try Fixtures.write(Array(text.replacingOccurrences(of: "\n20\n", with: "\n21\n").utf8), path)
        let report = verify()
        #expect(!report.verified)
        #expect(report.failures.contains { $0.kind == .badCheckpoint && $0.file == "checkpoints/000000000020.note" })
    }

    @Test func tamperedProof() throws {
        let path = "\(set)/proofs/consistency-000000000010-000000000020.json"
        var proof = try JSONDecoder().decode(MerkleProofFile.self, from: Data(try Fixtures.read(path)))
        proof.hashes[0] = MerkleTree.emptyRoot.base64
        try Fixtures.write([UInt8](try JSONEncoder().encode(proof)), path)
        let report = verify()
        #expect(!report.verified)
        #expect(report.failures.contains { $0.file == "proofs/consistency-000000000010-000000000020.json" })
    }

    @Test func twoGigabyteFile() throws {
        // A sparse file: 2 GB long, no disk used. It must be refused before any of it is read.
        let path = Fixtures.bundlePath(set, 9)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 2_000_000_000)
        try handle.close()
        let report = verify()
        #expect(!report.verified)
        let failure = try #require(report.failures.first { $0.sequence == 9 })
        #expect(failure.kind == .tooLarge)
        #expect(failure.message.contains("2.0 GB"))
    }

    @Test func emptyDirectory() throws {
        let empty = directory.appending("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let report = EvidenceSetVerifier().verify(directory: empty)
        #expect(!report.verified)
        #expect(report.failures.first?.kind == .notAnEvidenceSet)
        #expect(report.failures.first?.message.contains("empty") == true)
    }

    @Test func missingDirectory() {
        let report = EvidenceSetVerifier().verify(directory: directory.appending("absent"))
        #expect(!report.verified)
        #expect(report.failures.first?.message.contains("no such directory") == true)
    }

    @Test func unreadableEntryWhereABundleShouldBe() throws {
        // (Permission bits do not stop root; the CLI tests drop privileges for that case.)
        let path = Fixtures.bundlePath(set, 3)
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let report = verify()
        #expect(!report.verified)
        let failure = try #require(report.failures.first { $0.sequence == 3 })
        #expect(failure.kind == .unreadableFile)
        #expect(failure.message.contains("is a directory"))
        #expect(!report.failures.contains { $0.kind == .missingBundle && $0.sequence == 3 })
    }

    @Test func symbolicLinkInsteadOfABundle() throws {
        let path = Fixtures.bundlePath(set, 3)
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/etc/passwd")
        let report = verify()
        #expect(report.failures.contains { $0.sequence == 3 && $0.message.contains("symbolic link") })
    }

    @Test func strayFileInTheSet() throws {
        try Fixtures.write(Array("hello".utf8), "\(set)/bundles/notes.txt")
        let report = verify()
        #expect(!report.verified)
        #expect(report.failures.contains { $0.kind == .unexpectedFile && $0.file == "bundles/notes.txt" })
    }

    @Test func manifestPointingOutsideTheSet() throws {
        try rewriteManifest { $0.publicKey = "../../etc/ssh/ssh_host_ed25519_key.pub" }
        let report = verify()
        #expect(!report.verified)
        #expect(report.failures.first?.message.contains("outside the set") == true)
    }

    @Test func manifestWithDuplicateKeys() throws {
        let path = "\(set)/\(EvidenceSetLayout.manifest)"
        let text = String(decoding: try Fixtures.read(path), as: UTF8.self)
        try Fixtures.write(
            Array(text.replacingOccurrences(of: "{", with: "{\"format\":\"x\",", options: .anchored).utf8), path)
        let report = verify()
        #expect(report.failures.first?.kind == .invalidJSON)
        #expect(report.failures.first?.message.contains("duplicate key") == true)
    }

    @Test func keyRotationsOnlyInAVersionTwoManifest() throws {
        let rotation = KeyRotationRecord(
            oldKey: "a", newKey: "b", fromSequence: 2, endorsement: "c", proof: "d", rotatedAt: "2026-11-30T00:00:00Z")
        try rewriteManifest { $0.keyRotations = [rotation] }
        var report = verify()
        #expect(report.failures.first?.kind == .notAnEvidenceSet)
        #expect(report.failures.first?.message.contains("key_rotations") == true)
        try rewriteManifest {
            $0.format = EvidenceSetManifest.formatV2
            $0.keyRotations = nil
        }
        report = verify()
        #expect(report.failures.first?.kind == .notAnEvidenceSet)
    }

    @Test func aKeyRotationThatDoesNotStartFromTheSetsKeyIsRefused() throws {
        let stranger = SigningKey()
        let next = SigningKey()
        let old = Base64.encode(stranger.verifyingKey.rawRepresentation)
        let new = Base64.encode(next.verifyingKey.rawRepresentation)
        let statement = KeyRotationStatement.message(
            applianceID: Fixtures.applianceID.rawValue, oldKey: old, newKey: new, fromSequence: 3)
        try rewriteManifest {
            $0.format = EvidenceSetManifest.formatV2
            $0.keyRotations = [
                KeyRotationRecord(
                    oldKey: old, newKey: new, fromSequence: 3,
                    endorsement: Base64.encode(stranger.signature(for: statement)),
                    proof: Base64.encode(next.signature(for: statement)), rotatedAt: "2026-11-30T00:00:00Z")
            ]
        }
        let report = verify()
        #expect(!report.verified)
        #expect(report.failures.first?.kind == .badKeyRotation)
        #expect(report.failures.first?.message.contains("does not start from the key before it") == true)
    }

    // MARK: Helpers

    func rewriteManifest(_ change: (inout EvidenceSetManifest) -> Void) throws {
        let path = "\(set)/\(EvidenceSetLayout.manifest)"
        var manifest = try JSONDecoder().decode(EvidenceSetManifest.self, from: Data(try Fixtures.read(path)))
        change(&manifest)
        try Fixtures.write([UInt8](try JSONEncoder().encode(manifest)), path)
    }

    static func bundle(applianceID: Appliance.ID) throws -> EvidenceBundle {
        EvidenceBundle(
            bundleID: .random(prefix: "bundle"), kind: .scan, siteID: try Site.ID("site-x"),
            hostID: try ManagedHost.ID("host-x"), applianceID: applianceID, sequence: 0, previousHash: .zero,
            observedAt: Fixtures.start, startedAt: Fixtures.start, finishedAt: Fixtures.start,
            softwareRevision: "test", deploymentMode: .direct, outcome: .success)
    }

    static func foundationObject(_ value: JSONValue) -> Any? {
        switch value {
        case .null: NSNull()
        case .bool(let flag): flag
        case .number(let number): number
        case .string(let text): text
        case .array(let elements): elements.map { foundationObject($0) ?? NSNull() }
        case .object(let members): members.mapValues { foundationObject($0) ?? NSNull() }
        }
    }
}
