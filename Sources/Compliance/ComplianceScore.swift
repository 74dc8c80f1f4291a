/// A control's state at a site, from the latest evidence of every check mapped to it.
public enum ControlStatus: String, Codable, CaseIterable, Sendable {
    /// Every check mapped to the control passed on every host that reported it.
    case pass
    /// At least one check warned; none failed.
    case warn
    /// At least one check failed or could not run (`error`).
    case fail
    /// No evidence: never counted as passing.
    case unknown
}

/// The latest result of one check on one host, and the bundle that holds it.
public struct ObservedResult: Equatable, Sendable {
    public var hostID: ManagedHost.ID
    public var result: CheckResult
    public var bundleID: Identifier<EvidenceBundle>
    public var observedAt: Timestamp

    public init(
        hostID: ManagedHost.ID, result: CheckResult, bundleID: Identifier<EvidenceBundle>, observedAt: Timestamp
    ) {
        self.hostID = hostID
        self.result = result
        self.bundleID = bundleID
        self.observedAt = observedAt
    }
}

/// One framework's score at one site: the one scoring formula of Vigil.
///
/// - The controls in scope are those the check registry maps, for this framework, from the checks
///   of the platforms present at the site (the appliance, registered hosts, hosts with evidence).
/// - Each control takes the worst state of its checks' latest results over all hosts: any `fail`
///   or `error` → fail; else any `warn` → warn; else any `pass` → pass; no results (or only
///   `unknown`) → unknown.
/// - `score` = 100 × passing controls / controls in scope, rounded down. Unknown, warn and fail all
///   count against it, so missing evidence can never raise a score.
public struct ComplianceScore: Equatable, Sendable {
    public struct Control: Equatable, Sendable {
        public var control: ControlReference
        public var status: ControlStatus
        /// The checks behind the control and the bundles that prove their latest state.
        public var checks: [CheckID]
        public var evidence: [Identifier<EvidenceBundle>]
    }

    public var framework: Framework
    public var score: Int
    public var controls: [Control]

    public func count(_ status: ControlStatus) -> Int { controls.filter { $0.status == status }.count }

    public init(
        framework: Framework, platforms: Set<Platform>, latest: [ObservedResult], catalog: CheckCatalog = .builtin
    ) {
        var statuses: [CheckID: Set<CheckStatus>] = [:]
        var evidence: [CheckID: Set<Identifier<EvidenceBundle>>] = [:]
        for observed in latest {
            statuses[observed.result.checkID, default: []].insert(observed.result.status)
            evidence[observed.result.checkID, default: []].insert(observed.bundleID)
        }
        self.init(
            framework: framework, platforms: platforms, statuses: statuses, evidence: evidence, catalog: catalog)
    }

    /// Which controls of a framework are in scope for a set of platforms, and the checks behind
    /// each: the part of the formula that depends only on the catalogue, worked out once and
    /// reused for every site with the same platforms.
    public struct Scope: Sendable {
        public let framework: Framework
        let controls: [(control: ControlReference, checks: [CheckID])]

        public init(framework: Framework, platforms: Set<Platform>, catalog: CheckCatalog = .builtin) {
            self.framework = framework
            var checksByControl: [ControlReference: [CheckID]] = [:]
            for definition in catalog.definitions where platforms.contains(definition.id.platform) {
                for control in definition.controls where control.framework == framework {
                    checksByControl[control, default: []].append(definition.id)
                }
            }
            controls = checksByControl.keys.sorted().map { ($0, checksByControl[$0] ?? []) }
        }
    }

    /// The score from the set of latest statuses of each check over the site's hosts (what a
    /// summary keeps), with the bundles behind them when known.
    public init(
        framework: Framework, platforms: Set<Platform>, statuses statusesByCheck: [CheckID: Set<CheckStatus>],
        evidence evidenceByCheck: [CheckID: Set<Identifier<EvidenceBundle>>] = [:], catalog: CheckCatalog = .builtin
    ) {
        self.init(
            scope: Scope(framework: framework, platforms: platforms, catalog: catalog), statuses: statusesByCheck,
            evidence: evidenceByCheck)
    }

    public init(
        scope: Scope, statuses statusesByCheck: [CheckID: Set<CheckStatus>],
        evidence evidenceByCheck: [CheckID: Set<Identifier<EvidenceBundle>>] = [:]
    ) {
        self.framework = scope.framework
        self.controls = scope.controls.map { control, checks in
            let statuses = checks.reduce(into: Set<CheckStatus>()) { $0.formUnion(statusesByCheck[$1] ?? []) }
            let status: ControlStatus =
                if statuses.contains(where: \.isFailing) {
                    .fail
                } else if statuses.contains(.warn) {
                    .warn
                } else if statuses.contains(.pass) {
                    .pass
                } else {
                    .unknown
                }
            let evidence = Array(checks.reduce(into: Set()) { $0.formUnion(evidenceByCheck[$1] ?? []) }).sorted()
            return Control(control: control, status: status, checks: checks, evidence: evidence)
        }
        let passing = controls.filter { $0.status == .pass }.count
        self.score = controls.isEmpty ? 0 : passing * 100 / controls.count
    }
}
