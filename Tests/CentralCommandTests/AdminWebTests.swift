import CentralCommand
import Compliance
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import VigilAPI

/// The administration pages over HTTP: users and API keys (secrets shown once), claim codes with
/// their QR code, a site's orders, and a partner's settings — roles, tenancy and CSRF on each.
@Suite struct AdminWebTests {
    let web = WebHTTPTests()
    var fleet: FleetHTTPTests { web.fleet }

    /// A partner-1 administrator and technician, and another partner's administrator.
    func people() async throws -> (
        token: String, admin: (String, String), tech: (String, String), other: (String, String)
    ) {
        let token = try await fleet.seed()
        let admin = try await web.user("admin@msp.test", partner: try Partner.ID("partner-1"))
        let tech = try await web.user("tech@msp.test", role: .technician, partner: try Partner.ID("partner-1"))
        try await fleet.store.create(Partner(id: try Partner.ID("partner-2"), name: "Other MSP"))
        let other = try await web.user("admin@other.test", partner: try Partner.ID("partner-2"))
        return (token, admin, tech, other)
    }

    @Test func usersAndKeysAreAdministeredOnThePageWithSecretsShownOnce() async throws {
        let (_, admin, tech, other) = try await people()
        try await fleet.app().test(.router) { client in
            let session = try await web.login(client, admin.0, admin.1)
            let page = WebHTTPTests.text(try await web.get(client, "/access", session))
            #expect(page.contains("tech@msp.test") && !page.contains("admin@other.test"))
            let technician = try await web.login(client, tech.0, tech.1)
            #expect(try await web.get(client, "/access", technician).status == .forbidden)
            #expect(
                try await web.post(
                    client, "/access/users", technician, "_csrf=\(technician.csrf)&email=x%40msp.test&name=X&role=admin"
                ).status == .forbidden)
            #expect(
                try await web.post(client, "/access/users", session, "email=x%40msp.test&name=X&role=admin").status
                    == .forbidden, "no CSRF token")

            let created = try await web.post(
                client, "/access/users", session,
                "_csrf=\(session.csrf)&email=new%40msp.test&name=New+Tech&role=technician")
            #expect(created.status == .created)
            let html = WebHTTPTests.text(created)
            let password = try #require(html.firstMatch(of: /<code class="secret">([^<]+)<\/code>/)?.1)
            #expect(try await web.login(client, "new@msp.test", String(password)).cookie.hasPrefix("vigil_session="))
            #expect(!WebHTTPTests.text(try await web.get(client, "/access", session)).contains(String(password)))
            let user = try #require(try await fleet.store.user(email: "new@msp.test"))
            #expect(user.partnerID?.rawValue == "partner-1" && user.role == .technician)
            let bad = try await web.post(
                client, "/access/users", session, "_csrf=\(session.csrf)&email=nope&name=X&role=overlord")
            #expect(bad.status == .badRequest && bad.headers[.contentType]?.hasPrefix("text/html") == true)

