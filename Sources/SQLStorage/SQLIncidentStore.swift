public import Compliance
import Foundation
import SQLKit

/// `IncidentStore` on SQL. The unique `open_key` (appliance, host, check while unresolved) makes
/// "one unresolved incident per appliance, host and check" a rule of the database.
public struct SQLIncidentStore: IncidentStore {
    let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    public func raise(_ incident: Incident) async throws(StoreError) -> (incident: Incident, created: Bool) {
        try incident.checkStorable()
        let key = incident.openKey
        let pending = try incident.pendingAction.map { action throws(StoreError) in try SQLFleetStore.encode(action) }
        let forUpdate = database.forUpdate
        return try await database.transaction { sql in
            if var existing = try await sql.raw(
                "SELECT * FROM incidents WHERE open_key = \(bind: key)\(unsafeRaw: forUpdate)"
            ).first().map(Self.incident) {
                existing.recordOccurrence(incident)
                let stored = try existing.pendingAction.map { action throws(StoreError) in
                    try SQLFleetStore.encode(action)
                }
                try await sql.raw(
                    """
                    UPDATE incidents SET occurrences = \(bind: Int64(existing.occurrences)),
                        last_seen_at = \(bind: existing.lastSeenAt.millisecondsSinceEpoch),
                        context = \(bind: existing.context), observed = \(bind: existing.observed),
                        attempts = \(bind: Int64(existing.attempts)), pending_action = \(bind: stored)
                    WHERE id = \(bind: existing.id.rawValue)
                    """
                ).run()
                return (existing, false)
            }
            try await sql.raw(
                """
                INSERT INTO incidents (id, site_id, appliance_id, host_id, check_id, severity, priority, status, title,
                    context, observed, attempts, pending_action, occurrences, opened_at, last_seen_at, open_key)
                VALUES (\(bind: incident.id.rawValue), \(bind: incident.siteID.rawValue),
                    \(bind: incident.applianceID.rawValue), \(bind: incident.hostID.rawValue),
                    \(bind: incident.checkID.rawValue), \(bind: incident.severity.rawValue),
                    \(bind: incident.priority.rawValue), \(bind: incident.status.rawValue), \(bind: incident.title),
                    \(bind: incident.context), \(bind: incident.observed), \(bind: Int64(incident.attempts)),
                    \(bind: pending), \(bind: Int64(incident.occurrences)),
                    \(bind: incident.openedAt.millisecondsSinceEpoch), \(bind: incident.lastSeenAt.millisecondsSinceEpoch),
                    \(bind: key))
                """
            ).run()
            return (incident, true)
        }
    }

    public func incident(_ id: Incident.ID) async throws(StoreError) -> Incident? {
        try await database.read { sql in
            try await sql.raw("SELECT * FROM incidents WHERE id = \(bind: id.rawValue)").first().map(Self.incident)
        }
    }

    public func incidents(site: Site.ID, status: Incident.Status?, limit: Int) async throws(StoreError) -> [Incident] {
        try await database.read { sql in
            if let status {
                return try await sql.raw(
                    """
                    SELECT * FROM incidents WHERE site_id = \(bind: site.rawValue) AND status = \(bind: status.rawValue)
                    ORDER BY opened_at DESC, id LIMIT \(bind: limit)
                    """
                ).all().map(Self.incident)
            }
            return try await sql.raw(
                """
                SELECT * FROM incidents WHERE site_id = \(bind: site.rawValue)
                ORDER BY opened_at DESC, id LIMIT \(bind: limit)
                """
            ).all().map(Self.incident)
        }
    }

    public func acknowledge(_ id: Incident.ID, by actor: String, at: Timestamp) async throws(StoreError) -> Incident {
        try await change(id) { incident throws(StoreError) in try incident.acknowledge(by: actor, at: at) }
    }

    public func resolve(_ id: Incident.ID, by actor: String, note: String, at: Timestamp) async throws(StoreError)
        -> Incident
    {
        try await change(id) { incident throws(StoreError) in try incident.resolve(by: actor, note: note, at: at) }
    }

