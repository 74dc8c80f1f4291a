public import Compliance

/// `POST /api/v1/appliance/resolutions`: one real run for the flywheel (`source`: `l2`, `human`
/// or `rule:<learned rule id>`; `verified`: whether verify passed).
public struct ResolutionReport: Codable, Equatable, Sendable {
    public var checkID: String
    public var runbook: String
    public var parameters: [String: String]
    public var source: String
    public var verified: Bool

    public init(checkID: String, runbook: String, parameters: [String: String], source: String, verified: Bool) {
        self.checkID = checkID
        self.runbook = runbook
        self.parameters = parameters
        self.source = source
        self.verified = verified
    }

    enum CodingKeys: String, CodingKey {
        case runbook, parameters, source, verified
        case checkID = "check_id"
    }
}

/// `GET /api/v1/appliance/rules`: the promoted L1 rules as a rule-set YAML, signed by Central
/// Command over `SignedRuleSet.message(revision:rules:)`. The appliance uses it only when the
/// signature verifies with the key it pinned at enrolment and every rule loads strictly.
public struct SignedRuleSet: Codable, Equatable, Sendable {
    public var revision: Int64
    public var rules: String
    public var signature: String

    public init(revision: Int64, rules: String, signature: String) {
        self.revision = revision
        self.rules = rules
        self.signature = signature
    }

    /// `vigil-rules-v1\n<revision>\n<rules>`.
    public static func message(revision: Int64, rules: String) -> [UInt8] {
        Array("vigil-rules-v1\n\(revision)\n\(rules)".utf8)
    }
}

/// A pattern and a learned rule as `GET /api/v1/learning` shows them.
public struct LearningOverview: Codable, Equatable, Sendable {
    public struct Pattern: Codable, Equatable, Sendable {
        public var checkID: String
        public var runbook: String
        public var parameters: [String: String]
        public var occurrences: Int
        public var verified: Int
        public var lastSeen: String

        enum CodingKeys: String, CodingKey {
            case runbook, parameters, occurrences, verified
            case checkID = "check_id"
            case lastSeen = "last_seen"
        }
    }

    public struct Rule: Codable, Equatable, Sendable {
        public var id: String
        public var checkID: String
        public var runbook: String
        public var parameters: [String: String]
        public var status: String
        public var runs: Int
        public var failures: Int
        public var proposedAt: String
        public var decidedAt: String?
        public var decidedBy: String?
        public var note: String?

        public init(_ rule: LearnedRule) {
            id = rule.id
            checkID = rule.checkID.rawValue
            runbook = rule.runbook
            parameters = rule.parameters
            status = rule.status.rawValue
            runs = rule.runs
            failures = rule.failures
            proposedAt = rule.proposedAt.description
            decidedAt = rule.decidedAt?.description
            decidedBy = rule.decidedBy
            note = rule.note
        }

        enum CodingKeys: String, CodingKey {
            case id, runbook, parameters, status, runs, failures, note
            case checkID = "check_id"
            case proposedAt = "proposed_at"
            case decidedAt = "decided_at"
            case decidedBy = "decided_by"
        }
    }

    public var revision: Int64
    public var patterns: [Pattern]
    public var rules: [Rule]

    public init(revision: Int64, patterns: [ResolutionPattern], rules: [LearnedRule]) {
        self.revision = revision
        self.patterns = patterns.map {
            Pattern(
                checkID: $0.checkID.rawValue, runbook: $0.runbook, parameters: $0.parameters,
                occurrences: $0.occurrences, verified: $0.verified, lastSeen: $0.lastSeen.description)
        }
        self.rules = rules.map(Rule.init)
    }
}
