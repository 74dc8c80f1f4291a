public import Compliance
import SQLKit

/// The fleet overview's read model over SQL: six queries for every site of a partner (or of
/// the platform), however many sites, hosts and appliances there are.
public struct SQLFleetOverview: FleetOverviewStore {
    let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    public func siteOverviews(partner: Partner.ID?) async throws(StoreError) -> [SiteOverview] {
        try await database.read { sql in
            let scope: SQLQueryString =
                partner.map { "WHERE c.partner_id = \(bind: $0.rawValue)" } ?? ""
            let partners = try await sql.raw("SELECT * FROM partners").all().map(SQLTenancyStore.partner)
            let byPartner = Dictionary(partners.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            var clients: [Client.ID: Client] = [:]
            for row in try await sql.raw("SELECT c.* FROM clients c \(scope)").all() {
                let client = try SQLTenancyStore.client(row)
                clients[client.id] = client
            }
            let sites = try await sql.raw(
                "SELECT s.* FROM sites s JOIN clients c ON c.id = s.client_id \(scope) ORDER BY s.name, s.id"
            ).all().map(SQLTenancyStore.site)
            let inScope = Set(sites.map(\.id.rawValue))
            // The rest is read for every site and filtered here: one pass each, no per-site query.
            var hosts: [String: [Platform: Int]] = [:]
            for row in try await sql.raw(
                "SELECT site_id, platform, COUNT(*) AS n FROM hosts GROUP BY site_id, platform"
            )
            .all() {
                let site = try row.decode(column: "site_id", as: String.self)
                guard inScope.contains(site),
                    let platform = Platform(rawValue: try row.decode(column: "platform", as: String.self))
                else { continue }
                hosts[site, default: [:]][platform] = Int(try row.decode(column: "n", as: Int64.self))
            }
            var checkIns: [String: [Timestamp?]] = [:]
            for row in try await sql.raw(
                """
                SELECT a.site_id, h.checked_in_at FROM appliances a
                LEFT JOIN appliance_health h ON h.appliance_id = a.id
                """
            ).all() {
                let site = try row.decode(column: "site_id", as: String.self)
                guard inScope.contains(site) else { continue }
                let at = try row.decode(column: "checked_in_at", as: Int64?.self)
                checkIns[site, default: []].append(at.map(Timestamp.init(millisecondsSinceEpoch:)))
            }
            var incidents: [String: [SLAClock]] = [:]
            for row in try await sql.raw(
                """
                SELECT site_id, priority, opened_at, acknowledged_at FROM incidents WHERE status <> 'resolved'
                """
            ).all() {
                let site = try row.decode(column: "site_id", as: String.self)
                guard inScope.contains(site),
                    let priority = Incident.Priority(rawValue: try row.decode(column: "priority", as: String.self))
                else { continue }
                incidents[site, default: []].append(
                    SLAClock(
                        priority: priority,
                        openedAt: Timestamp(
                            millisecondsSinceEpoch: try row.decode(column: "opened_at", as: Int64.self)),
                        acknowledgedAt: try row.decode(column: "acknowledged_at", as: Int64?.self).map(
                            Timestamp.init(millisecondsSinceEpoch:)),
                        resolvedAt: nil))
            }
            var states: [String: [CheckStateCount]] = [:]
            for row in try await sql.raw("SELECT site_id, check_id, status, hosts FROM site_check_states").all() {
                let site = try row.decode(column: "site_id", as: String.self)
                guard inScope.contains(site) else { continue }
                states[site, default: []].append(
                    CheckStateCount(
                        siteID: try Site.ID(site),
                        checkID: try CheckID(row.decode(column: "check_id", as: String.self)),
                        status: try SQLEvidenceStore.status(row.decode(column: "status", as: String.self)),
                        hosts: Int(try row.decode(column: "hosts", as: Int64.self))))
            }
            return sites.compactMap { site -> SiteOverview? in
                guard let client = clients[site.clientID], let partner = byPartner[client.partnerID] else { return nil }
                let key = site.id.rawValue
                return SiteOverview(
                    site: site, client: client, partner: partner, hosts: hosts[key] ?? [:],
                    applianceCheckIns: checkIns[key] ?? [], incidents: incidents[key] ?? [],
                    checkStates: states[key] ?? [])
            }
        }
    }
}
