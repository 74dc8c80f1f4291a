import Compliance
import Foundation
import SQLStorage
import TestSupport
import Testing

/// One suite, every implementation of the storage ports: they must behave identically.
@Suite struct StoreContractTests {
    static let partnerA = (try? Partner.ID("partner-a")).unsafelyUnwrapped
    static let partnerB = (try? Partner.ID("partner-b")).unsafelyUnwrapped

    /// Two tenants, each with a client, a site, an appliance and a host.
    func seed(_ stores: Stores) async throws {
        for (tag, partner) in [("a", Self.partnerA), ("b", Self.partnerB)] {
            try await stores.tenancy.create(Partner(id: partner, name: "MSP \(tag.uppercased())"))
            try await stores.tenancy.create(
                Client(id: try Client.ID("client-\(tag)"), partnerID: partner, name: "Dental \(tag)"))
            try await stores.tenancy.create(
                Site(
                    id: try Site.ID("site-\(tag)"), clientID: try Client.ID("client-\(tag)"), name: "Main",
                    timeZone: "America/Chicago"))
            try await stores.tenancy.create(
                Appliance(
                    id: try Appliance.ID("appliance-\(tag)"), siteID: try Site.ID("site-\(tag)"),
                    publicKey: "key-\(tag)",
                    softwareRevision: "0.1.0", deploymentMode: .direct))
            try await stores.tenancy.create(
                ManagedHost(
                    id: try ManagedHost.ID("host-\(tag)"), siteID: try Site.ID("site-\(tag)"), name: "ehr",
                    platform: .linux,
                    address: "127.0.0.1"))
        }
    }

