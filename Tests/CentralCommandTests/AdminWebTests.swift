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

    /// A multipart body of `parts` (name, file name or nil, bytes) with `boundary`.
    static func multipart(_ parts: [(String, String?, [UInt8])], boundary: String = "xYzBoundary") -> [UInt8] {
        var body: [UInt8] = []
        for (name, filename, bytes) in parts {
            let file = filename.map { "; filename=\"\($0)\"\r\nContent-Type: image/png" } ?? ""
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\(file)\r\n\r\n".utf8)
            body += bytes
            body += Array("\r\n".utf8)
        }
        return body + Array("--\(boundary)--\r\n".utf8)
    }

    @Test func aLogoIsUploadedThroughTheSettingsFormAndBrokenUploadsAreRefused() async throws {
        let (_, admin, _, _) = try await people()
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 300)
        try await fleet.app().test(.router) { client in
            let session = try await web.login(client, admin.0, admin.1)
            func upload(_ body: [UInt8], type: String = "multipart/form-data; boundary=xYzBoundary") async throws
                -> TestResponse
            {
                try await client.execute(
                    uri: "/settings/branding", method: .post, headers: [.cookie: session.cookie, .contentType: type],
                    body: ByteBuffer(bytes: body))
            }
            let csrf: (String, String?, [UInt8]) = ("_csrf", nil, Array(session.csrf.utf8))
            let saved = try await upload(
                Self.multipart([
                    csrf, ("display_name", nil, Array("Acme IT".utf8)), ("accent_colour", nil, Array("#123456".utf8)),
                    ("logo", "logo.png", png),
                ]))
            #expect(saved.status == .seeOther, "\(WebHTTPTests.text(saved).prefix(200))")
            #expect(try await fleet.store.branding(of: try Partner.ID("partner-1"))?.logoPNG == png)
            let logo = try await web.get(client, "/brand/logo.png", session)
            #expect(Array(logo.body.readableBytesView) == png)
            // An empty file input keeps the logo; the checkbox removes it.
            _ = try await upload(Self.multipart([csrf, ("logo", "", [])]))
            #expect(try await fleet.store.branding(of: try Partner.ID("partner-1"))?.logoPNG == png)

            let cases: [([UInt8], String, HTTPResponse.Status)] = [
                (
                    Self.multipart([("display_name", nil, Array("x".utf8))]),
                    "multipart/form-data; boundary=xYzBoundary", .forbidden
                ),
                (
                    Self.multipart([csrf, ("logo", "evil.svg", Array("<svg onload=alert(1)>".utf8))]),
                    "multipart/form-data; boundary=xYzBoundary", .badRequest
                ),
                (
                    Self.multipart([csrf, ("logo", "big.png", png + Array(repeating: 0, count: 70_000))]),
                    "multipart/form-data; boundary=xYzBoundary", .badRequest
                ),
                (
                    Self.multipart([csrf, ("logo", "huge.png", Array(repeating: 0, count: 200_000))]),
                    "multipart/form-data; boundary=xYzBoundary", .contentTooLarge
                ),
                (Self.multipart([csrf, csrf]), "multipart/form-data; boundary=xYzBoundary", .badRequest),
                (
                    Self.multipart([csrf, ("display_name", nil, [0xC3, 0x28])]),
                    "multipart/form-data; boundary=xYzBoundary",
                    .badRequest
                ),
                (
                    Array(Self.multipart([csrf]).dropLast(20)),
                    "multipart/form-data; boundary=xYzBoundary", .badRequest
                ),
                (
                    Self.multipart((0..<17).map { ("f\($0)", nil, Array("x".utf8)) }),
                    "multipart/form-data; boundary=xYzBoundary",
                    .badRequest
                ),
                (
                    Array("--xYzBoundary\r\nContent-Disposition: form-data; name=\"a\"".utf8)
                        + Array(repeating: 65, count: 2000),
                    "multipart/form-data; boundary=xYzBoundary", .badRequest
                ),
                (Self.multipart([csrf]), "multipart/form-data", .badRequest),
                (
                    Self.multipart([csrf]), "multipart/form-data; boundary=" + String(repeating: "b", count: 80),
                    .badRequest
                ),
                (Array("garbage".utf8), "multipart/form-data; boundary=xYzBoundary", .badRequest),
            ]
            for (body, type, status) in cases {
                let response = try await upload(body, type: type)
                #expect(response.status == status, "\(type.suffix(20)): \(WebHTTPTests.text(response).prefix(120))")
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
            }
            #expect(
                try await fleet.store.branding(of: try Partner.ID("partner-1"))?.logoPNG == png, "nothing half-saved")
            _ = try await upload(Self.multipart([csrf, ("remove_logo", nil, Array("1".utf8))]))
            #expect(try await fleet.store.branding(of: try Partner.ID("partner-1"))?.logoPNG == nil)
        }
    }
}
