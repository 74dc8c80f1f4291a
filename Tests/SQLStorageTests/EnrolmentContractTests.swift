import Compliance
import Foundation
import SQLStorage
import TestSupport
import Testing

/// Claim codes and enrolment, on every backend.
@Suite struct EnrolmentContractTests {
    static let now = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)
    static let code = (try? HexDigest(hex: String(repeating: "c", count: 64))).unsafelyUnwrapped

    func enrolment(_ stores: Stores) throws -> any EnrolmentStore {
        if let database = stores.database { return SQLEnrolmentStore(database: database) }
        return try #require(stores.tenancy as? InMemoryStore)
    }

    func seed(_ stores: Stores) async throws {
        try await stores.tenancy.create(Partner(id: try Partner.ID("p"), name: "MSP"))
        try await stores.tenancy.create(Client(id: try Client.ID("c"), partnerID: try Partner.ID("p"), name: "Dental"))
        try await stores.tenancy.create(
            Site(id: try Site.ID("s"), clientID: try Client.ID("c"), name: "Main", timeZone: "UTC"))
    }

    func appliance(_ id: String, key: String = "key-1") throws -> Appliance {
        Appliance(
            id: try Appliance.ID(id), siteID: try Site.ID("unassigned"), publicKey: key, softwareRevision: "0.1.0",
            deploymentMode: .direct)
    }

    @Test(arguments: Backend.available)
    func aCodeEnrolsOneApplianceAtItsSiteOnce(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await seed(stores)
            let store = try enrolment(stores)
            try await store.createClaimCode(
                hash: Self.code, site: try Site.ID("s"), expiresAt: Self.now.adding(milliseconds: 60_000),
                createdAt: Self.now)
            let enrolled = try await store.enrol(
                claimCodeHash: Self.code, appliance: try appliance("appliance-1"), at: Self.now)
            #expect(enrolled.siteID.rawValue == "s")
            #expect(try await stores.tenancy.appliance(try Appliance.ID("appliance-1"))?.siteID.rawValue == "s")
            await #expect(throws: StoreError.conflict("claim code was used already")) {
                try await store.enrol(
                    claimCodeHash: Self.code, appliance: try appliance("appliance-2", key: "key-2"), at: Self.now)
            }
            #expect(try await stores.tenancy.appliance(try Appliance.ID("appliance-2")) == nil)
        }
    }

    @Test(arguments: Backend.available)
    func refusesUnknownAndExpiredCodes(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await seed(stores)
            let store = try enrolment(stores)
            await #expect(throws: StoreError.notFound("claim code")) {
                try await store.enrol(claimCodeHash: Self.code, appliance: try appliance("appliance-1"), at: Self.now)
            }
            try await store.createClaimCode(
                hash: Self.code, site: try Site.ID("s"), expiresAt: Self.now, createdAt: Self.now)
            await #expect(throws: StoreError.invalid("claim code has expired")) {
                try await store.enrol(claimCodeHash: Self.code, appliance: try appliance("appliance-1"), at: Self.now)
            }
            #expect(try await stores.tenancy.appliances(at: try Site.ID("s")).isEmpty)
        }
    }

    @Test(arguments: Backend.available)
    func refusesCodesForMissingSitesAndReusedKeys(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await seed(stores)
            let store = try enrolment(stores)
            await #expect(throws: StoreError.self) {
                try await store.createClaimCode(
                    hash: Self.code, site: try Site.ID("ghost"), expiresAt: Self.now, createdAt: Self.now)
            }
            let second = try HexDigest(hex: String(repeating: "d", count: 64))
            for hash in [Self.code, second] {
                try await store.createClaimCode(
                    hash: hash, site: try Site.ID("s"), expiresAt: Self.now.adding(milliseconds: 1000),
                    createdAt: Self.now)
            }
            _ = try await store.enrol(claimCodeHash: Self.code, appliance: try appliance("appliance-1"), at: Self.now)
            await #expect(throws: StoreError.self) {
                try await store.enrol(claimCodeHash: second, appliance: try appliance("appliance-2"), at: Self.now)
            }
        }
    }

    @Test(arguments: Backend.available)
    func racingEnrolmentsWithOneCodeProduceOneAppliance(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await seed(stores)
            let store = try enrolment(stores)
            try await store.createClaimCode(
                hash: Self.code, site: try Site.ID("s"), expiresAt: Self.now.adding(milliseconds: 60_000),
                createdAt: Self.now)
            let candidates = try (0..<8).map { try appliance("appliance-\($0)", key: "key-\($0)") }
            let wins = await withTaskGroup(of: Bool.self) { group in
                for candidate in candidates {
                    group.addTask {
                        (try? await store.enrol(claimCodeHash: Self.code, appliance: candidate, at: Self.now)) != nil
                    }
                }
                var count = 0
                for await won in group where won { count += 1 }
                return count
            }
            #expect(wins == 1)
            #expect(try await stores.tenancy.appliances(at: try Site.ID("s")).count == 1)
        }
    }
}
