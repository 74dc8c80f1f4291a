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

    /// The framework's score from the current states (the one formula, `ComplianceScore`).
    public func score(_ framework: Framework, catalog: CheckCatalog = .builtin) -> ComplianceScore {
        var platforms: Set<Platform> = [.appliance]
        platforms.formUnion(hosts.keys)
        var statuses: [CheckID: Set<CheckStatus>] = [:]
        for state in checkStates where state.hosts > 0 {
            platforms.insert(state.checkID.platform)
            statuses[state.checkID, default: []].insert(state.status)
        }
        return ComplianceScore(framework: framework, platforms: platforms, statuses: statuses, catalog: catalog)
    }
}

/// The fleet overview's read model: a fixed number of queries however many sites there are.
public protocol FleetOverviewStore: Sendable {
    /// Every site of `partner` (of every partner when nil), with its client and partner.
    func siteOverviews(partner: Partner.ID?) async throws(StoreError) -> [SiteOverview]
}
