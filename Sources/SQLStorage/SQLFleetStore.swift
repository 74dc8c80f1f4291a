public import Compliance
import Foundation
import SQLKit

/// `FleetStore` on SQL. Concurrent check-ins share statements: health reports go in one
/// group commit, and the open orders and site snapshots of many appliances are read by one
/// query each, so a busy server runs a handful of statements for many check-ins.
public struct SQLFleetStore: FleetStore {
    let database: VigilDatabase
    private let healthWrites: RequestBatcher<HealthReport, Bool>
    private let checkInReads: RequestBatcher<CheckInRead, CheckInView>

    public init(database: VigilDatabase) {
        self.database = database
        self.healthWrites = RequestBatcher { (batch: [HealthReport]) async throws(StoreError) -> [Bool] in
            try await Self.record(batch, in: database)
        }
        self.checkInReads = RequestBatcher { (batch: [CheckInRead]) async throws(StoreError) -> [CheckInView] in
            try await Self.read(batch, in: database)
        }
    }

    struct CheckInRead: Sendable {
        var appliance: Appliance
        var now: Timestamp
        var knownRevision: Int64?
    }

    public func recordHealth(_ health: ApplianceHealth, of appliance: Appliance.ID) async throws(StoreError) {
        try TextRules.checkName(health.softwareVersion, field: "software version")
        _ = try await healthWrites.submit(HealthReport(appliance: appliance, health: health))
    }

    struct HealthReport: Sendable {
        var appliance: Appliance.ID
        var health: ApplianceHealth
    }

    /// Upserts a batch of health reports, 100 per statement, each statement committing on its
    /// own (reports are independent; the latest per appliance wins).
    static func record(_ batch: [HealthReport], in database: VigilDatabase) async throws(StoreError) -> [Bool] {
        var latest: [Appliance.ID: ApplianceHealth] = [:]
        for report in batch { latest[report.appliance] = report.health }
        let rows = latest.sorted { $0.key < $1.key }
        try await database.autocommit { sql in
            for start in stride(from: 0, to: rows.count, by: 100) {
                var query = SQLQueryString(
                    """
                    INSERT INTO appliance_health (appliance_id, software_version, uptime_seconds, queue_depth,
                                                  clock_offset_ms, checked_in_at) VALUES\u{20}
                    """)
                for (offset, (appliance, health)) in rows[start..<min(start + 100, rows.count)].enumerated() {
                    if offset > 0 { query += ", " }
                    query += """
                        (\(bind: appliance.rawValue), \(bind: health.softwareVersion), \(bind: health.uptimeSeconds),
                         \(bind: health.queueDepth), \(bind: health.clockOffsetMilliseconds),
                         \(bind: health.checkedInAt.millisecondsSinceEpoch))
                        """
                }
                query += """
                     ON CONFLICT (appliance_id) DO UPDATE SET
                        software_version = excluded.software_version, uptime_seconds = excluded.uptime_seconds,
                        queue_depth = excluded.queue_depth, clock_offset_ms = excluded.clock_offset_ms,
                        checked_in_at = excluded.checked_in_at
                    """
                try await sql.raw(query).run()
            }
        }
        return batch.map { _ in true }
    }

    public func checkInView(for appliance: Appliance, at now: Timestamp, knownRevision: Int64?) async throws(StoreError)
        -> CheckInView
    {
        try await checkInReads.submit(CheckInRead(appliance: appliance, now: now, knownRevision: knownRevision))
    }

    /// At most this many open orders go out per check-in (the oldest first).
    static let ordersPerCheckIn = 50

