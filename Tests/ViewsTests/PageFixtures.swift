import Compliance
import Views
import VigilAPI

/// Fixed models for the page snapshots: one of each state a page can show, and hostile text
/// wherever a tenant, a host or an appliance supplies it.
enum PageFixtures {
    /// 2026-11-30 12:00:00 UTC.
    static let now = Timestamp(millisecondsSinceEpoch: 1_796_040_000_000)
    static let hostile = "<script>alert('x')</script> & \"quoted\""

    static func minutes(_ value: Int64) -> Timestamp { now.adding(milliseconds: value * 60_000) }
    static let root = (try? CheckID("linux.ssh.permit_root_login")).unsafelyUnwrapped

    static let layout = Layout(
        user: "ops@example-msp.test", tenant: "Example MSP", csrfToken: "c5rf-t0ken", section: .fleet)

    static let fleet = FleetPage(
        layout: layout, now: now,
        sites: [
            FleetPage.Site(
                id: "site_main", name: "Main Street Dental", client: "Main Street Dental LLC", partner: "Example MSP",
                scores: [92, 75, 40, nil, 100], hosts: 3, failingChecks: 4,
                appliances: [.online: 1, .stale: 1], openIncidents: 2, breachedIncidents: 1, nextDue: minutes(-20)),
            FleetPage.Site(
                id: "site_new", name: hostile, client: "New Clinic", partner: "Example MSP",
                scores: [nil, nil, nil, nil, nil], hosts: 0, failingChecks: 0, appliances: [:], openIncidents: 0,
                breachedIncidents: 0, nextDue: nil),
        ])

    static let incidentRows = [
        IncidentsPage.Row(
            id: "inc_1", siteID: "site_main", siteName: "Main Street Dental", host: "records-server",
            checkID: "linux.accounts.password_max_days", title: "Password ageing is too long", priority: .p3,
            status: .open, context: "L2 proposes a fix below the confidence threshold", observed: "99999 days",
            occurrences: 3, openedAt: minutes(-300), due: minutes(-60), breached: true,
            pendingRunbook: "RB-LIN-ACCT-001", pendingReasoning: hostile, pendingApproved: false, resolutionNote: nil),
        IncidentsPage.Row(
            id: "inc_2", siteID: "site_main", siteName: "Main Street Dental", host: "imaging-workstation",
            checkID: "linux.accounts.uid0_only_root", title: "Only root has UID 0", priority: .p1,
            status: .acknowledged, context: "no L1 rule heals this check", observed: "root, toor", occurrences: 1,
            openedAt: minutes(-10), due: minutes(230), breached: false, pendingRunbook: nil, pendingReasoning: nil,
            pendingApproved: false, resolutionNote: nil),
    ]

    static let incidents = IncidentsPage(
        layout: Layout(user: layout.user, tenant: layout.tenant, csrfToken: layout.csrfToken, section: .incidents),
        now: now, sites: [.init(id: "site_main", name: "Main Street Dental")], selectedSite: "site_main",
        selectedStatus: nil, rows: incidentRows, notice: "Incident inc_3 resolved.")

