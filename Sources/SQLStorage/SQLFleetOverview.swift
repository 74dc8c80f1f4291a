public import Compliance
import SQLKit

/// The fleet overview's read model over SQL: six queries (the check states one packed row per
/// site) for every site of a partner (or of
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
            var checks: [String: CheckID] = [:]
            for row in try await sql.raw("SELECT site_id, summary FROM site_check_states").all() {
                let site = try row.decode(column: "site_id", as: String.self)
                guard inScope.contains(site) else { continue }
                states[site] = try Self.unpack(
                    try row.decode(column: "summary", as: String.self), site: try Site.ID(site), checks: &checks)
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

    /// Reads a site's summary: one "check status hosts" line per check and status, parsed byte
    /// by byte (a thousand sites hold tens of thousands of lines). `checks` remembers the check IDs
    /// already read: a fleet has a few dozen, read thousands of times.
    static func unpack(_ summary: String, site: Site.ID, checks: inout [String: CheckID]) throws
        -> [CheckStateCount]
    {
        let malformed = StoreError.invalid("site \(site)'s check state summary is malformed")
        var counts: [CheckStateCount] = []
        let bytes = Array(summary.utf8)
        var index = 0
        while index < bytes.count {
            guard let space = bytes[index...].firstIndex(of: 0x20),
                let second = bytes[(space + 1)...].firstIndex(of: 0x20)
            else { throw malformed }
            let end = bytes[(second + 1)...].firstIndex(of: 0x0A) ?? bytes.count
            let name = String(decoding: bytes[index..<space], as: UTF8.self)
            let check: CheckID
            if let known = checks[name] {
                check = known
            } else {
                check = try CheckID(name)
                checks[name] = check
            }
            guard let status = CheckStatus(rawValue: String(decoding: bytes[(space + 1)..<second], as: UTF8.self)),
                second + 1 < end
            else { throw malformed }
            var hosts = 0
            for digit in bytes[(second + 1)..<end] {
                guard (0x30...0x39).contains(digit), hosts < Int.max / 10 - 9 else { throw malformed }
                hosts = hosts * 10 + Int(digit - 0x30)
            }
            counts.append(CheckStateCount(siteID: site, checkID: check, status: status, hosts: hosts))
            index = end + 1
        }
        return counts
    }
}
