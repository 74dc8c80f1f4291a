import Compliance
import Foundation
import SQLStorage
import TestSupport
import Testing

/// Operator accounts and sessions on every backend, including the counters several instances
/// change at once.
@Suite struct AccountContractTests {
    static let now = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)
    /// A syntactically valid bcrypt hash; the store never checks passwords.
    static let hash = "$2b$04$" + String(repeating: "a", count: 53)

    func accounts(_ stores: Stores) throws -> any AccountStore {
        if let database = stores.database { return SQLAccountStore(database: database) }
        return try #require(stores.tenancy as? InMemoryStore)
    }

    func user(_ id: String, email: String, partner: String? = nil, role: Role = .admin) throws -> User {
        User(
            id: try User.ID(id), partnerID: try partner.map { try Partner.ID($0) }, email: email,
            displayName: "Robert'); DROP TABLE users;--", role: role, passwordHash: Self.hash, createdAt: Self.now)
    }

    @Test(arguments: Backend.available)
    func storesUsersScopedByPartnerWithUniqueEmails(backend: Backend) async throws {
        try await withStores(backend) { stores in
            let accounts = try accounts(stores)
            try await stores.tenancy.create(Partner(id: try Partner.ID("p"), name: "MSP"))
            #expect(try await accounts.hasPlatformAdmin() == false)
            try await accounts.create(try user("user-1", email: "ops@example.com"))
            try await accounts.create(try user("user-2", email: "tech@msp.example", partner: "p", role: .technician))
            #expect(try await accounts.hasPlatformAdmin())
            let stored = try #require(try await accounts.user(try User.ID("user-1")))
            #expect(stored.displayName == "Robert'); DROP TABLE users;--")
            #expect(stored.role == .admin && stored.partnerID == nil && stored.failedLogins == 0)
            #expect(try await accounts.user(email: "TECH@msp.example")?.id.rawValue == "user-2")
            #expect(try await accounts.users(of: nil).map(\.id.rawValue) == ["user-1"])
            #expect(try await accounts.users(of: try Partner.ID("p")).map(\.id.rawValue) == ["user-2"])
            await #expect(throws: StoreError.conflict("a user with email ops@example.com exists already")) {
                try await accounts.create(try user("user-3", email: "ops@example.com"))
            }
            await #expect(throws: StoreError.self) {
                try await accounts.create(try user("user-4", email: "x@y.z", partner: "ghost"))
            }
            await #expect(throws: StoreError.self) { try await accounts.create(try user("user-5", email: "Caps@y.z")) }
            var broken = try user("user-6", email: "a@b.c")
            broken.passwordHash = "plaintext"
            await #expect(throws: StoreError.self) { try await accounts.create(broken) }
            #expect(try await accounts.user(try User.ID("user-6")) == nil)
        }
    }

    @Test(arguments: Backend.available)
    func countsFailuresLocksAndClearsAndUpdatesOnlyChangeableFields(backend: Backend) async throws {
        try await withStores(backend) { stores in
            let accounts = try accounts(stores)
            let id = try User.ID("user-1")
            try await accounts.create(try user("user-1", email: "ops@example.com"))
            let lockUntil = Self.now.adding(milliseconds: 900_000)
            for expected in 1...2 {
                #expect(try await accounts.recordFailedLogin(id, threshold: 3, lockUntil: lockUntil) == expected)
            }
            #expect(try await accounts.user(id)?.lockedUntil == nil)
            #expect(try await accounts.recordFailedLogin(id, threshold: 3, lockUntil: lockUntil) == 3)
            #expect(try await accounts.user(id)?.lockedUntil == lockUntil)
            try await accounts.recordSuccessfulLogin(id)
            #expect(try await accounts.user(id)?.lockedUntil == nil)
            #expect(try await accounts.user(id)?.failedLogins == 0)
            await #expect(throws: StoreError.self) {
                _ = try await accounts.recordFailedLogin(try User.ID("ghost"), threshold: 3, lockUntil: lockUntil)
            }

            var changed = try #require(try await accounts.user(id))
            changed.role = .viewer
            changed.sealedTOTPSecret = "v1:sealed"
            changed.totpEnabledAt = Self.now
            changed.disabledAt = Self.now
            changed.failedLogins = 99  // not a changeable field: counters move only through the store
            try await accounts.update(changed)
            let stored = try #require(try await accounts.user(id))
            #expect(stored.role == .viewer && stored.sealedTOTPSecret == "v1:sealed")
            #expect(stored.totpEnabledAt == Self.now && stored.disabledAt == Self.now && stored.failedLogins == 0)
            #expect(try await accounts.hasPlatformAdmin() == false)
        }
    }

    @Test(arguments: Backend.available)
    func acceptsEachTOTPStepOnceAndNeverAnEarlierOne(backend: Backend) async throws {
        try await withStores(backend) { stores in
            let accounts = try accounts(stores)
            let id = try User.ID("user-1")
            try await accounts.create(try user("user-1", email: "ops@example.com"))
            #expect(try await accounts.claimTOTPStep(id, step: 100))
            #expect(try await accounts.claimTOTPStep(id, step: 100) == false)
            #expect(try await accounts.claimTOTPStep(id, step: 99) == false)
            #expect(try await accounts.claimTOTPStep(id, step: 101))
        }
    }

    @Test(arguments: Backend.available)
    func keepsSessionsUntilDeleted(backend: Backend) async throws {
        try await withStores(backend) { stores in
            let accounts = try accounts(stores)
            let id = try User.ID("user-1")
            try await accounts.create(try user("user-1", email: "ops@example.com"))
            func session(_ fill: Character) throws -> Session {
                Session(
                    tokenHash: try HexDigest(hex: String(repeating: fill, count: 64)), userID: id, createdAt: Self.now,
                    expiresAt: Self.now.adding(milliseconds: 3_600_000), lastSeenAt: Self.now)
            }
            try await accounts.create(try session("a"))
            try await accounts.create(try session("b"))
            #expect(try await accounts.session(try session("a").tokenHash) == (try session("a")))
            try await accounts.touch(try session("a").tokenHash, at: Self.now.adding(milliseconds: 70_000))
            #expect(
                try await accounts.session(try session("a").tokenHash)?.lastSeenAt
                    == Self.now.adding(milliseconds: 70_000))
            try await accounts.deleteSession(try session("a").tokenHash)
            #expect(try await accounts.session(try session("a").tokenHash) == nil)
            #expect(try await accounts.session(try session("b").tokenHash) != nil)
            try await accounts.deleteSessions(of: id)
            #expect(try await accounts.session(try session("b").tokenHash) == nil)
            var orphan = try session("c")
            orphan.userID = try User.ID("ghost")
            await #expect(throws: StoreError.self) { try await accounts.create(orphan) }
        }
    }
}
