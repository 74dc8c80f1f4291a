import Compliance
import Foundation
import SQLStorage
import TestSupport
import Testing

/// Incidents on every backend: one unresolved incident per appliance, host and check; the
/// transitions of `Incident`; nothing half-stored.
@Suite struct IncidentContractTests {
    static let now = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)

    func incidents(_ stores: Stores) throws -> any IncidentStore {
        if let database = stores.database { return SQLIncidentStore(database: database) }
        return try #require(stores.tenancy as? InMemoryStore)
    }

    func incident(_ check: String = "linux.ssh.permit_root_login", at offset: Int64 = 0) throws -> Incident {
        Incident(
            id: .random(prefix: "incident"), siteID: try Site.ID("site-a"),
            applianceID: try Appliance.ID("appliance-a"),
            hostID: try ManagedHost.ID("host-a"), checkID: try CheckID(check), severity: .high,
            title: "SSH refuses root logins: failing on host-a", context: "no rule", observed: "yes", attempts: 0,
            pendingAction: Incident.PendingAction(
                runbook: "RB-LIN-SSH-001", parameters: ["value": "no"], reasoning: "because", confidence: 0.5),
            at: Self.now.adding(milliseconds: offset))
    }

    @Test(arguments: Backend.available)
    func oneUnresolvedIncidentPerProblemAndForwardOnlyTransitions(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await StoreContractTests().seed(stores)
            let store = try incidents(stores)
            let (first, created) = try await store.raise(try incident())
            #expect(created && first.occurrences == 1 && first.priority == .p2)
            var newer = try incident(at: 60_000)
            newer.context = "still failing"
            let (same, again) = try await store.raise(newer)
            #expect(!again && same.id == first.id && same.occurrences == 2 && same.context == "still failing")
            let (other, otherCreated) = try await store.raise(try incident("linux.files.shadow_permissions"))
            #expect(otherCreated && other.id != first.id)

            let approved = try await store.approve(first.id, order: "order-1", by: "user:a", at: Self.now)
            #expect(approved.status == .acknowledged && approved.pendingAction?.orderID == "order-1")
            await #expect(throws: StoreError.self) {
                _ = try await store.approve(first.id, order: "order-2", by: "user:a", at: Self.now)
            }
            // A later proposal does not replace an approved one.
            var proposal = try incident(at: 120_000)
            proposal.pendingAction?.runbook = "RB-LIN-SSH-002"
            #expect(try await store.raise(proposal).incident.pendingAction?.orderID == "order-1")
            await #expect(throws: StoreError.self) {
                _ = try await store.resolve(first.id, by: "user:a", note: "", at: Self.now)
            }
            let resolved = try await store.resolve(first.id, by: "user:a", note: "fixed by hand", at: Self.now)
            #expect(resolved.status == .resolved && resolved.resolutionNote == "fixed by hand")
            await #expect(throws: StoreError.self) {
                _ = try await store.acknowledge(first.id, by: "user:a", at: Self.now)
            }
            #expect(try await store.incident(first.id)?.status == .resolved)
            // Resolved: the same problem opens a new incident.
            #expect(try await store.raise(try incident()).created)
            let site = try Site.ID("site-a")
            #expect(try await store.incidents(site: site, status: .resolved, limit: 10).map(\.id) == [first.id])
            #expect(try await store.incidents(site: site, status: nil, limit: 10).count == 3)
            #expect(try await store.incidents(site: try Site.ID("site-b"), status: nil, limit: 10).isEmpty)

            var bad = try incident("linux.disk.free_space")
            bad.context = "a\u{0}b"
            await #expect(throws: StoreError.self) { _ = try await store.raise(bad) }
            #expect(try await store.incidents(site: site, status: nil, limit: 10).count == 3)
        }
    }
}
