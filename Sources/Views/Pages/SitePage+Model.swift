public import Compliance
public import VigilAPI

/// One site (`GET /sites/{site}`): its scores, hosts with their checks' latest state, appliances,
/// open incidents and healing settings.
public struct SitePage: Sendable, Equatable {
    public struct Score: Sendable, Equatable {
        public var framework: Framework
        /// nil when no control has evidence yet.
        public var score: Int?
        public var counts: [ControlStatus: Int]

        public init(framework: Framework, score: Int?, counts: [ControlStatus: Int]) {
            self.framework = framework
            self.score = score
            self.counts = counts
        }
    }

    /// One check of a host: its current state, the bundle behind it, and (on the host page) its
    /// recent history.
    public struct Check: Sendable, Equatable {
        public var id: String
        public var title: String
        /// `pass`, `warn`, `fail`, `error` or `unknown` (no evidence yet).
        public var status: String
        public var observed: String?
        public var observedAt: Timestamp?
        public var bundleID: String?
        /// Oldest first; empty where a page does not show history.
        public var history: [Charts.StatusCell]

        public init(
            id: String, title: String, status: String, observed: String?, observedAt: Timestamp?, bundleID: String?,
            history: [Charts.StatusCell] = []
        ) {
            self.id = id
            self.title = title
            self.status = status
            self.observed = observed
            self.observedAt = observedAt
            self.bundleID = bundleID
            self.history = history
        }
    }

    public struct Host: Sendable, Equatable {
        public var id: String
        public var name: String
        public var platform: String
        public var address: String?
        public var hasCredential: Bool
        /// Every check of the host's platform; those without evidence are `unknown`.
        public var checks: [Check]

        public init(id: String, name: String, platform: String, address: String?, hasCredential: Bool, checks: [Check])
        {
            self.id = id
            self.name = name
            self.platform = platform
            self.address = address
            self.hasCredential = hasCredential
            self.checks = checks
        }
    }

    public struct Appliance: Sendable, Equatable {
        public var id: String
        public var status: ApplianceStatus
        public var lastCheckIn: Timestamp?
        public var version: String?
        public var queueDepth: Int64?

        public init(id: String, status: ApplianceStatus, lastCheckIn: Timestamp?, version: String?, queueDepth: Int64?)
        {
            self.id = id
            self.status = status
            self.lastCheckIn = lastCheckIn
            self.version = version
            self.queueDepth = queueDepth
        }
    }

    /// A runbook the site may enable.
    public struct Runbook: Sendable, Equatable {
        public var id: String
        public var title: String
        /// Disruptive or needs the maintenance window.
        public var needsWindow: Bool
        public var enabled: Bool

        public init(id: String, title: String, needsWindow: Bool, enabled: Bool) {
            self.id = id
            self.title = title
            self.needsWindow = needsWindow
            self.enabled = enabled
        }
    }

    public var layout: Layout
    public var now: Timestamp
    public var id: String
    public var name: String
    public var client: String
    public var scores: [Score]
    public var hosts: [Host]
    public var appliances: [Appliance]
    public var incidents: [IncidentsPage.Row]
    public var runbooks: [Runbook]
    /// The maintenance window as the form shows it (no days: no window).
    public var window: MaintenanceWindow
    /// What the last change did, shown once.
    public var notice: String?

    public init(
        layout: Layout, now: Timestamp, id: String, name: String, client: String, scores: [Score], hosts: [Host],
        appliances: [Appliance], incidents: [IncidentsPage.Row], runbooks: [Runbook], window: MaintenanceWindow,
        notice: String? = nil
    ) {
        self.layout = layout
        self.now = now
        self.id = id
        self.name = name
        self.client = client
        self.scores = scores
        self.hosts = hosts
        self.appliances = appliances
        self.incidents = incidents
        self.runbooks = runbooks
        self.window = window
        self.notice = notice
    }
}
