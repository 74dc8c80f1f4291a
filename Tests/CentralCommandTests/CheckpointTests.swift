import CentralCommand
import Compliance
import EvidenceCrypto
import EvidenceSet
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import VigilAPI

/// Central Command as witness of appliance logs: it cosigns a checkpoint only when the appliance
/// signed it, its root matches the stored chain and it extends the last cosigned one.
@Suite struct CheckpointTests {
    let store = InMemoryStore()
    let events = InMemorySecurityEventSink()
    static let path = "/api/v1/appliance/checkpoints"

    /// Ten bundles ingested; the log that sealed them (for checkpoints of any size).
    func ingest(_ count: Int = 10) async throws -> EvidenceLog {
        try await EvidenceIngestorTests().seed(store)
        var log = try EvidenceLog(applianceID: Fixtures.applianceID, key: Fixtures.applianceKey)
        var uploads: [UploadedBundle] = []
        for index in 0..<count {
            let observed = Fixtures.start.adding(milliseconds: Int64(index) * 60_000)
            let sealed = try log.seal(
                EvidenceBundle(
                    bundleID: try Identifier<EvidenceBundle>("bundle-\(index + 1)"), kind: .scan,
                    siteID: try Site.ID("site-main"), hostID: try ManagedHost.ID("host-1"),
                    applianceID: Fixtures.applianceID, sequence: 0, previousHash: .zero, observedAt: observed,
                    startedAt: observed, finishedAt: observed, softwareRevision: "test", deploymentMode: .direct,
                    outcome: .success))
            uploads.append(
                UploadedBundle(
                    canonicalBytes: Base64.encode(sealed.canonicalBytes), signature: Base64.encode(sealed.signature)))
        }
        _ = try await EvidenceIngestorTests().ingestor(tenancy: store, evidence: store)
            .ingest(EvidenceUpload(bundles: uploads), from: Fixtures.applianceID)
        return log
    }

    /// The appliance's signed checkpoint over its first `size` bundles.
    static func note(_ log: EvidenceLog, size: Int, root: Hash32? = nil, key: SigningKey = Fixtures.applianceKey)
        throws -> String
    {
        let leaves = Array(log.leafHashes.prefix(size))
        let checkpoint = Checkpoint(
            origin: log.origin, treeSize: size, rootHash: root ?? MerkleTree.root(leafHashes: leaves))
        let signer = try NoteSigner(name: log.origin, key: key, type: .ed25519)
        return SignedNote(text: checkpoint.text, signatures: [signer.sign(text: checkpoint.text)]).serialized
    }

    func submit(_ client: some TestClientProtocol, _ note: String) async throws -> TestResponse {
        let body = Array(try JSONEncoder().encode(CheckpointSubmission(note: note)))
        return try await client.execute(
            uri: Self.path, method: .post, headers: CentralHTTPTests.signedHeaders(path: Self.path, body: body),
            body: ByteBuffer(bytes: body))
    }

    @Test func cosignsCheckpointsThatMatchAndExtendTheStoredChain() async throws {
        let log = try await ingest()
        let app = Application(router: buildRouter(services: CentralServices.memory(store, events: events)))
        try await app.test(.router) { client in
            for size in [5, 10] {
                let response = try await submit(client, try Self.note(log, size: size))
                #expect(response.status == .ok, "\(CentralHTTPTests.message(response))")
                let cosigned = try JSONDecoder().decode(
                    CosignedCheckpoint.self, from: Data(response.body.readableBytesView))
                #expect(cosigned.treeSize == Int64(size))
                let note = try SignedNote(parsing: cosigned.note)
                let witness = try NoteVerifier(
                    name: cosigned.witnessName, key: try VerifyingKey(text: cosigned.witnessKey), type: .cosignatureV1)
                #expect(
                    witness.verify(note)
                        == .valid(timestamp: UInt64(CentralHTTPTests.now.millisecondsSinceEpoch / 1000)))
                #expect(log.signer.verifier.verify(note) == .valid(timestamp: nil))
                #expect(
                    cosigned.witnessKey == Base64.encode(EvidenceIngestorTests.serverKey.verifyingKey.rawRepresentation)
                )
            }
            // The same checkpoint again: the same cosigned note, nothing new stored.
            let again = try await submit(client, try Self.note(log, size: 10))
            #expect(again.status == .ok)
            #expect(try await store.latestCheckpoint(of: Fixtures.applianceID)?.treeSize == 10)
        }
        #expect(await events.events.isEmpty)
    }

    @Test func refusesForgedRolledBackAheadAndMalformedCheckpoints() async throws {
        let log = try await ingest()
        let app = Application(router: buildRouter(services: CentralServices.memory(store, events: events)))
        try await app.test(.router) { client in
            #expect(try await submit(client, try Self.note(log, size: 8)).status == .ok)
            let cases: [(String, HTTPResponse.Status, String?)] = [
                (try Self.note(log, size: 4), .unprocessableContent, "checkpoint_rollback"),
                (
                    try Self.note(log, size: 9, root: Hash32.sha256([1, 2, 3])), .unprocessableContent,
                    "checkpoint_mismatch"
                ),
                (
                    try Self.note(log, size: 9, key: Fixtures.otherKey), .unprocessableContent,
                    "bad_checkpoint_signature"
                ),
                (try Self.note(log, size: 11), .conflict, nil),
                ("not a note", .badRequest, nil),
                (
                    "vigil.appliance/appliance-test-01\n5\nAAAA\n\n— vigil.appliance/appliance-test-01 AAAA\n",
                    .badRequest, nil
                ),
            ]
            for (note, status, event) in cases {
                let response = try await submit(client, note)
                #expect(response.status == status, "\(note.prefix(40)): \(CentralHTTPTests.message(response))")
                #expect(!CentralHTTPTests.message(response).isEmpty)
                if let event {
                    #expect(await events.events.contains { $0.kind == event }, "\(event)")
                }
            }
            // Another appliance's origin is refused even when signed with this appliance's key.
            let foreign = try EvidenceLog(applianceID: try Appliance.ID("appliance-other"), key: Fixtures.applianceKey)
            let checkpoint = Checkpoint(origin: foreign.origin, treeSize: 1, rootHash: log.leafHashes[0])
            let signer = try NoteSigner(name: foreign.origin, key: Fixtures.applianceKey, type: .ed25519)
            let note = SignedNote(text: checkpoint.text, signatures: [signer.sign(text: checkpoint.text)]).serialized
            #expect(try await submit(client, note).status == .badRequest)
        }
        #expect(try await store.latestCheckpoint(of: Fixtures.applianceID)?.treeSize == 8)
    }
}
