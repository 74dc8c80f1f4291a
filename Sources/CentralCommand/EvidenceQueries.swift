public import Compliance
import EvidenceCrypto
import Foundation
public import VigilAPI

/// Questions auditors ask of stored evidence: the state of a check on a host at a time (with the
/// bundle that proves it), the latest result of every check, and framework scores. Answers come
/// from the signed bundles themselves, decoded from their canonical bytes.
public struct EvidenceQueries: Sendable {
    /// How far back a question looks, in bundles per host, before answering "unknown".
    public static let scanLimit = 2000
    static let page = 50

    let tenancy: any TenancyStore
    let evidence: any EvidenceStore
    let catalog: CheckCatalog

    public init(tenancy: any TenancyStore, evidence: any EvidenceStore, catalog: CheckCatalog = .builtin) {
        self.tenancy = tenancy
        self.evidence = evidence
        self.catalog = catalog
    }

    /// The newest result of `check` on `host` observed at or before `time`, or nil (unknown).
    public func state(site: Site.ID, host: ManagedHost.ID, check: CheckID, at time: Timestamp)
        async throws(StoreError) -> CheckStateProof?
    {
        var offset = 0
        while offset < Self.scanLimit {
            let page = try await evidence.bundles(
                site: site, host: host, atOrBefore: time, offset: offset, limit: Self.page)
            for stored in page {
                guard let bundle = Self.decode(stored),
                    let result = bundle.results.first(where: { $0.checkID == check })
                else { continue }
                // The key that signed this bundle, which a later rotation does not change.
                var key = ""
                if let appliance = try await tenancy.appliance(stored.applianceID) {
                    key = try await tenancy.keyHistory(of: appliance).key(for: stored.sequence)
                }
                return CheckStateProof(
                    siteID: site.rawValue, hostID: host.rawValue, checkID: check.rawValue, at: time.description,
                    status: result.status, result: result, observedAt: stored.observedAt.description,
                    bundle: ProvingBundle(
                        bundleID: stored.bundleID.rawValue, applianceID: stored.applianceID.rawValue,
                        sequence: stored.sequence, hash: stored.hash.hex,
                        canonicalBytes: Base64.encode(stored.canonicalBytes), signature: Base64.encode(stored.signature)
                    ),
                    appliancePublicKey: key)
            }
            guard page.count == Self.page else { break }
            offset += page.count
        }
        return nil
    }

    /// The newest result of every check on every host of `site`, as of `time`.
    public func latestResults(site: Site.ID, at time: Timestamp) async throws(StoreError) -> [ObservedResult] {
        var latest: [ObservedResult] = []
        for host in try await evidence.hostsWithEvidence(site: site) {
            var seen: Set<CheckID> = []
            var offset = 0
            // Scans usually hold every check of a host; a few pages back covers partial scans.
            while offset < 4 * Self.page {
                let page = try await evidence.bundles(
                    site: site, host: host, atOrBefore: time, offset: offset, limit: Self.page)
                for stored in page {
                    guard let bundle = Self.decode(stored) else { continue }
                    for result in bundle.results where seen.insert(result.checkID).inserted {
                        latest.append(
                            ObservedResult(
                                hostID: host, result: result, bundleID: stored.bundleID,
                                observedAt: stored.observedAt))
                    }
                }
                guard page.count == Self.page else { break }
                offset += page.count
            }
        }
        return latest
    }

    /// The score of every framework (or one) at `site` as of `time`.
    public func scores(site: Site.ID, at time: Timestamp, frameworks: [Framework] = Framework.allCases)
        async throws(StoreError) -> [ComplianceScore]
    {
        let latest = try await latestResults(site: site, at: time)
        return scores(latest: latest, hosts: try await tenancy.hosts(at: site), frameworks: frameworks)
    }

    /// The scores from results already read: the controls in scope come from the appliance, the
    /// registered hosts' platforms and the platforms that reported.
    public func scores(latest: [ObservedResult], hosts: [ManagedHost], frameworks: [Framework] = Framework.allCases)
        -> [ComplianceScore]
    {
        var platforms: Set<Platform> = [.appliance]
        for host in hosts { platforms.insert(host.platform) }
        for observed in latest { platforms.insert(observed.result.checkID.platform) }
        return frameworks.map {
            ComplianceScore(framework: $0, platforms: platforms, latest: latest, catalog: catalog)
        }
    }

    /// Whether `stored` holds a result for `check`.
    public static func contains(_ stored: StoredBundle, check: CheckID) -> Bool {
        decode(stored)?.results.contains { $0.checkID == check } ?? false
    }

    /// The bundle inside a stored record. Stored bytes were verified at ingestion, so a decoding
    /// failure means damage at rest; such a record answers nothing rather than something wrong.
    static func decode(_ stored: StoredBundle) -> EvidenceBundle? {
        try? JSONDecoder().decode(EvidenceBundle.self, from: Data(stored.canonicalBytes))
    }
}
