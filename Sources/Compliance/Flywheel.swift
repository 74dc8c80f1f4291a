/// The learning flywheel (PRODUCT.md §5.5): real resolutions by L2 or by people are counted per
/// pattern (check, runbook, parameters); a pattern seen often enough with enough verified
/// successes is proposed as an L1 rule; an operator approves; the rule is signed and synced; a
/// promoted rule that fails too often is disabled by itself. Only appliance reports feed it.
public enum Flywheel {
    public static let proposeAtOccurrences = 5
    public static let proposeAtSuccessRate = 0.9
    public static let disableAfterRuns = 3
    public static let disableAboveFailureRate = 0.2

    /// One pattern's key: the check, the runbook and its parameters in a stable order.
    public static func key(check: CheckID, runbook: String, parameters: [String: String]) -> String {
        let sorted = parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
        return "\(check.rawValue)|\(runbook)|\(sorted)"
    }

    public static func shouldPropose(_ pattern: ResolutionPattern) -> Bool {
        pattern.occurrences >= proposeAtOccurrences
            && Double(pattern.verified) / Double(max(1, pattern.occurrences)) >= proposeAtSuccessRate
    }

    public static func shouldDisable(_ rule: LearnedRule) -> Bool {
        rule.status == .active && rule.runs >= disableAfterRuns
            && Double(rule.failures) / Double(max(1, rule.runs)) > disableAboveFailureRate
    }
}

/// Where a reported resolution came from.
public enum ResolutionSource: Sendable, Equatable {
    /// The L2 planner chose the fix and it ran.
    case l2
    /// A person ordered or approved the fix.
    case human
    /// A promoted L1 rule ran it.
    case promotedRule(String)

    public init?(_ text: String) {
        switch text {
        case "l2": self = .l2
        case "human": self = .human
        default:
            guard text.hasPrefix("rule:"), text.count > 5 else { return nil }
            self = .promotedRule(String(text.dropFirst(5)))
        }
    }

    public var text: String {
        switch self {
        case .l2: "l2"
        case .human: "human"
        case .promotedRule(let id): "rule:\(id)"
        }
    }
}

/// One real run an appliance reports: what healed which check, and whether verify passed.
public struct Resolution: Sendable, Equatable {
    public var checkID: CheckID
    public var runbook: String
    public var parameters: [String: String]
    public var source: ResolutionSource
    public var verified: Bool
    public var at: Timestamp

    public init(
        checkID: CheckID, runbook: String, parameters: [String: String], source: ResolutionSource, verified: Bool,
        at: Timestamp
    ) {
        self.checkID = checkID
        self.runbook = runbook
        self.parameters = parameters
        self.source = source
        self.verified = verified
        self.at = at
    }
}

/// A pattern's tally.
public struct ResolutionPattern: Sendable, Equatable {
    public var key: String
    public var checkID: CheckID
    public var runbook: String
    public var parameters: [String: String]
    public var occurrences: Int
    public var verified: Int
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp

    public init(
        key: String, checkID: CheckID, runbook: String, parameters: [String: String], occurrences: Int, verified: Int,
        firstSeen: Timestamp, lastSeen: Timestamp
    ) {
        self.key = key
        self.checkID = checkID
        self.runbook = runbook
        self.parameters = parameters
        self.occurrences = occurrences
        self.verified = verified
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }
}

/// An L1 rule the flywheel proposed: proposed → active (approved) or rejected; active →
/// disabled when it fails too often.
public struct LearnedRule: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable, Codable {
        case proposed, active, rejected, disabled
    }

    public var id: String
    public var patternKey: String
    public var checkID: CheckID
    public var runbook: String
    public var parameters: [String: String]
    public var status: Status
    /// Runs since it became active, and how many failed.
    public var runs: Int
    public var failures: Int
    public var proposedAt: Timestamp
    public var decidedAt: Timestamp?
    public var decidedBy: String?
    public var note: String?

    public init(
        id: String, patternKey: String, checkID: CheckID, runbook: String, parameters: [String: String],
        status: Status, runs: Int, failures: Int, proposedAt: Timestamp, decidedAt: Timestamp?, decidedBy: String?,
        note: String?
    ) {
        self.id = id
        self.patternKey = patternKey
        self.checkID = checkID
        self.runbook = runbook
        self.parameters = parameters
        self.status = status
        self.runs = runs
        self.failures = failures
        self.proposedAt = proposedAt
        self.decidedAt = decidedAt
        self.decidedBy = decidedBy
        self.note = note
    }
}

