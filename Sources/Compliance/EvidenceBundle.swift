/// One unit of work on one host, as the appliance records and signs it (PRODUCT.md §6).
///
/// A bundle is serialised with RFC 8785 canonical JSON; those canonical bytes are what is hashed
/// (SHA-256) and signed (Ed25519). `sequence` and `previousHash` chain an appliance's bundles.
public struct EvidenceBundle: Hashable, Codable, Sendable {
    /// The schema tag every bundle carries: `vigil.evidence/v1`.
    public static let schemaV1 = "vigil.evidence/v1"

    /// The kinds of work a bundle records.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// A scan: many check results for one host.
        case scan
        /// A remediation: the steps of a runbook with their results.
        case remediation
        /// An order from Central Command and what became of it.
        case order
    }

    public var schema: String
    public var bundleID: Identifier<EvidenceBundle>
    public var kind: Kind
    public var partnerID: Partner.ID?
    public var clientID: Client.ID?
    public var siteID: Site.ID
    public var hostID: ManagedHost.ID
    public var applianceID: Appliance.ID
    /// Position in the appliance's chain, starting at 1.
    public var sequence: Int64
    /// SHA-256 of the canonical bytes of bundle `sequence - 1`; `HexDigest.zero` for the first.
    public var previousHash: HexDigest
    public var observedAt: Timestamp
    public var startedAt: Timestamp
    public var finishedAt: Timestamp
    public var policyHash: HexDigest?
    public var rulesetHash: HexDigest?
    public var softwareRevision: String
    public var deploymentMode: DeploymentMode
    /// The reseller's name when `deploymentMode` is `reseller`.
    public var reseller: String?
    /// The controls this unit of work bears on (the union of its results' controls).
    public var controls: [ControlReference]
    /// Observed state before a remediation (check ID or key → value).
    public var preState: [String: String]?
    /// Observed state after a remediation.
    public var postState: [String: String]?
    public var actions: [ActionStep]
    public var results: [CheckResult]
    public var outcome: Outcome

    public init(
        bundleID: Identifier<EvidenceBundle>, kind: Kind, partnerID: Partner.ID? = nil,
        clientID: Client.ID? = nil, siteID: Site.ID, hostID: ManagedHost.ID, applianceID: Appliance.ID,
        sequence: Int64, previousHash: HexDigest, observedAt: Timestamp, startedAt: Timestamp,
        finishedAt: Timestamp, policyHash: HexDigest? = nil, rulesetHash: HexDigest? = nil,
        softwareRevision: String, deploymentMode: DeploymentMode, reseller: String? = nil,
        controls: [ControlReference] = [], preState: [String: String]? = nil,
        postState: [String: String]? = nil, actions: [ActionStep] = [], results: [CheckResult] = [],
        outcome: Outcome
    ) {
        self.schema = Self.schemaV1
        self.bundleID = bundleID
        self.kind = kind
        self.partnerID = partnerID
        self.clientID = clientID
        self.siteID = siteID
        self.hostID = hostID
        self.applianceID = applianceID
        self.sequence = sequence
        self.previousHash = previousHash
        self.observedAt = observedAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.policyHash = policyHash
        self.rulesetHash = rulesetHash
        self.softwareRevision = softwareRevision
        self.deploymentMode = deploymentMode
        self.reseller = reseller
        self.controls = controls
        self.preState = preState
        self.postState = postState
        self.actions = actions
        self.results = results
        self.outcome = outcome
    }

    /// Checks what the type system cannot: schema tag, chain position, time order, reseller.
    public func validate() throws(DomainError) {
        guard schema == Self.schemaV1 else {
            throw .invalidValue(field: "schema", reason: "expected \(Self.schemaV1), found \(schema)")
        }
        guard sequence >= 1 else {
            throw .invalidValue(field: "sequence", reason: "must be 1 or more, found \(sequence)")
        }
        guard sequence > 1 || previousHash == .zero else {
            throw .invalidValue(field: "prev_hash", reason: "the first bundle links to 64 zeros")
        }
        guard startedAt <= finishedAt else {
            throw .invalidValue(field: "finished_at", reason: "finishes before it starts")
        }
        guard (deploymentMode == .reseller) == (reseller != nil) else {
            throw .invalidValue(
                field: "reseller", reason: "set exactly when deployment_mode is reseller")
        }
    }

    enum CodingKeys: String, CodingKey {
        case schema, kind, sequence, controls, actions, results, outcome, reseller
        case bundleID = "bundle_id"
        case partnerID = "partner_id"
        case clientID = "client_id"
        case siteID = "site_id"
        case hostID = "host_id"
        case applianceID = "appliance_id"
        case previousHash = "prev_hash"
        case observedAt = "observed_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case policyHash = "policy_hash"
        case rulesetHash = "ruleset_hash"
        case softwareRevision = "software_revision"
        case deploymentMode = "deployment_mode"
        case preState = "pre_state"
        case postState = "post_state"
    }
}
