public import Compliance
import SQLKit

/// `NonceStore` on SQL: a primary key on (appliance, nonce) makes the first claim win, in every
/// instance at once. Nonces older than the accepted clock skew can no longer be replayed (the
/// timestamp check refuses them), so they are pruned now and then.
public struct SQLNonceStore: NonceStore {
    let database: VigilDatabase
    /// How long a nonce must be remembered, in milliseconds.
    let retention: Int64
    private let claims: RequestBatcher<NonceClaim, Bool>

    struct NonceClaim: Sendable {
        var appliance: Appliance.ID
        var nonce: String
        var at: Timestamp
    }

    public init(database: VigilDatabase, retentionSeconds: Int64 = 900) {
        self.database = database
        self.retention = retentionSeconds * 1000
        self.claims = RequestBatcher { (batch: [NonceClaim]) async throws(StoreError) -> [Bool] in
            try await Self.claim(batch, in: database)
        }
    }

    public func claim(_ nonce: String, appliance: Appliance.ID, at: Timestamp) async throws(StoreError) -> Bool {
        let fresh = try await claims.submit(NonceClaim(appliance: appliance, nonce: nonce, at: at))
        if fresh, Int.random(in: 0..<4096) == 0 {
            let cutoff = at.millisecondsSinceEpoch - retention
            try await database.transaction { sql in
                try await sql.raw("DELETE FROM request_nonces WHERE seen_at < \(bind: cutoff)").run()
            }
        }
        return fresh
    }

    /// Inserts a batch of claims, 100 per statement; each statement commits on its own (claims
    /// are independent, and a statement is atomic). A claim is fresh when its row went in and no
    /// earlier claim in the same batch had the same nonce.
    static func claim(_ batch: [NonceClaim], in database: VigilDatabase) async throws(StoreError) -> [Bool] {
        try await database.autocommit { sql in
            var inserted: Set<String> = []
            for start in stride(from: 0, to: batch.count, by: 100) {
                let chunk = batch[start..<min(start + 100, batch.count)]
                var query = SQLQueryString("INSERT INTO request_nonces (appliance_id, nonce, seen_at) VALUES ")
                for (offset, claim) in chunk.enumerated() {
                    if offset > 0 { query += ", " }
                    query +=
                        "(\(bind: claim.appliance.rawValue), \(bind: claim.nonce), \(bind: claim.at.millisecondsSinceEpoch))"
                }
                query += " ON CONFLICT DO NOTHING RETURNING appliance_id, nonce"
                for row in try await sql.raw(query).all() {
                    let appliance = try row.decode(column: "appliance_id", as: String.self)
                    let nonce = try row.decode(column: "nonce", as: String.self)
                    inserted.insert("\(appliance)\u{0}\(nonce)")
                }
            }
            return batch.map { inserted.remove("\($0.appliance)\u{0}\($0.nonce)") != nil }
        }
    }
}
