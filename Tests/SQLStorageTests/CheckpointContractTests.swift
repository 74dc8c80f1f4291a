import Compliance
import Foundation
import SQLStorage
import TestSupport
import Testing

/// Accepted checkpoints and the chain hashes they are checked against, on every backend.
@Suite struct CheckpointContractTests {
    static let now = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)

    func checkpoints(_ stores: Stores) throws -> any CheckpointStore {
        if let database = stores.database { return SQLCheckpointStore(database: database) }
        return try #require(stores.tenancy as? InMemoryStore)
    }

    func checkpoint(_ size: Int64, fill: Character) throws -> StoredCheckpoint {
        StoredCheckpoint(
            applianceID: try Appliance.ID("appliance-a"), treeSize: size,
            rootHash: try HexDigest(hex: String(repeating: fill, count: 64)), note: "note \(size)\n",
            receivedAt: Self.now)
    }

    @Test(arguments: Backend.available)
    func storesCheckpointsOncePerSizeAndReadsChainHashes(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await StoreContractTests().seed(stores)
            let checkpoints = try checkpoints(stores)
            let appliance = try Appliance.ID("appliance-a")
            #expect(try await checkpoints.latestCheckpoint(of: appliance) == nil)
            try await checkpoints.store(try checkpoint(2, fill: "a"))
            try await checkpoints.store(try checkpoint(5, fill: "b"))
            try await checkpoints.store(try checkpoint(5, fill: "b"))
            await #expect(throws: StoreError.self) { try await checkpoints.store(try checkpoint(5, fill: "c")) }
            #expect(try await checkpoints.latestCheckpoint(of: appliance)?.treeSize == 5)
            #expect(try await checkpoints.checkpoint(of: appliance, treeSize: 2)?.note == "note 2\n")
            #expect(try await checkpoints.checkpoint(of: appliance, treeSize: 3) == nil)

            let bundles = try StoreContractTests().chain(3, appliance: "appliance-a", site: "site-a")
            try await stores.evidence.append(bundles)
            #expect(try await checkpoints.bundleHashes(of: appliance, through: 2) == bundles.prefix(2).map(\.hash))
            await #expect(throws: StoreError.self) { _ = try await checkpoints.bundleHashes(of: appliance, through: 4) }
        }
    }
}
