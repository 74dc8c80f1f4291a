import CentralCommand
import Compliance
import EvidenceCrypto
import EvidenceSet
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import TestSupport
import Testing
import VigilAPI

/// A mailer that keeps what it is given (the SMTP client itself is tested against aiosmtpd).
final class RecordingMailer: Mailer {
    private let sent = Mutex<[MailMessage]>([])
    var messages: [MailMessage] { sent.withLock { $0 } }

    func send(_ message: MailMessage) async throws(MailError) { sent.withLock { $0.append(message) } }

    /// Waits up to 5 s for `count` messages (they are sent in the background).
    func wait(for count: Int) async throws -> [MailMessage] {
        for _ in 0..<100 where messages.count < count { try await Task.sleep(for: .milliseconds(50)) }
        return messages
    }
}

/// The client portal over HTTP: magic links (single use, 15 minutes, a limited number), the
/// practice's status in plain English scoped to its client, evidence, separate sessions from
/// operators, contacts and branding through the API, and hostile input.
@Suite struct PortalHTTPTests {
    let web = WebHTTPTests()
    var fleet: FleetHTTPTests { web.fleet }
    let mail = RecordingMailer()
    static let publicURL = "https://vigil.msp.example"

    func app() -> some ApplicationProtocol {
        let clock = fleet.clock
        var services = CentralServices.memory(fleet.store, clock: { clock.now })
        services.mailer = mail
        services.publicURL = Self.publicURL
        return Application(router: buildRouter(services: services))
    }

    /// The seeded tenant plus a contact of its practice (client-1) and another partner's
    /// practice with its own site and contact.
    func seed(_ client: some TestClientProtocol) async throws -> String {
        let token = try await fleet.seed()
        let created = try await fleet.operatorCall(
            client, token, .post, "/api/v1/clients/client-1/contacts",
            CreatePortalContact(email: " Office@Dental.example ", name: "Pat <Office> O'Brien"), expect: .created,
            as: PortalContactInfo.self)
        #expect(created?.email == "office@dental.example")
        try await fleet.store.create(Partner(id: try Partner.ID("partner-2"), name: "Other MSP"))
        try await fleet.store.create(
            Client(id: try Client.ID("client-2"), partnerID: try Partner.ID("partner-2"), name: "Other Dental"))
        try await fleet.store.create(
            Site(id: try Site.ID("site-2"), clientID: try Client.ID("client-2"), name: "Elsewhere", timeZone: "UTC"))
        _ = try await fleet.operatorCall(
            client, token, .post, "/api/v1/clients/client-2/contacts",
            CreatePortalContact(email: "office@other.example", name: "Sam"), expect: .created)
        return token
    }

    /// Asks for a link for `email` and returns the token from the e-mail that arrives.
    func link(_ client: some TestClientProtocol, _ email: String, expect count: Int) async throws -> String {
        let response = try await web.post(client, "/portal/login", nil, "email=\(WebHTTPTests.escape(email))")
        #expect(response.status == .ok)
        #expect(WebHTTPTests.text(response).contains("Check your email"))
        let messages = try await mail.wait(for: count)
        let last = try #require(messages.last)
        let prefix = Self.publicURL + "/portal/login/"
        let line = try #require(last.text.split(separator: "\n").first { $0.hasPrefix(prefix) })
        return String(line.dropFirst(prefix.count))
    }

