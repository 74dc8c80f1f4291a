public import Compliance
import SQLKit

/// `HostKeyPins` in the appliance's database: the first key recorded for a host stays until
/// cleared, whatever a host presents later.
public struct SQLHostKeyPins: HostKeyPins {
    let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    public func pinnedKey(of host: ManagedHost.ID) async throws(StoreError) -> String? {
        try await database.read { sql in
            try await sql.raw("SELECT public_key FROM host_keys WHERE host_id = \(bind: host.rawValue)").first()?
                .decode(column: "public_key", as: String.self)
        }
    }

    public func pin(_ key: String, of host: ManagedHost.ID, at time: Timestamp) async throws(StoreError) -> String {
        guard !key.isEmpty, key.utf8.count <= 4096, !key.contains("\n") else {
            throw .invalid("a host key is one line of at most 4096 bytes")
        }
        return try await database.transaction { sql in
            if let pinned = try await sql.raw(
                "SELECT public_key FROM host_keys WHERE host_id = \(bind: host.rawValue)"
            ).first()?.decode(column: "public_key", as: String.self) {
                return pinned
            }
            try await sql.raw(
                """
                INSERT INTO host_keys (host_id, public_key, pinned_at)
                VALUES (\(bind: host.rawValue), \(bind: key), \(bind: time.millisecondsSinceEpoch))
                """
            ).run()
            return key
        }
    }

    public func clear(_ host: ManagedHost.ID) async throws(StoreError) {
        try await database.transaction { sql in
            try await sql.raw("DELETE FROM host_keys WHERE host_id = \(bind: host.rawValue)").run()
        }
    }
}
