import CentralClient
import Compliance
import Foundation
import TestSupport
import Testing
import VigilAPI

@testable import CLI

/// The operator's pages in a real headless Chromium against `vigil demo`: log in, walk the
/// fleet, a site and the incidents, acknowledge and resolve an incident through the forms, log
/// out — failing on any script error, console error, CSP violation or HTTP error. Screenshots are
/// saved (to `VIGIL_SCREENSHOT_DIR` too when set; docs/screenshots holds the ones README shows).
@Suite(.serialized) struct BrowserTests {
    static let available = ApplianceDaemonTests.available && HeadlessBrowser.available
    static let skip: Comment =
        "needs chromium, OpenSSH server, chrony and root (apt-get install chromium openssh-server chrony; .ci/run installs them)"

    /// A page of the browser: one tab, with its session for commands.
    struct Tab {
        let browser: HeadlessBrowser
        let session: String

        static func open(_ browser: HeadlessBrowser) async throws -> Tab {
            let target = try await browser.send("Target.createTarget", ["url": "about:blank"])
            let attached = try await browser.send(
                "Target.attachToTarget", ["targetId": target["targetId"] as? String ?? "", "flatten": true])
            let tab = Tab(browser: browser, session: attached["sessionId"] as? String ?? "")
            for domain in ["Page", "Runtime", "Log", "Network"] {
                try await browser.send("\(domain).enable", session: tab.session)
            }
            try await browser.send(
                "Emulation.setDeviceMetricsOverride",
                ["width": 1280, "height": 860, "deviceScaleFactor": 1, "mobile": false], session: tab.session)
            return tab
        }

        /// Runs `script` and waits for the page it leads to (a link, a form) to load.
        func loading(_ script: String) async throws {
            let mark = browser.events.count
            try await evaluate(script)
            try await browser.waitFor("Page.loadEventFired", session: session, after: mark)
        }

        func navigate(_ url: String) async throws {
            let mark = browser.events.count
            try await browser.send("Page.navigate", ["url": url], session: session)
            try await browser.waitFor("Page.loadEventFired", session: session, after: mark)
        }

        @discardableResult
        func evaluate(_ script: String) async throws -> String {
            let answer = try await browser.send(
                "Runtime.evaluate", ["expression": script, "returnByValue": true, "awaitPromise": true],
                session: session)
            if let exception = answer["exceptionDetails"] as? [String: Any] {
                throw HeadlessBrowser.BrowserError(
                    "\(script.prefix(60)): \(exception["text"] as? String ?? "exception")")
            }
            let value = (answer["result"] as? [String: Any])?["value"]
            return value.map { "\($0)" } ?? ""
        }

        func screenshot(_ path: String) async throws {
            let shot = try await browser.send("Page.captureScreenshot", ["format": "png"], session: session)
            let data = try #require(Data(base64Encoded: shot["data"] as? String ?? ""))
            try data.write(to: URL(fileURLWithPath: path))
        }

        /// Script errors, console errors, browser log errors (CSP included) and HTTP errors.
        var problems: [String] {
            browser.events.compactMap { event -> String? in
                let params = event.object
                switch event.method {
                case "Runtime.exceptionThrown":
                    return "exception: \((params["exceptionDetails"] as? [String: Any])?["text"] ?? "")"
                case "Runtime.consoleAPICalled" where params["type"] as? String == "error":
                    return "console error: \(params["args"] ?? "")"
                case "Log.entryAdded":
                    let entry = params["entry"] as? [String: Any] ?? [:]
                    return entry["level"] as? String == "error"
                        ? "log: \(entry["text"] ?? "") \(entry["url"] ?? "")" : nil
                case "Network.responseReceived":
                    let response = params["response"] as? [String: Any] ?? [:]
                    let status = response["status"] as? Int ?? 0
                    return status >= 400 ? "HTTP \(status): \(response["url"] ?? "")" : nil
                default:
                    return nil
                }
            }
        }
    }