    @Test(arguments: Backend.available)
    func createsAndReadsTheTenancyTree(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await seed(stores)
            #expect(try await stores.tenancy.partners().map(\.id) == [Self.partnerA, Self.partnerB])
            #expect(try await stores.tenancy.partner(Self.partnerA)?.name == "MSP A")
            #expect(try await stores.tenancy.client(try Client.ID("client-a"))?.partnerID == Self.partnerA)
            #expect(try await stores.tenancy.site(try Site.ID("site-a"))?.timeZone == "America/Chicago")
            let appliance = try await stores.tenancy.appliance(try Appliance.ID("appliance-a"))
            #expect(appliance?.publicKey == "key-a")
            #expect(appliance?.deploymentMode == .direct)
            #expect(try await stores.tenancy.host(try ManagedHost.ID("host-a"))?.platform == .linux)
            #expect(try await stores.tenancy.partner(try Partner.ID("nobody")) == nil)
        }
    }

    @Test(arguments: Backend.available)
    func listingsAreScopedToTheirParent(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await seed(stores)
            #expect(try await stores.tenancy.clients(of: Self.partnerA).map(\.id.rawValue) == ["client-a"])
            #expect(try await stores.tenancy.sites(of: try Client.ID("client-b")).map(\.id.rawValue) == ["site-b"])
            #expect(
                try await stores.tenancy.appliances(at: try Site.ID("site-a")).map(\.id.rawValue) == ["appliance-a"])
            #expect(try await stores.tenancy.hosts(at: try Site.ID("site-b")).map(\.id.rawValue) == ["host-b"])
        }
    }

    @Test(arguments: Backend.available)
    func refusesChildrenOfMissingParents(backend: Backend) async throws {
        try await withStores(backend) { stores in
            await #expect(throws: StoreError.notFound("partner ghost")) {
                try await stores.tenancy.create(
                    Client(id: try Client.ID("c"), partnerID: try Partner.ID("ghost"), name: "x"))
            }
            await #expect(throws: StoreError.self) {
                try await stores.tenancy.create(
                    Site(id: try Site.ID("s"), clientID: try Client.ID("ghost"), name: "x", timeZone: "UTC"))
            }
            let site = try await stores.tenancy.site(try Site.ID("s"))
            #expect(site == nil)
        }
    }

    @Test(arguments: Backend.available)
    func refusesDuplicates(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await seed(stores)
            await #expect(throws: StoreError.conflict("partner partner-a exists already")) {
                try await stores.tenancy.create(Partner(id: Self.partnerA, name: "again"))
            }
            #expect(try await stores.tenancy.partner(Self.partnerA)?.name == "MSP A")
            await #expect(throws: StoreError.self) {
                try await stores.tenancy.create(
                    Appliance(
                        id: try Appliance.ID("appliance-c"), siteID: try Site.ID("site-a"), publicKey: "key-a",
                        softwareRevision: nil, deploymentMode: .direct))
            }
        }
    }

    @Test(arguments: Backend.available)
    func storesHostileTextLiterally(backend: Backend) async throws {
        try await withStores(backend) { stores in
            let hostile = "'; DROP TABLE partners; -- \" \\ ☃ 𝄞 Robert'); DELETE FROM clients;--"
            try await stores.tenancy.create(Partner(id: Self.partnerA, name: hostile))
            #expect(try await stores.tenancy.partner(Self.partnerA)?.name == hostile)
            #expect(try await stores.tenancy.partners().count == 1)
        }
    }

    @Test(arguments: Backend.available)
    func refusesControlCharactersAndStoresNothing(backend: Backend) async throws {
        try await withStores(backend) { stores in
            for bad in ["nul\u{0}byte", "line\nbreak", "", String(repeating: "x", count: 201)] {
                await #expect(throws: StoreError.self, "\(bad.debugDescription)") {
                    try await stores.tenancy.create(Partner(id: Self.partnerA, name: bad))
                }
            }
            let partners = try await stores.tenancy.partners()
            #expect(partners.isEmpty)
        }
    }

    // MARK: Evidence

    func chain(_ count: Int, appliance: String = "appliance-a", site: String = "site-a", start: Int64 = 1)
        throws -> [StoredBundle]
    {
        var bundles: [StoredBundle] = []
        var previous = HexDigest.zero
        for sequence in start..<(start + Int64(count)) {
            let bytes = Array("{\"sequence\":\(sequence),\"appliance\":\"\(appliance)\"}".utf8)
            let hash = try HexDigest(hex: String(repeating: String(sequence % 10), count: 64))
            bundles.append(
                StoredBundle(
                    applianceID: try Appliance.ID(appliance), sequence: sequence,
                    bundleID: try Identifier<EvidenceBundle>("bundle-\(appliance)-\(sequence)"),
                    siteID: try Site.ID(site),
                    hostID: try ManagedHost.ID("host-a"),
                    observedAt: Timestamp(millisecondsSinceEpoch: 1_795_000_000_000 + sequence * 60_000), hash: hash,
                    previousHash: previous, canonicalBytes: bytes,
                    signature: [UInt8](repeating: UInt8(sequence % 256), count: 64),
                    receivedAt: Timestamp(millisecondsSinceEpoch: 1_795_000_100_000)))
            previous = hash
        }
        return bundles
    }

    @Test(arguments: Backend.available)
    func appendsEvidenceAndReturnsTheBytesUnchanged(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await seed(stores)
            let bundles = try chain(5)
            try await stores.evidence.append(Array(bundles[0..<2]))
            try await stores.evidence.append(Array(bundles[2...]))
            let head = try await stores.evidence.head(of: try Appliance.ID("appliance-a"))
            #expect(head?.sequence == 5)
            #expect(head?.hash == bundles[4].hash)
            let stored = try await stores.evidence.bundle(bundles[3].bundleID)
            #expect(stored == bundles[3])
            #expect(try await stores.evidence.head(of: try Appliance.ID("appliance-b")) == nil)
        }
    }

    @Test(arguments: Backend.available)
    func refusesGapsForksAndBrokenLinks(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await seed(stores)
            let bundles = try chain(6)
            try await stores.evidence.append(Array(bundles[0..<3]))
            await #expect(throws: StoreError.self, "gap") { try await stores.evidence.append([bundles[4]]) }
            await #expect(throws: StoreError.self, "replay of an old position") {
                try await stores.evidence.append([bundles[1]])
            }
            var forged = bundles[3]
            forged.previousHash = bundles[0].hash
            await #expect(throws: StoreError.self, "broken link") { try await stores.evidence.append([forged]) }
            #expect(try await stores.evidence.head(of: try Appliance.ID("appliance-a"))?.sequence == 3)
        }
    }

    @Test(arguments: Backend.available)
    func aBatchIsAllOrNothing(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await seed(stores)
            var bundles = try chain(4)
            bundles[3].bundleID = bundles[0].bundleID  // A duplicate ID at the end of the batch.
            await #expect(throws: StoreError.self) { try await stores.evidence.append(bundles) }
            #expect(try await stores.evidence.head(of: try Appliance.ID("appliance-a")) == nil)
            #expect(try await stores.evidence.bundle(bundles[1].bundleID) == nil)
        }
    }

    /// Large batches are written in chunks and looked up in chunks; nothing may be lost at the seams.
    @Test(arguments: Backend.available)
    func appendsALargeBatchAndFindsExistingIDsInBulk(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await seed(stores)
            let bundles = try chain(120)
            try await stores.evidence.append(bundles)
            #expect(try await stores.evidence.head(of: try Appliance.ID("appliance-a"))?.sequence == 120)
            for sequence in [1, 50, 51, 100, 101, 120] {
                let stored = try await stores.evidence.bundle(
                    appliance: try Appliance.ID("appliance-a"), sequence: Int64(sequence))
                #expect(stored == bundles[sequence - 1])
            }
            let unknown = try (0..<500).map { try Identifier<EvidenceBundle>("unknown-\($0)") }
            let found = try await stores.evidence.existingBundleIDs(unknown + bundles.map(\.bundleID))
            #expect(found == Set(bundles.map(\.bundleID)))
        }
    }

    @Test(arguments: Backend.available)
    func refusesEvidenceOfUnknownAppliances(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await seed(stores)
            let bundles = try chain(1, appliance: "appliance-ghost")
            await #expect(throws: StoreError.self) { try await stores.evidence.append(bundles) }
        }
    }

    @Test(arguments: Backend.available)
    func queriesEvidenceBySiteAndTime(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await seed(stores)
            try await stores.evidence.append(try chain(10))
            try await stores.evidence.append(try chain(3, appliance: "appliance-b", site: "site-b"))
            let from = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000 + 3 * 60_000)
            let to = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000 + 7 * 60_000)
            let found = try await stores.evidence.bundles(site: try Site.ID("site-a"), from: from, to: to, limit: 100)
            #expect(found.map(\.sequence) == [3, 4, 5, 6])
            let limited = try await stores.evidence.bundles(site: try Site.ID("site-a"), from: from, to: to, limit: 2)
            #expect(limited.map(\.sequence) == [3, 4])
            let other = try await stores.evidence.bundles(
                site: try Site.ID("site-b"), from: Timestamp(millisecondsSinceEpoch: 0), to: to, limit: 100)
            #expect(other.allSatisfy { $0.applianceID.rawValue == "appliance-b" })
        }
    }
}
