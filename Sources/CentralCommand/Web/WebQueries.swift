import Compliance
import EvidenceCrypto
import Foundation
import Hummingbird
import Views
import VigilAPI

/// Builds the pages' models from the stores, scoped to what the caller's principal may see.
/// The one place web pages read data; the views themselves never do.
struct WebQueries: APIController {
    let services: CentralServices
    let evidence: EvidenceQueries

    /// Every site the principal may see, with its client and partner names, in name order.
    func visibleSites(_ principal: Principal) async throws -> [(site: Site, client: Client, partner: Partner)] {
        let partners: [Partner]
        switch principal {
        case .platform: partners = try await store { try await services.tenancy.partners() }
        case .partner(let id): partners = try await store { try await services.tenancy.partner(id) }.map { [$0] } ?? []
        }
        var found: [(site: Site, client: Client, partner: Partner)] = []
        for partner in partners {
            for client in try await store({ try await services.tenancy.clients(of: partner.id) }) {
                for site in try await store({ try await services.tenancy.sites(of: client.id) }) {
                    found.append((site, client, partner))
                }
            }
        }
        return found.sorted { ($0.site.name, $0.site.id.rawValue) < ($1.site.name, $1.site.id.rawValue) }
    }

    /// The overview from its read model: a fixed number of queries for any number of sites.
    func fleet(_ principal: Principal, layout: Layout) async throws -> FleetPage {
        let now = services.clock()
        let partner: Partner.ID? =
            switch principal {
            case .platform: nil
            case .partner(let id): id
            }
        let overviews = try await store { try await services.overview.siteOverviews(partner: partner) }
        // The controls in scope depend only on the framework and the platforms: worked out once
        // per distinct set of platforms, not once per site.
        var scopes: [Set<Platform>: [ComplianceScore.Scope]] = [:]
        let rows = overviews.map { overview in
            let platforms = overview.platforms
            let frameworkScopes =
                scopes[platforms]
                ?? Framework.allCases.map {
                    ComplianceScore.Scope(framework: $0, platforms: platforms, catalog: evidence.catalog)
                }
            scopes[platforms] = frameworkScopes
            let statuses = overview.statuses
            return FleetPage.Site(
                id: overview.site.id.rawValue, name: overview.site.name, client: overview.client.name,
                partner: overview.partner.name,
                scores: frameworkScopes.map { Self.score(ComplianceScore(scope: $0, statuses: statuses)) },
                hosts: overview.hosts.values.reduce(0, +),
                failingChecks: overview.checkStates.filter { $0.status.isFailing }.reduce(0) { $0 + $1.hosts },
                appliances: overview.applianceCheckIns.reduce(into: [:]) {
                    $0[ApplianceStatus(lastCheckIn: $1, now: now), default: 0] += 1
                },
                openIncidents: overview.incidents.count,
                breachedIncidents: overview.incidents.filter { $0.breached(at: now) }.count,
                nextDue: overview.incidents.compactMap(\.runningDue).min())
        }
        return FleetPage(layout: layout, now: now, sites: rows)
    }

