import Compliance
import Foundation
import SQLStorage
import TestSupport
import Testing

/// API keys on every backend.
@Suite struct APIKeyContractTests {
    static let now = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)

    func keys(_ stores: Stores) throws -> any APIKeyStore {
        if let database = stores.database { return SQLAPIKeyStore(database: database) }
        return try #require(stores.tenancy as? InMemoryStore)
    }

    func key(_ id: String, partner: String?) throws -> APIKey {
        APIKey(
            id: try APIKey.ID(id), partnerID: try partner.map { try Partner.ID($0) }, name: "psa",
            secretHash: try HexDigest(hex: String(repeating: "e", count: 64)), createdAt: Self.now)
    }

    @Test(arguments: Backend.available)
    func storesTouchesAndRevokesKeys(backend: Backend) async throws {
        try await withStores(backend) { stores in
            let keys = try keys(stores)
            try await stores.tenancy.create(Partner(id: try Partner.ID("p"), name: "MSP"))
            try await keys.create(try key("key-1", partner: "p"))
            try await keys.create(try key("key-2", partner: nil))
            let stored = try #require(try await keys.apiKey(try APIKey.ID("key-1")))
            #expect(stored.principal == .partner(try Partner.ID("p")))
            #expect(stored.secretHash.hex == String(repeating: "e", count: 64))
            #expect(try await keys.apiKey(try APIKey.ID("key-2"))?.principal == .platform)
            try await keys.touch(try APIKey.ID("key-1"), at: Self.now.adding(milliseconds: 5))
            #expect(try await keys.apiKey(try APIKey.ID("key-1"))?.lastUsedAt == Self.now.adding(milliseconds: 5))
            try await keys.revoke(try APIKey.ID("key-1"), at: Self.now.adding(milliseconds: 9))
            #expect(try await keys.apiKey(try APIKey.ID("key-1"))?.revokedAt == Self.now.adding(milliseconds: 9))
            #expect(try await keys.apiKeys(of: try Partner.ID("p")).map(\.id.rawValue) == ["key-1"])
            #expect(try await keys.apiKeys(of: nil).map(\.id.rawValue) == ["key-2"])
            await #expect(throws: StoreError.self) { try await keys.create(try key("key-1", partner: nil)) }
            await #expect(throws: StoreError.self) { try await keys.create(try key("key-3", partner: "ghost")) }
            await #expect(throws: StoreError.self) { try await keys.revoke(try APIKey.ID("key-ghost"), at: Self.now) }
        }
    }
}
