import Compliance
import Foundation
import SQLStorage
import TestSupport
import Testing

/// Appliance key rotations (ADR 0012) on every backend: the boundary must be the stored head,
/// the old key must be current, a key is never reused, and appends signed under a retired key
/// are refused.
@Suite struct KeyRotationContractTests {
    static let now = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)

    func rotation(from old: String, to new: String, at sequence: Int64) throws -> ApplianceKeyRotation {
        ApplianceKeyRotation(
            applianceID: try Appliance.ID("appliance-a"), oldKey: old, newKey: new, fromSequence: sequence,
            endorsement: "e", proof: "p", rotatedAt: Self.now)
    }

    @Test(arguments: Backend.available)
    func rotationsStartAtTheStoredHeadAndRetireTheOldKey(backend: Backend) async throws {
        try await withStores(backend) { stores in
            let contract = StoreContractTests()
            try await contract.seed(stores)
            let appliance = try Appliance.ID("appliance-a")
            let chain = try contract.chain(5)
            try await stores.evidence.append(Array(chain.prefix(3)), signedWith: "key-a")
            #expect(try await stores.tenancy.keyRotations(of: appliance).isEmpty)

            // The boundary must be exactly head + 1.
            for wrong: Int64 in [3, 5] {
                await #expect(throws: StoreError.self) {
                    try await stores.tenancy.record(try rotation(from: "key-a", to: "key-a2", at: wrong))
                }
            }
            // The old key must be current; the new key must never have been used.
            await #expect(throws: StoreError.self) {
                try await stores.tenancy.record(try rotation(from: "key-x", to: "key-a2", at: 4))
            }
            await #expect(throws: StoreError.self) {
                try await stores.tenancy.record(try rotation(from: "key-a", to: "key-b", at: 4))
            }
            #expect(try await stores.tenancy.appliance(appliance)?.publicKey == "key-a")

            try await stores.tenancy.record(try rotation(from: "key-a", to: "key-a2", at: 4))
            #expect(try await stores.tenancy.appliance(appliance)?.publicKey == "key-a2")
            let stored = try await stores.tenancy.keyRotations(of: appliance)
            #expect(stored == [try rotation(from: "key-a", to: "key-a2", at: 4)])
            let history = try KeyHistory.from(current: "key-a2", rotations: stored)
            #expect(history.key(for: 3) == "key-a" && history.key(for: 4) == "key-a2")
            #expect(history.keys(forCheckpointOf: 3) == ["key-a", "key-a2"])
            #expect(history.keys(forCheckpointOf: 4) == ["key-a2"])

            // Bundles checked under the retired key are refused; under the new key they are taken.
            await #expect(throws: StoreError.self) {
                try await stores.evidence.append(Array(chain[3...]), signedWith: "key-a")
            }
            #expect(try await stores.evidence.head(of: appliance)?.sequence == 3)
            try await stores.evidence.append(Array(chain[3...]), signedWith: "key-a2")
            #expect(try await stores.evidence.head(of: appliance)?.sequence == 5)

            // A retired key cannot come back.
            await #expect(throws: StoreError.self) {
                try await stores.tenancy.record(try rotation(from: "key-a2", to: "key-a", at: 6))
            }
            try await stores.tenancy.record(try rotation(from: "key-a2", to: "key-a3", at: 6))
            #expect(try await stores.tenancy.keyRotations(of: appliance).map(\.newKey) == ["key-a2", "key-a3"])
            // Appliance B is untouched.
            #expect(try await stores.tenancy.keyRotations(of: try Appliance.ID("appliance-b")).isEmpty)
        }
    }

    @Test func aHistoryWhoseLinksDoNotJoinIsRefused() throws {
        let broken = [
            try rotation(from: "key-a", to: "key-a2", at: 4), try rotation(from: "key-z", to: "key-a3", at: 6),
        ]
        #expect(throws: StoreError.self) { _ = try KeyHistory.from(current: "key-a3", rotations: broken) }
        let backwards = [
            try rotation(from: "key-a", to: "key-a2", at: 6), try rotation(from: "key-a2", to: "key-a3", at: 4),
        ]
        #expect(throws: StoreError.self) { _ = try KeyHistory.from(current: "key-a3", rotations: backwards) }
        #expect(try KeyHistory.from(current: "key-a", rotations: []).keys(forCheckpointOf: 9) == ["key-a"])
    }
}
