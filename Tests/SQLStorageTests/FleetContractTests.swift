import Compliance
import Foundation
import SQLStorage
import TestSupport
import Testing

/// Check-ins, orders, credentials and site settings on every backend.
@Suite struct FleetContractTests {
    static let now = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)

    func fleet(_ stores: Stores) throws -> any FleetStore {
        if let database = stores.database { return SQLFleetStore(database: database) }
        return try #require(stores.tenancy as? InMemoryStore)
    }

    func order(
        _ id: String, appliance: String = "appliance-a", site: String = "site-a", nonce: String? = nil,
        issuedAt: Timestamp = now, ttl: Int64 = 900
    ) throws -> Order {
        Order(
            id: try Order.ID(id), applianceID: try Appliance.ID(appliance), siteID: try Site.ID(site), type: .runChecks,
            parameters: ["check": "linux.ssh.permit_root_login", "note": "it's \"quoted\""],
            nonce: nonce ?? "nonce-\(id)",
            issuedAt: issuedAt, expiresAt: issuedAt.adding(milliseconds: ttl * 1000), createdBy: "user:u",
            signedPayload: "cGF5bG9hZA==", signature: "c2ln", updatedAt: issuedAt)
    }

    func health(at time: Timestamp, queue: Int64 = 0) -> ApplianceHealth {
        ApplianceHealth(
            softwareVersion: "0.2.0", uptimeSeconds: 10, queueDepth: queue, clockOffsetMilliseconds: nil,
            checkedInAt: time)
    }

    @Test(arguments: Backend.available)
    func checkInRecordsHealthAndReturnsOpenOrdersSettingsHostsAndCredentialsOfTheSite(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await StoreContractTests().seed(stores)
            let fleet = try fleet(stores)
            let appliance = try #require(try await stores.tenancy.appliance(try Appliance.ID("appliance-a")))
            try await fleet.create(try order("order-1"))
            try await fleet.create(try order("order-2", issuedAt: Self.now.adding(milliseconds: 10)))
            try await fleet.create(try order("order-old", issuedAt: Self.now.adding(milliseconds: -1_000_000), ttl: 60))
            try await fleet.create(try order("order-b", appliance: "appliance-b", site: "site-b"))
            for host in ["host-a", "host-b"] {
                try await fleet.setCredential(
                    StoredCredential(
                        hostID: try ManagedHost.ID(host), kind: .password, username: "vigil",
                        sealedSecret: "v1:\(host)",
                        updatedAt: Self.now))
            }
            let checkedIn = Self.now.adding(milliseconds: 20)
            try await fleet.recordHealth(health(at: checkedIn, queue: 7), of: appliance.id)
            let view = try await fleet.checkInView(for: appliance, at: checkedIn, knownRevision: nil)
            #expect(view.orders.map(\.id.rawValue) == ["order-1", "order-2"])
            #expect(view.orders.first == (try order("order-1")))
            let data = try #require(view.snapshot)
            #expect(data.revision == view.siteRevision)
            #expect(data.settings == .defaults)
            #expect(data.hosts.map(\.id.rawValue) == ["host-a"])
            #expect(data.credentials.map(\.sealedSecret) == ["v1:host-a"])
            // Holding the current revision, the caller gets the orders and no snapshot.
            let ordersOnly = try await fleet.checkInView(for: appliance, at: checkedIn, knownRevision: data.revision)
            #expect(ordersOnly.orders == view.orders && ordersOnly.snapshot == nil)
            #expect(ordersOnly.siteRevision == data.revision)
            let stale = try await fleet.checkInView(for: appliance, at: checkedIn, knownRevision: data.revision - 1)
            #expect(stale.snapshot == data)
            try await fleet.setSettings(
                SiteSettings(ruleSetVersion: "9", enabledRunbooks: ["r.1"], maintenanceWindowJSON: #"{"a":1}"#),
                of: appliance.siteID)
            let configured = try await fleet.checkInView(for: appliance, at: checkedIn, knownRevision: data.revision)
            #expect(configured.siteRevision > data.revision)
            #expect(configured.snapshot?.settings.ruleSetVersion == "9")
            #expect(configured.snapshot?.settings.maintenanceWindowJSON == #"{"a":1}"#)
            #expect(configured.snapshot?.hosts == data.hosts)
            let empty = try #require(try await stores.tenancy.appliance(try Appliance.ID("appliance-b")))
            let quiet = try await fleet.checkInView(
                for: empty, at: checkedIn.adding(milliseconds: 10_000_000), knownRevision: nil)
            #expect(quiet.orders.isEmpty)
            #expect(quiet.snapshot?.settings == .defaults)
            #expect(quiet.snapshot?.hosts.map(\.id.rawValue) == ["host-b"])
            #expect(try await fleet.health(of: appliance.id)?.queueDepth == 7)
            // Concurrent reports share commits; each is durable when its call returns.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for queue in 1...40 {
                    group.addTask {
                        try await fleet.recordHealth(
                            health(at: Self.now.adding(milliseconds: 30 + Int64(queue)), queue: Int64(queue)),
                            of: try Appliance.ID(queue % 2 == 0 ? "appliance-a" : "appliance-b"))
                    }
                }
                try await group.waitForAll()
            }
            // Batches never mix appliances up: b only ever reported odd depths, a only even ones.
            let depthA = try #require(try await fleet.health(of: appliance.id)?.queueDepth)
            let depthB = try #require(try await fleet.health(of: try Appliance.ID("appliance-b"))?.queueDepth)
            #expect(depthA.isMultiple(of: 2) && !depthB.isMultiple(of: 2))
            try await fleet.recordHealth(health(at: Self.now.adding(milliseconds: 99), queue: 1), of: appliance.id)
            #expect(try await fleet.health(of: appliance.id)?.queueDepth == 1)
            await #expect(throws: StoreError.self) {
                try await fleet.recordHealth(health(at: Self.now, queue: 1), of: try Appliance.ID("ghost"))
            }
        }
    }

    @Test(arguments: Backend.available)
    func concurrentCheckInsReadOnlyTheirOwnOrdersAndSite(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await StoreContractTests().seed(stores)
            let fleet = try fleet(stores)
            try await fleet.create(try order("order-a1"))
            try await fleet.create(try order("order-a2", issuedAt: Self.now.adding(milliseconds: 5), ttl: 60))
            try await fleet.create(try order("order-b1", appliance: "appliance-b", site: "site-b"))
            @Sendable func current(_ appliance: Appliance) async throws -> Int64 {
                try await fleet.checkInView(for: appliance, at: Self.now, knownRevision: nil).siteRevision
            }
            // Reads from many concurrent check-ins share queries; each answer must still be its
            // own appliance's orders (filtered at its own time) and its own site's hosts.
            let results = try await withThrowingTaskGroup(of: (Int, String, [String], [String]?).self) { group in
                for index in 0..<60 {
                    group.addTask {
                        let id = try Appliance.ID(index.isMultiple(of: 2) ? "appliance-a" : "appliance-b")
                        let appliance = try #require(try await stores.tenancy.appliance(id))
                        // Every third request comes after order-a2 has expired.
                        let at = Self.now.adding(milliseconds: index % 3 == 0 ? 120_000 : 10)
                        // Every fifth request already holds its site's current snapshot.
                        let known = index.isMultiple(of: 5) ? try await current(appliance) : nil
                        let view = try await fleet.checkInView(for: appliance, at: at, knownRevision: known)
                        return (
                            index, appliance.id.rawValue, view.orders.map(\.id.rawValue),
                            view.snapshot?.hosts.map(\.id.rawValue)
                        )
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.count == 60)
            for (index, appliance, orders, hosts) in results {
                if appliance == "appliance-a" {
                    #expect(orders == (index % 3 == 0 ? ["order-a1"] : ["order-a1", "order-a2"]), "request \(index)")
                    #expect(hosts == (index.isMultiple(of: 5) ? nil : ["host-a"]), "request \(index)")
                } else {
                    #expect(orders == ["order-b1"], "request \(index)")
                    #expect(hosts == (index.isMultiple(of: 5) ? nil : ["host-b"]), "request \(index)")
                }
            }
            #expect(try await stores.tenancy.appliance(try Appliance.ID("ghost")) == nil)
        }
    }

    @Test(arguments: Backend.available)
    func ordersMoveForwardOnlyAndBelongToTheirAppliance(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await StoreContractTests().seed(stores)
            let fleet = try fleet(stores)
            try await fleet.create(try order("order-1"))
            await #expect(throws: StoreError.conflict("order nonce was used before")) {
                try await fleet.create(try order("order-2", nonce: "nonce-order-1"))
            }
            await #expect(throws: StoreError.self) { try await fleet.create(try order("order-1", nonce: "fresh")) }
            await #expect(throws: StoreError.self) { try await fleet.create(try order("order-3", site: "site-b")) }
            await #expect(throws: StoreError.self) { try await fleet.create(try order("order-4", appliance: "ghost")) }
            var badParameters = try order("order-5")
            badParameters.parameters = ["DROP TABLE": "x"]
            await #expect(throws: StoreError.self) { try await fleet.create(badParameters) }

            let id = try Order.ID("order-1")
            let mine = try Appliance.ID("appliance-a")
            await #expect(throws: StoreError.notFound("order order-1")) {
                _ = try await fleet.updateOrder(
                    id, appliance: try Appliance.ID("appliance-b"), status: .completed, detail: nil, at: Self.now)
            }
            let acknowledged = try await fleet.updateOrder(
                id, appliance: mine, status: .acknowledged, detail: nil, at: Self.now)
            #expect(acknowledged.status == .acknowledged)
            _ = try await fleet.updateOrder(id, appliance: mine, status: .acknowledged, detail: nil, at: Self.now)
            let done = try await fleet.updateOrder(
                id, appliance: mine, status: .failed, detail: "exit 1\n\tstderr", at: Self.now)
            #expect(done.resultDetail == "exit 1\n\tstderr")
            #expect(try await fleet.order(id)?.status == .failed)
            await #expect(throws: StoreError.self) {
                _ = try await fleet.updateOrder(id, appliance: mine, status: .completed, detail: nil, at: Self.now)
            }
            await #expect(throws: StoreError.self) {
                _ = try await fleet.updateOrder(
                    id, appliance: mine, status: .failed, detail: "bell \u{7}", at: Self.now)
            }
            #expect(try await fleet.orders(site: try Site.ID("site-a"), limit: 10).map(\.id) == [id])
            #expect(try await fleet.orders(site: try Site.ID("site-b"), limit: 10).isEmpty)
        }
    }

    @Test(arguments: Backend.available)
    func credentialsAndSettingsAreReplacedAndRemoved(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await StoreContractTests().seed(stores)
            let fleet = try fleet(stores)
            let host = try ManagedHost.ID("host-a")
            try await fleet.setCredential(
                StoredCredential(
                    hostID: host, kind: .password, username: "a", sealedSecret: "v1:1", updatedAt: Self.now))
            try await fleet.setCredential(
                StoredCredential(
                    hostID: host, kind: .sshPrivateKey, username: "b", sealedSecret: "v1:2", updatedAt: Self.now))
            #expect(try await fleet.credential(of: host)?.kind == .sshPrivateKey)
            #expect(try await fleet.credential(of: host)?.sealedSecret == "v1:2")
            try await fleet.deleteCredential(of: host)
            #expect(try await fleet.credential(of: host) == nil)
            await #expect(throws: StoreError.self) {
                try await fleet.setCredential(
                    StoredCredential(
                        hostID: try ManagedHost.ID("ghost"), kind: .password, username: "a", sealedSecret: "v1:1",
                        updatedAt: Self.now))
            }
            let site = try Site.ID("site-a")
            let settings = SiteSettings(
                ruleSetVersion: "7", enabledRunbooks: ["a.b", "c"], maintenanceWindowJSON: #"{"x":1}"#)
            try await fleet.setSettings(settings, of: site)
            #expect(try await fleet.settings(of: site) == settings)
            #expect(try await fleet.settings(of: try Site.ID("site-b")) == .defaults)
            await #expect(throws: StoreError.self) {
                try await fleet.setSettings(
                    SiteSettings(ruleSetVersion: "7", enabledRunbooks: ["a b"], maintenanceWindowJSON: nil), of: site)
            }
            await #expect(throws: StoreError.self) { try await fleet.setSettings(settings, of: try Site.ID("ghost")) }
            #expect(try await fleet.settings(of: site) == settings)
        }
    }

    @Test(arguments: Backend.available)
    func everyChangeToASiteMovesItsSnapshotRevisionAndNothingElseDoes(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await StoreContractTests().seed(stores)
            let fleet = try fleet(stores)
            let a = try #require(try await stores.tenancy.appliance(try Appliance.ID("appliance-a")))
            let b = try #require(try await stores.tenancy.appliance(try Appliance.ID("appliance-b")))
            func revisions() async throws -> (Int64, Int64) {
                (
                    try await fleet.checkInView(for: a, at: Self.now, knownRevision: nil).siteRevision,
                    try await fleet.checkInView(for: b, at: Self.now, knownRevision: nil).siteRevision
                )
            }
            var (last, other) = try await revisions()
            func expectMoved(_ what: String) async throws {
                let (now, otherNow) = try await revisions()
                #expect(now > last, "\(what) must move site-a's revision")
                #expect(otherNow == other, "\(what) must not move site-b's revision")
                last = now
            }
            func expectUnmoved(_ what: String) async throws {
                #expect(try await revisions() == (last, other), "\(what) must not move any revision")
            }
            let host = try ManagedHost.ID("host-a")
            try await fleet.setCredential(
                StoredCredential(
                    hostID: host, kind: .password, username: "a", sealedSecret: "v1:1", updatedAt: Self.now))
            try await expectMoved("setting a credential")
            try await fleet.deleteCredential(of: host)
            try await expectMoved("deleting a credential")
            try await fleet.deleteCredential(of: host)
            try await expectUnmoved("deleting a credential that is not there")
            try await fleet.setSettings(.defaults, of: a.siteID)
            try await expectMoved("writing settings")
            try await stores.tenancy.create(
                ManagedHost(
                    id: try ManagedHost.ID("host-a2"), siteID: a.siteID, name: "second", platform: .linux, address: nil)
            )
            try await expectMoved("adding a host")
            try await fleet.create(try order("order-r"))
            _ = try await fleet.updateOrder(
                try Order.ID("order-r"), appliance: a.id, status: .acknowledged, detail: nil, at: Self.now)
            try await fleet.recordHealth(health(at: Self.now), of: a.id)
            try await expectUnmoved("orders and health")
            await #expect(throws: StoreError.self) {
                try await fleet.setSettings(
                    SiteSettings(ruleSetVersion: "7", enabledRunbooks: ["a b"], maintenanceWindowJSON: nil),
                    of: a.siteID)
            }
            try await expectUnmoved("refused settings")
        }
    }
}
