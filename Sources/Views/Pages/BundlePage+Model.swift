public import Compliance

/// One evidence bundle (`GET /evidence/{bundle}`): what it records, its place in the appliance's
/// chain, and whether its signature verifies with the appliance's key for that sequence.
public struct BundlePage: Sendable, Equatable {
    public struct Result: Sendable, Equatable {
        public var check: String
        public var status: String
        public var observed: String?

        public init(check: String, status: String, observed: String?) {
            self.check = check
            self.status = status
            self.observed = observed
        }
    }

    public struct Step: Sendable, Equatable {
        public var step: String
        public var runbook: String?
        public var exitCode: Int32
        public var milliseconds: Int64
        public var excerpt: String?

        public init(step: String, runbook: String?, exitCode: Int32, milliseconds: Int64, excerpt: String?) {
            self.step = step
            self.runbook = runbook
            self.exitCode = exitCode
            self.milliseconds = milliseconds
            self.excerpt = excerpt
        }
    }

    public var layout: Layout
    public var siteID: String
    public var siteName: String
    public var hostID: String
    public var hostName: String
    public var id: String
    public var kind: String
    public var outcome: String
    public var observedAt: Timestamp
    public var appliance: String
    public var sequence: Int64
    public var hash: String
    public var previousHash: String
    /// Whether the stored signature verifies over the stored bytes with the key in force.
    public var signatureVerifies: Bool
    public var results: [Result]
    public var steps: [Step]

    public init(
        layout: Layout, siteID: String, siteName: String, hostID: String, hostName: String, id: String, kind: String,
        outcome: String, observedAt: Timestamp, appliance: String, sequence: Int64, hash: String, previousHash: String,
        signatureVerifies: Bool, results: [Result], steps: [Step]
    ) {
        self.layout = layout
        self.siteID = siteID
        self.siteName = siteName
        self.hostID = hostID
        self.hostName = hostName
        self.id = id
        self.kind = kind
        self.outcome = outcome
        self.observedAt = observedAt
        self.appliance = appliance
        self.sequence = sequence
        self.hash = hash
        self.previousHash = previousHash
        self.signatureVerifies = signatureVerifies
        self.results = results
        self.steps = steps
    }
}
