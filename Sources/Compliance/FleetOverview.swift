/// What the fleet overview shows of one site, read for every site at once.
public struct SiteOverview: Sendable, Equatable {
    public var site: Site
    public var client: Client
    public var partner: Partner
    /// Registered hosts by platform.
    public var hosts: [Platform: Int]
    /// Each enrolled appliance's last check-in (nil: never).
    public var applianceCheckIns: [Timestamp?]
    /// The SLA clocks of the site's unresolved incidents.
    public var incidents: [SLAClock]
    /// Hosts per check and current status.
    public var checkStates: [CheckStateCount]

    public init(
        site: Site, client: Client, partner: Partner, hosts: [Platform: Int], applianceCheckIns: [Timestamp?],
        incidents: [SLAClock], checkStates: [CheckStateCount]
    ) {
        self.site = site
        self.client = client
        self.partner = partner
        self.hosts = hosts
        self.applianceCheckIns = applianceCheckIns
        self.incidents = incidents
        self.checkStates = checkStates
    }

    /// The platforms in scope: the appliance, the registered hosts', those that reported.
    public var platforms: Set<Platform> {
        var platforms: Set<Platform> = [.appliance]
        platforms.formUnion(hosts.keys)
        for state in checkStates where state.hosts > 0 { platforms.insert(state.checkID.platform) }
        return platforms
    }

    /// The statuses each check has on some host now.
    public var statuses: [CheckID: Set<CheckStatus>] {
        var statuses: [CheckID: Set<CheckStatus>] = [:]
        for state in checkStates where state.hosts > 0 { statuses[state.checkID, default: []].insert(state.status) }
        return statuses
    }

    /// The score within `scope` (which must be for this site's `platforms`): the one formula.
    public func score(_ scope: ComplianceScore.Scope) -> ComplianceScore {
        ComplianceScore(scope: scope, statuses: statuses)
    }

    public func score(_ framework: Framework, catalog: CheckCatalog = .builtin) -> ComplianceScore {
        score(ComplianceScore.Scope(framework: framework, platforms: platforms, catalog: catalog))
    }
}

/// The fleet overview's read model: a fixed number of queries however many sites there are.
public protocol FleetOverviewStore: Sendable {
    /// Every site of `partner` (of every partner when nil), with its client and partner.
    func siteOverviews(partner: Partner.ID?) async throws(StoreError) -> [SiteOverview]
}