    /// Redeems a link through its button; the portal cookie.
    func redeem(_ client: some TestClientProtocol, _ token: String) async throws -> WebHTTPTests.Session {
        let response = try await web.post(client, "/portal/login/\(token)", nil, "")
        #expect(response.status == .seeOther, "\(WebHTTPTests.text(response).prefix(300))")
        #expect(response.headers[.location] == "/portal")
        let setCookie = try #require(response.headers[.setCookie])
        #expect(
            setCookie.contains("Path=/portal") && setCookie.contains("HttpOnly")
                && setCookie.contains("SameSite=Strict"))
        let cookie = String(setCookie.split(separator: ";")[0])
        #expect(cookie.hasPrefix("vigil_portal="))
        return WebHTTPTests.Session(cookie: cookie, csrf: SessionTokens.csrf(for: String(cookie.dropFirst(13))))
    }

    @Test func aLinkLogsInOnceAndShowsOnlyThatPracticeInPlainEnglish() async throws {
        try await app().test(.router) { client in
            _ = try await seed(client)
            let token = try await link(client, "OFFICE@dental.example", expect: 1)
            let message = try #require(mail.messages.first)
            #expect(message.to == "office@dental.example")
            #expect(message.subject.contains("Dental"))
            #expect(message.text.contains("within 15 minutes"))
            // An unknown address gets the same answer and no e-mail.
            let unknown = try await web.post(client, "/portal/login", nil, "email=nobody%40example.com")
            #expect(WebHTTPTests.text(unknown).contains("Check your email"))
            try await Task.sleep(for: .milliseconds(200))
            #expect(mail.messages.count == 1)

            // Opening the link shows a button and uses nothing up (mail scanners fetch links).
            let opened = try await web.get(client, "/portal/login/\(token)", nil)
            #expect(opened.status == .ok && opened.headers[.setCookie] == nil)
            #expect(WebHTTPTests.text(opened).contains("action=\"/portal/login/\(token)\""))
            let session = try await redeem(client, token)
            // Single use.
            let again = try await web.post(client, "/portal/login/\(token)", nil, "")
            #expect(again.status == .unauthorized && again.headers[.setCookie] == nil)
            #expect(WebHTTPTests.text(again).contains("expired or was used already"))

            let page = try await web.get(client, "/portal", session)
            #expect(page.status == .ok)
            let html = WebHTTPTests.text(page)
            #expect(html.contains("<h1>Dental</h1>") && html.contains("Pat &lt;Office&gt; O&#39;Brien"))
            #expect(html.contains("Unknown: no evidence yet"), "no evidence is unknown, never passing")
            #expect(!html.contains("badge pass"))
            #expect(html.contains("Why it matters:"))
            #expect(!html.contains("Other Dental") && !html.contains("Elsewhere"))
            #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)

            // Portal and operator sessions never stand in for each other.
            let operatorPage = try await web.get(client, "/", session)
            #expect(operatorPage.status == .seeOther && operatorPage.headers[.location]?.hasPrefix("/login") == true)
            let (email, password) = try await web.user("admin@platform.test")
            let operatorSession = try await web.login(client, email, password)
            let asOperator = try await web.get(client, "/portal", operatorSession)
            #expect(asOperator.status == .seeOther && asOperator.headers[.location] == "/portal/login")

            // Logging out needs the session's CSRF token, then ends the session.
            #expect(try await web.post(client, "/portal/logout", session, "_csrf=wrong").status == .forbidden)
            let out = try await web.post(client, "/portal/logout", session, "_csrf=\(session.csrf)")
            #expect(out.status == .seeOther && out.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(try await web.get(client, "/portal", session).status == .seeOther)
        }
    }

    @Test func linksExpireAfterFifteenMinutesAndAreLimitedPerContact() async throws {
        try await app().test(.router) { client in
            _ = try await seed(client)
            let token = try await link(client, "office@dental.example", expect: 1)
            fleet.clock.advance(seconds: 15 * 60)
            let late = try await web.post(client, "/portal/login/\(token)", nil, "")
            #expect(late.status == .unauthorized)
            // Five links per contact per 15 minutes; more requests send nothing.
            for count in 2...5 { _ = try await link(client, "office@dental.example", expect: count) }
            for _ in 0..<2 {
                _ = try await web.post(client, "/portal/login", nil, "email=office%40dental.example")
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(mail.messages.count == 5)
        }
    }

    @Test func theStatusAndEvidenceComeFromThePracticesOwnSignedBundles() async throws {
        try await app().test(.router) { client in
            let token = try await seed(client)
            let host = try await web.incidents.makeHost(client, token)
            var log = try EvidenceLog(applianceID: Fixtures.applianceID, key: Fixtures.applianceKey)
            let at = CentralHTTPTests.now.adding(milliseconds: -60_000)
            let bundle = EvidenceBundle(
                bundleID: try Identifier<EvidenceBundle>("bundle-portal-0"), kind: .scan,
                siteID: try Site.ID("site-main"), hostID: try ManagedHost.ID(host), applianceID: Fixtures.applianceID,
                sequence: 0, previousHash: .zero, observedAt: at, startedAt: at, finishedAt: at,
                softwareRevision: "test", deploymentMode: .direct,
                results: [
                    CheckResult(
                        checkID: try CheckID("linux.ssh.permit_root_login"), status: .fail, severity: .high,
                        observed: "yes"),
                    CheckResult(
                        checkID: try CheckID("linux.firewall.active"), status: .pass, severity: .high,
                        observed: "nftables"),
                ], outcome: .success)
            let seal = try log.seal(bundle)
            let result = try await EvidenceIngestorTests().ingestor(tenancy: fleet.store, evidence: fleet.store).ingest(
                EvidenceUpload(bundles: [
                    UploadedBundle(
                        canonicalBytes: Base64.encode(seal.canonicalBytes), signature: Base64.encode(seal.signature))
                ]), from: Fixtures.applianceID)
            #expect(result.rejected.isEmpty)

            let session = try await redeem(client, try await link(client, "office@dental.example", expect: 1))
            let html = WebHTTPTests.text(try await web.get(client, "/portal", session))
            #expect(html.contains("Failing on 1 of 1 computer"))
            #expect(html.contains("SSH refuses root logins"))
            #expect(html.contains("Passing</strong>") || html.contains("<strong>Passing."))
            #expect(html.contains("href=\"/portal/evidence/bundle-portal-0\""))
            #expect(html.contains("HIPAA"))

            let evidence = try await web.get(client, "/portal/evidence/bundle-portal-0", session)
            #expect(evidence.status == .ok)
            #expect(WebHTTPTests.text(evidence).contains("signature verifies"))
            #expect(WebHTTPTests.text(evidence).contains("href=\"/portal/evidence/bundle-portal-0/download\""))
            #expect(!WebHTTPTests.text(evidence).contains("href=\"/hosts/"), "no operator links in the portal")
            let download = try await web.get(client, "/portal/evidence/bundle-portal-0/download", session)
            #expect(Array(download.body.readableBytesView) == seal.canonicalBytes)

            // Another practice's contact sees none of it.
            let other = try await redeem(client, try await link(client, "office@other.example", expect: 2))
            for path in ["/portal/evidence/bundle-portal-0", "/portal/evidence/bundle-portal-0/download"] {
                #expect(try await web.get(client, path, other).status == .notFound)
            }
            let otherPage = WebHTTPTests.text(try await web.get(client, "/portal", other))
            #expect(otherPage.contains("Elsewhere") && !otherPage.contains("SSH refuses root logins</h4>"))
        }
    }

    @Test func contactsAreManagedWithinTheTenantAndDisablingEndsTheirSessions() async throws {
        try await app().test(.router) { client in
            let token = try await seed(client)
            let key = APIKeyTokens.generate(
                partner: try Partner.ID("partner-2"), name: "other", at: CentralHTTPTests.now)
            try await fleet.store.create(key.1)
            // Another partner cannot see or add contacts of this practice.
            _ = try await fleet.operatorCall(
                client, key.0, .get, "/api/v1/clients/client-1/contacts", expect: .notFound)
            _ = try await fleet.operatorCall(
                client, key.0, .post, "/api/v1/clients/client-1/contacts",
                CreatePortalContact(email: "x@y.example", name: "X"), expect: .notFound)
            // Duplicates and nonsense are refused with what is wrong.
            _ = try await fleet.operatorCall(
                client, token, .post, "/api/v1/clients/client-1/contacts",
                CreatePortalContact(email: "office@dental.example", name: "Again"), expect: .conflict)
            for (email, name) in [("not an email", "X"), ("a@b.example", ""), ("a@b.example", "bell\u{7}")] {
                _ = try await fleet.operatorCall(
                    client, token, .post, "/api/v1/clients/client-1/contacts",
                    CreatePortalContact(email: email, name: name), expect: .badRequest)
            }
            let contacts = try #require(
                try await fleet.operatorCall(
                    client, token, .get, "/api/v1/clients/client-1/contacts", as: [PortalContactInfo].self))
            #expect(contacts.map(\.email) == ["office@dental.example"])

            let session = try await redeem(client, try await link(client, "office@dental.example", expect: 1))
            #expect(try await web.get(client, "/portal", session).status == .ok)
            let pending = try await link(client, "office@dental.example", expect: 2)
            _ = try await fleet.operatorCall(
                client, key.0, .post, "/api/v1/contacts/\(contacts[0].id)/disable", expect: .notFound)
            let disabled = try await fleet.operatorCall(
                client, token, .post, "/api/v1/contacts/\(contacts[0].id)/disable", as: PortalContactInfo.self)
            #expect(disabled?.disabledAt != nil)
            #expect(try await web.get(client, "/portal", session).status == .seeOther, "the session ended")
            #expect(try await web.post(client, "/portal/login/\(pending)", nil, "").status == .unauthorized)
            _ = try await web.post(client, "/portal/login", nil, "email=office%40dental.example")
            try await Task.sleep(for: .milliseconds(200))
            #expect(mail.messages.count == 2, "a disabled contact gets no more links")
        }
    }

    @Test func brandingShowsOnThePartnersPagesAndItsClientsPortal() async throws {
        try await app().test(.router) { client in
            let token = try await seed(client)
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]
            let body = PartnerBrandingBody(
                displayName: "Acme <IT>", accentColour: "#1a7f3c", logoPNGBase64: Data(png).base64EncodedString())
            _ = try await fleet.operatorCall(client, token, .put, "/api/v1/partners/partner-1/branding", body)
            for hostile in [
                PartnerBrandingBody(accentColour: "red;} body {display:none"),
                PartnerBrandingBody(logoPNGBase64: Data("<svg onload=alert(1)>".utf8).base64EncodedString()),
                PartnerBrandingBody(logoPNGBase64: "%%% not base64"),
                PartnerBrandingBody(displayName: String(repeating: "x", count: 201)),
            ] {
                _ = try await fleet.operatorCall(
                    client, token, .put, "/api/v1/partners/partner-1/branding", hostile, expect: .badRequest)
            }
            let stored = try await fleet.operatorCall(
                client, token, .get, "/api/v1/partners/partner-1/branding", as: PartnerBrandingBody.self)
            #expect(stored == body)

            // The partner's operator sees the brand; the portal of its client too.
            let (email, password) = try await web.user(
                "tech@msp.test", role: .technician, partner: try Partner.ID("partner-1"))
            let operatorSession = try await web.login(client, email, password)
            let fleetPage = WebHTTPTests.text(try await web.get(client, "/", operatorSession))
            #expect(fleetPage.contains("Acme &lt;IT&gt;") && fleetPage.contains("href=\"/brand.css\""))
            let css = try await web.get(client, "/brand.css", operatorSession)
            #expect(WebHTTPTests.text(css).contains("--accent: #1a7f3c;"))
            let logo = try await web.get(client, "/brand/logo.png", operatorSession)
            #expect(logo.headers[.contentType] == "image/png" && Array(logo.body.readableBytesView) == png)
            // Brand assets need a session.
            #expect(try await web.get(client, "/brand.css", nil).status == .seeOther)

            let session = try await redeem(client, try await link(client, "office@dental.example", expect: 1))
            let portal = WebHTTPTests.text(try await web.get(client, "/portal", session))
            #expect(portal.contains("Acme &lt;IT&gt;") && portal.contains("href=\"/portal/brand.css\""))
            #expect(portal.contains("src=\"/portal/brand/logo.png\""))
            let portalCSS = WebHTTPTests.text(try await web.get(client, "/portal/brand.css", session))
            #expect(portalCSS.contains("#1a7f3c"))
            #expect(mail.messages.last?.text.contains("Acme <IT>, through Vigil") == true)
            // The other partner's practice has no branding.
            let other = try await redeem(client, try await link(client, "office@other.example", expect: 2))
            #expect(try await web.get(client, "/portal/brand.css", other).status == .notFound)
        }
    }

    @Test func hostileLoginRequestsGetAClearPageNeverA500() async throws {
        try await app().test(.router) { client in
            _ = try await seed(client)
            let crossSite = try await web.post(
                client, "/portal/login", nil, "email=office%40dental.example",
                headers: [.origin: "https://evil.example"])
            #expect(crossSite.status == .forbidden)
            for body in [
                "email=not-an-address", "email=%ZZ", "email=a&email=b",
                "email=" + String(repeating: "a", count: 40_000),
            ] {
                let response = try await web.post(client, "/portal/login", nil, body)
                #expect((400..<500).contains(Int(response.status.code)), "\(body.prefix(30))")
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
            }
            for token in ["short", String(repeating: "g", count: 64), "..%2F..%2Fetc"] {
                #expect(try await web.get(client, "/portal/login/\(token)", nil).status == .notFound)
                #expect(try await web.post(client, "/portal/login/\(token)", nil, "").status == .unauthorized)
            }
            #expect(try await web.get(client, "/portal/evidence/x", nil).status == .seeOther)
            #expect(try await web.post(client, "/portal/logout", nil, "").status == .unauthorized)
            #expect(mail.messages.isEmpty)
        }
    }

    @Test func oneAddressAskingTooOftenIsToldToWait() async throws {
        try await app().test(.router) { client in
            _ = try await seed(client)
            for index in 0..<60 {
                let response = try await web.post(client, "/portal/login", nil, "email=nobody\(index)%40example.com")
                #expect(response.status == .ok)
            }
            let refused = try await web.post(client, "/portal/login", nil, "email=office%40dental.example")
            #expect(refused.status == .tooManyRequests)
            #expect(WebHTTPTests.text(refused).contains("Too many requests from this address"))
            // Redeeming is refused as well while the address waits.
            #expect(
                try await web.post(client, "/portal/login/\(String(repeating: "a", count: 64))", nil, "").status
                    == .tooManyRequests)
            try await Task.sleep(for: .milliseconds(200))
            #expect(mail.messages.isEmpty)
        }
    }

    /// The whole path with a real SMTP server (aiosmtpd) instead of the recording mailer: the form,
    /// `SMTPMailer` in production's code path, the e-mail as the server received it, the link in
    /// it, the session.
    @Test(.enabled(if: SMTPSink.isAvailable, "needs aiosmtpd (pip install aiosmtpd)"))
    func theLinkArrivesThroughARealSMTPServerAndLogsIn() async throws {
        let directory = try TemporaryDirectory("vigil-portal-smtp")
        let sink = try SMTPSink(in: directory.path)
        defer { sink.stop() }
        let clock = fleet.clock
        var services = CentralServices.memory(fleet.store, clock: { clock.now })
        services.mailer = try SMTPMailer(
            settings: SMTPSettings(host: "127.0.0.1", port: sink.port, security: .none, from: "vigil@msp.example"))
        services.publicURL = Self.publicURL
        try await Application(router: buildRouter(services: services)).test(.router) { client in
            _ = try await seed(client)
            let asked = try await web.post(client, "/portal/login", nil, "email=office%40dental.example")
            #expect(WebHTTPTests.text(asked).contains("Check your email"))
            let message = try #require(try await sink.waitForMessages(1).first)
            #expect(message.rcptTo == "office@dental.example" && message.mailFrom == "vigil@msp.example")
            #expect(message.headers["subject"] == "Your login link for Dental's compliance portal")
            let prefix = Self.publicURL + "/portal/login/"
            let line = try #require(message.text.split(separator: "\r\n").first { $0.hasPrefix(prefix) })
            let session = try await redeem(client, String(line.dropFirst(prefix.count)))
            #expect(WebHTTPTests.text(try await web.get(client, "/portal", session)).contains("<h1>Dental</h1>"))
        }
    }
}