    /// The check-in reads of a batch: one query for the open orders of all its appliances, one
    /// for their sites' revisions, and one for the snapshots that callers do not hold yet. Each
    /// appliance gets only its own orders and only its own site's snapshot.
    static func read(_ batch: [CheckInRead], in database: VigilDatabase) async throws(StoreError) -> [CheckInView] {
        let appliances = Set(batch.map(\.appliance.id.rawValue)).sorted()
        let sites = Set(batch.map(\.appliance.siteID)).sorted()
        guard let earliest = batch.map(\.now).min() else { return [] }
        let (orders, revisions, snapshots) = try await database.read { sql in
            let orders = try await Self.openOrders(sql, appliances: appliances, at: earliest)
            let revisions = try await Self.revisions(sql, sites: sites)
            let stale = Set(batch.filter { $0.knownRevision != revisions[$0.appliance.siteID] }.map(\.appliance.siteID))
            let snapshots = try await Self.snapshots(sql, sites: stale.sorted())
            return (orders, revisions, snapshots)
        }
        let ordersByAppliance = Dictionary(grouping: orders, by: \.applianceID)
        return try batch.map { read throws(StoreError) in
            let site = read.appliance.siteID
            guard let revision = revisions[site] else { throw .notFound("site \(site)") }
            // Filtered again at each request's own time: the query used the batch's earliest.
            let open = (ordersByAppliance[read.appliance.id] ?? []).filter { $0.expiresAt > read.now }
            let orders = Array(open.prefix(ordersPerCheckIn))
            guard read.knownRevision != revision else {
                return CheckInView(orders: orders, siteRevision: revision, snapshot: nil)
            }
            // The snapshot query may have seen a later change than the revision query: the
            // snapshot carries its own revision, which is what the caller caches.
            guard let snapshot = snapshots[site] else { throw .notFound("site \(site)") }
            return CheckInView(orders: orders, siteRevision: snapshot.revision, snapshot: snapshot)
        }
    }

    /// Pending and acknowledged orders of `appliances` not expired at `now`, at most
    /// `ordersPerCheckIn` each, oldest first.
    static func openOrders(_ sql: any SQLDatabase, appliances: [String], at now: Timestamp) async throws -> [Order] {
        guard !appliances.isEmpty else { return [] }
        return try await sql.raw(
            """
            SELECT * FROM (
                SELECT o.*, ROW_NUMBER() OVER (PARTITION BY appliance_id ORDER BY issued_at, id) AS position
                FROM orders o
                WHERE appliance_id IN (\(binds: appliances)) AND status IN ('pending', 'acknowledged')
                  AND expires_at > \(bind: now.millisecondsSinceEpoch)
            ) ranked
            WHERE position <= \(bind: ordersPerCheckIn)
            ORDER BY appliance_id, issued_at, id
            """
        ).all().map(Self.order)
    }

    /// The snapshot revision of each of `sites` that exists.
    static func revisions(_ sql: any SQLDatabase, sites: [Site.ID]) async throws -> [Site.ID: Int64] {
        guard !sites.isEmpty else { return [:] }
        var revisions: [Site.ID: Int64] = [:]
        for row in try await sql.raw(
            "SELECT id, snapshot_revision FROM sites WHERE id IN (\(binds: sites.map(\.rawValue)))"
        ).all() {
            revisions[try Site.ID(row.decode(column: "id", as: String.self))] = try row.decode(
                column: "snapshot_revision", as: Int64.self)
        }
        return revisions
    }

    /// Settings, hosts and credentials of `sites` in one query (each site row anchors its join,
    /// so a site without hosts still brings its settings). A site that does not exist is absent.
    static func snapshots(_ sql: any SQLDatabase, sites: [Site.ID]) async throws -> [Site.ID: SiteSnapshot] {
        guard !sites.isEmpty else { return [:] }
        let rows = try await sql.raw(
            """
            SELECT s.id AS snapshot_site, s.snapshot_revision,
                   ss.rule_set_version, ss.enabled_runbooks, ss.maintenance_window,
                   h.id, h.site_id, h.name, h.platform, h.address,
                   c.host_id, c.kind, c.username, c.sealed_secret, c.updated_at
            FROM sites s
            LEFT JOIN site_settings ss ON ss.site_id = s.id
            LEFT JOIN hosts h ON h.site_id = s.id
            LEFT JOIN host_credentials c ON c.host_id = h.id
            WHERE s.id IN (\(binds: sites.map(\.rawValue))) ORDER BY s.id, h.id
            """
        ).all()
        var rowsBySite: [Site.ID: [any SQLRow]] = [:]
        for row in rows {
            rowsBySite[try Site.ID(row.decode(column: "snapshot_site", as: String.self)), default: []].append(row)
        }
        return try rowsBySite.mapValues(Self.snapshot)
    }