    static let site = SitePage(
        layout: Layout(user: layout.user, tenant: layout.tenant, csrfToken: layout.csrfToken, section: nil),
        now: now, id: "site_main", name: "Main Street Dental", client: "Main Street Dental LLC",
        scores: [
            SitePage.Score(framework: .hipaa, score: 92, counts: [.pass: 11, .fail: 1]),
            SitePage.Score(framework: .cis, score: nil, counts: [.unknown: 6]),
        ],
        hosts: [
            SitePage.Host(
                id: "host_1", name: "records-server", platform: "linux", address: "10.0.0.5:22", hasCredential: true,
                checks: [
                    SitePage.Check(
                        id: "linux.ssh.permit_root_login", title: "SSH refuses root logins", status: "fail",
                        observed: hostile, observedAt: minutes(-2), bundleID: "bnd_1"),
                    SitePage.Check(
                        id: "linux.firewall.active", title: "A host firewall is active", status: "pass",
                        observed: "nftables: 3 chains", observedAt: minutes(-2), bundleID: "bnd_1"),
                    SitePage.Check(
                        id: "linux.audit.auditd_running", title: "auditd is running", status: "unknown",
                        observed: nil, observedAt: nil, bundleID: nil),
                ]),
            SitePage.Host(
                id: "host_2", name: "front-desk", platform: "windows", address: nil, hasCredential: false, checks: []),
        ],
        appliances: [
            SitePage.Appliance(
                id: "app_1", status: .online, lastCheckIn: minutes(-1), version: "0.9.0", queueDepth: 0),
            SitePage.Appliance(id: "app_2", status: .never, lastCheckIn: nil, version: nil, queueDepth: nil),
        ],
        incidents: [incidentRows[0]],
        runbooks: [
            SitePage.Runbook(
                id: "RB-LIN-SSH-001", title: "Refuse root logins over SSH", needsWindow: false, enabled: true),
            SitePage.Runbook(id: "RB-LIN-FW-001", title: hostile, needsWindow: true, enabled: false),
        ],
        window: MaintenanceWindow(days: ["sat"], start: "22:00", end: "04:00", timeZone: "America/Chicago"),
        notice: "Healing settings saved.")

    static let host = HostPage(
        layout: Layout(user: layout.user, tenant: layout.tenant, csrfToken: layout.csrfToken, section: nil),
        now: now, siteID: "site_main", siteName: "Main Street Dental", id: "host_1", name: hostile, platform: "linux",
        address: "10.0.0.5:22",
        checks: [
            HostPage.Check(
                id: "linux.ssh.permit_root_login", title: "SSH refuses root logins", status: "pass", observed: "no",
                observedAt: minutes(-2), bundleID: "bnd_2",
                history: [
                    Charts.StatusCell(status: "fail", label: "2026-11-30 11:50 UTC: fail"),
                    Charts.StatusCell(status: "pass", label: "2026-11-30 11:58 UTC: pass"),
                ]),
            HostPage.Check(
                id: "linux.audit.auditd_running", title: "auditd is running", status: "unknown", observed: nil,
                observedAt: nil, bundleID: nil, history: []),
        ],
        bundles: [
            HostPage.Bundle(
                id: "bnd_2", kind: "remediation", outcome: "success", observedAt: minutes(-2), appliance: "app_1",
                sequence: 42)
        ], credential: HostPage.Credential(kind: "ssh_private_key", username: "vigil"))

    static let bundle = BundlePage(
        layout: Layout(user: layout.user, tenant: layout.tenant, csrfToken: layout.csrfToken, section: nil),
        siteID: "site_main", siteName: "Main Street Dental", hostID: "host_1", hostName: "records-server", id: "bnd_2",
        kind: "remediation", outcome: "success", observedAt: minutes(-2), appliance: "app_1", sequence: 42,
        hash: String(repeating: "ab", count: 32), previousHash: String(repeating: "cd", count: 32),
        signatureVerifies: true,
        results: [BundlePage.Result(check: "linux.ssh.permit_root_login", status: "pass", observed: "no")],
        steps: [
            BundlePage.Step(
                step: "remediate", runbook: "RB-LIN-SSH-001", exitCode: 0, milliseconds: 412, excerpt: hostile)
        ])

    static let learning = LearningPage(
        layout: Layout(
            user: layout.user, tenant: "platform operator", csrfToken: layout.csrfToken, section: .learning,
            sections: Layout.Section.allCases),
        overview: LearningOverview(
            revision: 3,
            patterns: [
                ResolutionPattern(
                    key: "p1", checkID: root, runbook: "RB-LIN-SSH-001", parameters: ["value": hostile], occurrences: 6,
                    verified: 5, firstSeen: minutes(-600), lastSeen: minutes(-60))
            ],
            rules: [
                LearnedRule(
                    id: "rule-1", patternKey: "p1", checkID: root, runbook: "RB-LIN-SSH-001",
                    parameters: ["value": "no"],
                    status: .proposed, runs: 0, failures: 0, proposedAt: minutes(-60), decidedAt: nil, decidedBy: nil,
                    note: nil),
                LearnedRule(
                    id: "rule-0", patternKey: "p0", checkID: root, runbook: "RB-LIN-SSH-001", parameters: [:],
                    status: .active, runs: 9, failures: 1, proposedAt: minutes(-6000), decidedAt: minutes(-5000),
                    decidedBy: "user:ops", note: nil),
            ]),
        notice: "Rule approved.")

