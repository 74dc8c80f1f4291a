import CentralClient
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

/// Check-ins, signed orders, target credentials and site settings over HTTP.
@Suite struct FleetHTTPTests {
    let store = InMemoryStore()
    let clock = TestClock()
    static let otherAppliance = (try? Appliance.ID("appliance-other")).unsafelyUnwrapped

    func app() -> some ApplicationProtocol {
        let clock = self.clock
        return Application(router: buildRouter(services: CentralServices.memory(store, clock: { clock.now })))
    }

    /// The test tenant (site-main with the test appliance, site-other with a second one) and a
    /// platform token.
    func seed() async throws -> String {
        try await EvidenceIngestorTests().seed(store)
        try await store.create(
            Appliance(
                id: Self.otherAppliance, siteID: try Site.ID("site-other"),
                publicKey: Base64.encode(Fixtures.otherKey.verifyingKey.rawRepresentation), softwareRevision: "0.1.0",
                deploymentMode: .direct))
        let (token, key) = APIKeyTokens.generate(partner: nil, name: "platform", at: CentralHTTPTests.now)
        try await store.create(key)
        return token
    }

    func operatorCall<T: Decodable>(
        _ client: some TestClientProtocol, _ token: String, _ method: HTTPRequest.Method, _ uri: String,
        _ body: (some Encodable)? = String?.none, expect status: HTTPResponse.Status = .ok,
        as type: T.Type = String.self
    ) async throws -> T? {
        try await client.execute(
            uri: uri, method: method, headers: TenancyHTTPTests.auth(token),
            body: try body.map { try TenancyHTTPTests.json($0) }
        ) { response in
            #expect(response.status == status, "\(method) \(uri): \(CentralHTTPTests.message(response))")
            guard response.status == status, T.self != String.self else { return nil }
            return try JSONDecoder().decode(T.self, from: Data(response.body.readableBytesView))
        }
    }

    func applianceCall(
        _ client: some TestClientProtocol, _ path: String, _ body: some Encodable,
        key: SigningKey = Fixtures.applianceKey,
        appliance: Appliance.ID = Fixtures.applianceID
    ) async throws -> TestResponse {
        let bytes = Array(try JSONEncoder().encode(body))
        return try await client.execute(
            uri: path, method: .post,
            headers: CentralHTTPTests.signedHeaders(
                path: path, body: bytes, key: key, appliance: appliance.rawValue,
                timestamp: clock.now.millisecondsSinceEpoch / 1000),
            body: ByteBuffer(bytes: bytes))
    }

    static let health = CheckInRequest(
        softwareVersion: "0.2.0", uptimeSeconds: 3600, queueDepth: 4, clockOffsetMilliseconds: -12)

    func checkIn(_ client: some TestClientProtocol) async throws -> CheckInResponse {
        let response = try await applianceCall(client, "/api/v1/appliance/check-in", Self.health)
        #expect(response.status == .ok, "\(CentralHTTPTests.message(response))")
        return try JSONDecoder().decode(CheckInResponse.self, from: Data(response.body.readableBytesView))
    }

