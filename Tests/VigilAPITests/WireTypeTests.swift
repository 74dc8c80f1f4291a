import Foundation
import Testing
import VigilAPI

@Suite struct WireTypeTests {
    @Test func manifestUsesTheDocumentedFieldNames() throws {
        let manifest = EvidenceSetManifest(
            applianceID: "appliance-1", origin: "vigil.appliance/appliance-1", publicKey: "appliance.pub.pem",
            firstSequence: 1, lastSequence: 10, createdAt: "2026-11-22T03:00:00.000Z",
            witnesses: [.init(name: "vigil.central/witness", publicKey: "witnesses/w.pub.pem")])
        let object = try #require(
            try JSONSerialization.jsonObject(with: try JSONEncoder().encode(manifest)) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "format", "appliance_id", "origin", "public_key", "first_sequence", "last_sequence", "created_at",
                "witnesses",
            ])
        #expect(object["format"] as? String == "vigil.evidence-set/v1")
        #expect(
            try JSONDecoder().decode(EvidenceSetManifest.self, from: try JSONEncoder().encode(manifest)) == manifest)
    }

    @Test func reportRoundTripsAndNamesFailureKindsInSnakeCase() throws {
        var report = VerificationReport(path: "/x")
        report.failures = [.init(kind: .chainBroken, file: "bundles/000000000002.json", sequence: 2, message: "m")]
        let data = try JSONEncoder().encode(report)
        #expect(String(decoding: data, as: UTF8.self).contains("\"chain_broken\""))
        #expect(try JSONDecoder().decode(VerificationReport.self, from: data) == report)
    }

    @Test func proofFilesRefuseUnknownKinds() {
        let bad = #"{"kind":"exclusion","tree_size":4,"hashes":[]}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(MerkleProofFile.self, from: Data(bad.utf8)) }
    }
}
