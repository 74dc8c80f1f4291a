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

/// Enrolment over HTTP, and an enrolled appliance's first signed upload.
@Suite struct EnrolmentHTTPTests {
    let store = InMemoryStore()
    let identity = ServerIdentity(name: "vigil.central/test", key: EvidenceIngestorTests.serverKey)

    func services() -> CentralServices {
        CentralServices.memory(store, identity: identity)
    }

    func claimCode(validFor seconds: Int64 = 3600) async throws -> String {
        try await EvidenceIngestorTests().seed(store)
        return try await EnrolmentService(store: store, identity: identity, clock: { CentralHTTPTests.now })
            .createClaimCode(site: try Site.ID("site-main"), validFor: seconds).code
    }

    static func request(
        code: String, key: SigningKey, timestamp: Int64 = CentralHTTPTests.now.millisecondsSinceEpoch / 1000
    )
        throws -> [UInt8]
    {
        let publicKey = Base64.encode(key.verifyingKey.rawRepresentation)
        let proof = key.signature(
            for: EnrolmentRequest.proofMessage(claimCode: code, publicKey: publicKey, timestamp: timestamp))
        return Array(
            try JSONEncoder().encode(
                EnrolmentRequest(
                    claimCode: code, publicKey: publicKey, softwareRevision: "vigil 0.1.0", timestamp: timestamp,
                    proof: Base64.encode(proof))))
    }

    static let json: HTTPFields = [.contentType: "application/json"]

    @Test func claimCodesAreReadableAndNormalised() throws {
        let code = ClaimCode.generate()
        #expect(code.count == 24)
        #expect(
            ClaimCode.normalize(code.lowercased().replacingOccurrences(of: "-", with: " "))
                == code.replacingOccurrences(of: "-", with: ""))
        #expect(ClaimCode.normalize("OOOO-IIII-LLLL-0000-1111") == "00001111111100001111")
        #expect(ClaimCode.normalize("UUUU-0000-0000-0000-0000") == nil)
        #expect(ClaimCode.normalize("0000") == nil)
        #expect(ClaimCode.generate() != code)
    }

    @Test func anApplianceEnrolsOnceAndThenUploadsSignedEvidence() async throws {
        let code = try await claimCode()
        let key = SigningKey()
        try await Application(router: buildRouter(services: services())).test(.router) { client in
            let body = try Self.request(code: code, key: key)
            let enrolled = try await client.execute(
                uri: "/api/v1/appliance/enrol", method: .post, headers: Self.json, body: ByteBuffer(bytes: body)
            ) { response in
                #expect(response.status == .created, "\(CentralHTTPTests.message(response))")
                return try JSONDecoder().decode(EnrolmentResponse.self, from: Data(response.body.readableBytesView))
            }
            #expect(enrolled.siteID == "site-main")
            #expect(
                enrolled.serverPublicKey
                    == Base64.encode(EvidenceIngestorTests.serverKey.verifyingKey.rawRepresentation))
            try await client.execute(
                uri: "/api/v1/appliance/enrol", method: .post, headers: Self.json,
                body: ByteBuffer(bytes: try Self.request(code: code, key: SigningKey()))
            ) { response in
                #expect(response.status == .conflict)
            }
            // The new appliance signs its first upload with the key it enrolled.
            let applianceID = try Appliance.ID(enrolled.applianceID)
            let upload = Array(
                try JSONEncoder().encode(
                    EvidenceUpload(bundles: try EvidenceIngestorTests.sealed(2, applianceID: applianceID, key: key))))
            let path = CentralHTTPTests.evidencePath
            let headers = CentralHTTPTests.signedHeaders(
                path: path, body: upload, key: key, appliance: enrolled.applianceID)
            try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: upload)) {
                response in
                #expect(response.status == .ok, "\(CentralHTTPTests.message(response))")
                let result = try JSONDecoder().decode(
                    EvidenceUploadResult.self, from: Data(response.body.readableBytesView))
                #expect(result.head == 2)
            }
        }
    }

    @Test func refusesBadProofsUnknownExpiredAndMalformedRequests() async throws {
        let code = try await claimCode(validFor: 1)
        let key = SigningKey()
        let publicKey = Base64.encode(key.verifyingKey.rawRepresentation)
        let now = CentralHTTPTests.now.millisecondsSinceEpoch / 1000
        func body(_ request: EnrolmentRequest) throws -> [UInt8] { Array(try JSONEncoder().encode(request)) }
        let wrongProof = try body(
            EnrolmentRequest(
                claimCode: code, publicKey: publicKey, softwareRevision: "x", timestamp: now,
                proof: Base64.encode(Fixtures.otherKey.signature(for: [1]))))
        let cases: [(String, [UInt8], HTTPResponse.Status)] = [
            ("proof by another key", wrongProof, .unauthorized),
            ("stale timestamp", try Self.request(code: code, key: key, timestamp: now - 3600), .unauthorized),
            ("unknown code", try Self.request(code: "0000-0000-0000-0000-0000", key: key), .forbidden),
            ("malformed code", try Self.request(code: "not a code", key: key), .badRequest),
            (
                "short key",
                try body(
                    EnrolmentRequest(
                        claimCode: code, publicKey: "AAAA", softwareRevision: "x", timestamp: now, proof: "AAAA")),
                .badRequest
            ),
            ("not JSON", Array("claim_code=1".utf8), .badRequest),
        ]
        try await Application(router: buildRouter(services: services())).test(.router) { client in
            for (what, requestBody, status) in cases {
                try await client.execute(
                    uri: "/api/v1/appliance/enrol", method: .post, headers: Self.json,
                    body: ByteBuffer(bytes: requestBody)
                ) { response in
                    #expect(response.status == status, "\(what): \(CentralHTTPTests.message(response))")
                    #expect(!CentralHTTPTests.message(response).isEmpty, "\(what)")
                }
            }
        }
        #expect(try await store.appliances(at: try Site.ID("site-main")).map(\.id) == [Fixtures.applianceID])
        // The code expires one second after creation; the server's clock is fixed, so move it on.
        let later = CentralServices.memory(
            store, identity: identity, clock: { CentralHTTPTests.now.adding(milliseconds: 5000) })
        try await Application(router: buildRouter(services: later)).test(.router) { client in
            try await client.execute(
                uri: "/api/v1/appliance/enrol", method: .post, headers: Self.json,
                body: ByteBuffer(bytes: try Self.request(code: code, key: key, timestamp: now + 5))
            ) { response in
                #expect(response.status == .forbidden)
                #expect(CentralHTTPTests.message(response).contains("expired"))
            }
        }
    }
}
