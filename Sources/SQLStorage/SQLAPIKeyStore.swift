public import Compliance
import SQLKit

/// `APIKeyStore` on SQL.
public struct SQLAPIKeyStore: APIKeyStore {
    let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    public func create(_ key: APIKey) async throws(StoreError) {
        try TextRules.checkName(key.name, field: "API key name")
        try await database.transaction { sql in
            if let partner = key.partnerID {
                try await SQLTenancyStore.requirePresent(
                    sql, table: "partners", id: partner.rawValue, what: "partner \(partner)")
            }
            try await SQLTenancyStore.requireAbsent(
                sql, table: "api_keys", id: key.id.rawValue, what: "API key \(key.id)")
            try await sql.raw(
                """
                INSERT INTO api_keys (id, partner_id, name, secret_hash, created_at)
                VALUES (\(bind: key.id.rawValue), \(bind: key.partnerID?.rawValue), \(bind: key.name), \(bind: key.secretHash.hex),
                        \(bind: key.createdAt.millisecondsSinceEpoch))
                """
            ).run()
        }
    }

    public func apiKey(_ id: APIKey.ID) async throws(StoreError) -> APIKey? {
        try await database.read { sql in
            try await sql.raw("SELECT * FROM api_keys WHERE id = \(bind: id.rawValue)").first().map(Self.apiKey)
        }
    }

    public func apiKeys(of partner: Partner.ID?) async throws(StoreError) -> [APIKey] {
        try await database.read { sql in
            if let partner {
                return try await sql.raw(
                    "SELECT * FROM api_keys WHERE partner_id = \(bind: partner.rawValue) ORDER BY created_at DESC, id"
                ).all().map(Self.apiKey)
            }
            return try await sql.raw("SELECT * FROM api_keys WHERE partner_id IS NULL ORDER BY created_at DESC, id")
                .all().map(Self.apiKey)
        }
    }

    static func apiKey(_ row: any SQLRow) throws -> APIKey {
        APIKey(
            id: try APIKey.ID(row.decode(column: "id", as: String.self)),
            partnerID: try row.decode(column: "partner_id", as: String?.self).map { try Partner.ID($0) },
            name: try row.decode(column: "name", as: String.self),
            secretHash: try HexDigest(hex: row.decode(column: "secret_hash", as: String.self)),
            createdAt: Timestamp(millisecondsSinceEpoch: try row.decode(column: "created_at", as: Int64.self)),
            revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(
                Timestamp.init(millisecondsSinceEpoch:)),
            lastUsedAt: try row.decode(column: "last_used_at", as: Int64?.self).map(
                Timestamp.init(millisecondsSinceEpoch:)))
    }

    public func touch(_ id: APIKey.ID, at: Timestamp) async throws(StoreError) {
        try await database.transaction { sql in
            try await sql.raw(
                "UPDATE api_keys SET last_used_at = \(bind: at.millisecondsSinceEpoch) WHERE id = \(bind: id.rawValue)"
            ).run()
        }
    }

    public func revoke(_ id: APIKey.ID, at: Timestamp) async throws(StoreError) {
        try await database.transaction { sql in
            try await SQLTenancyStore.requirePresent(sql, table: "api_keys", id: id.rawValue, what: "API key \(id)")
            try await sql.raw(
                """
                UPDATE api_keys SET revoked_at = \(bind: at.millisecondsSinceEpoch)
                WHERE id = \(bind: id.rawValue) AND revoked_at IS NULL
                """
            ).run()
        }
    }
}
