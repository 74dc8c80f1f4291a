public import Compliance
import Foundation
import SQLKit

/// `PortalStore` and `BrandingStore` on SQL.
public struct SQLPortalStore: PortalStore, BrandingStore {
    let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    // MARK: Contacts

    public func create(_ contact: PortalContact) async throws(StoreError) {
        try contact.checkStorable()
        try await database.transaction { sql in
            try await SQLTenancyStore.requirePresent(
                sql, table: "clients", id: contact.clientID.rawValue, what: "client \(contact.clientID)")
            try await SQLTenancyStore.requireAbsent(
                sql, table: "portal_contacts", id: contact.id.rawValue, what: "contact \(contact.id)")
            let taken = try await sql.raw(
                """
                SELECT 1 AS present FROM portal_contacts
                WHERE client_id = \(bind: contact.clientID.rawValue) AND email = \(bind: contact.email)
                """
            ).first()
            guard taken == nil else {
                throw StoreError.conflict("client \(contact.clientID) has a contact \(contact.email) already")
            }
            try await sql.raw(
                """
                INSERT INTO portal_contacts (id, client_id, email, name, created_at, disabled_at)
                VALUES (\(bind: contact.id.rawValue), \(bind: contact.clientID.rawValue), \(bind: contact.email),
                        \(bind: contact.name), \(bind: contact.createdAt.millisecondsSinceEpoch),
                        \(bind: contact.disabledAt?.millisecondsSinceEpoch))
                """
            ).run()
        }
    }

    public func contact(_ id: PortalContact.ID) async throws(StoreError) -> PortalContact? {
        try await database.read { sql in
            try await sql.raw("SELECT * FROM portal_contacts WHERE id = \(bind: id.rawValue)").first().map(
                Self.contact)
        }
    }

    public func contacts(email: String) async throws(StoreError) -> [PortalContact] {
        let normalized = (try? User.normalizedEmail(email)) ?? email
        return try await database.read { sql in
            try await sql.raw(
                "SELECT * FROM portal_contacts WHERE email = \(bind: normalized) ORDER BY created_at, id"
            ).all().map(Self.contact)
        }
    }

    public func contacts(of client: Client.ID) async throws(StoreError) -> [PortalContact] {
        try await database.read { sql in
            try await sql.raw(
                "SELECT * FROM portal_contacts WHERE client_id = \(bind: client.rawValue) ORDER BY email, id"
            ).all().map(Self.contact)
        }
    }

    public func disable(_ contact: PortalContact.ID, at: Timestamp) async throws(StoreError) {
        try await database.transaction { sql in
            try await SQLTenancyStore.requirePresent(
                sql, table: "portal_contacts", id: contact.rawValue, what: "contact \(contact)")
            try await sql.raw(
                """
                UPDATE portal_contacts SET disabled_at = \(bind: at.millisecondsSinceEpoch)
                WHERE id = \(bind: contact.rawValue) AND disabled_at IS NULL
                """
            ).run()
            try await sql.raw("DELETE FROM portal_sessions WHERE contact_id = \(bind: contact.rawValue)").run()
        }
    }