    public func approve(_ id: Incident.ID, order: String, by actor: String, at: Timestamp) async throws(StoreError)
        -> Incident
    {
        try await change(id) { incident throws(StoreError) in try incident.approve(order: order, by: actor, at: at) }
    }

    /// Reads, changes and writes one incident in a transaction.
    private func change(_ id: Incident.ID, _ body: @escaping @Sendable (inout Incident) throws(StoreError) -> Void)
        async throws(StoreError) -> Incident
    {
        let forUpdate = database.forUpdate
        return try await database.transaction { sql in
            guard
                var incident = try await sql.raw(
                    "SELECT * FROM incidents WHERE id = \(bind: id.rawValue)\(unsafeRaw: forUpdate)"
                ).first().map(Self.incident)
            else { throw StoreError.notFound("incident \(id)") }
            try body(&incident)
            let pending = try incident.pendingAction.map { action throws(StoreError) in
                try SQLFleetStore.encode(action)
            }
            try await sql.raw(
                """
                UPDATE incidents SET status = \(bind: incident.status.rawValue),
                    acknowledged_at = \(bind: incident.acknowledgedAt?.millisecondsSinceEpoch),
                    acknowledged_by = \(bind: incident.acknowledgedBy),
                    resolved_at = \(bind: incident.resolvedAt?.millisecondsSinceEpoch),
                    resolved_by = \(bind: incident.resolvedBy), resolution_note = \(bind: incident.resolutionNote),
                    pending_action = \(bind: pending),
                    open_key = \(bind: incident.status == .resolved ? nil : incident.openKey)
                WHERE id = \(bind: id.rawValue)
                """
            ).run()
            return incident
        }
    }

    static func incident(_ row: any SQLRow) throws -> Incident {
        let severityText = try row.decode(column: "severity", as: String.self)
        let statusText = try row.decode(column: "status", as: String.self)
        guard let severity = Severity(rawValue: severityText), let status = Incident.Status(rawValue: statusText) else {
            throw StoreError.invalid("incident row has unknown severity \(severityText) or status \(statusText)")
        }
        func time(_ column: String) throws -> Timestamp? {
            try row.decode(column: column, as: Int64?.self).map { Timestamp(millisecondsSinceEpoch: $0) }
        }
        var incident = Incident(
            id: try Incident.ID(row.decode(column: "id", as: String.self)),
            siteID: try Site.ID(row.decode(column: "site_id", as: String.self)),
            applianceID: try Appliance.ID(row.decode(column: "appliance_id", as: String.self)),
            hostID: try ManagedHost.ID(row.decode(column: "host_id", as: String.self)),
            checkID: try CheckID(row.decode(column: "check_id", as: String.self)), severity: severity,
            title: try row.decode(column: "title", as: String.self),
            context: try row.decode(column: "context", as: String.self),
            observed: try row.decode(column: "observed", as: String?.self),
            attempts: Int(try row.decode(column: "attempts", as: Int64.self)),
            pendingAction: try row.decode(column: "pending_action", as: String?.self).map {
                try SQLFleetStore.decode(Incident.PendingAction.self, $0)
            },
            at: try time("opened_at") ?? Timestamp(millisecondsSinceEpoch: 0))
        incident.status = status
        incident.occurrences = Int(try row.decode(column: "occurrences", as: Int64.self))
        incident.lastSeenAt = try time("last_seen_at") ?? incident.openedAt
        incident.acknowledgedAt = try time("acknowledged_at")
        incident.acknowledgedBy = try row.decode(column: "acknowledged_by", as: String?.self)
        incident.resolvedAt = try time("resolved_at")
        incident.resolvedBy = try row.decode(column: "resolved_by", as: String?.self)
        incident.resolutionNote = try row.decode(column: "resolution_note", as: String?.self)
        return incident
    }
}