    @Test(.enabled(if: available, skip))
    func anOperatorLogsInWalksThePagesAndActsOnAnIncidentInARealBrowser() async throws {
        let directory = try TemporaryDirectory("vigil-browser")
        let (process, file, _) = try await DemoCommandTests.start(in: directory, exitAfter: 150)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // The demo's first turn escalates the spare root account: wait for that incident.
        let client = OperatorClient(
            connection: CentralConnection(baseURL: try #require(URL(string: file.url))), token: file.apiKey)
        var incidents: [IncidentInfo] = []
        for _ in 0..<120 where incidents.isEmpty {
            incidents = (try? await client.get("/api/v1/sites/\(file.siteID)/incidents", as: [IncidentInfo].self)) ?? []
            if incidents.isEmpty { try await Task.sleep(for: .milliseconds(500)) }
        }
        let incident = try #require(incidents.first, "no incident within a minute")
        // And the turn's evidence has arrived, so the pages show real states.
        struct Host: Decodable {
            let id: String
            let name: String
        }
        var uploaded = false
        for _ in 0..<120 where !uploaded {
            let hosts = (try? await client.get("/api/v1/sites/\(file.siteID)/hosts", as: [Host].self)) ?? []
            if let records = hosts.first(where: { $0.name == "records-server" }) {
                uploaded =
                    (try? await client.get(
                        "/api/v1/sites/\(file.siteID)/state?host=\(records.id)&check=linux.accounts.uid0_only_root",
                        as: CheckStateProof.self)) != nil
            }
            if !uploaded { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(uploaded, "no evidence within a minute")

        let browser = try HeadlessBrowser(profile: directory.appending("chromium"))
        defer { browser.stop() }
        let tab = try await Tab.open(browser)
        let shots = directory.appending("screenshots")
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)

        // Not logged in: the fleet redirects to the login form.
        try await tab.navigate(file.url + "/")
        #expect(try await tab.evaluate("location.pathname + location.search") == "/login?next=/")
        try await tab.screenshot(shots + "/login.png")
        try await tab.evaluate(
            """
            document.getElementById('email').value = \(Self.literal(file.username));
            document.getElementById('password').value = \(Self.literal(file.password)); true
            """)
        try await tab.loading("document.querySelector('form[action=\"/login\"] button').click(); true")
        #expect(try await tab.evaluate("location.pathname") == "/")
        #expect(try await tab.evaluate("document.querySelector('h1').textContent") == "Fleet")
        #expect(try await tab.evaluate("document.querySelectorAll('tbody tr').length") == "1")
        try await tab.screenshot(shots + "/fleet.png")

        try await tab.loading("document.querySelector('tbody th a').click(); true")
        #expect(try await tab.evaluate("location.pathname") == "/sites/\(file.siteID)")
        #expect(try await tab.evaluate("String(document.body.textContent.includes('records-server'))") == "true")
        #expect(try await tab.evaluate("String(document.body.textContent.includes('root, toor'))") == "true")
        try await tab.screenshot(shots + "/site.png")

        // A host, then the evidence behind one of its checks, re-verified by Central Command.
        try await tab.loading("document.querySelector('a[href^=\"/hosts/\"]').click(); true")
        #expect(try await tab.evaluate("location.pathname").hasPrefix("/hosts/"))
        try await tab.screenshot(shots + "/host.png")
        try await tab.loading("document.querySelector('a[href^=\"/evidence/\"]').click(); true")
        #expect(try await tab.evaluate("String(document.body.textContent.includes('signature verifies'))") == "true")
        try await tab.screenshot(shots + "/evidence.png")

        try await tab.navigate(file.url + "/incidents")
        #expect(
            try await tab.evaluate("String(document.body.textContent.includes(\(Self.literal(incident.title))))")
                == "true")
        try await tab.screenshot(shots + "/incidents.png")
        try await tab.loading(
            "document.querySelector('form[action=\"/incidents/\(incident.id)/acknowledge\"] button').click(); true")
        #expect(
            try await tab.evaluate("document.querySelector('[role=status]').textContent") == "Incident acknowledged.")
        try await tab.evaluate(
            """
            const form = document.querySelector('form[action="/incidents/\(incident.id)/resolve"]');
            form.closest('details').open = true;
            form.querySelector('textarea').value = 'Removed the spare root account by hand.'; true
            """)
        try await tab.loading(
            "document.querySelector('form[action=\"/incidents/\(incident.id)/resolve\"] button').click(); true")
        #expect(try await tab.evaluate("document.querySelector('[role=status]').textContent") == "Incident resolved.")
        let resolved = try await client.get("/api/v1/incidents/\(incident.id)", as: IncidentInfo.self)
        #expect(resolved.status == "resolved")

        // Administration: a claim code with its QR code, users and keys, settings.
        try await tab.navigate(file.url + "/sites/\(file.siteID)")
        try await tab.loading(
            "document.querySelector('form[action=\"/sites/\(file.siteID)/claim-codes\"] button').click(); true")
        #expect(try await tab.evaluate("String(document.querySelectorAll('svg.qr path').length)") == "1")
        try await tab.screenshot(shots + "/claim-code.png")
        try await tab.navigate(file.url + "/access")
        #expect(try await tab.evaluate("document.querySelector('h1').textContent") == "Users and API keys")
        try await tab.navigate(file.url + "/settings")
        try await tab.evaluate(
            """
            document.getElementById('display_name').value = 'Demo MSP IT';
            document.getElementById('accent_colour').value = '#1a7f37'; true
            """)
        try await tab.loading("document.querySelector('form[action^=\"/settings/branding\"] button').click(); true")
        #expect(try await tab.evaluate("document.querySelector('[role=status]').textContent") == "Branding saved.")
        try await tab.navigate(file.url + "/sites/\(file.siteID)/orders")
        #expect(try await tab.evaluate("document.querySelector('h1').textContent").hasPrefix("Orders for"))

        try await tab.loading("document.querySelector('form[action=\"/logout\"] button').click(); true")
        #expect(try await tab.evaluate("location.pathname") == "/login")

        // The practice contact: asks for a link, finds it in the demo's log (demo mode prints
        // e-mail), opens it, presses Continue, reads the status and verifies a piece of evidence.
        try await tab.navigate(file.url + "/portal/login")
        try await tab.evaluate("document.getElementById('email').value = \(Self.literal(file.portalContact)); true")
        try await tab.loading("document.querySelector('form[action=\"/portal/login\"] button').click(); true")
        #expect(try await tab.evaluate("document.querySelector('h1').textContent") == "Check your email")
        var link: String?
        for _ in 0..<50 where link == nil {
            let log = (try? String(contentsOfFile: directory.appending("demo.log"), encoding: .utf8)) ?? ""
            link = log.firstMatch(of: /\/portal\/login\/[0-9a-f]{64}/).map { String($0.output) }
            if link == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let path = try #require(link, "the demo printed no login link")
        try await tab.navigate(file.url + path)
        try await tab.loading("document.querySelector('form button').click(); true")
        #expect(try await tab.evaluate("location.pathname") == "/portal")
        #expect(try await tab.evaluate("document.querySelector('h1').textContent") == "Riverside Family Practice")
        #expect(try await tab.evaluate("document.querySelector('.brand').textContent") == "Demo MSP IT")
        #expect(try await tab.evaluate("String(document.body.textContent.includes('Why it matters'))") == "true")
        try await tab.screenshot(shots + "/portal.png")
        try await tab.loading("document.querySelector('a[href^=\"/portal/evidence/\"]').click(); true")
        #expect(try await tab.evaluate("String(document.body.textContent.includes('signature verifies'))") == "true")
        try await tab.screenshot(shots + "/portal-evidence.png")
        try await tab.loading("document.querySelector('form[action=\"/portal/logout\"] button').click(); true")
        #expect(try await tab.evaluate("location.pathname") == "/portal/login")
        #expect(tab.problems.isEmpty, "\(tab.problems)")

        if let keep = ProcessInfo.processInfo.environment["VIGIL_SCREENSHOT_DIR"] {
            try FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            for name in try FileManager.default.contentsOfDirectory(atPath: shots) {
                try? FileManager.default.removeItem(atPath: keep + "/" + name)
                try FileManager.default.copyItem(atPath: shots + "/" + name, toPath: keep + "/" + name)
            }
        }
    }

    /// `text` as a JavaScript string literal.
    static func literal(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8)
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }
}