    /// One site's snapshot from its rows of the `snapshots` query.
    static func snapshot(_ rows: [any SQLRow]) throws -> SiteSnapshot {
        guard let first = rows.first else { throw StoreError.invalid("a site snapshot needs its site row") }
        let revision = try first.decode(column: "snapshot_revision", as: Int64.self)
        var settings = SiteSettings.defaults
        if let version = try first.decode(column: "rule_set_version", as: String?.self) {
            settings = SiteSettings(
                ruleSetVersion: version,
                enabledRunbooks: try decode(
                    [String].self, first.decode(column: "enabled_runbooks", as: String?.self) ?? "[]"),
                maintenanceWindowJSON: try first.decode(column: "maintenance_window", as: String?.self))
        }
        let hostRows = try rows.filter { try $0.decode(column: "id", as: String?.self) != nil }
        let hosts = try hostRows.map(SQLTenancyStore.host)
        let credentials = try hostRows.filter { try $0.decode(column: "host_id", as: String?.self) != nil }.map(
            Self.credential)
        return SiteSnapshot(revision: revision, settings: settings, hosts: hosts, credentials: credentials)
    }

    public func health(of appliance: Appliance.ID) async throws(StoreError) -> ApplianceHealth? {
        try await database.read { sql in
            guard
                let row = try await sql.raw(
                    "SELECT * FROM appliance_health WHERE appliance_id = \(bind: appliance.rawValue)"
                ).first()
            else { return nil }
            return ApplianceHealth(
                softwareVersion: try row.decode(column: "software_version", as: String.self),
                uptimeSeconds: try row.decode(column: "uptime_seconds", as: Int64.self),
                queueDepth: try row.decode(column: "queue_depth", as: Int64.self),
                clockOffsetMilliseconds: try row.decode(column: "clock_offset_ms", as: Int64?.self),
                checkedInAt: Timestamp(millisecondsSinceEpoch: try row.decode(column: "checked_in_at", as: Int64.self)))
        }
    }

    public func create(_ order: Order) async throws(StoreError) {
        try Order.checkParameters(order.parameters, for: order.type)
        let parameters = try Self.encode(order.parameters)
        try await database.transaction { sql in
            guard
                let row = try await sql.raw(
                    "SELECT site_id FROM appliances WHERE id = \(bind: order.applianceID.rawValue)"
                ).first()
            else { throw StoreError.notFound("appliance \(order.applianceID)") }
            guard try row.decode(column: "site_id", as: String.self) == order.siteID.rawValue else {
                throw StoreError.invalid("appliance \(order.applianceID) is not at site \(order.siteID)")
            }
            try await SQLTenancyStore.requireAbsent(
                sql, table: "orders", id: order.id.rawValue, what: "order \(order.id)")
            let reused = try await sql.raw("SELECT 1 AS present FROM orders WHERE nonce = \(bind: order.nonce)").first()
            guard reused == nil else { throw StoreError.conflict("order nonce was used before") }
            try await sql.raw(
                """
                INSERT INTO orders (id, appliance_id, site_id, type, parameters, nonce, issued_at, expires_at, created_by,
                                    signed_payload, signature, status, updated_at, result_detail)
                VALUES (\(bind: order.id.rawValue), \(bind: order.applianceID.rawValue), \(bind: order.siteID.rawValue),
                        \(bind: order.type.rawValue), \(bind: parameters), \(bind: order.nonce),
                        \(bind: order.issuedAt.millisecondsSinceEpoch), \(bind: order.expiresAt.millisecondsSinceEpoch),
                        \(bind: order.createdBy), \(bind: order.signedPayload), \(bind: order.signature),
                        \(bind: order.status.rawValue), \(bind: order.updatedAt.millisecondsSinceEpoch),
                        \(bind: order.resultDetail))
                """
            ).run()
        }
    }

