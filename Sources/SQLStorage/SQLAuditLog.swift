public import Compliance
import SQLKit

/// The audit log on SQL. Security events are written as `security.<kind>` entries whose actor and
/// target are the appliance.
public struct SQLAuditLog: AuditLog {
    let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    public func append(_ entries: [AuditEntry]) async throws(StoreError) {
        guard !entries.isEmpty else { return }
        try await database.transaction { sql in
            for entry in entries {
                try await sql.raw(
                    """
                    INSERT INTO audit_log (at, actor, action, target, detail)
                    VALUES (\(bind: entry.at.millisecondsSinceEpoch), \(bind: entry.actor), \(bind: entry.action),
                            \(bind: entry.target), \(bind: entry.detail))
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