    static let audit = AuditPage(
        layout: Layout(
            user: layout.user, tenant: layout.tenant, csrfToken: layout.csrfToken, section: .audit,
            sections: [.fleet, .incidents, .audit]),
        entries: [
            AuditPage.Entry(
                id: 7, at: minutes(-3), actor: "user:ops", action: "incident.resolved", target: "incident:inc_1",
                detail: hostile)
        ], older: 7)

    static let runbooks = RunbooksPage(
        layout: Layout(user: layout.user, tenant: layout.tenant, csrfToken: layout.csrfToken, section: .runbooks),
        runbooks: [
            RunbooksPage.Runbook(
                id: "RB-LIN-ACCT-001", title: "Limit password age", platform: "linux",
                heals: ["linux.accounts.password_max_days"], disruptive: false, needsWindow: false, sensitive: true,
                timeoutSeconds: 30,
                parameters: [
                    RunbooksPage.Parameter(
                        name: "days", kind: "whole number 1–365", defaultValue: "90", description: hostile)
                ], controls: ["HIPAA Security Rule 164.308(a)(5)(ii)(D)"]),
            RunbooksPage.Runbook(
                id: "RB-LIN-PATCH-001", title: "Install security updates", platform: "linux",
                heals: ["linux.patching.security_updates"], disruptive: true, needsWindow: true, sensitive: false,
                timeoutSeconds: 1800, parameters: [], controls: []),
        ])

    static let login = LoginPage(
        problem: "Email or password is wrong.", email: hostile, askTOTP: true, next: "/sites/x")

    static let error = ErrorPage(status: 404, title: "Not found", message: "site \(hostile) not found")

    /// Every page by snapshot name.
    static var pages: [(String, HTML)] {
        [
            ("fleet", fleet.render()), ("site", site.render()), ("incidents", incidents.render()),
            ("login", login.render()), ("error", error.render()), ("host", host.render()),
            ("bundle", bundle.render()), ("learning", learning.render()), ("audit", audit.render()),
            ("runbooks", runbooks.render()), ("portal-login", portalLogin.render()),
            ("portal-sent", portalSent.render()), ("portal-redeem", portalRedeem.render()),
            ("portal-status", portalStatus.render()), ("portal-bundle", portalBundle.render()),
            ("access", access.render()), ("claim-code", claimCode.render()), ("orders", orders.render()),
            ("settings", settings.render()),
        ]
    }

    // MARK: Client portal

    static let portalLogin = PortalLoginPage(email: hostile, problem: "That is not an email address.")
    static let portalSent = PortalLoginPage(email: hostile, sent: true)
    static let portalRedeem = PortalRedeemPage(token: String(repeating: "0f", count: 32))

    static let portalLayout = Layout(
        user: hostile, tenant: "Main Street Dental", csrfToken: "c5rf-t0ken", section: nil, sections: [],
        root: "/portal", brand: Layout.Brand(name: "Example <MSP>", hasLogo: true, hasColour: true))

    static let portalStatus = PortalStatusPage(
        layout: portalLayout, practice: "Main Street Dental",
        sites: [
            PortalStatusPage.SiteStatus(
                name: hostile,
                scores: [
                    SitePage.Score(framework: .hipaa, score: 50, counts: [.pass: 1, .fail: 1]),
                    SitePage.Score(framework: .pciDSS, score: nil, counts: [.unknown: 2]),
                ],
                controls: [
                    PortalStatusPage.Control(
                        check: "linux.ssh.permit_root_login", title: "SSH refuses root logins", expected: "no",
                        why: "Logging in directly as the administrator makes break-ins easier.",
                        controls: ["HIPAA 164.312(a)(1)", "CIS 5.4"], status: "fail",
                        summary: "Failing on 1 of 3 computers", evidenceAt: minutes(-5), bundleID: "bnd_9"),
                    PortalStatusPage.Control(
                        check: "linux.firewall.active", title: "Host firewall is active", expected: "nftables active",
                        why: "A firewall blocks what should not be reachable.", controls: ["PCI DSS 1.2.1"],
                        status: "unknown", summary: "Unknown: no evidence yet", evidenceAt: nil, bundleID: nil),
                    PortalStatusPage.Control(
                        check: "linux.time.sync_active", title: "Host clock is synchronised", expected: "synchronised",
                        why: "Accurate clocks make logs trustworthy.", controls: ["NIST CSF PR.PS-04"],
                        status: "pass", summary: "Passing on all 3 computers", evidenceAt: minutes(-7),
                        bundleID: "bnd_8"),
                ])
        ])

