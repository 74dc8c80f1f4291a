import Compliance
import Foundation
import SQLStorage
import TestSupport
import Testing

/// Request nonces on every backend: the first claim wins, also when claims race and are group
/// committed, and also across two store instances (two servers) on one database.
@Suite struct NonceContractTests {
    static let now = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)

    func nonces(_ stores: Stores) throws -> any NonceStore {
        if let database = stores.database { return SQLNonceStore(database: database) }
        return try #require(stores.tenancy as? InMemoryStore)
    }

    @Test(arguments: Backend.available)
    func firstClaimWinsEvenWhenClaimsRace(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await StoreContractTests().seed(stores)
            let first = try nonces(stores)
            // A second instance of the store stands for a second server on the same database.
            let second = try nonces(stores)
            let a = try Appliance.ID("appliance-a")
            let b = try Appliance.ID("appliance-b")
            #expect(try await first.claim("nonce-0000000000000001", appliance: a, at: Self.now))
            #expect(try await first.claim("nonce-0000000000000001", appliance: a, at: Self.now) == false)
            #expect(try await second.claim("nonce-0000000000000001", appliance: a, at: Self.now) == false)
            #expect(try await first.claim("nonce-0000000000000001", appliance: b, at: Self.now))
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<64 {
                    let store = index.isMultiple(of: 2) ? first : second
                    group.addTask {
                        try await store.claim("race-nonce-\(index % 16)-padding", appliance: a, at: Self.now)
                    }
                }
                var count = 0
                for try await won in group where won { count += 1 }
                return count
            }
            #expect(wins == 16)
        }
    }
}
