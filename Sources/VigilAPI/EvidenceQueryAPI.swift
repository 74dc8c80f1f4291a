public import Compliance

/// "What was the state of check C on host H at time T": the answer and the signed bundle that
/// proves it, with the appliance key that verifies it offline.
public struct CheckStateProof: Codable, Equatable, Sendable {
    public var siteID: String
    public var hostID: String
    public var checkID: String
    /// The time asked about.
    public var at: String
    public var status: CheckStatus
    public var result: CheckResult
    public var observedAt: String
    public var bundle: ProvingBundle
    /// The appliance's Ed25519 public key (base64), which the signature verifies with.
    public var appliancePublicKey: String

    public init(
        siteID: String, hostID: String, checkID: String, at: String, status: CheckStatus, result: CheckResult,
        observedAt: String, bundle: ProvingBundle, appliancePublicKey: String
    ) {
        self.siteID = siteID
        self.hostID = hostID
        self.checkID = checkID
        self.at = at
        self.status = status
        self.result = result
        self.observedAt = observedAt
        self.bundle = bundle
        self.appliancePublicKey = appliancePublicKey
    }

    enum CodingKeys: String, CodingKey {
        case at, status, result, bundle
        case siteID = "site_id"
        case hostID = "host_id"
        case checkID = "check_id"
        case observedAt = "observed_at"
        case appliancePublicKey = "appliance_public_key"
    }
}

/// A stored bundle exactly as signed: its canonical bytes and signature (base64), and where it
/// sits in its appliance's chain.
public struct ProvingBundle: Codable, Equatable, Sendable {
    public var bundleID: String
    public var applianceID: String
    public var sequence: Int64
    public var hash: String
    public var canonicalBytes: String
    public var signature: String

    public init(
        bundleID: String, applianceID: String, sequence: Int64, hash: String, canonicalBytes: String, signature: String
    ) {
        self.bundleID = bundleID
        self.applianceID = applianceID
        self.sequence = sequence
        self.hash = hash
        self.canonicalBytes = canonicalBytes
        self.signature = signature
    }

    enum CodingKeys: String, CodingKey {
        case sequence, hash, signature
        case bundleID = "bundle_id"
        case applianceID = "appliance_id"
        case canonicalBytes = "canonical_bytes"
    }
}

/// One framework's score at a site (the formula: `ComplianceScore`).
public struct FrameworkScore: Codable, Equatable, Sendable {
    public struct Control: Codable, Equatable, Sendable {
        public var control: String
        public var status: ControlStatus
        public var checks: [String]
        public var evidence: [String]

        public init(control: String, status: ControlStatus, checks: [String], evidence: [String]) {
            self.control = control
            self.status = status
            self.checks = checks
            self.evidence = evidence
        }
    }

    public var siteID: String
    public var framework: Framework
    public var at: String
    /// 0–100: passing controls over controls in scope; unknown never counts as passing.
    public var score: Int
    public var passing: Int
    public var warning: Int
    public var failing: Int
    public var unknown: Int
    /// Present when one framework is asked for.
    public var controls: [Control]?

    public init(siteID: String, at: String, score: ComplianceScore, includeControls: Bool) {
        self.siteID = siteID
        self.framework = score.framework
        self.at = at
        self.score = score.score
        self.passing = score.count(.pass)
        self.warning = score.count(.warn)
        self.failing = score.count(.fail)
        self.unknown = score.count(.unknown)
        self.controls =
            includeControls
            ? score.controls.map {
                Control(
                    control: $0.control.control, status: $0.status, checks: $0.checks.map(\.rawValue),
                    evidence: $0.evidence.map(\.rawValue))
            } : nil
    }

    enum CodingKeys: String, CodingKey {
        case framework, at, score, passing, warning, failing, unknown, controls
        case siteID = "site_id"
    }
}

/// The framework registry as the API shows it: each framework's controls and the checks that
/// give evidence for them (from the one check catalogue).
public struct FrameworkInfo: Codable, Equatable, Sendable {
    public struct Control: Codable, Equatable, Sendable {
        public var control: String
        public var checks: [String]

        public init(control: String, checks: [String]) {
            self.control = control
            self.checks = checks
        }
    }

    public var framework: Framework
    public var name: String
    public var controls: [Control]

    public init(framework: Framework, catalog: CheckCatalog) {
        self.framework = framework
        self.name = framework.displayName
        var checks: [String: [String]] = [:]
        for definition in catalog.definitions {
            for control in definition.controls where control.framework == framework {
                checks[control.control, default: []].append(definition.id.rawValue)
            }
        }
        self.controls = checks.keys.sorted().map { Control(control: $0, checks: checks[$0] ?? []) }
    }
}
