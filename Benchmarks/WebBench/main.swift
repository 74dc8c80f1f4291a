// The fleet overview at scale (issue 6): 1,000 sites and 25,000 hosts in a real SQLite database
// (or PostgreSQL with VIGIL_BENCH_POSTGRES_URL), every host with a scan's 21 current check
// states, one appliance per site, open incidents. Times `GET /` through Central Command's own
// router with a real session (authentication, the read model, the model, the HTML), and the pure
// render of the same model size. Usage: vigil-web-bench [SITES] [HOSTS_PER_SITE] [REQUESTS]
import CentralCommand
import Compliance
import EvidenceCrypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SQLStorage
import Views

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let siteCount = arguments.first ?? 1000
let hostsPerSite = arguments.dropFirst().first ?? 25
let requests = arguments.dropFirst(2).first ?? 50

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

func report(_ label: String, _ samples: [Double]) {
    let sorted = samples.sorted()
    func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] }
    print(
        String(
            format: "%@: n=%d  p50 %.1f ms  p95 %.1f ms  max %.1f ms", label, sorted.count, at(0.5), at(0.95),
            sorted.last ?? 0))
}

let logger = Logger(label: "web-bench")
let directory = FileManager.default.temporaryDirectory.appending(path: "vigil-web-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let configuration: DatabaseConfiguration =
    if let url = ProcessInfo.processInfo.environment["VIGIL_BENCH_POSTGRES_URL"] {
        .postgres(try .init(url: url))
    } else {
        .sqlite(path: directory.appending(path: "vigil.sqlite").path)
    }
let database = try await VigilDatabase.open(configuration, logger: logger)
_ = try await database.migrate()
let tenancy = SQLTenancyStore(database: database)
let evidence = SQLEvidenceStore(database: database)
let fleet = SQLFleetStore(database: database)
let incidents = SQLIncidentStore(database: database)

// Seeding.
let seedStart = ContinuousClock.now
let now = Timestamp.now()
let partner = try Partner.ID("partner-bench")
try await tenancy.create(Partner(id: partner, name: "Bench MSP"))
let checks = CheckCatalog.builtin.checks(for: .linux)
var generator = SystemRandomNumberGenerator()
for index in 0..<siteCount {
    if index % 10 == 0 {
        try await tenancy.create(
            Client(id: try Client.ID("client-\(index / 10)"), partnerID: partner, name: "Practice \(index / 10)"))
    }
    let site = try Site.ID("site-\(index)")
    try await tenancy.create(
        Site(id: site, clientID: try Client.ID("client-\(index / 10)"), name: "Site \(index)", timeZone: "UTC"))
    let appliance = try Appliance.ID("appliance-\(index)")
    try await tenancy.create(
        Appliance(
            id: appliance, siteID: site, publicKey: "bench-key-\(index)", softwareRevision: "bench",
            deploymentMode: .direct))
    try await fleet.recordHealth(
        ApplianceHealth(
            softwareVersion: "bench", uptimeSeconds: 1, queueDepth: 0, clockOffsetMilliseconds: 0,
            checkedInAt: now.adding(milliseconds: index % 7 == 0 ? -3_600_000 : -30_000)),
        of: appliance)
    var previous = HexDigest.zero
    var bundles: [StoredBundle] = []
    for hostIndex in 0..<hostsPerSite {
        let host = try ManagedHost.ID("host-\(index)-\(hostIndex)")
        try await tenancy.create(
            ManagedHost(
                id: host, siteID: site, name: "pc-\(hostIndex)", platform: .linux, address: "10.0.0.\(hostIndex)"))
        let results = checks.map { definition in
            let roll = Int.random(in: 0..<100, using: &generator)
            let status: CheckStatus = roll < 90 ? .pass : roll < 98 ? .fail : .unknown
            return CheckResult(checkID: definition.id, status: status, severity: definition.severity, observed: "bench")
        }
        let id = try Identifier<EvidenceBundle>("bundle-\(index)-\(hostIndex)")
        let at = now.adding(milliseconds: -60_000)
        let bundle = EvidenceBundle(
            bundleID: id, kind: .scan, siteID: site, hostID: host, applianceID: appliance,
            sequence: Int64(hostIndex + 1), previousHash: previous, observedAt: at, startedAt: at, finishedAt: at,
            softwareRevision: "bench", deploymentMode: .direct, results: results, outcome: .success)
        let bytes = Array(try JSONEncoder().encode(bundle))
        let hash = try HexDigest(hex: Hash32.sha256(bytes).hex)
        bundles.append(
            StoredBundle(
                applianceID: appliance, sequence: Int64(hostIndex + 1), bundleID: id, siteID: site, hostID: host,
                observedAt: at, hash: hash, previousHash: previous, canonicalBytes: bytes,
                signature: Array(repeating: 0, count: 64), receivedAt: at))
        previous = hash
    }
    try await evidence.append(bundles, signedWith: nil)
    if index % 5 == 0 {
        _ = try await incidents.raise(
            Incident(
                id: .random(prefix: "incident"), siteID: site, applianceID: appliance,
                hostID: try ManagedHost.ID("host-\(index)-0"), checkID: checks[0].id, severity: .high,
                title: "bench incident", context: "bench", observed: "yes", attempts: 0, pendingAction: nil,
                at: now.adding(milliseconds: -Int64(index) * 60_000)))
    }
}
print(
    "seeded \(siteCount) sites, \(siteCount * hostsPerSite) hosts, \(siteCount * hostsPerSite * checks.count) check states in \(String(format: "%.1f", milliseconds(ContinuousClock.now - seedStart) / 1000)) s"
)

var policy = AccountPolicy()
policy.bcryptCost = 4
let services = CentralServices(
    tenancy: tenancy, evidence: evidence, events: SQLAuditLog(database: database),
    nonces: SQLNonceStore(database: database),
    enrolment: SQLEnrolmentStore(database: database), apiKeys: SQLAPIKeyStore(database: database),
    accounts: SQLAccountStore(database: database), fleet: fleet, checkpoints: SQLCheckpointStore(database: database),
    incidents: incidents, learning: SQLLearningStore(database: database),
    overview: SQLFleetOverview(database: database), portal: SQLPortalStore(database: database),
    branding: SQLPortalStore(database: database),
    secrets: try SecretBox(key: Array(repeating: 9, count: 32)), accountPolicy: policy,
    identity: ServerIdentity(name: "vigil.central/bench", key: SigningKey()), readiness: { (true, "bench") })
let (_, password) = try await services.accountService.createUser(
    by: .platform, actor: "bench", email: "bench@platform.test", displayName: "Bench", role: .admin, partner: nil)
let login = try await services.accountService.login(email: "bench@platform.test", password: password, totpCode: nil)

/// `requests` timed GETs of `uri` with `cookie` through the router (after 3 warm-ups): the samples
/// in milliseconds and the size of the last answer.
func timedGets(_ uri: String, cookie: String) async throws -> (samples: [Double], size: Int) {
    try await Application(router: buildRouter(services: services)).test(.router) { client in
        var samples: [Double] = []
        var size = 0
        for round in 0..<(requests + 3) {
            let start = ContinuousClock.now
            let response = try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie])
            let elapsed = milliseconds(ContinuousClock.now - start)
            guard response.status == .ok else { throw CancellationError() }
            size = response.body.readableBytes
            if round >= 3 { samples.append(elapsed) }
        }
        return (samples, size)
    }
}

