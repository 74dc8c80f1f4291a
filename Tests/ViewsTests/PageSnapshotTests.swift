import Compliance
import Foundation
import Testing
import Views

/// Every page rendered from a fixed model and compared with the HTML kept in `Snapshots/`.
/// After a deliberate change, `VIGIL_RECORD_SNAPSHOTS=1 swift test --filter PageSnapshotTests`
/// rewrites them; the diff is then reviewed like code.
@Suite struct PageSnapshotTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "Snapshots")
    static let recording = ProcessInfo.processInfo.environment["VIGIL_RECORD_SNAPSHOTS"] == "1"

    @Test(arguments: PageFixtures.pages.map(\.0))
    func pageMatchesItsSnapshot(_ name: String) throws {
        let html = try #require(PageFixtures.pages.first { $0.0 == name }?.1).text
        let file = Self.directory.appending(path: "\(name).html")
        if Self.recording {
            try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
            try html.write(to: file, atomically: true, encoding: .utf8)
        }
        let kept = try String(contentsOf: file, encoding: .utf8)
        #expect(html == kept, "\(name) differs from Snapshots/\(name).html; record again if the change is meant")
    }

    @Test(arguments: PageFixtures.pages.map(\.0))
    func hostileTextIsEscapedEverywhere(_ name: String) throws {
        let html = try #require(PageFixtures.pages.first { $0.0 == name }?.1).text
        #expect(!html.contains("<script>alert"))
        #expect(!html.contains("\"quoted\""))
        if name != "incidents", name != "portal-redeem" {
            #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;"))
        }
    }

    @Test(arguments: PageFixtures.pages.map(\.0))
    func everyPostFormCarriesTheCSRFTokenExceptLogin(_ name: String) throws {
        let html = try #require(PageFixtures.pages.first { $0.0 == name }?.1).text
        let forms = html.components(separatedBy: "<form").dropFirst().map { $0.components(separatedBy: "</form>")[0] }
        for form in forms where form.contains("method=\"post\"") {
            // The login forms come before any session; their routes check the Origin instead.
            if form.contains("action=\"/login\"") || form.contains("action=\"/portal/login") { continue }
            #expect(form.contains("name=\"_csrf\" value=\"c5rf-t0ken\""), "\(form.prefix(120))")
        }
    }

    @Test func thePortalSaysUnknownPlainlyAndLinksOnlyToPortalPages() {
        let html = PageFixtures.portalStatus.render().text
        #expect(html.contains("<span class=\"badge unknown\">unknown</span> Host firewall is active"))
        #expect(html.contains("<strong>Unknown: no evidence yet.</strong></p>"))
        #expect(
            html.contains("Not yet known (1)") && html.contains("Needs attention (1)") && html.contains("Passing (1)"))
        #expect(html.contains("href=\"/portal/evidence/bnd_9\""))
        #expect(html.contains("action=\"/portal/logout\""))
        #expect(html.contains("href=\"/portal/brand.css\"") && html.contains("src=\"/portal/brand/logo.png\""))
        #expect(!html.contains("href=\"/sites/") && !html.contains("href=\"/hosts/") && !html.contains("<nav"))
        let bundle = PageFixtures.portalBundle.render().text
        #expect(bundle.contains("href=\"/portal/evidence/bnd_9/download\"") && !bundle.contains("href=\"/hosts/"))
    }

    @Test func unknownIsNeverShownAsPassingOrAsZero() {
        let fleet = PageFixtures.fleet.render().text
        // The new site has no evidence: five unknown scores, no "0%".
        let newSite = fleet.components(separatedBy: "site_new")[1].components(separatedBy: "</tr>")[0]
        #expect(newSite.components(separatedBy: ">unknown<").count - 1 == 5)
        #expect(!newSite.contains("0%"))
        let site = PageFixtures.site.render().text
        #expect(site.contains("CIS Controls: unknown, no evidence"))
        #expect(site.contains("<span class=\"unknown\">1 unknown</span>"))
    }

    @Test func slaClocksSayWhatIsDueAndWhatIsLate() {
        let html = PageFixtures.incidents.render().text
        #expect(html.contains("<span class=\"breached\">acknowledge was due 1 h ago</span>"))
        #expect(html.contains("<span>resolve in 3 h 50 min</span>"))
        // Approve is offered only for the pending fix; acknowledge only while open.
        #expect(html.components(separatedBy: "/approve\"").count - 1 == 1)
        #expect(html.components(separatedBy: "/acknowledge\"").count - 1 == 1)
    }

    @Test func scoreBarsAreClampedAndBanded() {
        #expect(Charts.scoreBar(150, label: "x").text.contains("width=\"120\" height=\"10\" rx=\"3\" class=\"good\""))
        #expect(Charts.scoreBar(-5, label: "x").text.contains("width=\"0\" height=\"10\" rx=\"3\" class=\"poor\""))
        #expect(Charts.band(89) == "fair" && Charts.band(69) == "poor" && Charts.band(90) == "good")
    }

    @Test func controlCharactersCannotReachTheDocument() {
        let html: HTML = "<p>\("a\u{0}b\u{1B}c\td")</p>"
        #expect(html.text == "<p>a\u{FFFD}b\u{FFFD}c\td</p>")
    }

    @Test func durationsReadNaturally() {
        #expect(Format.duration(59_000) == "0 min")
        #expect(Format.duration(3_600_000) == "1 h")
        #expect(Format.duration(49 * 3_600_000) == "2 d 1 h")
        #expect(Format.relative(PageFixtures.minutes(5), from: PageFixtures.now) == "in 5 min")
        #expect(Format.time(PageFixtures.now) == "2026-11-30 12:00 UTC")
    }
}
