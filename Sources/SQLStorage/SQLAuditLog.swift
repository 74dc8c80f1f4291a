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
                // An appliance's entries belong to the partner of its site.
                let appliance = entry.actor.hasPrefix("appliance:") ? String(entry.actor.dropFirst(10)) : nil
                try await sql.raw(
                    """
                    INSERT INTO audit_log (at, actor, action, target, detail, partner_id)
                    VALUES (\(bind: entry.at.millisecondsSinceEpoch), \(bind: entry.actor), \(bind: entry.action),
                            \(bind: entry.target), \(bind: entry.detail),
                            COALESCE(\(bind: entry.partnerID?.rawValue),
                                     (SELECT c.partner_id FROM appliances a JOIN sites s ON s.id = a.site_id
                                      JOIN clients c ON c.id = s.client_id WHERE a.id = \(bind: appliance))))
                    """
                ).run()
            }
        }
    }

    public func entries(partner: Partner.ID?, before: Int64?, limit: Int) async throws(StoreError)
        -> [NumberedAuditEntry]
    {
        try await database.read { sql in
            var query = SQLQueryString(
                "SELECT id, at, actor, action, target, detail, partner_id FROM audit_log WHERE id < \(bind: before ?? Int64.max)"
            )
            if let partner { query += " AND partner_id = \(bind: partner.rawValue)" }
            query += " ORDER BY id DESC LIMIT \(bind: max(0, min(limit, 10_000)))"
            let rows = try await sql.raw(query).all()
            return try rows.map { row in
                NumberedAuditEntry(
                    id: try row.decode(column: "id", as: Int64.self),
                    entry: AuditEntry(
                        at: Timestamp(millisecondsSinceEpoch: try row.decode(column: "at", as: Int64.self)),
                        actor: try row.decode(column: "actor", as: String.self),
                        action: try row.decode(column: "action", as: String.self),
                        target: try row.decode(column: "target", as: String.self),
                        detail: try row.decode(column: "detail", as: String.self),
                        partnerID: try row.decode(column: "partner_id", as: String?.self).map { try Partner.ID($0) }))
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