    public func order(_ id: Order.ID) async throws(StoreError) -> Order? {
        try await database.read { sql in
            try await sql.raw("SELECT * FROM orders WHERE id = \(bind: id.rawValue)").first().map(Self.order)
        }
    }

    public func orders(site: Site.ID, limit: Int) async throws(StoreError) -> [Order] {
        try await database.read { sql in
            try await sql.raw(
                """
                SELECT * FROM orders WHERE site_id = \(bind: site.rawValue)
                ORDER BY issued_at DESC, id LIMIT \(bind: max(0, min(limit, 10_000)))
                """
            ).all().map(Self.order)
        }
    }

    public func updateOrder(
        _ id: Order.ID, appliance: Appliance.ID, status: OrderStatus, detail: String?, at: Timestamp
    ) async throws(StoreError) -> Order {
        if let detail { try TextRules.checkLongText(detail, field: "order result detail") }
        return try await database.transaction { sql in
            guard
                let current = try await sql.raw(
                    "SELECT * FROM orders WHERE id = \(bind: id.rawValue) AND appliance_id = \(bind: appliance.rawValue)"
                ).first().map(Self.order)
            else { throw StoreError.notFound("order \(id)") }
            guard try Order.checkTransition(from: current.status, to: status) else { return current }
            try await sql.raw(
                """
                UPDATE orders SET status = \(bind: status.rawValue), updated_at = \(bind: at.millisecondsSinceEpoch),
                    result_detail = \(bind: detail ?? current.resultDetail)
                WHERE id = \(bind: id.rawValue)
                """
            ).run()
            var updated = current
            updated.status = status
            updated.updatedAt = at
            updated.resultDetail = detail ?? current.resultDetail
            return updated
        }
    }

    public func setCredential(_ credential: StoredCredential) async throws(StoreError) {
        try TextRules.checkName(credential.username, field: "username")
        try await database.transaction { sql in
            try await SQLTenancyStore.requirePresent(
                sql, table: "hosts", id: credential.hostID.rawValue, what: "host \(credential.hostID)")
            try await sql.raw(
                """
                INSERT INTO host_credentials (host_id, kind, username, sealed_secret, updated_at)
                VALUES (\(bind: credential.hostID.rawValue), \(bind: credential.kind.rawValue), \(bind: credential.username),
                        \(bind: credential.sealedSecret), \(bind: credential.updatedAt.millisecondsSinceEpoch))
                ON CONFLICT (host_id) DO UPDATE SET kind = excluded.kind, username = excluded.username,
                    sealed_secret = excluded.sealed_secret, updated_at = excluded.updated_at
                """
            ).run()
            try await Self.changedSnapshot(sql, ofHost: credential.hostID)
        }
    }

    public func credential(of host: ManagedHost.ID) async throws(StoreError) -> StoredCredential? {
        try await database.read { sql in
            try await sql.raw("SELECT * FROM host_credentials WHERE host_id = \(bind: host.rawValue)").first().map(
                Self.credential)
        }
    }

    public func deleteCredential(of host: ManagedHost.ID) async throws(StoreError) {
        try await database.transaction { sql in
            let deleted = try await sql.raw(
                "DELETE FROM host_credentials WHERE host_id = \(bind: host.rawValue) RETURNING host_id"
            ).all()
            if !deleted.isEmpty { try await Self.changedSnapshot(sql, ofHost: host) }
        }
    }

    public func settings(of site: Site.ID) async throws(StoreError) -> SiteSettings {
        try await database.read { sql in try await Self.settings(sql, site: site) }
    }

    public func setSettings(_ settings: SiteSettings, of site: Site.ID) async throws(StoreError) {
        try settings.checkStorable()
        let runbooks = try Self.encode(settings.enabledRunbooks)
        try await database.transaction { sql in
            try await SQLTenancyStore.requirePresent(sql, table: "sites", id: site.rawValue, what: "site \(site)")
            try await sql.raw(
                """
                INSERT INTO site_settings (site_id, rule_set_version, enabled_runbooks, maintenance_window)
                VALUES (\(bind: site.rawValue), \(bind: settings.ruleSetVersion), \(bind: runbooks),
                        \(bind: settings.maintenanceWindowJSON))
                ON CONFLICT (site_id) DO UPDATE SET rule_set_version = excluded.rule_set_version,
                    enabled_runbooks = excluded.enabled_runbooks, maintenance_window = excluded.maintenance_window
                """
            ).run()
            try await Self.changedSnapshot(sql, site: site)
        }
    }

