import CentralCommand
import Compliance
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import VigilAPI

/// The audit log over HTTP: every change is there with its actor; partners see their own
/// entries only; viewers and technicians do not read it.
@Suite struct AuditLogTests {
    let store = InMemoryStore()
    let audit = InMemorySecurityEventSink()

    @Test func recordsChangesAndShowsEachPartnerOnlyItsOwn() async throws {
        let (platform, key) = APIKeyTokens.generate(partner: nil, name: "platform", at: CentralHTTPTests.now)
        try await store.create(key)
        let app = Application(router: buildRouter(services: CentralServices.memory(store, events: audit)))
        try await app.test(.router) { client in
            let alpha = try await TenancyHTTPTests().tenant(client, platform: platform, name: "Alpha MSP")
            let beta = try await TenancyHTTPTests().tenant(client, platform: platform, name: "Beta MSP")
            func entries(_ token: String, _ query: String = "") async throws -> [AuditEntryInfo] {
                try await client.execute(
                    uri: "/api/v1/audit-log\(query)", method: .get, headers: TenancyHTTPTests.auth(token)
                ) { response in
                    #expect(response.status == .ok, "\(CentralHTTPTests.message(response))")
                    return try JSONDecoder().decode([AuditEntryInfo].self, from: Data(response.body.readableBytesView))
                }
            }
            let all = try await entries(platform)
            #expect(
                Set(all.map(\.action)).isSuperset(of: [
                    "partner.created", "client.created", "site.created", "api_key.created",
                ]))
            #expect(all.allSatisfy { $0.actor.hasPrefix("key:") })
            #expect(all.map(\.id) == all.map(\.id).sorted(by: >), "newest first")
            let alphaOnly = try await entries(alpha.token)
            #expect(!alphaOnly.isEmpty)
            #expect(alphaOnly.allSatisfy { $0.partnerID == alpha.partner })
            #expect(!alphaOnly.contains { $0.target.contains(beta.site) })
            #expect(try await entries(platform, "?partner=\(beta.partner)").allSatisfy { $0.partnerID == beta.partner })
            let page = try await entries(platform, "?limit=2")
            #expect(page.count == 2)
            let next = try await entries(platform, "?limit=2&before=\(page[1].id)")
            #expect(next.allSatisfy { $0.id < page[1].id })
            for bad in ["?limit=0", "?limit=x", "?before=-1", "?partner=..%2F"] {
                try await client.execute(
                    uri: "/api/v1/audit-log\(bad)", method: .get, headers: TenancyHTTPTests.auth(platform)
                ) { #expect($0.status == .badRequest, "\(bad)") }
            }
        }
    }

    @Test func onlyAdminsReadTheAuditLog() async throws {
        let accounts = CentralServices.memory(store, events: audit).accountService
        let viewer = try await accounts.createUser(
            by: .platform, actor: "test", email: "viewer@example.com", displayName: "V", role: .viewer, partner: nil)
        let app = Application(router: buildRouter(services: CentralServices.memory(store, events: audit)))
        try await app.test(.router) { client in
            let session = try #require(
                try await AccountHTTPTests().login(client, "viewer@example.com", viewer.password))
            try await client.execute(uri: "/api/v1/audit-log", method: .get, headers: AccountHTTPTests.headers(session))
            {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/audit-log", method: .get) { #expect($0.status == .unauthorized) }
        }
    }
}
