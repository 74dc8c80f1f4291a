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

/// The operator's web pages over HTTP: login, the session redirect, tenancy, CSRF on every
/// form, the incident actions (the API's own), and hostile form bodies — always an HTML answer,
/// never a 500.
@Suite struct WebHTTPTests {
    let incidents = IncidentHTTPTests()
    var fleet: FleetHTTPTests { incidents.fleet }

    static let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// A user made through the account service; returns its email and one-time password.
    func user(_ email: String, role: Role = .admin, partner: Partner.ID? = nil) async throws -> (String, String) {
        let services = CentralServices.memory(fleet.store)
        let made = try await services.accountService.createUser(
            by: .platform, actor: "test", email: email, displayName: "Web \(role.rawValue)", role: role,
            partner: partner)
        return (email, made.password)
    }

    /// The seeded tenant with a platform admin, and a second partner with its own operator.
    func twoTenants() async throws -> (
        token: String, email: String, password: String, otherEmail: String, otherPassword: String
    ) {
        let token = try await fleet.seed()
        let (email, password) = try await user("admin@platform.test")
        try await fleet.store.create(Partner(id: try Partner.ID("partner-2"), name: "Other MSP"))
        let (otherEmail, otherPassword) = try await user("tech@other.test", partner: try Partner.ID("partner-2"))
        return (token, email, password, otherEmail, otherPassword)
    }

    struct Session {
        var cookie: String
        var csrf: String
    }

    /// Logs in through the form and follows nothing: the session cookie and its CSRF token.
    func login(_ client: some TestClientProtocol, _ email: String, _ password: String) async throws -> Session {
        try await client.execute(
            uri: "/login", method: .post, headers: Self.formHeaders,
            body: ByteBuffer(string: "email=\(Self.escape(email))&password=\(Self.escape(password))&next=%2Fincidents")
        ) { response in
            #expect(response.status == .seeOther, "\(Self.text(response).prefix(300))")
            #expect(response.headers[.location] == "/incidents")
            let setCookie = try #require(response.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
            let cookie = String(setCookie.split(separator: ";")[0])
            let token = String(cookie.split(separator: "=")[1])
            return Session(cookie: cookie, csrf: SessionTokens.csrf(for: token))
        }
    }

