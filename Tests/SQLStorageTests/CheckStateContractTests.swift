import Compliance
import Foundation
import SQLStorage
import TestSupport
import Testing

/// Current check states on every backend: derived from the bundles in the same append, the
/// newest observation wins whatever order bundles arrive in, and the fleet overview reads them
/// per site and tenant.
@Suite struct CheckStateContractTests {
    static let start = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)

    func overview(_ stores: Stores) throws -> any FleetOverviewStore {
        if let database = stores.database { return SQLFleetOverview(database: database) }
        return try #require(stores.tenancy as? InMemoryStore)
    }

    /// A scan bundle of `host` at `minute` with `results` (check, status, observed).
    static func scan(
        _ appliance: String, site: String, host: String, sequence: Int64, previous: HexDigest, minute: Int64,
        _ results: [(String, CheckStatus, String)]
    ) throws -> StoredBundle {
        let id = try Identifier<EvidenceBundle>("bundle-\(appliance)-\(sequence)")
        let at = start.adding(milliseconds: minute * 60_000)
        let bundle = EvidenceBundle(
            bundleID: id, kind: .scan, siteID: try Site.ID(site), hostID: try ManagedHost.ID(host),
            applianceID: try Appliance.ID(appliance), sequence: sequence, previousHash: previous, observedAt: at,
            startedAt: at, finishedAt: at, softwareRevision: "test", deploymentMode: .direct,
            results: try results.map {
                CheckResult(checkID: try CheckID($0.0), status: $0.1, severity: .high, observed: $0.2)
            },
            outcome: .success)
        let bytes = Array(try JSONEncoder().encode(bundle))
        return StoredBundle(
            applianceID: try Appliance.ID(appliance), sequence: sequence, bundleID: id, siteID: try Site.ID(site),
            hostID: try ManagedHost.ID(host), observedAt: at,
            hash: try HexDigest(hex: String(repeating: String(sequence % 10), count: 64)), previousHash: previous,
            canonicalBytes: bytes, signature: Array(repeating: 1, count: 64), receivedAt: at)
    }

    @Test(arguments: Backend.available)
    func theNewestObservationIsTheStateAndSitesCountTheirHosts(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await StoreContractTests().seed(stores)
            try await stores.tenancy.create(
                ManagedHost(
                    id: try ManagedHost.ID("host-a2"), siteID: try Site.ID("site-a"), name: "front", platform: .linux,
                    address: nil))
            let root = "linux.ssh.permit_root_login"
            let firewall = "linux.firewall.active"
            let first = try Self.scan(
                "appliance-a", site: "site-a", host: "host-a", sequence: 1, previous: .zero, minute: 10,
                [(root, .fail, "yes"), (firewall, .pass, "nftables: 3 chains")])
            // A later bundle in the chain carrying an older observation must not win.
            let late = try Self.scan(
                "appliance-a", site: "site-a", host: "host-a", sequence: 2, previous: first.hash, minute: 5,
                [(root, .pass, "no")])
            let other = try Self.scan(
                "appliance-a", site: "site-a", host: "host-a2", sequence: 3, previous: late.hash, minute: 11,
                [(root, .fail, "<script>'yes'</script>")])
            try await stores.evidence.append([first, late], signedWith: nil)
            try await stores.evidence.append([other], signedWith: nil)
            let fixed = try Self.scan(
                "appliance-a", site: "site-a", host: "host-a", sequence: 4, previous: other.hash, minute: 12,
                [(root, .pass, "no")])
            try await stores.evidence.append([fixed], signedWith: nil)

            let states = try await stores.evidence.checkStates(site: try Site.ID("site-a"))
            let summary = states.map { "\($0.hostID.rawValue) \($0.checkID.rawValue) \($0.status.rawValue)" }
            #expect(
                summary == [
                    "host-a \(firewall) pass", "host-a \(root) pass", "host-a2 \(root) fail",
                ])
            #expect(states.first { $0.hostID.rawValue == "host-a2" }?.observed == "<script>'yes'</script>")
            #expect(
                states.first { $0.checkID.rawValue == root && $0.hostID.rawValue == "host-a" }?.bundleID
                    == fixed.bundleID)
            #expect(try await stores.evidence.checkStates(site: try Site.ID("site-b")).isEmpty)

            let overviews = try await overview(stores).siteOverviews(partner: nil)
            #expect(overviews.map(\.site.id.rawValue) == ["site-a", "site-b"])
            let siteA = try #require(overviews.first)
            #expect(siteA.partner.name == "MSP A" && siteA.client.name == "Dental a")
            #expect(siteA.hosts == [.linux: 2])
            #expect(siteA.applianceCheckIns == [nil])
            let counts = siteA.checkStates.map { "\($0.checkID.rawValue) \($0.status.rawValue) \($0.hosts)" }.sorted()
            #expect(counts == ["\(firewall) pass 1", "\(root) fail 1", "\(root) pass 1"])
            // The score is the one formula's, from these states.
            let rootCheck = try CheckID(root)
            #expect(siteA.score(.hipaa).controls.contains { $0.checks.contains(rootCheck) && $0.status == .fail })
            // A partner sees its own sites only.
            let onlyB = try await overview(stores).siteOverviews(partner: StoreContractTests.partnerB)
            #expect(onlyB.map(\.site.id.rawValue) == ["site-b"])
            #expect(onlyB.first?.checkStates.isEmpty == true)
        }
    }

    @Test(arguments: Backend.available.filter { $0 != .memory })
    func evidenceStoredBeforeTheStatesExistedIsReadOnce(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await StoreContractTests().seed(stores)
            let database = try #require(stores.database)
            let store = SQLEvidenceStore(database: database)
            #expect(try await store.backfillCheckStates() == 0, "a new database has nothing to derive")
            var previous = HexDigest.zero
            var bundles: [StoredBundle] = []
            for (sequence, status) in [(Int64(1), CheckStatus.fail), (2, .pass), (3, .fail)] {
                let bundle = try Self.scan(
                    "appliance-a", site: "site-a", host: "host-a", sequence: sequence, previous: previous,
                    minute: sequence, [("linux.ssh.permit_root_login", status, "x")])
                bundles.append(bundle)
                previous = bundle.hash
            }
            try await store.append(bundles, signedWith: nil)
            let derived = try await store.checkStates(site: try Site.ID("site-a"))
            // As a database migrated from before the tables: states gone, backfill pending.
            try await database.transaction { sql in
                try await sql.raw("DELETE FROM check_states").run()
                try await sql.raw("DELETE FROM site_check_states").run()
                try await sql.raw("UPDATE check_states_backfill SET done = 0").run()
            }
            #expect(try await store.checkStates(site: try Site.ID("site-a")).isEmpty)
            #expect(try await store.backfillCheckStates(pageSize: 2) == 3)
            #expect(try await store.checkStates(site: try Site.ID("site-a")) == derived)
            #expect(derived.map(\.status) == [.fail])
            #expect(try await store.backfillCheckStates() == 0, "once")
            let counts = try await SQLFleetOverview(database: database).siteOverviews(partner: nil).first?.checkStates
            #expect(counts?.map(\.hosts) == [1])
        }
    }
}
