import CentralCommand
import Compliance
import EvidenceCrypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import VigilAPI

/// Central Command over HTTP (in-process router): health, readiness, the OpenAPI document, and
/// the authenticated evidence upload with every way a request can be wrong.
@Suite struct CentralHTTPTests {
    let store = InMemoryStore()
    let events = InMemorySecurityEventSink()
    static let now = Fixtures.start

    func services(ready: Bool = true) -> CentralServices {
        CentralServices.memory(store, events: events, ready: ready)
    }

    func app(ready: Bool = true) -> some ApplicationProtocol {
        Application(router: buildRouter(services: services(ready: ready)))
    }

    /// Headers an enrolled appliance sends, signed with `key` (the appliance's, unless a test forges).
    static func signedHeaders(
        path: String, body: [UInt8], key: SigningKey = Fixtures.applianceKey,
        appliance: String = Fixtures.applianceID.rawValue,
        timestamp: Int64 = now.millisecondsSinceEpoch / 1000,
        nonce: String = UUID().uuidString.replacingOccurrences(of: "-", with: ""),
        method: String = "POST", contentType: String = "application/json"
    ) -> HTTPFields {
        let message = ApplianceRequestSigning.message(
            method: method, path: path, timestamp: timestamp, nonce: nonce, bodySHA256Hex: Hash32.sha256(body).hex)
        var fields = HTTPFields()
        fields[HTTPField.Name(ApplianceRequestSigning.applianceHeader).unsafelyUnwrapped] = appliance
        fields[HTTPField.Name(ApplianceRequestSigning.timestampHeader).unsafelyUnwrapped] = String(timestamp)
        fields[HTTPField.Name(ApplianceRequestSigning.nonceHeader).unsafelyUnwrapped] = nonce
        fields[HTTPField.Name(ApplianceRequestSigning.signatureHeader).unsafelyUnwrapped] = Base64.encode(
            key.signature(for: message))
        fields[.contentType] = contentType
        return fields
    }

    static let evidencePath = "/api/v1/appliance/evidence"

    func uploadBody(_ count: Int = 3) throws -> [UInt8] {
        Array(try JSONEncoder().encode(EvidenceUpload(bundles: try EvidenceIngestorTests.sealed(count))))
    }

    func seed() async throws { try await EvidenceIngestorTests().seed(store) }

    static func message(_ response: TestResponse) -> String {
        (try? JSONDecoder().decode(APIErrorBody.self, from: Data(response.body.readableBytesView)))?.error.message ?? ""
    }

