public import Compliance
import SQLKit

/// `OrderLedger` in the appliance's database: the nonce's primary key makes the first claim win,
/// and it survives restarts, so an order is never acted on twice.
public struct SQLOrderLedger: OrderLedger {
    let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    public func claim(nonce: String, orderID: String, at time: Timestamp) async throws(StoreError) -> OrderClaim {
        try TextRules.checkName(nonce, field: "order nonce")
        try TextRules.checkName(orderID, field: "order ID")
        return try await database.transaction { sql in
            if let row = try await sql.raw("SELECT order_id FROM order_nonces WHERE nonce = \(bind: nonce)").first() {
                let owner = try row.decode(column: "order_id", as: String.self)
                return owner == orderID ? .seenBefore : .reused(byOrder: owner)
            }
            try await sql.raw(
                """
                INSERT INTO order_nonces (nonce, order_id, seen_at)
                VALUES (\(bind: nonce), \(bind: orderID), \(bind: time.millisecondsSinceEpoch))
                """
            ).run()
            return .fresh
        }
    }
}
