import Foundation

/// The latest result of one check on one host, as Central Command keeps it for overviews: from
/// the newest bundle (by observation time) that reported the check. The bundles stay the proof;
/// this is derived from them, in the same transaction that stores them.
public struct CheckState: Hashable, Sendable {
    public var siteID: Site.ID
    public var hostID: ManagedHost.ID
    public var checkID: CheckID
    public var status: CheckStatus
    public var observed: String?
    public var observedAt: Timestamp
    public var bundleID: Identifier<EvidenceBundle>

    public init(
        siteID: Site.ID, hostID: ManagedHost.ID, checkID: CheckID, status: CheckStatus, observed: String?,
        observedAt: Timestamp, bundleID: Identifier<EvidenceBundle>
    ) {
        self.siteID = siteID
        self.hostID = hostID
        self.checkID = checkID
        self.status = status
        self.observed = observed
        self.observedAt = observedAt
        self.bundleID = bundleID
    }

    /// Whether this state replaces `old` for the same host and check: observed no earlier (of
    /// two at the same millisecond, the one stored later wins).
    public func supersedes(_ old: CheckState) -> Bool { observedAt >= old.observedAt }

    /// The newest state per host and check among `states` (later entries win ties).
    public static func newest(_ states: [CheckState]) -> [CheckState] {
        var kept: [String: CheckState] = [:]
        for state in states {
            let key = state.hostID.rawValue + "\u{0}" + state.checkID.rawValue
            if let old = kept[key], !state.supersedes(old) { continue }
            kept[key] = state
        }
        return kept.values.sorted {
            ($0.hostID.rawValue, $0.checkID.rawValue) < ($1.hostID.rawValue, $1.checkID.rawValue)
        }
    }
}

extension StoredBundle {
    /// The check results this bundle reports, as states; none when it holds no results (or
    /// cannot be read, which ingestion has already ruled out).
    public func checkStates() -> [CheckState] {
        guard let bundle = try? JSONDecoder().decode(EvidenceBundle.self, from: Data(canonicalBytes)) else { return [] }
        return checkStates(of: bundle)
    }

    /// The states `bundle` (this stored bundle, already decoded) reports.
    public func checkStates(of bundle: EvidenceBundle) -> [CheckState] {
        bundle.results.map {
            CheckState(
                siteID: siteID, hostID: hostID, checkID: $0.checkID, status: $0.status, observed: $0.observed,
                observedAt: observedAt, bundleID: bundleID)
        }
    }
}

/// How many hosts of a site are in one state for one check now: what overviews read.
public struct CheckStateCount: Hashable, Sendable {
    public var siteID: Site.ID
    public var checkID: CheckID
    public var status: CheckStatus
    public var hosts: Int

    public init(siteID: Site.ID, checkID: CheckID, status: CheckStatus, hosts: Int) {
        self.siteID = siteID
        self.checkID = checkID
        self.status = status
        self.hosts = hosts
    }
}
