public import Compliance

/// The fleet overview (`GET /`): every site the operator may see, with its compliance score per
/// framework, failing checks, appliances by state and open incidents with their SLA clocks.
public struct FleetPage: Sendable, Equatable {
    public struct Site: Sendable, Equatable {
        public var id: String
        public var name: String
        public var client: String
        public var partner: String
        /// One per `FleetPage.frameworks`, in that order; nil when no control has evidence yet.
        public var scores: [Int?]
        public var hosts: Int
        /// Checks whose latest result fails (or could not run), over all hosts.
        public var failingChecks: Int
        public var appliances: [ApplianceStatus: Int]
        public var openIncidents: Int
        public var breachedIncidents: Int
        /// The nearest SLA due time of an open incident (acknowledge, or resolve once acknowledged).
        public var nextDue: Timestamp?

        public init(
            id: String, name: String, client: String, partner: String, scores: [Int?], hosts: Int,
            failingChecks: Int, appliances: [ApplianceStatus: Int], openIncidents: Int, breachedIncidents: Int,
            nextDue: Timestamp?
        ) {
            self.id = id
            self.name = name
            self.client = client
            self.partner = partner
            self.scores = scores
            self.hosts = hosts
            self.failingChecks = failingChecks
            self.appliances = appliances
            self.openIncidents = openIncidents
            self.breachedIncidents = breachedIncidents
            self.nextDue = nextDue
        }
    }

    public var layout: Layout
    public var now: Timestamp
    public var frameworks: [Framework]
    public var sites: [Site]

    public init(layout: Layout, now: Timestamp, frameworks: [Framework] = Framework.allCases, sites: [Site]) {
        self.layout = layout
        self.now = now
        self.frameworks = frameworks
        self.sites = sites
    }
}