    @Test func checkInHandsOutSignedOrdersAndOnlyThisSitesCredentialsUntilTheApplianceAnswers() async throws {
        let token = try await seed()
        try await app().test(.router) { client in
            let host = try #require(
                try await operatorCall(
                    client, token, .post, "/api/v1/sites/site-main/hosts",
                    CreateHost(name: "ehr'; DROP TABLE hosts;--", platform: "linux", address: "10.0.0.5"),
                    expect: .created, as: ManagedHost.self))
            let otherHost = try #require(
                try await operatorCall(
                    client, token, .post, "/api/v1/sites/site-other/hosts",
                    CreateHost(name: "front-desk", platform: "windows", address: nil), expect: .created,
                    as: ManagedHost.self))
            for (target, secret) in [(host.id, "correct horse battery"), (otherHost.id, "other site secret")] {
                let info = try await operatorCall(
                    client, token, .put, "/api/v1/hosts/\(target)/credential",
                    TargetCredential(kind: "password", username: "vigil", secret: secret), as: CredentialInfo.self)
                #expect(info?.username == "vigil")
            }
            let stored = try #require(try await store.credential(of: host.id))
            #expect(!stored.sealedSecret.contains("correct horse"))
            let order = try #require(
                try await operatorCall(
                    client, token, .post, "/api/v1/sites/site-main/orders",
                    CreateOrder(
                        applianceID: Fixtures.applianceID.rawValue, type: "run_checks",
                        parameters: ["check": "linux.ssh.permit_root_login"]),
                    expect: .created, as: OrderInfo.self))
            #expect(order.status == "pending")
            #expect(order.createdBy.hasPrefix("key:"))

            let answer = try await checkIn(client)
            #expect(answer.orders.count == 1)
            let payload = try #require(
                ServerSignatures.verify(answer.orders[0], with: EvidenceIngestorTests.serverKey.verifyingKey))
            #expect(payload.orderID == order.id)
            #expect(payload.applianceID == Fixtures.applianceID.rawValue)
            #expect(payload.parameters == ["check": "linux.ssh.permit_root_login"])
            #expect(payload.nonce.count == 32)
            let issued = try Timestamp(parsing: payload.issuedAt)
            #expect(try Timestamp(parsing: payload.expiresAt) == issued.adding(milliseconds: 900_000))
            #expect(answer.targets.map(\.hostID) == [host.id.rawValue])
            #expect(answer.targets.first?.name == "ehr'; DROP TABLE hosts;--")
            #expect(answer.targets.first?.credential?.secret == "correct horse battery")
            #expect(answer.ruleSetVersion == SiteSettings.defaults.ruleSetVersion)
            #expect(answer.nextCheckInSeconds == 60)
            #expect(try await store.health(of: Fixtures.applianceID)?.queueDepth == 4)
            let appliances = try #require(
                try await operatorCall(
                    client, token, .get, "/api/v1/sites/site-main/appliances", as: [ApplianceInfo].self))
            #expect(appliances.map(\.status) == ["online"])
            #expect(appliances.first?.softwareVersion == "0.2.0")
            #expect(appliances.first?.lastCheckInAt == CentralHTTPTests.now.description)

            // The other site's appliance sees neither the order nor this site's credential, and
            // cannot answer for the order.
            let other = try await applianceCall(
                client, "/api/v1/appliance/check-in", Self.health, key: Fixtures.otherKey,
                appliance: Self.otherAppliance)
            let otherAnswer = try JSONDecoder().decode(CheckInResponse.self, from: Data(other.body.readableBytesView))
            #expect(otherAnswer.orders.isEmpty)
            #expect(otherAnswer.targets.map(\.credential?.secret) == ["other site secret"])
            let foreign = try await applianceCall(
                client, "/api/v1/appliance/orders/\(order.id)/status", OrderReport(status: "completed"),
                key: Fixtures.otherKey, appliance: Self.otherAppliance)
            #expect(foreign.status == .notFound)

            let statusPath = "/api/v1/appliance/orders/\(order.id)/status"
            #expect(try await applianceCall(client, statusPath, OrderReport(status: "acknowledged")).status == .ok)
            #expect(try await applianceCall(client, statusPath, OrderReport(status: "acknowledged")).status == .ok)
            #expect(try await checkIn(client).orders.count == 1)
            let done = try await applianceCall(
                client, statusPath, OrderReport(status: "completed", detail: "3 checks\npassed"))
            #expect(done.status == .ok)
            #expect(try await applianceCall(client, statusPath, OrderReport(status: "failed")).status == .conflict)
            #expect(try await applianceCall(client, statusPath, OrderReport(status: "pending")).status == .badRequest)
            #expect(try await checkIn(client).orders.isEmpty)
            let listed = try #require(
                try await operatorCall(client, token, .get, "/api/v1/sites/site-main/orders", as: [OrderInfo].self))
            #expect(listed.map(\.status) == ["completed"])
            #expect(listed.first?.resultDetail == "3 checks\npassed")

            // A removed credential is no longer handed out.
            _ = try await operatorCall(
                client, token, .delete, "/api/v1/hosts/\(host.id)/credential", expect: .noContent, as: String.self)
            #expect(try await checkIn(client).targets.first?.credential == nil)
        }
    }

    @Test func expiredOrdersAreWithheldAndShownAsExpired() async throws {
        let token = try await seed()
        try await app().test(.router) { client in
            _ = try await operatorCall(
                client, token, .post, "/api/v1/sites/site-main/orders",
                CreateOrder(applianceID: Fixtures.applianceID.rawValue, type: "sync_rules", ttlSeconds: 60),
                expect: .created, as: OrderInfo.self)
            clock.advance(seconds: 61)
            #expect(try await checkIn(client).orders.isEmpty)
            let listed = try await operatorCall(
                client, token, .get, "/api/v1/sites/site-main/orders", as: [OrderInfo].self)
            #expect(listed?.map(\.status) == ["expired"])
        }
    }

    @Test func settingsReachTheApplianceAndBadSettingsAreRefused() async throws {
        let token = try await seed()
        try await app().test(.router) { client in
            let window = MaintenanceWindow(
                days: ["sat", "sun"], start: "22:00", end: "04:00", timeZone: "America/Chicago")
            let body = SiteSettingsBody(
                ruleSetVersion: "2026.11.1", enabledRunbooks: ["linux.restart_chronyd"], maintenanceWindow: window)
            _ = try await operatorCall(
                client, token, .put, "/api/v1/sites/site-main/settings", body, as: SiteSettingsBody.self)
            let answer = try await checkIn(client)
            #expect(answer.ruleSetVersion == "2026.11.1")
            #expect(answer.enabledRunbooks == ["linux.restart_chronyd"])
            #expect(answer.maintenanceWindow == window)
            let broken: [SiteSettingsBody] = [
                SiteSettingsBody(ruleSetVersion: "", enabledRunbooks: [], maintenanceWindow: nil),
                SiteSettingsBody(ruleSetVersion: "1", enabledRunbooks: ["rm -rf /"], maintenanceWindow: nil),
                SiteSettingsBody(
                    ruleSetVersion: "1", enabledRunbooks: [],
                    maintenanceWindow: MaintenanceWindow(
                        days: ["funday"], start: "01:00", end: "02:00", timeZone: "UTC")),
                SiteSettingsBody(
                    ruleSetVersion: "1", enabledRunbooks: [],
                    maintenanceWindow: MaintenanceWindow(days: ["mon"], start: "25:00", end: "02:00", timeZone: "UTC")),
                SiteSettingsBody(
                    ruleSetVersion: "1", enabledRunbooks: [],
                    maintenanceWindow: MaintenanceWindow(days: ["mon"], start: "01:00", end: "01:00", timeZone: "UTC")),
                SiteSettingsBody(
                    ruleSetVersion: "1", enabledRunbooks: [],
                    maintenanceWindow: MaintenanceWindow(
                        days: ["mon"], start: "01:00", end: "02:00", timeZone: "Mars/Olympus")),
            ]
            for settings in broken {
                _ = try await operatorCall(
                    client, token, .put, "/api/v1/sites/site-main/settings", settings, expect: .badRequest,
                    as: String.self)
            }
            #expect(try await store.settings(of: try Site.ID("site-main")).ruleSetVersion == "2026.11.1")
        }
    }

    @Test func badOrdersCredentialsAndCheckInsGetA4xxAndStoreNothing() async throws {
        let token = try await seed()
        try await app().test(.router) { client in
            let appliance = Fixtures.applianceID.rawValue
            let orders: [(CreateOrder, HTTPResponse.Status)] = [
                (CreateOrder(applianceID: appliance, type: "format_disk"), .badRequest),
                (CreateOrder(applianceID: appliance, type: "run_runbook"), .badRequest),
                (CreateOrder(applianceID: appliance, type: "run_checks", ttlSeconds: 10), .badRequest),
                (CreateOrder(applianceID: appliance, type: "run_checks", ttlSeconds: 90_000), .badRequest),
                (CreateOrder(applianceID: appliance, type: "run_checks", parameters: ["Bad Key": "x"]), .badRequest),
                (CreateOrder(applianceID: appliance, type: "run_checks", parameters: ["x": "a\u{0}b"]), .badRequest),
                (CreateOrder(applianceID: Self.otherAppliance.rawValue, type: "run_checks"), .notFound),
                (CreateOrder(applianceID: "../../etc/passwd", type: "run_checks"), .notFound),
            ]
            for (order, status) in orders {
                _ = try await operatorCall(
                    client, token, .post, "/api/v1/sites/site-main/orders", order, expect: status, as: String.self)
            }
            #expect(try await store.orders(site: try Site.ID("site-main"), limit: 10).isEmpty)
            let host = try #require(
                try await operatorCall(
                    client, token, .post, "/api/v1/sites/site-main/hosts",
                    CreateHost(name: "ehr", platform: "linux", address: nil), expect: .created, as: ManagedHost.self))
            for credential in [
                TargetCredential(kind: "kerberos", username: "u", secret: "s"),
                TargetCredential(kind: "password", username: "u", secret: ""),
                TargetCredential(kind: "password", username: "", secret: "s"),
                TargetCredential(kind: "password", username: "u\nroot", secret: "s"),
            ] {
                _ = try await operatorCall(
                    client, token, .put, "/api/v1/hosts/\(host.id)/credential", credential, expect: .badRequest,
                    as: String.self)
            }
            #expect(try await store.credential(of: host.id) == nil)
            _ = try await operatorCall(
                client, token, .post, "/api/v1/sites/site-main/hosts",
                CreateHost(name: "x", platform: "appliance", address: nil),
                expect: .badRequest, as: String.self)
            let negative = CheckInRequest(
                softwareVersion: "1", uptimeSeconds: -1, queueDepth: 0, clockOffsetMilliseconds: nil)
            #expect(try await applianceCall(client, "/api/v1/appliance/check-in", negative).status == .badRequest)
            let empty = CheckInRequest(
                softwareVersion: "", uptimeSeconds: 1, queueDepth: 0, clockOffsetMilliseconds: nil)
            #expect(try await applianceCall(client, "/api/v1/appliance/check-in", empty).status == .badRequest)
            #expect(try await applianceCall(client, "/api/v1/appliance/check-in", ["x": 1]).status == .badRequest)
            #expect(try await store.health(of: Fixtures.applianceID) == nil)
            try await client.execute(
                uri: "/api/v1/appliance/check-in", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(bytes: try JSONEncoder().encode(Self.health))
            ) { #expect($0.status == .unauthorized) }
        }
    }

    @Test func partnersCannotTouchAnotherPartnersOrdersHostsOrCredentials() async throws {
        let platform = try await seed()
        try await app().test(.router) { client in
            let host = try #require(
                try await operatorCall(
                    client, platform, .post, "/api/v1/sites/site-main/hosts",
                    CreateHost(name: "ehr", platform: "linux", address: nil), expect: .created, as: ManagedHost.self))
            let stranger = try await TenancyHTTPTests().tenant(client, platform: platform, name: "Stranger MSP")
            let calls: [(HTTPRequest.Method, String, (any Encodable)?)] = [
                (
                    .post, "/api/v1/sites/site-main/orders",
                    CreateOrder(applianceID: Fixtures.applianceID.rawValue, type: "run_checks")
                ),
                (.get, "/api/v1/sites/site-main/orders", nil),
                (.get, "/api/v1/sites/site-main/hosts", nil),
                (.post, "/api/v1/sites/site-main/hosts", CreateHost(name: "x", platform: "linux", address: nil)),
                (
                    .put, "/api/v1/hosts/\(host.id)/credential",
                    TargetCredential(kind: "password", username: "u", secret: "s")
                ),
                (.get, "/api/v1/hosts/\(host.id)/credential", nil),
                (.delete, "/api/v1/hosts/\(host.id)/credential", nil),
                (.get, "/api/v1/sites/site-main/settings", nil),
                (
                    .put, "/api/v1/sites/site-main/settings",
                    SiteSettingsBody(ruleSetVersion: "x", enabledRunbooks: [], maintenanceWindow: nil)
                ),
            ]
            for (method, uri, body) in calls {
                try await client.execute(
                    uri: uri, method: method, headers: TenancyHTTPTests.auth(stranger.token),
                    body: try body.map { ByteBuffer(bytes: try JSONEncoder().encode($0)) }
                ) { #expect($0.status == .notFound, "\(method) \(uri)") }
            }
            #expect(try await store.credential(of: host.id) == nil)
            #expect(try await store.hosts(at: try Site.ID("site-main")).count == 1)
        }
    }

    @Test func orderSignaturesCoverEveryByte() throws {
        let identity = ServerIdentity(name: "test", key: EvidenceIngestorTests.serverKey)
        let payload = OrderPayload(
            orderID: "order-1", applianceID: "appliance-test-01", siteID: "site-main", type: "run_checks",
            parameters: ["check": "x"], nonce: String(repeating: "a", count: 32), issuedAt: "2026-03-01T08:00:00.000Z",
            expiresAt: "2026-03-01T08:15:00.000Z", signer: "sha256:x")
        let signed = try identity.sign(payload)
        #expect(ServerSignatures.verify(signed, with: identity.key.verifyingKey) == payload)
        #expect(ServerSignatures.verify(signed, with: Fixtures.otherKey.verifyingKey) == nil)
        var bytes = try #require(Base64.decode(signed.payload))
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(
            of: "appliance-test-01", with: "appliance-test-02")
        bytes = Array(text.utf8)
        #expect(
            ServerSignatures.verify(
                SignedOrder(payload: Base64.encode(bytes), signature: signed.signature), with: identity.key.verifyingKey
            ) == nil)
        #expect(
            ServerSignatures.verify(
                SignedOrder(payload: "!!", signature: signed.signature), with: identity.key.verifyingKey) == nil)
    }
}
