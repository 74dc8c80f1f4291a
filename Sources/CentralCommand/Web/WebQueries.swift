import Compliance
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

    func site(_ site: Site, layout: Layout) async throws -> SitePage {
        let now = services.clock()
        let client = try await store { try await services.tenancy.client(site.clientID) }
        let hosts = try await store { try await services.tenancy.hosts(at: site.id) }
        let states = try await store { try await services.evidence.checkStates(site: site.id) }
        var platforms: Set<Platform> = [.appliance]
        var statuses: [CheckID: Set<CheckStatus>] = [:]
        var bundles: [CheckID: Set<Identifier<EvidenceBundle>>] = [:]
        var byHost: [ManagedHost.ID: [CheckID: CheckState]] = [:]
        for host in hosts { platforms.insert(host.platform) }
        for state in states {
            platforms.insert(state.checkID.platform)
            statuses[state.checkID, default: []].insert(state.status)
            bundles[state.checkID, default: []].insert(state.bundleID)
            byHost[state.hostID, default: [:]][state.checkID] = state
        }
        let scores = Framework.allCases.map { framework in
            let score = ComplianceScore(
                framework: framework, platforms: platforms, statuses: statuses, evidence: bundles,
                catalog: evidence.catalog)
            return SitePage.Score(
                framework: framework, score: Self.score(score),
                counts: Dictionary(grouping: score.controls, by: \.status).mapValues(\.count))
        }
        var hostModels: [SitePage.Host] = []
        for host in hosts.sorted(by: { $0.name < $1.name }) {
            let results = byHost[host.id] ?? [:]
            let checks = evidence.catalog.checks(for: host.platform).map { definition in
                let observed = results[definition.id]
                return SitePage.Check(
                    id: definition.id.rawValue, title: definition.title,
                    status: observed?.status.rawValue ?? "unknown", observed: observed?.observed,
                    observedAt: observed?.observedAt, bundleID: observed?.bundleID.rawValue)
            }
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
        return SitePage(
            layout: layout, now: now, id: site.id.rawValue, name: site.name, client: client?.name ?? "",
            scores: scores, hosts: hostModels, appliances: appliances,
            incidents: try await unresolved(site.id).map { Self.row($0, siteName: site.name, hosts: names, now: now) },
            enabledRunbooks: settings.enabledRunbooks.sorted(),
            maintenanceWindow: settings.maintenanceWindowJSON.flatMap(Self.describeWindow))
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

    /// `sat, sun 22:00–04:00 Europe/London`.
    static func describeWindow(_ json: String) -> String? {
        guard let window = try? JSONDecoder().decode(MaintenanceWindow.self, from: Data(json.utf8)) else { return nil }
        return "\(window.days.joined(separator: ", ")) \(window.start)–\(window.end) \(window.timeZone)"
    }
}
