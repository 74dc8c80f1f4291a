public import Compliance
import Foundation

/// What L1 rules look at: one failing check on one host, as flat dotted fields (`check_id`,
/// `status`, `severity`, `observed`, `expected`, `message`, `host.id`, `host.name`,
/// `host.platform`, `site.id`, `attempts`).
public struct Drift: Sendable, Equatable {
    public var checkID: CheckID
    public var severity: Severity
    public var hostID: String
    public var fields: [String: String]

    public init(
        result: CheckResult, hostID: String, hostName: String, platform: Platform, siteID: String, attempts: Int
    ) {
        self.checkID = result.checkID
        self.severity = result.severity
        self.hostID = hostID
        var fields = [
            "check_id": result.checkID.rawValue, "status": result.status.rawValue,
            "severity": result.severity.rawValue, "host.id": hostID, "host.name": hostName,
            "host.platform": platform.rawValue, "site.id": siteID, "attempts": String(attempts),
        ]
        if let observed = result.observed { fields["observed"] = observed }
        if let expected = result.expected { fields["expected"] = expected }
        if let message = result.message { fields["message"] = message }
        self.fields = fields
    }

    public init(checkID: CheckID, severity: Severity, hostID: String, fields: [String: String]) {
        self.checkID = checkID
        self.severity = severity
        self.hostID = hostID
        self.fields = fields
    }

    public static let knownFields: Set<String> = [
        "check_id", "status", "severity", "observed", "expected", "message", "host.id", "host.name",
        "host.platform", "site.id", "attempts",
    ]
}

/// One L1 condition, compiled once: the operator and its operand parsed at load time.
public struct RuleCondition: Sendable {
    public enum Operator: String, Sendable, CaseIterable {
        case eq, ne, `in`, notIn = "not_in", contains, regex, gt, lt, exists
    }

    public let field: String
    public let op: Operator
    let text: String
    let set: Set<String>
    let number: Double
    let pattern: NSRegularExpression?

    public init(field: String, op: Operator, value: String?, values: [String]) throws(RuleError) {
        self.field = field
        self.op = op
        self.text = value ?? ""
        self.set = Set(values)
        switch op {
        case .in, .notIn:
            guard !values.isEmpty, value == nil else { throw .invalid("\(op.rawValue) takes values: [a list]") }
        case .exists:
            guard value == nil, values.isEmpty else { throw .invalid("exists takes no value") }
        default:
            guard value != nil, values.isEmpty else { throw .invalid("\(op.rawValue) takes one value") }
        }
        if op == .gt || op == .lt {
            guard let number = Double(text), number.isFinite else {
                throw .invalid("\(op.rawValue) compares numbers; \(String(reflecting: text)) is not one")
            }
            self.number = number
        } else {
            self.number = 0
        }
        if op == .regex {
            guard text.utf8.count <= 512 else { throw .invalid("a regex may be at most 512 characters") }
            do {
                pattern = try NSRegularExpression(pattern: text)
            } catch {
                throw .invalid("regex \(String(reflecting: text)) does not compile")
            }
        } else {
            pattern = nil
        }
    }

    /// Cheap operators first, so a rule fails before it reaches its regex.
    var cost: Int {
        switch op {
        case .exists, .eq, .ne: 0
        case .in, .notIn: 1
        case .gt, .lt: 2
        case .contains: 3
        case .regex: 10
        }
    }

    /// Whether the condition holds for `drift`. `texts` keeps each field's bridged form for the
    /// regexes of later rules in one decision (on Linux every NSRegularExpression match of a
    /// Swift String converts it first).
    func holds(for drift: Drift, texts: inout RegexInputs) -> Bool {
        let value = drift.fields[field]
        switch op {
        case .exists: return value != nil
        case .eq: return value == text
        case .ne: return value != text
        case .in: return value.map { set.contains($0) } ?? false
        case .notIn: return value.map { !set.contains($0) } ?? true
        case .contains: return value?.contains(text) ?? false
        case .gt: return value.flatMap(Double.init).map { $0 > number } ?? false
        case .lt: return value.flatMap(Double.init).map { $0 < number } ?? false
        case .regex:
            guard let value, let pattern else { return false }
            let text = texts.text(field, value)
            return pattern.firstMatch(in: text as String, range: NSRange(location: 0, length: text.length)) != nil
        }
    }
}

/// Field values bridged once per decision for regex matching.
struct RegexInputs {
    private var bridged: [(String, NSString)] = []

