import Compliance
import Foundation
import SQLStorage
import TestSupport
import Testing

/// The SQL audit log: entries in order, scoped by partner, and security events of an appliance
/// filed under the partner that owns its site.
@Suite struct AuditLogContractTests {
    static let now = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)

    @Test(arguments: Backend.sqlBackends)
    func scopesEntriesByPartnerAndPagesNewestFirst(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await StoreContractTests().seed(stores)
            let log = SQLAuditLog(database: try #require(stores.database))
            try await log.append([
                AuditEntry(
                    at: Self.now, actor: "key:k1", action: "site.created", target: "site:site-a", detail: "",
                    partnerID: StoreContractTests.partnerA),
                AuditEntry(at: Self.now, actor: "system", action: "auth.locked", target: "user:u", detail: "'); --"),
            ])
            try await log.record([
                SecurityEvent(
                    at: Self.now, applianceID: try Appliance.ID("appliance-b"), kind: "fork", detail: "sequence 7")
            ])
            let all = try await log.entries(partner: nil, before: nil, limit: 10)
            #expect(all.map(\.entry.action) == ["security.fork", "auth.locked", "site.created"])
            #expect(all[0].entry.partnerID == StoreContractTests.partnerB)
            #expect(all[1].entry.detail == "'); --")
            #expect(
                try await log.entries(partner: StoreContractTests.partnerA, before: nil, limit: 10).map(\.entry.action)
                    == ["site.created"])
            #expect(
                try await log.entries(partner: StoreContractTests.partnerB, before: nil, limit: 10).map(\.entry.action)
                    == ["security.fork"])
            #expect(try await log.entries(partner: nil, before: all[0].id, limit: 1).map(\.id) == [all[1].id])
        }
    }
}
