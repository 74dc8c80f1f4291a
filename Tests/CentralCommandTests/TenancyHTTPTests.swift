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

/// The operator and partner API: API-key authentication and tenancy, endpoint by endpoint.
@Suite struct TenancyHTTPTests {
    let store = InMemoryStore()

    func services() -> CentralServices {
        CentralServices.memory(store)
    }

    func platformToken() async throws -> String {
        let (token, key) = APIKeyTokens.generate(partner: nil, name: "platform", at: CentralHTTPTests.now)
        try await store.create(key)
        return token
    }

    static func auth(_ token: String) -> HTTPFields {
        [.authorization: "Bearer \(token)", .contentType: "application/json"]
    }

    static func json(_ value: some Encodable) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONEncoder().encode(value))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(response.body.readableBytesView))
    }

    /// A partner with a client and a site, created through the API; returns ids and a partner key.
    func tenant(_ client: any TestClientProtocol, platform: String, name: String) async throws
        -> (partner: String, client: String, site: String, token: String)
    {
        let partner = try await client.execute(
            uri: "/api/v1/partners", method: .post, headers: Self.auth(platform),
            body: try Self.json(CreatePartner(name: name))
        ) { try Self.decode(Partner.self, $0) }
        let practice = try await client.execute(
            uri: "/api/v1/partners/\(partner.id)/clients", method: .post, headers: Self.auth(platform),
            body: try Self.json(CreateClient(name: "\(name) Dental"))
        ) { try Self.decode(Client.self, $0) }
        let site = try await client.execute(
            uri: "/api/v1/clients/\(practice.id)/sites", method: .post, headers: Self.auth(platform),
            body: try Self.json(CreateSite(name: "Main", timeZone: "America/Chicago"))
        ) { try Self.decode(Site.self, $0) }
        let key = try await client.execute(
            uri: "/api/v1/partners/\(partner.id)/api-keys", method: .post, headers: Self.auth(platform),
            body: try Self.json(CreateAPIKey(name: "psa"))
        ) { response in
            #expect(response.status == .created)
            return try Self.decode(APIKeyCreated.self, response)
        }
        return (partner.id.rawValue, practice.id.rawValue, site.id.rawValue, key.token)
    }

    @Test func platformOperatorBuildsTheTreeAndIssuesAClaimCode() async throws {
        let platform = try await platformToken()
        try await Application(router: buildRouter(services: services())).test(.router) { client in
            let a = try await tenant(client, platform: platform, name: "Alpha MSP")
            try await client.execute(uri: "/api/v1/partners", method: .get, headers: Self.auth(platform)) { response in
                let partners = try Self.decode([Partner].self, response)
                #expect(partners.map(\.name) == ["Alpha MSP"])
            }
            try await client.execute(
                uri: "/api/v1/sites/\(a.site)/claim-codes", method: .post, headers: Self.auth(a.token),
                body: try Self.json(CreateClaimCode(validForSeconds: 3600))
            ) { response in
                #expect(response.status == .created)
                let created = try Self.decode(ClaimCodeCreated.self, response)
                #expect(ClaimCode.normalize(created.code) != nil)
                #expect(created.expiresAt == CentralHTTPTests.now.adding(milliseconds: 3_600_000).description)
            }
            try await client.execute(
                uri: "/api/v1/sites/\(a.site)/evidence?from=2026-01-01T00:00:00Z", method: .get,
                headers: Self.auth(a.token)
            ) {
                response in
                #expect(response.status == .ok)
                let listed = try Self.decode([EvidenceSummary].self, response)
                #expect(listed.isEmpty)
            }
        }
    }

    @Test func aPartnerKeySeesOnlyItsOwnTenantOnEveryEndpoint() async throws {
        let platform = try await platformToken()
        try await Application(router: buildRouter(services: services())).test(.router) { client in
            let a = try await tenant(client, platform: platform, name: "Alpha MSP")
            let b = try await tenant(client, platform: platform, name: "Bravo MSP")
            try await client.execute(uri: "/api/v1/partners", method: .get, headers: Self.auth(a.token)) { response in
                let partners = try Self.decode([Partner].self, response)
                #expect(partners.map(\.id.rawValue) == [a.partner])
            }
            let foreign: [(HTTPRequest.Method, String, ByteBuffer?)] = [
                (.get, "/api/v1/partners/\(b.partner)/clients", nil),
                (.post, "/api/v1/partners/\(b.partner)/clients", try Self.json(CreateClient(name: "x"))),
                (.post, "/api/v1/partners/\(b.partner)/api-keys", try Self.json(CreateAPIKey(name: "x"))),
                (.get, "/api/v1/clients/\(b.client)/sites", nil),
                (.post, "/api/v1/clients/\(b.client)/sites", try Self.json(CreateSite(name: "x", timeZone: "UTC"))),
                (.post, "/api/v1/sites/\(b.site)/claim-codes", try Self.json(CreateClaimCode())),
                (.get, "/api/v1/sites/\(b.site)/appliances", nil),
                (.get, "/api/v1/sites/\(b.site)/evidence", nil),
            ]
            for (method, uri, body) in foreign {
                try await client.execute(uri: uri, method: method, headers: Self.auth(a.token), body: body) {
                    response in
                    #expect(
                        response.status == .notFound, "\(method) \(uri) answered \(response.status) to another tenant")
                }
                // The owner gets through, so the 404 above is tenancy, not a broken route.
                try await client.execute(uri: uri, method: method, headers: Self.auth(b.token), body: body) {
                    response in
                    #expect(
                        response.status == .ok || response.status == .created,
                        "\(method) \(uri) for its owner: \(response.status)")
                }
            }
            try await client.execute(
                uri: "/api/v1/partners", method: .post, headers: Self.auth(a.token),
                body: try Self.json(CreatePartner(name: "x"))
            ) { response in
                #expect(response.status == .forbidden)
            }
        }
    }

    @Test func refusesMissingMalformedUnknownAndRevokedKeys() async throws {
        let platform = try await platformToken()
        let (revokedToken, revoked) = APIKeyTokens.generate(partner: nil, name: "old", at: CentralHTTPTests.now)
        try await store.create(revoked)
        try await store.revoke(revoked.id, at: CentralHTTPTests.now)
        let wrongSecret = String(platform.dropLast(4)) + "0000"
        try await Application(router: buildRouter(services: services())).test(.router) { client in
            for headers: HTTPFields in [
                [:], [.authorization: "Basic abc"], Self.auth("vigil_nonsense"), Self.auth(wrongSecret),
                Self.auth(revokedToken),
                Self.auth("vigil_key-0000000000000000_" + String(repeating: "0", count: 64)),
            ] {
                try await client.execute(uri: "/api/v1/partners", method: .get, headers: headers) { response in
                    #expect(response.status == .unauthorized, "\(headers)")
                }
            }
        }
    }

    @Test func refusesBadInputWithA400() async throws {
        let platform = try await platformToken()
        try await Application(router: buildRouter(services: services())).test(.router) { client in
            let a = try await tenant(client, platform: platform, name: "Alpha MSP")
            let cases: [(String, String, ByteBuffer?, HTTPRequest.Method)] = [
                (
                    "bad time zone", "/api/v1/clients/\(a.client)/sites",
                    try Self.json(CreateSite(name: "x", timeZone: "Mars/Olympus")), .post
                ),
                ("control characters", "/api/v1/partners", try Self.json(CreatePartner(name: "a\u{0}b")), .post),
                (
                    "claim code too long", "/api/v1/sites/\(a.site)/claim-codes",
                    try Self.json(CreateClaimCode(validForSeconds: 90 * 86_400)), .post
                ),
                ("bad time", "/api/v1/sites/\(a.site)/evidence?from=yesterday", nil, .get),
                ("bad limit", "/api/v1/sites/\(a.site)/evidence?limit=0", nil, .get),
                ("not JSON", "/api/v1/partners", ByteBuffer(string: "name=x"), .post),
            ]
            for (what, uri, body, method) in cases {
                try await client.execute(uri: uri, method: method, headers: Self.auth(platform), body: body) {
                    response in
                    #expect(
                        response.status == .badRequest,
                        "\(what): \(response.status) \(CentralHTTPTests.message(response))")
                    #expect(!CentralHTTPTests.message(response).isEmpty, "\(what)")
                }
            }
        }
    }
}

@Suite struct APIKeyTokenTests {
    @Test func tokensRoundTripAndOnlyTheRightSecretMatches() throws {
        let (token, key) = APIKeyTokens.generate(partner: nil, name: "k", at: CentralHTTPTests.now)
        let parsed = try #require(APIKeyTokens.parse(token))
        #expect(parsed.id == key.id)
        #expect(APIKeyTokens.matches(parsed.secret, key))
        #expect(!APIKeyTokens.matches(String(repeating: "0", count: 64), key))
        #expect(APIKeyTokens.generate(partner: nil, name: "k", at: CentralHTTPTests.now).token != token)
    }

    @Test(arguments: [
        "", "vigil_", "vigil__", "vigil_x_", "vigil_key-1_short", "bearer",
        "vigil_../../etc_" + String(repeating: "0", count: 64),
        "vigil_" + String(repeating: "_", count: 600), "vigil_key 1_" + String(repeating: "0", count: 64),
    ])
    func refusesMalformedTokensWithoutCrashing(token: String) {
        #expect(APIKeyTokens.parse(token) == nil)
    }
}