    mutating func text(_ field: String, _ value: String) -> NSString {
        if let found = bridged.first(where: { $0.0 == field }) { return found.1 }
        let text = NSString(string: value)
        bridged.append((field, text))
        return text
    }
}

/// One L1 rule (PRODUCT.md §5.1).
public struct L1Rule: Sendable {
    public enum Source: String, Sendable, CaseIterable { case builtin, custom, promoted }

    public let id: String
    public let description: String
    public let conditions: [RuleCondition]
    public let runbook: String
    public let parameters: [String: String]
    public let priority: Int
    public let cooldownSeconds: Int
    public let maximumRetries: Int
    public let minimumSeverity: Severity
    public let source: Source
    /// The check this rule is about, when one of its conditions pins `check_id` (the index key).
    public let checkID: CheckID?

    public init(
        id: String, description: String, conditions: [RuleCondition], runbook: String, parameters: [String: String],
        priority: Int, cooldownSeconds: Int, maximumRetries: Int, minimumSeverity: Severity, source: Source
    ) {
        self.id = id
        self.description = description
        self.conditions = conditions.sorted { $0.cost < $1.cost }
        self.runbook = runbook
        self.parameters = parameters
        self.priority = priority
        self.cooldownSeconds = cooldownSeconds
        self.maximumRetries = maximumRetries
        self.minimumSeverity = minimumSeverity
        self.source = source
        self.checkID = conditions.first { $0.field == "check_id" && $0.op == .eq }.flatMap { try? CheckID($0.text) }
    }

    func matches(_ drift: Drift, texts: inout RegexInputs) -> Bool {
        guard drift.severity >= minimumSeverity else { return false }
        for condition in conditions where !condition.holds(for: drift, texts: &texts) { return false }
        return true
    }
}

/// What L1 decided for an drift.
public struct L1Decision: Sendable, Equatable {
    public var ruleID: String
    public var runbook: String
    public var parameters: [String: String]
}

/// When each rule last acted on each host and how often in a row (cooldowns and retries).
public struct L1Ledger: Sendable {
    struct Entry {
        var lastRun: Double
        var attempts: Int
    }
    var entries: [String: Entry] = [:]

    public init() {}

    static func key(_ rule: String, _ host: String) -> String { rule + "\u{1F}" + host }

    /// Records that `rule` acted on `host` at `time`.
    public mutating func record(rule: String, host: String, at time: Double) {
        let key = Self.key(rule, host)
        entries[key] = Entry(lastRun: time, attempts: (entries[key]?.attempts ?? 0) + 1)
    }

    /// The check healed: the next drift starts counting retries again.
    public mutating func reset(rule: String, host: String) {
        entries[Self.key(rule, host)]?.attempts = 0
    }

    func allows(_ rule: L1Rule, host: String, at time: Double) -> Bool {
        guard let entry = entries[Self.key(rule.id, host)] else { return true }
        return entry.attempts < rule.maximumRetries && time - entry.lastRun >= Double(rule.cooldownSeconds)
    }
}

/// The L1 engine: rules indexed by the check they pin (rules that pin none are tried for every
/// drift), each bucket ordered by priority, conditions compiled at load.
public struct L1Engine: Sendable {
    public let rules: [L1Rule]
    private let byCheck: [CheckID: [L1Rule]]
    private let general: [L1Rule]

    public init(_ rules: [L1Rule]) {
        let ordered = rules.sorted { ($0.priority, $1.id) > ($1.priority, $0.id) }
        self.rules = ordered
        var byCheck: [CheckID: [L1Rule]] = [:]
        var general: [L1Rule] = []
        for rule in ordered {
            if let check = rule.checkID { byCheck[check, default: []].append(rule) } else { general.append(rule) }
        }
        // Merge the general rules into each bucket by priority, so one ordered walk decides.
        for (check, bucket) in byCheck {
            byCheck[check] = (bucket + general).sorted { ($0.priority, $1.id) > ($1.priority, $0.id) }
        }
        self.byCheck = byCheck
        self.general = general
    }

    /// The highest-priority rule that matches and whose cooldown and retries allow it.
    public func decide(_ drift: Drift, ledger: L1Ledger = L1Ledger(), at time: Double = 0) -> L1Decision? {
        var texts = RegexInputs()
        for rule in byCheck[drift.checkID] ?? general
        where rule.matches(drift, texts: &texts) && ledger.allows(rule, host: drift.hostID, at: time) {
            return L1Decision(ruleID: rule.id, runbook: rule.runbook, parameters: rule.parameters)
        }
        return nil
    }
}

public enum RuleError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let why): why
        }
    }
}
