public import Compliance
import SQLKit

/// `NonceStore` on SQL: a primary key on (appliance, nonce) makes the first claim win, in every
/// instance at once. Nonces older than the accepted clock skew can no longer be replayed (the
/// timestamp check refuses them), so they are pruned now and then.
public struct SQLNonceStore: NonceStore {
    let database: VigilDatabase
    /// How long a nonce must be remembered, in milliseconds.
    let retention: Int64

    public init(database: VigilDatabase, retentionSeconds: Int64 = 900) {
        self.database = database
        self.retention = retentionSeconds * 1000
    }

    public func claim(_ nonce: String, appliance: Appliance.ID, at: Timestamp) async throws(StoreError) -> Bool {
        do {
            try await database.transaction { sql in
                try await sql.raw(
                    """
                    INSERT INTO request_nonces (appliance_id, nonce, seen_at)
                    VALUES (\(bind: appliance.rawValue), \(bind: nonce), \(bind: at.millisecondsSinceEpoch))
                    """
                ).run()
            }
        } catch .conflict {
            return false
        }
        if Int.random(in: 0..<512) == 0 {
            let cutoff = at.millisecondsSinceEpoch - retention
            try await database.transaction { sql in
                try await sql.raw("DELETE FROM request_nonces WHERE seen_at < \(bind: cutoff)").run()
            }
        }
        return true
    }
}