    static let portalBundle = BundlePage(
        layout: portalLayout, siteID: "site_main", siteName: hostile, hostID: "host_1", hostName: "records-server",
        id: "bnd_9", kind: "scan", outcome: "success", observedAt: minutes(-5), appliance: "app_1", sequence: 7,
        hash: String(repeating: "ab", count: 32), previousHash: String(repeating: "cd", count: 32),
        signatureVerifies: true,
        results: [BundlePage.Result(check: "linux.ssh.permit_root_login", status: "fail", observed: "yes")], steps: [])

    // MARK: Administration

    static let adminLayout = Layout(
        user: "ops@example-msp.test", tenant: "Example MSP", csrfToken: "c5rf-t0ken", section: .access,
        sections: [.fleet, .incidents, .runbooks, .access, .settings, .audit])

    static let access = AccessPage(
        layout: adminLayout,
        users: [
            UserInfo(
                id: "user_1", partnerID: "p_1", email: "ops@example-msp.test", displayName: "Ops", role: "admin",
                totpEnabled: true, disabled: false),
            UserInfo(
                id: "user_2", partnerID: "p_1", email: "tech@example-msp.test", displayName: hostile,
                role: "technician", totpEnabled: false, disabled: false),
            UserInfo(
                id: "user_3", partnerID: "p_1", email: "gone@example-msp.test", displayName: "Gone", role: "viewer",
                totpEnabled: false, disabled: true),
        ],
        keys: [
            APIKeyInfo(
                id: "key_1", partnerID: "p_1", name: hostile, createdAt: "2026-11-01T00:00:00Z",
                lastUsedAt: nil, revokedAt: nil)
        ], currentUserID: "user_1", secret: AccessPage.Secret(what: "API key PSA", value: "vk_secret_once"))

    static let claimCode = ClaimCodePage(
        layout: adminLayout, siteID: "site_main", siteName: hostile, code: "ABCD-EFGH-JKLM",
        expiresAt: minutes(7 * 1440), enrolment: "vigil-enrol:?server=https%3A//vigil.example&code=ABCD-EFGH-JKLM")

    static let orders = OrdersPage(
        layout: adminLayout, siteID: "site_main", siteName: "Main Street Dental",
        orders: [
            OrderInfo(
                id: "ord_1", applianceID: "app_1", siteID: "site_main", type: "run_runbook",
                parameters: ["runbook": "RB-LIN-SSH-001", "host": hostile], status: "completed",
                issuedAt: "2026-11-30T11:00:00Z", expiresAt: "2026-11-30T12:00:00Z", createdBy: "user:user_1",
                updatedAt: "2026-11-30T11:01:00Z", resultDetail: "healed")
        ])

    static let settings = SettingsPage(
        layout: adminLayout, partnerID: "p_1", partnerName: "Example MSP",
        partners: [
            Partner(id: (try? Partner.ID("p_1")).unsafelyUnwrapped, name: "Example MSP"),
            Partner(id: (try? Partner.ID("p_2")).unsafelyUnwrapped, name: hostile),
        ],
        branding: PartnerBrandingBody(displayName: hostile, accentColour: "#1a7f3c"), hasLogo: true,
        practices: [
            SettingsPage.Practice(
                id: "client_1", name: "Main Street Dental",
                contacts: [
                    PortalContactInfo(
                        id: "contact_1", clientID: "client_1", email: "office@main.example", name: "Pat",
                        createdAt: "2026-11-01T00:00:00Z", disabledAt: nil)
                ])
        ], notice: "Branding saved.")
}