    @Test func healthAndReadiness() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                let report = try JSONDecoder().decode(ReadinessReport.self, from: Data(response.body.readableBytesView))
                #expect(report.ready)
            }
        }
        try await app(ready: false).test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
        }
    }

    @Test func servesAnOpenAPIDocumentListingEveryRoute() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/api/v1/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                let document = try #require(
                    try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
                #expect(document["openapi"] as? String == "3.1.0")
                let paths = try #require(document["paths"] as? [String: [String: Any]])
                for route in CentralRoutes.all {
                    #expect(
                        paths[route.path]?[route.method.lowercased()] != nil,
                        "\(route.method) \(route.path) is not documented")
                }
            }
        }
    }

    @Test func acceptsASignedUploadAndAnswersWithReceipts() async throws {
        try await seed()
        let body = try uploadBody()
        try await app().test(.router) { client in
            try await client.execute(
                uri: Self.evidencePath, method: .post, headers: Self.signedHeaders(path: Self.evidencePath, body: body),
                body: ByteBuffer(bytes: body)
            ) { response in
                #expect(response.status == .ok, "\(Self.message(response))")
                let result = try JSONDecoder().decode(
                    EvidenceUploadResult.self, from: Data(response.body.readableBytesView))
                #expect(result.head == 3)
                #expect(result.receipts.count == 3)
            }
        }
    }

    @Test func refusesUnsignedForgedReplayedAndSkewedRequestsAndStoresNothing() async throws {
        try await seed()
        let body = try uploadBody()
        let replayed = Self.signedHeaders(path: Self.evidencePath, body: body, nonce: "replayed-nonce-000001")
        var unsigned = Self.signedHeaders(path: Self.evidencePath, body: body)
        unsigned[HTTPField.Name(ApplianceRequestSigning.signatureHeader).unsafelyUnwrapped] = nil
        let cases: [(String, HTTPFields, String)] = [
            ("unsigned", unsigned, "missing Vigil-Signature"),
            (
                "forged", Self.signedHeaders(path: Self.evidencePath, body: body, key: Fixtures.otherKey),
                "does not verify"
            ),
            ("signed for another path", Self.signedHeaders(path: "/api/v1/other", body: body), "does not verify"),
            (
                "signed for another body", Self.signedHeaders(path: Self.evidencePath, body: [1, 2, 3]),
                "does not verify"
            ),
            (
                "clock skew",
                Self.signedHeaders(
                    path: Self.evidencePath, body: body, timestamp: Self.now.millisecondsSinceEpoch / 1000 - 301),
                "from the server's clock"
            ),
            (
                "unknown appliance",
                Self.signedHeaders(path: Self.evidencePath, body: body, appliance: "appliance-ghost"), "not enrolled"
            ),
            ("short nonce", Self.signedHeaders(path: Self.evidencePath, body: body, nonce: "short"), "Vigil-Nonce"),
        ]
        try await app().test(.router) { client in
            for (what, headers, expected) in cases {
                try await client.execute(
                    uri: Self.evidencePath, method: .post, headers: headers, body: ByteBuffer(bytes: body)
                ) { response in
                    #expect(response.status == .unauthorized, "\(what)")
                    #expect(Self.message(response).contains(expected), "\(what): \(Self.message(response))")
                }
            }
            try await client.execute(
                uri: Self.evidencePath, method: .post, headers: replayed, body: ByteBuffer(bytes: body)
            ) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(
                uri: Self.evidencePath, method: .post, headers: replayed, body: ByteBuffer(bytes: body)
            ) { response in
                #expect(response.status == .unauthorized)
                #expect(Self.message(response).contains("replayed"))
            }
        }
        #expect(try await store.head(of: Fixtures.applianceID)?.sequence == 3)
    }

    @Test func refusesMalformedBodiesWithA4xxAndAClearMessage() async throws {
        try await seed()
        let cases: [(String, [UInt8], String, HTTPResponse.Status)] = [
            ("not JSON", Array("{bundles:".utf8), "application/json", .badRequest),
            ("duplicate keys", Array(#"{"bundles":[],"bundles":[]}"#.utf8), "application/json", .badRequest),
            ("wrong shape", Array(#"{"bundles":"all"}"#.utf8), "application/json", .badRequest),
            ("wrong content type", Array(#"{"bundles":[]}"#.utf8), "text/plain", .unsupportedMediaType),
            (
                "SQL in a field",
                Array(#"{"bundles":[{"canonical_bytes":"'; DROP TABLE evidence_bundles;--","signature":"x"}]}"#.utf8),
                "application/json", .ok
            ),
        ]
        try await app().test(.router) { client in
            for (what, body, contentType, status) in cases {
                let headers = Self.signedHeaders(path: Self.evidencePath, body: body, contentType: contentType)
                try await client.execute(
                    uri: Self.evidencePath, method: .post, headers: headers, body: ByteBuffer(bytes: body)
                ) { response in
                    #expect(response.status == status, "\(what): \(Self.message(response))")
                    if status != .ok { #expect(!Self.message(response).isEmpty, "\(what)") }
                }
            }
        }
        #expect(try await store.head(of: Fixtures.applianceID) == nil)
    }

    @Test func refusesOversizedBodies() async throws {
        try await seed()
        let body = [UInt8](repeating: UInt8(ascii: " "), count: 17 << 20)
        try await app().test(.router) { client in
            let headers = Self.signedHeaders(path: Self.evidencePath, body: body)
            try await client.execute(
                uri: Self.evidencePath, method: .post, headers: headers, body: ByteBuffer(bytes: body)
            ) { response in
                #expect(response.status == .contentTooLarge)
            }
        }
    }
}