    static func contact(_ row: any SQLRow) throws -> PortalContact {
        PortalContact(
            id: try PortalContact.ID(row.decode(column: "id", as: String.self)),
            clientID: try Client.ID(row.decode(column: "client_id", as: String.self)),
            email: try row.decode(column: "email", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            createdAt: Timestamp(millisecondsSinceEpoch: try row.decode(column: "created_at", as: Int64.self)),
            disabledAt: try row.decode(column: "disabled_at", as: Int64?.self).map(
                Timestamp.init(millisecondsSinceEpoch:)))
    }

    // MARK: Magic links

    public func create(_ link: MagicLink) async throws(StoreError) {
        try await database.transaction { sql in
            try await SQLTenancyStore.requirePresent(
                sql, table: "portal_contacts", id: link.contactID.rawValue, what: "contact \(link.contactID)")
            try await sql.raw(
                """
                INSERT INTO magic_links (token_hash, contact_id, created_at, expires_at)
                VALUES (\(bind: link.tokenHash.hex), \(bind: link.contactID.rawValue),
                        \(bind: link.createdAt.millisecondsSinceEpoch), \(bind: link.expiresAt.millisecondsSinceEpoch))
                """
            ).run()
        }
    }

    public func linkCount(of contact: PortalContact.ID, since: Timestamp) async throws(StoreError) -> Int {
        try await database.read { sql in
            let row = try await sql.raw(
                """
                SELECT COUNT(*) AS links FROM magic_links
                WHERE contact_id = \(bind: contact.rawValue) AND created_at >= \(bind: since.millisecondsSinceEpoch)
                """
            ).first()
            return try row?.decode(column: "links", as: Int.self) ?? 0
        }
    }

    public func redeem(_ tokenHash: HexDigest, at: Timestamp) async throws(StoreError) -> PortalContact.ID? {
        try await database.transaction { sql in
            let row = try await sql.raw(
                """
                UPDATE magic_links SET used_at = \(bind: at.millisecondsSinceEpoch)
                WHERE token_hash = \(bind: tokenHash.hex) AND used_at IS NULL
                  AND expires_at > \(bind: at.millisecondsSinceEpoch)
                RETURNING contact_id
                """
            ).first()
            return try row.map { try PortalContact.ID($0.decode(column: "contact_id", as: String.self)) }
        }
    }

    // MARK: Sessions

    public func create(_ session: PortalSession) async throws(StoreError) {
        try await database.transaction { sql in
            try await sql.raw(
                """
                INSERT INTO portal_sessions (token_hash, contact_id, created_at, expires_at, last_seen_at)
                VALUES (\(bind: session.tokenHash.hex), \(bind: session.contactID.rawValue),
                        \(bind: session.createdAt.millisecondsSinceEpoch), \(bind: session.expiresAt.millisecondsSinceEpoch),
                        \(bind: session.lastSeenAt.millisecondsSinceEpoch))
                """
            ).run()
        }
    }

    public func portalSession(_ tokenHash: HexDigest) async throws(StoreError) -> PortalSession? {
        try await database.read { sql in
            try await sql.raw("SELECT * FROM portal_sessions WHERE token_hash = \(bind: tokenHash.hex)").first().map {
                row in
                func time(_ column: String) throws -> Timestamp {
                    Timestamp(millisecondsSinceEpoch: try row.decode(column: column, as: Int64.self))
                }
                return PortalSession(
                    tokenHash: try HexDigest(hex: row.decode(column: "token_hash", as: String.self)),
                    contactID: try PortalContact.ID(row.decode(column: "contact_id", as: String.self)),
                    createdAt: try time("created_at"), expiresAt: try time("expires_at"),
                    lastSeenAt: try time("last_seen_at"))
            }
        }
    }

    public func touchPortalSession(_ tokenHash: HexDigest, at: Timestamp) async throws(StoreError) {
        try await database.transaction { sql in
            try await sql.raw(
                """
                UPDATE portal_sessions SET last_seen_at = \(bind: at.millisecondsSinceEpoch)
                WHERE token_hash = \(bind: tokenHash.hex)
                """
            ).run()
        }
    }

    public func deletePortalSession(_ tokenHash: HexDigest) async throws(StoreError) {
        try await database.transaction { sql in
            try await sql.raw("DELETE FROM portal_sessions WHERE token_hash = \(bind: tokenHash.hex)").run()
        }
    }

    // MARK: Branding

    public func branding(of partner: Partner.ID) async throws(StoreError) -> PartnerBranding? {
        try await database.read { sql in
            guard
                let row = try await sql.raw(
                    "SELECT * FROM partner_branding WHERE partner_id = \(bind: partner.rawValue)"
                ).first()
            else { return nil }
            let logo = try row.decode(column: "logo_png", as: String?.self)
            return PartnerBranding(
                partnerID: partner, displayName: try row.decode(column: "display_name", as: String?.self),
                accentColour: try row.decode(column: "accent_colour", as: String?.self),
                logoPNG: logo.flatMap { Data(base64Encoded: $0) }.map { Array($0) })
        }
    }

    public func save(_ branding: PartnerBranding) async throws(StoreError) {
        try branding.checkStorable()
        let logo = branding.logoPNG.map { Data($0).base64EncodedString() }
        try await database.transaction { sql in
            try await SQLTenancyStore.requirePresent(
                sql, table: "partners", id: branding.partnerID.rawValue, what: "partner \(branding.partnerID)")
            try await sql.raw("DELETE FROM partner_branding WHERE partner_id = \(bind: branding.partnerID.rawValue)")
                .run()
            try await sql.raw(
                """
                INSERT INTO partner_branding (partner_id, display_name, accent_colour, logo_png)
                VALUES (\(bind: branding.partnerID.rawValue), \(bind: branding.displayName),
                        \(bind: branding.accentColour), \(bind: logo))
                """
            ).run()
        }
    }
}