/// The port for the flywheel's state. The active rules form the synced rule set, whose
/// revision grows with every change to them.
public protocol LearningStore: Sendable {
    /// Counts a real resolution: a promoted rule's run (disabling it past the failure rate) or
    /// an L2 / human fix (proposing a rule once the pattern qualifies).
    func record(_ resolution: Resolution) async throws(StoreError)
    func patterns() async throws(StoreError) -> [ResolutionPattern]
    func learnedRules() async throws(StoreError) -> [LearnedRule]
    /// Approves (→ active) or rejects a proposed rule; `.conflict` unless it is proposed.
    func decide(rule: String, approve: Bool, by actor: String, at: Timestamp) async throws(StoreError) -> LearnedRule
    /// The active rules and the revision of that set.
    func activeRules() async throws(StoreError) -> (revision: Int64, rules: [LearnedRule])
}

extension Flywheel {
    /// What recording `resolution` changes, given the stored pattern of its key (l2 / human) or
    /// the promoted rule it names: the pattern to store, the rule to store, and whether the set
    /// of active rules changed. The one rule every store applies.
    public static func apply(
        _ resolution: Resolution, pattern: ResolutionPattern?, rule: LearnedRule?, newRuleID: String
    ) -> (pattern: ResolutionPattern?, rule: LearnedRule?, activeChanged: Bool) {
        switch resolution.source {
        case .promotedRule:
            guard var rule, rule.status == .active else { return (nil, nil, false) }
            rule.runs += 1
            if !resolution.verified { rule.failures += 1 }
            guard shouldDisable(rule) else { return (nil, rule, false) }
            rule.status = .disabled
            rule.decidedAt = resolution.at
            rule.decidedBy = "flywheel"
            rule.note = "disabled: \(rule.failures) of \(rule.runs) runs failed (over 20 %)"
            return (nil, rule, true)
        case .l2, .human:
            let key = self.key(
                check: resolution.checkID, runbook: resolution.runbook, parameters: resolution.parameters)
            var tally =
                pattern
                ?? ResolutionPattern(
                    key: key, checkID: resolution.checkID, runbook: resolution.runbook,
                    parameters: resolution.parameters, occurrences: 0, verified: 0, firstSeen: resolution.at,
                    lastSeen: resolution.at)
            tally.occurrences += 1
            if resolution.verified { tally.verified += 1 }
            tally.lastSeen = resolution.at
            guard rule == nil, shouldPropose(tally) else { return (tally, nil, false) }
            let proposal = LearnedRule(
                id: newRuleID, patternKey: key, checkID: resolution.checkID, runbook: resolution.runbook,
                parameters: resolution.parameters, status: .proposed, runs: 0, failures: 0, proposedAt: resolution.at,
                decidedAt: nil, decidedBy: nil,
                note: "\(tally.verified) of \(tally.occurrences) real resolutions verified")
            return (tally, proposal, false)
        }
    }

    /// An operator's decision on a proposed rule.
    public static func decide(_ rule: inout LearnedRule, approve: Bool, by actor: String, at time: Timestamp)
        throws(StoreError)
    {
        guard rule.status == .proposed else {
            throw .conflict("rule \(rule.id) is \(rule.status.rawValue), not proposed")
        }
        rule.status = approve ? .active : .rejected
        rule.decidedAt = time
        rule.decidedBy = actor
    }
}

/// The tag type of learned rule IDs (`rule-…`).
public enum LearnedRuleTag {}
