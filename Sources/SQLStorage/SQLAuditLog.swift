public import Compliance
import SQLKit

/// The audit log on SQL. Security events are written as `security.<kind>` entries whose actor and
/// target are the appliance.
public struct SQLAuditLog: SecurityEventSink {
    let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    public func record(_ events: [SecurityEvent]) async throws(StoreError) {
        guard !events.isEmpty else { return }
        try await database.transaction { sql in
            for event in events {
                try await sql.raw(
                    """
                    INSERT INTO audit_log (at, actor, action, target, detail)
                    VALUES (\(bind: event.at.millisecondsSinceEpoch), \(bind: "appliance:\(event.applianceID)"),
                            \(bind: "security.\(event.kind)"), \(bind: "appliance:\(event.applianceID)"), \(bind: event.detail))
                    """
                ).run()
            }
        }
    }

    /// The newest security events, newest first.
    public func securityEvents(limit: Int) async throws(StoreError) -> [SecurityEvent] {
        try await database.read { sql in
            try await sql.raw(
                """
                SELECT at, actor, action, detail FROM audit_log WHERE action LIKE 'security.%'
                ORDER BY id DESC LIMIT \(bind: max(0, min(limit, 10_000)))
                """
            ).all().map { row in
                SecurityEvent(
                    at: Timestamp(millisecondsSinceEpoch: try row.decode(column: "at", as: Int64.self)),
                    applianceID: try Appliance.ID(
                        String(try row.decode(column: "actor", as: String.self).dropFirst("appliance:".count))),
                    kind: String(try row.decode(column: "action", as: String.self).dropFirst("security.".count)),
                    detail: try row.decode(column: "detail", as: String.self))
            }
        }
    }
}
