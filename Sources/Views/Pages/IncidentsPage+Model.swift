public import Compliance

/// Incidents (`GET /incidents`): filter by site and state, acknowledge, approve a pending fix,
/// resolve with a note.
public struct IncidentsPage: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var id: String
        public var siteID: String
        public var siteName: String
        public var host: String
        public var checkID: String
        public var title: String
        public var priority: Incident.Priority
        public var status: Incident.Status
        public var context: String
        public var observed: String?
        public var occurrences: Int
        public var openedAt: Timestamp
        /// The SLA clock that runs now: acknowledge while open, resolve once acknowledged.
        public var due: Timestamp?
        public var breached: Bool
        /// A fix L2 proposed that waits for an operator, and whether it was approved.
        public var pendingRunbook: String?
        public var pendingReasoning: String?
        public var pendingApproved: Bool
        public var resolutionNote: String?

        public init(
            id: String, siteID: String, siteName: String, host: String, checkID: String, title: String,
            priority: Incident.Priority, status: Incident.Status, context: String, observed: String?, occurrences: Int,
            openedAt: Timestamp, due: Timestamp?, breached: Bool, pendingRunbook: String?, pendingReasoning: String?,
            pendingApproved: Bool, resolutionNote: String?
        ) {
            self.id = id
            self.siteID = siteID
            self.siteName = siteName
            self.host = host
            self.checkID = checkID
            self.title = title
            self.priority = priority
            self.status = status
            self.context = context
            self.observed = observed
            self.occurrences = occurrences
            self.openedAt = openedAt
            self.due = due
            self.breached = breached
            self.pendingRunbook = pendingRunbook
            self.pendingReasoning = pendingReasoning
            self.pendingApproved = pendingApproved
            self.resolutionNote = resolutionNote
        }
    }

    /// A site the filter offers.
    public struct SiteChoice: Sendable, Equatable {
        public var id: String
        public var name: String

        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    public var layout: Layout
    public var now: Timestamp
    public var sites: [SiteChoice]
    public var selectedSite: String?
    /// nil: every unresolved incident.
    public var selectedStatus: Incident.Status?
    public var rows: [Row]
    /// What the last action did, shown once (from the redirect's query).
    public var notice: String?

    public init(
        layout: Layout, now: Timestamp, sites: [SiteChoice], selectedSite: String?, selectedStatus: Incident.Status?,
        rows: [Row], notice: String? = nil
    ) {
        self.layout = layout
        self.now = now
        self.sites = sites
        self.selectedSite = selectedSite
        self.selectedStatus = selectedStatus
        self.rows = rows
        self.notice = notice
    }
}