let (samples, size) = try await timedGets("/", cookie: "\(SessionTokens.cookieName)=\(login.token)")
report("GET / (session, read model, model, HTML; \(size / 1024) KiB)", samples)

// The read model alone (six queries).
var reads: [Double] = []
for round in 0..<(requests + 3) {
    let start = ContinuousClock.now
    let overviews = try await services.overview.siteOverviews(partner: nil)
    let elapsed = milliseconds(ContinuousClock.now - start)
    precondition(overviews.count == siteCount)
    if round >= 3 { reads.append(elapsed) }
}
report("read model only (siteOverviews)", reads)

// The render alone, from a model of the same size.
let model = FleetPage(
    layout: Layout(user: "bench", tenant: "Bench MSP", csrfToken: "x", section: .fleet), now: now,
    sites: (0..<siteCount).map { index in
        FleetPage.Site(
            id: "site-\(index)", name: "Site \(index)", client: "Practice \(index / 10)", partner: "Bench MSP",
            scores: [92, 75, nil, 60, 100], hosts: hostsPerSite, failingChecks: index % 9,
            appliances: [.online: 1], openIncidents: index % 5 == 0 ? 1 : 0, breachedIncidents: 0,
            nextDue: index % 5 == 0 ? now.adding(milliseconds: 600_000) : nil)
    })
var renders: [Double] = []
for round in 0..<(requests + 3) {
    let start = ContinuousClock.now
    let html = model.render()
    let elapsed = milliseconds(ContinuousClock.now - start)
    precondition(!html.text.isEmpty)
    if round >= 3 { renders.append(elapsed) }
}
report("render only (\(siteCount) sites)", renders)
// The client portal of the first practice: its sites with every check in plain English.
let practice = try Client.ID("client-0")
let contact = PortalContact(
    id: try PortalContact.ID("contact-bench"), clientID: practice, email: "office@bench.test", name: "Office",
    createdAt: now)
try await services.portal.create(contact)
let portalToken = String(repeating: "ab", count: 32)
try await services.portal.create(
    PortalSession(
        tokenHash: try HexDigest(hex: Hash32.sha256(Array(portalToken.utf8)).hex), contactID: contact.id,
        createdAt: Timestamp.now(), expiresAt: Timestamp.now().adding(milliseconds: 3_600_000),
        lastSeenAt: Timestamp.now()))
let practiceSites = try await tenancy.sites(of: practice).count
let (portalSamples, portalSize) = try await timedGets("/portal", cookie: "vigil_portal=\(portalToken)")
report("GET /portal (\(practiceSites) sites × \(hostsPerSite) hosts; \(portalSize / 1024) KiB)", portalSamples)
await database.close()
