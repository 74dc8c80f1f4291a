public import Compliance

/// The client portal's login: the practice contact gives an e-mail address and receives a
/// one-time link (`GET/POST /portal/login`). `sent` says the link is on its way — the same words
/// whether or not the address is known, so the page tells no one who is a customer.
public struct PortalLoginPage: Sendable, Equatable {
    public var email: String
    public var sent: Bool
    public var problem: String?

    public init(email: String = "", sent: Bool = false, problem: String? = nil) {
        self.email = email
        self.sent = sent
        self.problem = problem
    }
}

/// What opening a magic link shows (`GET /portal/login/{token}`): one button that redeems it
/// with a POST, so a mail scanner fetching the link cannot use it up.
public struct PortalRedeemPage: Sendable, Equatable {
    public var token: String

    public init(token: String) {
        self.token = token
    }
}

/// The practice's status in plain English (`GET /portal`): per site, the score per framework and
/// per check what is checked, why it matters, its state across the practice's computers and the
/// date of the evidence behind it. Never shows "unknown" as passing.
public struct PortalStatusPage: Sendable, Equatable {
    public struct Control: Sendable, Equatable {
        public var check: String
        public var title: String
        /// What passing means (the catalogue's `expected`).
        public var expected: String
        public var why: String
        /// `HIPAA 164.312(b)` and the like.
        public var controls: [String]
        /// `pass`, `warn`, `fail`, `error` or `unknown`.
        public var status: String
        /// The state in words: "Passing on all 3 computers", "Unknown: no evidence yet", …
        public var summary: String
        /// The newest observation behind the state, and the bundle to verify.
        public var evidenceAt: Timestamp?
        public var bundleID: String?

        public init(
            check: String, title: String, expected: String, why: String, controls: [String], status: String,
            summary: String, evidenceAt: Timestamp?, bundleID: String?
        ) {
            self.check = check
            self.title = title
            self.expected = expected
            self.why = why
            self.controls = controls
            self.status = status
            self.summary = summary
            self.evidenceAt = evidenceAt
            self.bundleID = bundleID
        }
    }

    public struct SiteStatus: Sendable, Equatable {
        public var name: String
        public var scores: [SitePage.Score]
        public var controls: [Control]

        public init(name: String, scores: [SitePage.Score], controls: [Control]) {
            self.name = name
            self.scores = scores
            self.controls = controls
        }
    }

    public var layout: Layout
    public var practice: String
    public var sites: [SiteStatus]

    public init(layout: Layout, practice: String, sites: [SiteStatus]) {
        self.layout = layout
        self.practice = practice
        self.sites = sites
    }
}