    func site(_ site: Site, layout: Layout, notice: String? = nil) async throws -> SitePage {
        let now = services.clock()
        let client = try await store { try await services.tenancy.client(site.clientID) }
        let hosts = try await store { try await services.tenancy.hosts(at: site.id) }
        let states = try await store { try await services.evidence.checkStates(site: site.id) }
        var byHost: [ManagedHost.ID: [CheckID: CheckState]] = [:]
        for state in states { byHost[state.hostID, default: [:]][state.checkID] = state }
        let scores = scores(hosts: hosts, states: states)
        var hostModels: [SitePage.Host] = []
        for host in hosts.sorted(by: { $0.name < $1.name }) {
            let checks = checks(of: host, states: byHost[host.id] ?? [:])
            let credential = try await store { try await services.fleet.credential(of: host.id) }
            hostModels.append(
                SitePage.Host(
                    id: host.id.rawValue, name: host.name, platform: host.platform.rawValue, address: host.address,
                    hasCredential: credential != nil, checks: checks))
        }
        var appliances: [SitePage.Appliance] = []
        for appliance in try await store({ try await services.tenancy.appliances(at: site.id) }) {
            let health = try await store { try await services.fleet.health(of: appliance.id) }
            appliances.append(
                SitePage.Appliance(
                    id: appliance.id.rawValue, status: ApplianceStatus(lastCheckIn: health?.checkedInAt, now: now),
                    lastCheckIn: health?.checkedInAt, version: health?.softwareVersion, queueDepth: health?.queueDepth))
        }
        let settings = try await store { try await services.fleet.settings(of: site.id) }
        let names = Dictionary(hosts.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let enabled = Set(settings.enabledRunbooks)
        var runbooks = services.runbooks.runbooks.map {
            SitePage.Runbook(
                id: $0.id, title: $0.title, needsWindow: $0.requiresWindow, enabled: enabled.contains($0.id))
        }
        // Runbooks of an appliance's own catalogue that Central Command does not know stay visible.
        for id in enabled.subtracting(runbooks.map(\.id)).sorted() {
            runbooks.append(
                SitePage.Runbook(id: id, title: "(the appliance's own catalogue)", needsWindow: false, enabled: true))
        }
        let stored = settings.maintenanceWindowJSON.flatMap {
            try? JSONDecoder().decode(MaintenanceWindow.self, from: Data($0.utf8))
        }
        let window = MaintenanceWindow(
            days: stored?.days ?? [], start: stored?.start ?? "22:00", end: stored?.end ?? "04:00",
            timeZone: stored?.timeZone ?? site.timeZone)
        return SitePage(
            layout: layout, now: now, id: site.id.rawValue, name: site.name, client: client?.name ?? "",
            scores: scores, hosts: hostModels, appliances: appliances,
            incidents: try await unresolved(site.id).map { Self.row($0, siteName: site.name, hosts: names, now: now) },
            runbooks: runbooks, window: window, notice: notice)
    }

    /// A host's checks with their current state and the last `historyLength` results, and its
    /// recent bundles (newest first).
    func host(_ host: ManagedHost, layout: Layout, notice: String? = nil, historyLength: Int = 30) async throws
        -> HostPage
    {
        let now = services.clock()
        let site = try await store { try await services.tenancy.site(host.siteID) }
        let states = try await store { try await services.evidence.checkStates(site: host.siteID) }
            .filter { $0.hostID == host.id }
        let recent = try await store {
            try await services.evidence.bundles(
                site: host.siteID, host: host.id, atOrBefore: now, offset: 0, limit: historyLength)
        }.map { ($0, EvidenceQueries.decode($0)) }
        var history: [CheckID: [Charts.StatusCell]] = [:]
        for (stored, decoded) in recent.reversed() {
            guard let bundle = decoded else { continue }
            for result in bundle.results {
                history[result.checkID, default: []].append(
                    Charts.StatusCell(
                        status: result.status.rawValue,
                        label: "\(Format.time(stored.observedAt)): \(result.status.rawValue)"))
            }
        }
        let current = Dictionary(states.map { ($0.checkID, $0) }, uniquingKeysWith: { first, _ in first })
        let checks = checks(of: host, states: current, history: history)
        let bundles = recent.prefix(20).map { stored, bundle in
            HostPage.Bundle(
                id: stored.bundleID.rawValue, kind: bundle?.kind.rawValue ?? "unreadable",
                outcome: bundle?.outcome.rawValue ?? "unknown", observedAt: stored.observedAt,
                appliance: stored.applianceID.rawValue, sequence: stored.sequence)
        }
        let credential = try await store { try await services.fleet.credential(of: host.id) }
        return HostPage(
            layout: layout, now: now, siteID: host.siteID.rawValue, siteName: site?.name ?? "", id: host.id.rawValue,
            name: host.name, platform: host.platform.rawValue, address: host.address, checks: checks,
            bundles: Array(bundles),
            credential: credential.map { HostPage.Credential(kind: $0.kind.rawValue, username: $0.username) },
            notice: notice)
    }

    /// Every check of `host`'s platform with its current state (`unknown` without evidence).
    func checks(
        of host: ManagedHost, states: [CheckID: CheckState], history: [CheckID: [Charts.StatusCell]] = [:]
    ) -> [SitePage.Check] {
        evidence.catalog.checks(for: host.platform).map { definition in
            let state = states[definition.id]
            return SitePage.Check(
                id: definition.id.rawValue, title: definition.title, status: state?.status.rawValue ?? "unknown",
                observed: state?.observed, observedAt: state?.observedAt, bundleID: state?.bundleID.rawValue,
                history: history[definition.id] ?? [])
        }
    }

    /// The stored bundle `id`, if the principal may see its site.
    func visibleBundle(_ id: Identifier<EvidenceBundle>, principal: Principal) async throws -> StoredBundle {
        guard let stored = try await store({ try await services.evidence.bundle(id) }),
            let partner = try await partner(ofSite: stored.siteID), principal.mayAccess(partner)
        else { throw HTTPError(.notFound, message: "evidence \(id) not found") }
        return stored
    }

    /// The bundle `id` if the principal may see its site, with its signature checked again.
    func bundle(_ id: Identifier<EvidenceBundle>, principal: Principal, layout: Layout) async throws -> BundlePage {
        try await bundlePage(try await visibleBundle(id, principal: principal), layout: layout)
    }

    /// The page of a bundle the caller may see (operators through their partner, practice
    /// contacts through their client), its signature checked again.
    func bundlePage(_ stored: StoredBundle, layout: Layout) async throws -> BundlePage {
        guard let bundle = EvidenceQueries.decode(stored) else {
            throw HTTPError(.notFound, message: "evidence \(stored.bundleID) not found")
        }
        var verifies = false
        if let appliance = try await store({ try await services.tenancy.appliance(stored.applianceID) }) {
            let keys = try await store { try await services.tenancy.verifyingKeys(of: appliance) }
            verifies = keys.key(for: stored.sequence).isValidSignature(stored.signature, for: stored.canonicalBytes)
        }
        let site = try await store { try await services.tenancy.site(stored.siteID) }
        let host = try await store { try await services.tenancy.host(stored.hostID) }
        return BundlePage(
            layout: layout, siteID: stored.siteID.rawValue, siteName: site?.name ?? "", hostID: stored.hostID.rawValue,
            hostName: host?.name ?? stored.hostID.rawValue, id: stored.bundleID.rawValue, kind: bundle.kind.rawValue,
            outcome: bundle.outcome.rawValue, observedAt: stored.observedAt, appliance: stored.applianceID.rawValue,
            sequence: stored.sequence, hash: stored.hash.hex, previousHash: stored.previousHash.hex,
            signatureVerifies: verifies,
            results: bundle.results.map {
                BundlePage.Result(check: $0.checkID.rawValue, status: $0.status.rawValue, observed: $0.observed)
            },
            steps: bundle.actions.map {
                BundlePage.Step(
                    step: $0.step, runbook: $0.runbookID, exitCode: $0.exitCode, milliseconds: $0.durationMilliseconds,
                    excerpt: $0.excerpt)
            })
    }

    func incidents(
        _ principal: Principal, layout: Layout, site selected: Site.ID?, status: Incident.Status?, notice: String?
    ) async throws -> IncidentsPage {
        let now = services.clock()
        let visible = try await visibleSites(principal)
        if let selected, !visible.contains(where: { $0.site.id == selected }) {
            throw HTTPError(.notFound, message: "site \(selected) not found")
        }
        var rows: [IncidentsPage.Row] = []
        for (site, _, _) in visible where selected == nil || site.id == selected {
            let incidents =
                status == nil
                ? try await unresolved(site.id)
                : try await store { try await services.incidents.incidents(site: site.id, status: status, limit: 500) }
            guard !incidents.isEmpty else { continue }
            let hosts = try await store { try await services.tenancy.hosts(at: site.id) }
            let names = Dictionary(hosts.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
            rows += incidents.map { Self.row($0, siteName: site.name, hosts: names, now: now) }
        }
        rows.sort {
            ($0.priority, $0.openedAt.millisecondsSinceEpoch) < ($1.priority, $1.openedAt.millisecondsSinceEpoch)
        }
        return IncidentsPage(
            layout: layout, now: now,
            sites: visible.map { IncidentsPage.SiteChoice(id: $0.site.id.rawValue, name: $0.site.name) },
            selectedSite: selected?.rawValue, selectedStatus: status, rows: rows, notice: notice)
    }

    /// Open and acknowledged incidents of `site`.
    func unresolved(_ site: Site.ID) async throws -> [Incident] {
        let open = try await store { try await services.incidents.incidents(site: site, status: .open, limit: 500) }
        let acknowledged = try await store {
            try await services.incidents.incidents(site: site, status: .acknowledged, limit: 500)
        }
        return open + acknowledged
    }

    /// A score, or nil when no control has evidence (so the page says unknown, not 0).
    /// A site's score per framework from its hosts and their current check states: the platforms
    /// in scope are the appliance's, the hosts' and any a state names.
    func scores(hosts: [ManagedHost], states: [CheckState]) -> [SitePage.Score] {
        var platforms: Set<Platform> = [.appliance]
        var statuses: [CheckID: Set<CheckStatus>] = [:]
        var bundles: [CheckID: Set<Identifier<EvidenceBundle>>] = [:]
        for host in hosts { platforms.insert(host.platform) }
        for state in states {
            platforms.insert(state.checkID.platform)
            statuses[state.checkID, default: []].insert(state.status)
            bundles[state.checkID, default: []].insert(state.bundleID)
        }
        return Framework.allCases.map { framework in
            let score = ComplianceScore(
                framework: framework, platforms: platforms, statuses: statuses, evidence: bundles,
                catalog: evidence.catalog)
            return SitePage.Score(
                framework: framework, score: Self.score(score),
                counts: Dictionary(grouping: score.controls, by: \.status).mapValues(\.count))
        }
    }

    static func score(_ score: ComplianceScore) -> Int? {
        score.controls.allSatisfy { $0.status == .unknown } ? nil : score.score
    }

    static func row(_ incident: Incident, siteName: String, hosts: [ManagedHost.ID: String], now: Timestamp)
        -> IncidentsPage.Row
    {
        IncidentsPage.Row(
            id: incident.id.rawValue, siteID: incident.siteID.rawValue, siteName: siteName,
            host: hosts[incident.hostID] ?? incident.hostID.rawValue, checkID: incident.checkID.rawValue,
            title: incident.title, priority: incident.priority, status: incident.status, context: incident.context,
            observed: incident.observed, occurrences: incident.occurrences, openedAt: incident.openedAt,
            due: incident.sla.runningDue, breached: incident.breached(at: now),
            pendingRunbook: incident.pendingAction?.runbook,
            pendingReasoning: incident.pendingAction?.reasoning,
            pendingApproved: incident.pendingAction?.orderID != nil, resolutionNote: incident.resolutionNote)
    }

}