    /// Records that `site`'s snapshot changed; call in the transaction that changes it.
    static func changedSnapshot(_ sql: any SQLDatabase, site: Site.ID) async throws {
        try await sql.raw(
            "UPDATE sites SET snapshot_revision = snapshot_revision + 1 WHERE id = \(bind: site.rawValue)"
        ).run()
    }

    /// Records that the snapshot of the site of `host` changed.
    static func changedSnapshot(_ sql: any SQLDatabase, ofHost host: ManagedHost.ID) async throws {
        try await sql.raw(
            """
            UPDATE sites SET snapshot_revision = snapshot_revision + 1
            WHERE id = (SELECT site_id FROM hosts WHERE id = \(bind: host.rawValue))
            """
        ).run()
    }

    static func settings(_ sql: any SQLDatabase, site: Site.ID) async throws -> SiteSettings {
        guard let row = try await sql.raw("SELECT * FROM site_settings WHERE site_id = \(bind: site.rawValue)").first()
        else { return .defaults }
        return SiteSettings(
            ruleSetVersion: try row.decode(column: "rule_set_version", as: String.self),
            enabledRunbooks: try decode([String].self, row.decode(column: "enabled_runbooks", as: String.self)),
            maintenanceWindowJSON: try row.decode(column: "maintenance_window", as: String?.self))
    }

    static func order(_ row: any SQLRow) throws -> Order {
        let typeText = try row.decode(column: "type", as: String.self)
        let statusText = try row.decode(column: "status", as: String.self)
        guard let type = OrderType(rawValue: typeText), let status = OrderStatus(rawValue: statusText) else {
            throw StoreError.invalid("order row has unknown type \(typeText) or status \(statusText)")
        }
        return Order(
            id: try Order.ID(row.decode(column: "id", as: String.self)),
            applianceID: try Appliance.ID(row.decode(column: "appliance_id", as: String.self)),
            siteID: try Site.ID(row.decode(column: "site_id", as: String.self)),
            type: type,
            parameters: try decode([String: String].self, row.decode(column: "parameters", as: String.self)),
            nonce: try row.decode(column: "nonce", as: String.self),
            issuedAt: Timestamp(millisecondsSinceEpoch: try row.decode(column: "issued_at", as: Int64.self)),
            expiresAt: Timestamp(millisecondsSinceEpoch: try row.decode(column: "expires_at", as: Int64.self)),
            createdBy: try row.decode(column: "created_by", as: String.self),
            signedPayload: try row.decode(column: "signed_payload", as: String.self),
            signature: try row.decode(column: "signature", as: String.self),
            status: status,
            updatedAt: Timestamp(millisecondsSinceEpoch: try row.decode(column: "updated_at", as: Int64.self)),
            resultDetail: try row.decode(column: "result_detail", as: String?.self))
    }

    static func credential(_ row: any SQLRow) throws -> StoredCredential {
        let kindText = try row.decode(column: "kind", as: String.self)
        guard let kind = StoredCredential.Kind(rawValue: kindText) else {
            throw StoreError.invalid("credential row has unknown kind \(kindText)")
        }
        return StoredCredential(
            hostID: try ManagedHost.ID(row.decode(column: "host_id", as: String.self)), kind: kind,
            username: try row.decode(column: "username", as: String.self),
            sealedSecret: try row.decode(column: "sealed_secret", as: String.self),
            updatedAt: Timestamp(millisecondsSinceEpoch: try row.decode(column: "updated_at", as: Int64.self)))
    }

    static func encode(_ value: some Encodable) throws(StoreError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw .invalid("cannot encode \(type(of: value)): \(error)")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