            // Another partner's admin cannot disable this partner's user.
            let otherSession = try await web.login(client, other.0, other.1)
            #expect(
                try await web.post(
                    client, "/access/users/\(user.id)/disable", otherSession, "_csrf=\(otherSession.csrf)"
                ).status == .notFound)
            let disabled = try await web.post(
                client, "/access/users/\(user.id)/disable", session, "_csrf=\(session.csrf)")
            #expect(disabled.status == .seeOther && disabled.headers[.location] == "/access?done=user-disabled")
            #expect(try await fleet.store.user(user.id)?.disabledAt != nil)

            // A key: shown once, works against the API, revoked from the page.
            let keyPage = try await web.post(client, "/access/keys", session, "_csrf=\(session.csrf)&name=PSA")
            #expect(keyPage.status == .created)
            let token = String(
                try #require(WebHTTPTests.text(keyPage).firstMatch(of: /<code class="secret">([^<]+)<\/code>/)?.1))
            _ = try await fleet.operatorCall(client, token, .get, "/api/v1/partners/partner-1/clients")
            let key = try #require(try await fleet.store.apiKeys(of: try Partner.ID("partner-1")).first)
            let revoked = try await web.post(client, "/access/keys/\(key.id)/revoke", session, "_csrf=\(session.csrf)")
            #expect(revoked.status == .seeOther)
            _ = try await fleet.operatorCall(
                client, token, .get, "/api/v1/partners/partner-1/clients", expect: .unauthorized)
        }
    }

    @Test func aClaimCodeComesWithAQRCodeAndTheOrdersPageListsSignedOrders() async throws {
        let (token, admin, _, other) = try await people()
        let viewer = try await web.user("viewer@msp.test", role: .viewer, partner: try Partner.ID("partner-1"))
        try await fleet.app().test(.router) { client in
            let session = try await web.login(client, admin.0, admin.1)
            let site = WebHTTPTests.text(try await web.get(client, "/sites/site-main", session))
            #expect(site.contains("action=\"/sites/site-main/claim-codes\""))
            let made = try await web.post(client, "/sites/site-main/claim-codes", session, "_csrf=\(session.csrf)")
            #expect(made.status == .created)
            let html = WebHTTPTests.text(made)
            #expect(html.contains("<svg class=\"qr\""))
            let code = String(try #require(html.firstMatch(of: /<code class="secret">([^<]+)<\/code>/)?.1))
            #expect(html.contains("code=\(code)"))
            let viewing = try await web.login(client, viewer.0, viewer.1)
            #expect(
                try await web.post(client, "/sites/site-main/claim-codes", viewing, "_csrf=\(viewing.csrf)").status
                    == .forbidden)
            let otherSession = try await web.login(client, other.0, other.1)
            #expect(
                try await web.post(client, "/sites/site-main/claim-codes", otherSession, "_csrf=\(otherSession.csrf)")
                    .status == .notFound)

            _ = try await fleet.operatorCall(
                client, token, .post, "/api/v1/sites/site-main/orders",
                CreateOrder(applianceID: Fixtures.applianceID.rawValue, type: "sync_rules", ttlSeconds: 60),
                expect: .created)
            let orders = WebHTTPTests.text(try await web.get(client, "/sites/site-main/orders", session))
            #expect(orders.contains("sync_rules") && orders.contains("badge pending"))
            #expect(try await web.get(client, "/sites/site-main/orders", otherSession).status == .notFound)
        }
    }

    @Test func settingsSaveBrandingAndManagePracticeContacts() async throws {
        let (_, admin, tech, other) = try await people()
        try await fleet.app().test(.router) { client in
            let session = try await web.login(client, admin.0, admin.1)
            let page = WebHTTPTests.text(try await web.get(client, "/settings", session))
            #expect(page.contains("Settings of MSP") && page.contains("<h3>Dental</h3>"))
            let saved = try await web.post(
                client, "/settings/branding", session,
                "_csrf=\(session.csrf)&display_name=Acme+IT&accent_colour=%23AA3300")
            #expect(saved.status == .seeOther)
            let branding = try await fleet.store.branding(of: try Partner.ID("partner-1"))
            #expect(branding?.displayName == "Acme IT" && branding?.accentColour == "#aa3300")
            let hostile = try await web.post(
                client, "/settings/branding", session, "_csrf=\(session.csrf)&accent_colour=red%3B%7D")
            #expect(hostile.status == .badRequest)
            let technician = try await web.login(client, tech.0, tech.1)
            #expect(
                try await web.post(
                    client, "/settings/branding", technician, "_csrf=\(technician.csrf)&accent_colour=%23000000"
                ).status == .forbidden)

            let added = try await web.post(
                client, "/settings/clients/client-1/contacts", technician,
                "_csrf=\(technician.csrf)&email=Office%40Dental.example&name=Pat")
            #expect(added.status == .seeOther)
            let contact = try #require(try await fleet.store.contacts(of: try Client.ID("client-1")).first)
            #expect(contact.email == "office@dental.example")
            let otherSession = try await web.login(client, other.0, other.1)
            #expect(try await web.get(client, "/settings?partner=partner-1", otherSession).status == .notFound)
            #expect(
                try await web.post(
                    client, "/settings/contacts/\(contact.id)/disable", otherSession, "_csrf=\(otherSession.csrf)"
                ).status == .notFound)
            let disabled = try await web.post(
                client, "/settings/contacts/\(contact.id)/disable", technician, "_csrf=\(technician.csrf)")
            #expect(disabled.status == .seeOther)
            #expect(try await fleet.store.contact(contact.id)?.disabledAt != nil)
        }
    }
}