    func get(_ client: some TestClientProtocol, _ uri: String, _ session: Session?) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let session { headers[.cookie] = session.cookie }
        return try await client.execute(uri: uri, method: .get, headers: headers)
    }

    func post(
        _ client: some TestClientProtocol, _ uri: String, _ session: Session?, _ form: String,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = Self.formHeaders
        if let session { headers[.cookie] = session.cookie }
        for field in extra { headers[field.name] = field.value }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: form))
    }

    static func text(_ response: TestResponse) -> String {
        String(decoding: response.body.readableBytesView, as: UTF8.self)
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    @Test func pagesRedirectToLoginAndFormsWithoutASessionAreRefused() async throws {
        _ = try await fleet.seed()
        try await fleet.app().test(.router) { client in
            for (uri, next) in [("/", "/"), ("/incidents?site=site-main", "/incidents%3Fsite%3Dsite-main")] {
                let response = try await get(client, uri, nil)
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/login?next=\(next)")
            }
            let refused = try await post(client, "/incidents/inc_x/acknowledge", nil, "_csrf=x")
            #expect(refused.status == .unauthorized)
            #expect(refused.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(Self.text(refused).contains("Your session has ended"))
            // A made-up session is no session.
            let forged = Session(cookie: "vigil_session=" + String(repeating: "a", count: 64), csrf: "")
            #expect(try await get(client, "/", forged).status == .seeOther)
            // The login page and its stylesheet need none.
            let page = try await get(client, "/login?next=//evil.example/", nil)
            #expect(page.status == .ok)
            #expect(Self.text(page).contains("name=\"next\" value=\"/\""), "an off-site next falls back to /")
            #expect(try await get(client, "/static/vigil.css", nil).status == .ok)
        }
    }

    @Test func loginFailsPlainlyAndNeverLeavesTheSite() async throws {
        _ = try await fleet.seed()
        let (email, password) = try await user("admin@platform.test")
        try await fleet.app().test(.router) { client in
            let wrong = try await post(client, "/login", nil, "email=\(Self.escape(email))&password=nope&next=%2F")
            #expect(wrong.status == .unauthorized)
            #expect(Self.text(wrong).contains("Email or password is not right."))
            #expect(wrong.headers[.setCookie] == nil)
            let offsite = try await post(
                client, "/login", nil,
                "email=\(Self.escape(email))&password=\(Self.escape(password))&next=https%3A%2F%2Fevil.example%2F")
            #expect(offsite.status == .seeOther)
            #expect(offsite.headers[.location] == "/")
            let crossSite = try await post(
                client, "/login", nil, "email=\(Self.escape(email))&password=\(Self.escape(password))",
                headers: [.origin: "https://evil.example"])
            #expect(crossSite.status == .forbidden)
            _ = try await login(client, email, password)
        }
    }

    @Test func thePagesShowTheFleetASiteAndItsIncidents() async throws {
        let token = try await fleet.seed()
        let (email, password) = try await user("admin@platform.test")
        try await fleet.app().test(.router) { client in
            let (_, incident) = try await incidents.raisePendingFix(client, token)
            let session = try await login(client, email, password)
            let overview = try await get(client, "/", session)
            #expect(overview.status == .ok)
            let html = Self.text(overview)
            #expect(html.contains("<a href=\"/sites/site-main\">Main</a>") && html.contains("/sites/site-other"))
            #expect(overview.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            #expect(overview.headers[.cacheControl] == "no-store")
            let site = Self.text(try await get(client, "/sites/site-main", session))
            #expect(site.contains("<h1>Main</h1>") && site.contains(incident.title))
            let list = Self.text(try await get(client, "/incidents?site=site-main", session))
            #expect(list.contains("/incidents/\(incident.id)/approve"))
            #expect(list.contains("name=\"_csrf\" value=\"\(session.csrf)\""))
            #expect(try await get(client, "/sites/site-nowhere", session).status == .notFound)
            let runbooks = Self.text(try await get(client, "/runbooks", session))
            #expect(runbooks.contains("<code>RB-LIN-SSH-001</code>") && runbooks.contains("window only"))
            #expect(html.contains("<a href=\"/runbooks\">Runbooks</a>"))
            #expect(try await get(client, "/incidents?status=sideways", session).status == .badRequest)
        }
    }

    @Test func anotherPartnersOperatorSeesNoneOfIt() async throws {
        let token = try await fleet.seed()
        try await fleet.store.create(Partner(id: try Partner.ID("partner-2"), name: "Other MSP"))
        let (email, password) = try await user("tech@other.test", partner: try Partner.ID("partner-2"))
        try await fleet.app().test(.router) { client in
            let (_, incident) = try await incidents.raisePendingFix(client, token)
            let session = try await login(client, email, password)
            let overview = Self.text(try await get(client, "/", session))
            #expect(!overview.contains("site-main") && overview.contains("No sites yet"))
            #expect(try await get(client, "/sites/site-main", session).status == .notFound)
            #expect(try await get(client, "/incidents?site=site-main", session).status == .notFound)
            #expect(!Self.text(try await get(client, "/incidents", session)).contains(incident.title))
            for verb in ["acknowledge", "approve"] {
                let refused = try await post(
                    client, "/incidents/\(incident.id)/\(verb)", session, "_csrf=\(session.csrf)")
                #expect(refused.status == .notFound, "\(verb)")
            }
            let answer = try await fleet.checkIn(client)
            #expect(answer.orders.isEmpty)
        }
    }

    @Test func everyFormNeedsTheSessionsCSRFTokenFromThisSite() async throws {
        let token = try await fleet.seed()
        let (email, password) = try await user("admin@platform.test")
        let (viewerEmail, viewerPassword) = try await user("viewer@platform.test", role: .viewer)
        try await fleet.app().test(.router) { client in
            let (_, incident) = try await incidents.raisePendingFix(client, token)
            let session = try await login(client, email, password)
            let path = "/incidents/\(incident.id)/acknowledge"
            for form in ["", "_csrf=", "_csrf=\(String(repeating: "0", count: 64))", "back=%2F"] {
                let refused = try await post(client, path, session, form)
                #expect(refused.status == .forbidden, "form \(form)")
                #expect(Self.text(refused).contains("out of date or came from another site"))
            }
            let crossSite = try await post(
                client, path, session, "_csrf=\(session.csrf)", headers: [.origin: "https://evil.example"])
            #expect(crossSite.status == .forbidden)
            let viewer = try await login(client, viewerEmail, viewerPassword)
            let looking = try await post(client, path, viewer, "_csrf=\(viewer.csrf)")
            #expect(looking.status == .forbidden)
            #expect(Self.text(looking).contains("viewer role"))
            let stored = try #require(try await fleet.store.incident(try Incident.ID(incident.id)))
            #expect(stored.status == .open, "nothing refused changed anything")

            let done = try await post(client, path, session, "_csrf=\(session.csrf)&back=%2Fsites%2Fsite-main")
            #expect(done.status == .seeOther)
            #expect(done.headers[.location] == "/sites/site-main?done=acknowledged")
            #expect(try await fleet.store.incident(try Incident.ID(incident.id))?.status == .acknowledged)
        }
    }

    @Test func approvingOnThePageSignsTheOrderAndResolvingNeedsANote() async throws {
        let token = try await fleet.seed()
        let (email, password) = try await user("admin@platform.test")
        try await fleet.app().test(.router) { client in
            let (_, incident) = try await incidents.raisePendingFix(client, token)
            let session = try await login(client, email, password)
            let approved = try await post(
                client, "/incidents/\(incident.id)/approve", session, "_csrf=\(session.csrf)&back=%2F%2Fevil.example")
            #expect(approved.status == .seeOther)
            #expect(approved.headers[.location] == "/incidents?done=approved", "an off-site back falls back")
            let notice = Self.text(try await get(client, "/incidents?done=approved", session))
            #expect(notice.contains("Fix approved"))
            let again = try await post(client, "/incidents/\(incident.id)/approve", session, "_csrf=\(session.csrf)")
            #expect(again.status == .conflict)
            let answer = try await fleet.checkIn(client)
            #expect(answer.orders.count == 1)

            let blank = try await post(
                client, "/incidents/\(incident.id)/resolve", session, "_csrf=\(session.csrf)&note=+%0A")
            #expect(blank.status == .badRequest)
            #expect(Self.text(blank).contains("Write a note"))
            let resolved = try await post(
                client, "/incidents/\(incident.id)/resolve", session,
                "_csrf=\(session.csrf)&note=\(Self.escape("Fixed by <b>hand</b> & checked"))")
            #expect(resolved.status == .seeOther)
            let stored = try await fleet.store.incident(try Incident.ID(incident.id))
            #expect(stored?.status == .resolved && stored?.resolutionNote == "Fixed by <b>hand</b> & checked")
            let list = Self.text(try await get(client, "/incidents?status=resolved", session))
            #expect(list.contains("Fixed by &lt;b&gt;hand&lt;/b&gt; &amp; checked"))
        }
    }

    @Test func aHostShowsItsChecksHistoryAndEvidenceWhoseSignatureVerifies() async throws {
        let (token, email, password, otherEmail, otherPassword) = try await twoTenants()
        try await fleet.app().test(.router) { client in
            let host = try await incidents.makeHost(client, token)
            // Two real scans from the test appliance: root logins failing, then fixed.
            var log = try EvidenceLog(applianceID: Fixtures.applianceID, key: Fixtures.applianceKey)
            var uploads: [UploadedBundle] = []
            var sealed: [SealedBundle] = []
            for (index, (status, observed)) in [(CheckStatus.fail, "<b>yes</b>"), (.pass, "no")].enumerated() {
                let at = CentralHTTPTests.now.adding(milliseconds: Int64(index - 2) * 60_000)
                let bundle = EvidenceBundle(
                    bundleID: try Identifier<EvidenceBundle>("bundle-web-\(index)"), kind: .scan,
                    siteID: try Site.ID("site-main"), hostID: try ManagedHost.ID(host),
                    applianceID: Fixtures.applianceID,
                    sequence: 0, previousHash: .zero, observedAt: at, startedAt: at, finishedAt: at,
                    softwareRevision: "test", deploymentMode: .direct,
                    results: [
                        CheckResult(
                            checkID: try CheckID("linux.ssh.permit_root_login"), status: status, severity: .high,
                            observed: observed)
                    ], outcome: .success)
                let seal = try log.seal(bundle)
                sealed.append(seal)
                uploads.append(
                    UploadedBundle(
                        canonicalBytes: Base64.encode(seal.canonicalBytes), signature: Base64.encode(seal.signature)))
            }
            let result = try await EvidenceIngestorTests().ingestor(tenancy: fleet.store, evidence: fleet.store).ingest(
                EvidenceUpload(bundles: uploads), from: Fixtures.applianceID)
            #expect(result.rejected.isEmpty)

            let session = try await login(client, email, password)
            let page = Self.text(try await get(client, "/hosts/\(host)", session))
            #expect(page.contains("<code class=\"muted\">linux.ssh.permit_root_login</code>"))
            #expect(page.contains("class=\"s-fail\"") && page.contains("class=\"s-pass\""), "the history shows both")
            #expect(page.contains("href=\"/evidence/bundle-web-1\""))
            #expect(page.contains("unknown: no evidence yet"), "checks never reported are unknown, not passing")
            let site = Self.text(try await get(client, "/sites/site-main", session))
            #expect(site.contains("href=\"/hosts/\(host)\""))

            let evidence = Self.text(try await get(client, "/evidence/bundle-web-0", session))
            #expect(evidence.contains("signature verifies"))
            #expect(evidence.contains("&lt;b&gt;yes&lt;/b&gt;"))
            let download = try await get(client, "/evidence/bundle-web-0/download", session)
            #expect(download.status == .ok)
            #expect(Array(download.body.readableBytesView) == sealed[0].canonicalBytes)
            #expect(download.headers[HTTPField.Name("X-Vigil-SHA256").unsafelyUnwrapped]?.count == 64)
            #expect(try await get(client, "/evidence/bundle-nowhere", session).status == .notFound)
            #expect(try await get(client, "/evidence/..%2F..%2Fetc", session).status == .notFound)

            let other = try await login(client, otherEmail, otherPassword)
            for path in ["/hosts/\(host)", "/evidence/bundle-web-0", "/evidence/bundle-web-0/download"] {
                #expect(try await get(client, path, other).status == .notFound, "\(path)")
            }
        }
    }

    @Test func healingSettingsAndACredentialAreSavedThroughTheirForms() async throws {
        let (token, email, password, otherEmail, otherPassword) = try await twoTenants()
        try await fleet.app().test(.router) { client in
            let host = try await incidents.makeHost(client, token)
            let session = try await login(client, email, password)
            let site = try Site.ID("site-main")
            let page = Self.text(try await get(client, "/sites/site-main", session))
            #expect(page.contains("name=\"enable:RB-LIN-SSH-001\" value=\"on\">"), "offered, not yet enabled")
            let csrf = "_csrf=\(session.csrf)"
            let saved = try await post(
                client, "/sites/site-main/settings", session,
                "\(csrf)&enable%3ARB-LIN-SSH-001=on&enable%3ARB-LIN-FW-001=on&day%3Asat=on&day%3Asun=on"
                    + "&window_start=22%3A00&window_end=04%3A00&window_time_zone=America%2FChicago")
            #expect(saved.status == .seeOther)
            #expect(saved.headers[.location] == "/sites/site-main?done=settings")
            var settings = try await fleet.store.settings(of: site)
            #expect(settings.enabledRunbooks == ["RB-LIN-FW-001", "RB-LIN-SSH-001"])
            let window = try JSONDecoder().decode(
                MaintenanceWindow.self, from: Data(try #require(settings.maintenanceWindowJSON).utf8))
            #expect(
                window
                    == MaintenanceWindow(
                        days: ["sat", "sun"], start: "22:00", end: "04:00", timeZone: "America/Chicago"))
            let shown = Self.text(try await get(client, "/sites/site-main?done=settings", session))
            #expect(shown.contains("name=\"enable:RB-LIN-FW-001\" value=\"on\" checked>"))
            #expect(shown.contains("Healing settings saved"))
            // A bad window is refused whole: nothing changes.
            let refused = try await post(
                client, "/sites/site-main/settings", session,
                "\(csrf)&day%3Amon=on&window_start=25%3A00&window_end=04%3A00&window_time_zone=UTC")
            #expect(refused.status == .badRequest)
            #expect(Self.text(refused).contains("maintenance_window"))
            settings = try await fleet.store.settings(of: site)
            #expect(settings.enabledRunbooks == ["RB-LIN-FW-001", "RB-LIN-SSH-001"])
            // No day ticked: no window, and nothing enabled when nothing is ticked.
            _ = try await post(client, "/sites/site-main/settings", session, csrf)
            settings = try await fleet.store.settings(of: site)
            #expect(settings.enabledRunbooks.isEmpty && settings.maintenanceWindowJSON == nil)

            let secret = "s3cret-\u{201C}never-shown"
            let set = try await post(
                client, "/hosts/\(host)/credential", session,
                "\(csrf)&kind=password&username=vigil&secret=\(Self.escape(secret))")
            #expect(set.status == .seeOther)
            #expect(set.headers[.location] == "/hosts/\(host)?done=credential")
            let stored = try #require(try await fleet.store.credential(of: try ManagedHost.ID(host)))
            #expect(stored.kind == .password && stored.username == "vigil" && !stored.sealedSecret.contains("s3cret"))
            let hostPage = Self.text(try await get(client, "/hosts/\(host)?done=credential", session))
            #expect(hostPage.contains("Set: <code>password</code> for user <code>vigil</code>"))
            #expect(!hostPage.contains("s3cret"), "the secret is never read back")
            let badKind = try await post(
                client, "/hosts/\(host)/credential", session, "\(csrf)&kind=telepathy&username=vigil&secret=x")
            #expect(badKind.status == .badRequest)

            let other = try await login(client, otherEmail, otherPassword)
            let otherCSRF = "_csrf=\(other.csrf)"
            #expect(try await post(client, "/sites/site-main/settings", other, otherCSRF).status == .notFound)
            #expect(
                try await post(
                    client, "/hosts/\(host)/credential", other, "\(otherCSRF)&kind=password&username=x&secret=y"
                ).status == .notFound)
            #expect(try await fleet.store.credential(of: try ManagedHost.ID(host))?.username == "vigil")
        }
    }

    @Test func learningIsThePlatformsAndTheAuditLogIsForAdministrators() async throws {
        let (_, email, password, otherEmail, otherPassword) = try await twoTenants()
        let (viewerEmail, viewerPassword) = try await user("viewer@platform.test", role: .viewer)
        try await fleet.app().test(.router) { client in
            for _ in 0..<5 {
                let reported = try await fleet.applianceCall(
                    client, "/api/v1/appliance/resolutions", LearningHTTPTests.good)
                #expect(reported.status == .noContent)
            }
            let session = try await login(client, email, password)
            let fleetPage = Self.text(try await get(client, "/", session))
            #expect(fleetPage.contains("<a href=\"/learning\">") && fleetPage.contains("<a href=\"/audit\">"))
            let learning = Self.text(try await get(client, "/learning", session))
            #expect(learning.contains("linux.ssh.permit_root_login") && learning.contains("100 %"))
            let proposal = try #require(
                learning.components(separatedBy: "action=\"/learning/rules/").dropFirst().first?
                    .components(separatedBy: "/approve").first)
            let approved = try await post(
                client, "/learning/rules/\(proposal)/approve", session, "_csrf=\(session.csrf)")
            #expect(approved.status == .seeOther)
            #expect(approved.headers[.location] == "/learning?done=rule-approve")
            let after = Self.text(try await get(client, "/learning?done=rule-approve", session))
            #expect(after.contains("Rule approved") && after.contains("badge pass\">active"))
            let again = try await post(client, "/learning/rules/\(proposal)/reject", session, "_csrf=\(session.csrf)")
            #expect(again.status == .conflict)
            let audit = Self.text(try await get(client, "/audit", session))
            #expect(audit.contains("learned_rule.approved") && audit.contains("rule:\(proposal)"))
            #expect(try await get(client, "/audit?before=0", session).status == .badRequest)

            // A partner's operator: no learning, and only its own audit entries.
            let other = try await login(client, otherEmail, otherPassword)
            let otherFleet = Self.text(try await get(client, "/", other))
            #expect(!otherFleet.contains("<a href=\"/learning\">") && otherFleet.contains("<a href=\"/audit\">"))
            #expect(try await get(client, "/learning", other).status == .forbidden)
            #expect(
                try await post(client, "/learning/rules/\(proposal)/reject", other, "_csrf=\(other.csrf)").status
                    == .forbidden)
            let otherAudit = Self.text(try await get(client, "/audit", other))
            #expect(!otherAudit.contains("learned_rule.approved"))
            // A viewer: neither.
            let viewer = try await login(client, viewerEmail, viewerPassword)
            let viewerFleet = Self.text(try await get(client, "/", viewer))
            #expect(!viewerFleet.contains("<a href=\"/audit\">"))
            #expect(try await get(client, "/audit", viewer).status == .forbidden)
        }
    }

    @Test func theEventStreamSaysWhenSomethingChanged() async throws {
        _ = try await fleet.seed()
        let (email, password) = try await user("admin@platform.test")
        var services = CentralServices.memory(fleet.store)
        services.eventStreamSeconds = 3
        let changes = services.changes
        try await Application(router: buildRouter(services: services)).test(.router) { client in
            #expect(try await get(client, "/events", nil).status == .seeOther)
            let session = try await login(client, email, password)
            let page = Self.text(try await get(client, "/", session))
            #expect(page.contains("data-live=\"/events?since=0\""))
            // A change made after the page was built but before its stream opened is not lost.
            changes.bump()
            let response = try await get(client, "/events?since=0", session)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            let text = Self.text(response)
            #expect(text.hasPrefix("retry: 5000\n\n"))
            #expect(text.contains("event: changed\ndata: \(changes.revision)\n\n"), "\(text)")
        }
    }

    @Test func hostileFormBodiesGetA4xxPageNeverA500() async throws {
        let token = try await fleet.seed()
        let (email, password) = try await user("admin@platform.test")
        try await fleet.app().test(.router) { client in
            let (_, incident) = try await incidents.raisePendingFix(client, token)
            let session = try await login(client, email, password)
            let path = "/incidents/\(incident.id)/resolve"
            let csrf = "_csrf=\(session.csrf)"
            let cases: [(String, HTTPFields, HTTPResponse.Status)] = [
                ("\(csrf)&note=%zz", Self.formHeaders, .badRequest),
                ("\(csrf)&note=%4", Self.formHeaders, .badRequest),
                ("\(csrf)&note=a&note=b", Self.formHeaders, .badRequest),
                ("\(csrf)&note", Self.formHeaders, .badRequest),
                ("\(csrf)&note=%00", Self.formHeaders, .badRequest),
                ("\(csrf)&note=%C3%28", Self.formHeaders, .badRequest),
                ("\(csrf)&note=" + String(repeating: "x", count: 40_000), Self.formHeaders, .contentTooLarge),
                ("\(csrf)&note=" + String(repeating: "x", count: 2001), Self.formHeaders, .badRequest),
                (#"{"note":"json"}"#, [.contentType: "application/json"], .unsupportedMediaType),
            ]
            for (body, headers, status) in cases {
                var fields = headers
                fields[.cookie] = session.cookie
                let response = try await client.execute(
                    uri: path, method: .post, headers: fields, body: ByteBuffer(string: body))
                #expect(response.status == status, "\(body.prefix(40))")
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
            }
            #expect(try await fleet.store.incident(try Incident.ID(incident.id))?.status == .open)
            let malformedLogin = try await post(client, "/login", nil, "email=%%&password=x")
            #expect(malformedLogin.status == .badRequest)
        }
    }
}
