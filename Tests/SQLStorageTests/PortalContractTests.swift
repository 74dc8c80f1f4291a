import Compliance
import Foundation
import SQLStorage
import TestSupport
import Testing

/// Client-portal contacts, magic links, sessions and partner branding on every backend.
@Suite struct PortalContractTests {
    static let now = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)

    func portal(_ stores: Stores) throws -> any PortalStore & BrandingStore {
        if let database = stores.database { return SQLPortalStore(database: database) }
        return try #require(stores.tenancy as? InMemoryStore)
    }

    static func digest(_ digit: String) -> HexDigest {
        (try? HexDigest(hex: String(repeating: digit, count: 64))).unsafelyUnwrapped
    }

    func contact(_ id: String, client: String, email: String) throws -> PortalContact {
        PortalContact(
            id: try PortalContact.ID(id), clientID: try Client.ID(client), email: email,
            name: "Pat O'Brien <office>", createdAt: Self.now)
    }

    @Test(arguments: Backend.available)
    func contactsAreUniquePerClientAndFoundByAddress(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await StoreContractTests().seed(stores)
            let portal = try portal(stores)
            try await portal.create(try contact("contact-1", client: "client-a", email: "office@dental.example"))
            // The same address may be a contact of another practice…
            try await portal.create(try contact("contact-2", client: "client-b", email: "office@dental.example"))
            // …but only once per practice.
            await #expect(throws: StoreError.self) {
                try await portal.create(try contact("contact-3", client: "client-a", email: "office@dental.example"))
            }
            await #expect(throws: StoreError.notFound("client client-z")) {
                try await portal.create(try contact("contact-4", client: "client-z", email: "x@y.example"))
            }
            await #expect(throws: StoreError.self) {
                try await portal.create(try contact("contact-5", client: "client-a", email: "Not Normalised@x.example"))
            }
            #expect(
                try await portal.contacts(email: " OFFICE@dental.example").map(\.id.rawValue) == [
                    "contact-1", "contact-2",
                ])
            #expect(try await portal.contacts(of: try Client.ID("client-b")).map(\.id.rawValue) == ["contact-2"])
            #expect(try await portal.contact(try PortalContact.ID("contact-1"))?.name == "Pat O'Brien <office>")
        }
    }

    @Test(arguments: Backend.available)
    func aLinkOpensOneSessionOnceBeforeItExpires(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await StoreContractTests().seed(stores)
            let portal = try portal(stores)
            let id = try PortalContact.ID("contact-1")
            try await portal.create(try contact("contact-1", client: "client-a", email: "office@dental.example"))
            let later = Self.now.adding(milliseconds: 15 * 60_000)
            let link = MagicLink(tokenHash: Self.digest("1"), contactID: id, createdAt: Self.now, expiresAt: later)
            try await portal.create(link)
            try await portal.create(
                MagicLink(tokenHash: Self.digest("2"), contactID: id, createdAt: Self.now, expiresAt: later))
            #expect(try await portal.linkCount(of: id, since: Self.now) == 2)
            #expect(try await portal.linkCount(of: id, since: Self.now.adding(milliseconds: 1)) == 0)
            // Expired at its deadline.
            #expect(try await portal.redeem(Self.digest("2"), at: later) == nil)
            #expect(try await portal.redeem(Self.digest("3"), at: Self.now) == nil)
            // Two concurrent redemptions: exactly one wins.
            let results = try await withThrowingTaskGroup(of: PortalContact.ID?.self) { group in
                for _ in 0..<2 { group.addTask { try await portal.redeem(Self.digest("1"), at: Self.now) } }
                return try await group.reduce(into: [PortalContact.ID?]()) { $0.append($1) }
            }
            #expect(results.compactMap { $0 } == [id])

            let session = PortalSession(
                tokenHash: Self.digest("4"), contactID: id, createdAt: Self.now, expiresAt: later,
                lastSeenAt: Self.now)
            try await portal.create(session)
            try await portal.touchPortalSession(Self.digest("4"), at: Self.now.adding(milliseconds: 5))
            #expect(try await portal.portalSession(Self.digest("4"))?.lastSeenAt == Self.now.adding(milliseconds: 5))
            // Disabling the contact ends its sessions.
            try await portal.disable(id, at: Self.now)
            #expect(try await portal.portalSession(Self.digest("4")) == nil)
            #expect(try await portal.contact(id)?.disabledAt == Self.now)
            await #expect(throws: StoreError.self) {
                try await portal.disable(try PortalContact.ID("nobody"), at: Self.now)
            }
        }
    }

    @Test(arguments: Backend.available)
    func brandingIsValidatedAndReplaced(backend: Backend) async throws {
        try await withStores(backend) { stores in
            try await StoreContractTests().seed(stores)
            let portal = try portal(stores)
            let partner = StoreContractTests.partnerA
            #expect(try await portal.branding(of: partner) == nil)
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]
            try await portal.save(
                PartnerBranding(partnerID: partner, displayName: "Acme IT", accentColour: "#1A7f3c", logoPNG: png))
            #expect(try await portal.branding(of: partner)?.logoPNG == png)
            try await portal.save(PartnerBranding(partnerID: partner, accentColour: "#000000"))
            #expect(
                try await portal.branding(of: partner) == PartnerBranding(partnerID: partner, accentColour: "#000000"))
            for hostile in [
                PartnerBranding(partnerID: partner, accentColour: "red;}body{display:none"),
                PartnerBranding(partnerID: partner, logoPNG: Array("<svg onload=alert(1)>".utf8)),
                PartnerBranding(partnerID: partner, logoPNG: png + Array(repeating: 0, count: 70_000)),
                PartnerBranding(partnerID: partner, displayName: "a\u{0}b"),
                PartnerBranding(partnerID: try Partner.ID("partner-nobody"), accentColour: "#000000"),
            ] {
                await #expect(throws: StoreError.self) { try await portal.save(hostile) }
            }
            #expect(try await portal.branding(of: partner)?.accentColour == "#000000")
        }
    }
}
