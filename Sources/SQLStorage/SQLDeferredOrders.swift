public import Compliance
import SQLKit

/// `DeferredOrders` in the appliance's database.
public struct SQLDeferredOrders: DeferredOrders {
    let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    public func keep(orderID: String, payload: String, signature: String, reason: String, at time: Timestamp)
        async throws(StoreError)
    {
        try TextRules.checkName(orderID, field: "order ID")
        guard payload.utf8.count <= 65_536, signature.utf8.count <= 256 else {
            throw .invalid("a deferred order is at most 64 KiB")
        }
        try await database.transaction { sql in
            guard
                try await sql.raw("SELECT order_id FROM deferred_orders WHERE order_id = \(bind: orderID)").first()
                    == nil
            else { return }
            try await sql.raw(
                """
                INSERT INTO deferred_orders (order_id, payload, signature, reason, deferred_at)
                VALUES (\(bind: orderID), \(bind: payload), \(bind: signature), \(bind: String(reason.prefix(1000))),
                        \(bind: time.millisecondsSinceEpoch))
                """
            ).run()
        }
    }

    public func pending() async throws(StoreError) -> [(orderID: String, payload: String, signature: String)] {
        try await database.read { sql in
            try await sql.raw("SELECT order_id, payload, signature FROM deferred_orders ORDER BY deferred_at, order_id")
                .all().map { row in
                    (
                        try row.decode(column: "order_id", as: String.self),
                        try row.decode(column: "payload", as: String.self),
                        try row.decode(column: "signature", as: String.self)
                    )
                }
        }
    }

    public func remove(orderID: String) async throws(StoreError) {
        try await database.transaction { sql in
            try await sql.raw("DELETE FROM deferred_orders WHERE order_id = \(bind: orderID)").run()
        }
    }
}
