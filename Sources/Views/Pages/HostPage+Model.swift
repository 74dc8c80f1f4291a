public import Compliance

/// One host (`GET /hosts/{host}`): every check of its platform with its current state, its
/// recent history and the evidence bundle behind it; the host's recent bundles.
public struct HostPage: Sendable, Equatable {
    /// The same check line as the site page's, with its history filled in.
    public typealias Check = SitePage.Check

    public struct Bundle: Sendable, Equatable {
        public var id: String
        public var kind: String
        public var outcome: String
        public var observedAt: Timestamp
        public var appliance: String
        public var sequence: Int64

        public init(
            id: String, kind: String, outcome: String, observedAt: Timestamp, appliance: String, sequence: Int64
        ) {
            self.id = id
            self.kind = kind
            self.outcome = outcome
            self.observedAt = observedAt
            self.appliance = appliance
            self.sequence = sequence
        }
    }

    public var layout: Layout
    public var now: Timestamp
    public var siteID: String
    public var siteName: String
    public var id: String
    public var name: String
    public var platform: String
    public var address: String?
    public var checks: [Check]
    public var bundles: [Bundle]
    /// The credential's kind and user name when one is set (its secret is never read back).
    public var credential: Credential?
    public var notice: String?

    public struct Credential: Sendable, Equatable {
        public var kind: String
        public var username: String

        public init(kind: String, username: String) {
            self.kind = kind
            self.username = username
        }
    }

    public init(
        layout: Layout, now: Timestamp, siteID: String, siteName: String, id: String, name: String, platform: String,
        address: String?, checks: [Check], bundles: [Bundle], credential: Credential? = nil,
        notice: String? = nil
    ) {
        self.layout = layout
        self.now = now
        self.siteID = siteID
        self.siteName = siteName
        self.id = id
        self.name = name
        self.platform = platform
        self.address = address
        self.checks = checks
        self.bundles = bundles
        self.credential = credential
        self.notice = notice
    }
}
