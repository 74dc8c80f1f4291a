public import Compliance
import SQLKit

/// `TenancyStore` on SQL. Parents are checked inside the same transaction as the insert, so a
/// missing parent is reported as such rather than as a constraint error.
public struct SQLTenancyStore: TenancyStore {
    let database: VigilDatabase
    /// Appliance lookups (one per signed appliance request) from concurrent requests share one query.
    private let applianceLookups: RequestBatcher<Appliance.ID, Appliance?>

    public init(database: VigilDatabase) {
        self.database = database
        self.applianceLookups = RequestBatcher { (ids: [Appliance.ID]) async throws(StoreError) -> [Appliance?] in
            let found = try await database.read { sql in
                try await sql.raw(
                    """
                    SELECT id, site_id, public_key, software_revision, deployment_mode FROM appliances
                    WHERE id IN (\(binds: Set(ids.map(\.rawValue)).sorted()))
                    """
                ).all().map(Self.appliance)
            }
            let byID = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            return ids.map { byID[$0] }
        }
    }

    public func create(_ partner: Partner) async throws(StoreError) {
        try TextRules.checkName(partner.name, field: "partner name")
        try await database.transaction { sql in
            try await Self.requireAbsent(sql, table: "partners", id: partner.id.rawValue, what: "partner \(partner.id)")
            try await sql.raw(
                "INSERT INTO partners (id, name, created_at) VALUES (\(bind: partner.id.rawValue), \(bind: partner.name), \(bind: Self.now()))"
            ).run()
        }
    }

    public func partner(_ id: Partner.ID) async throws(StoreError) -> Partner? {
        try await database.read { sql in
            try await sql.raw("SELECT id, name FROM partners WHERE id = \(bind: id.rawValue)").first().map(Self.partner)
        }
    }

    public func partners() async throws(StoreError) -> [Partner] {
        try await database.read { sql in
            try await sql.raw("SELECT id, name FROM partners ORDER BY id").all().map(Self.partner)
        }
    }

    public func create(_ client: Client) async throws(StoreError) {
        try TextRules.checkName(client.name, field: "client name")
        try await database.transaction { sql in
            try await Self.requirePresent(
                sql, table: "partners", id: client.partnerID.rawValue, what: "partner \(client.partnerID)")
            try await Self.requireAbsent(sql, table: "clients", id: client.id.rawValue, what: "client \(client.id)")
            try await sql.raw(
                """
                INSERT INTO clients (id, partner_id, name, created_at)
                VALUES (\(bind: client.id.rawValue), \(bind: client.partnerID.rawValue), \(bind: client.name), \(bind: Self.now()))
                """
            ).run()
        }
    }

    public func client(_ id: Client.ID) async throws(StoreError) -> Client? {
        try await database.read { sql in
            try await sql.raw("SELECT id, partner_id, name FROM clients WHERE id = \(bind: id.rawValue)").first().map(
                Self.client)
        }
    }

    public func clients(of partner: Partner.ID) async throws(StoreError) -> [Client] {
        try await database.read { sql in
            try await sql.raw(
                "SELECT id, partner_id, name FROM clients WHERE partner_id = \(bind: partner.rawValue) ORDER BY id"
            )
            .all().map(Self.client)
        }
    }

    public func create(_ site: Site) async throws(StoreError) {
        try TextRules.checkName(site.name, field: "site name")
        try TextRules.checkName(site.timeZone, field: "time zone")
        try await database.transaction { sql in
            try await Self.requirePresent(
                sql, table: "clients", id: site.clientID.rawValue, what: "client \(site.clientID)")
            try await Self.requireAbsent(sql, table: "sites", id: site.id.rawValue, what: "site \(site.id)")
            try await sql.raw(
                """
                INSERT INTO sites (id, client_id, name, time_zone, created_at)
                VALUES (\(bind: site.id.rawValue), \(bind: site.clientID.rawValue), \(bind: site.name), \(bind: site.timeZone), \(bind: Self.now()))
                """
            ).run()
        }
    }

    public func site(_ id: Site.ID) async throws(StoreError) -> Site? {
        try await database.read { sql in
            try await sql.raw("SELECT id, client_id, name, time_zone FROM sites WHERE id = \(bind: id.rawValue)")
                .first()
                .map(Self.site)
        }
    }

    public func sites(of client: Client.ID) async throws(StoreError) -> [Site] {
        try await database.read { sql in
            try await sql.raw(
                "SELECT id, client_id, name, time_zone FROM sites WHERE client_id = \(bind: client.rawValue) ORDER BY id"
            ).all().map(Self.site)
        }
    }

    public func create(_ appliance: Appliance) async throws(StoreError) {
        try TextRules.checkName(appliance.publicKey, field: "public key")
        try TextRules.checkOptionalName(appliance.softwareRevision, field: "software revision")
        try await database.transaction { sql in
            try await Self.requirePresent(
                sql, table: "sites", id: appliance.siteID.rawValue, what: "site \(appliance.siteID)")
            try await Self.requireAbsent(
                sql, table: "appliances", id: appliance.id.rawValue, what: "appliance \(appliance.id)")
            try await sql.raw(
                """
                INSERT INTO appliances (id, site_id, public_key, software_revision, deployment_mode, created_at)
                VALUES (\(bind: appliance.id.rawValue), \(bind: appliance.siteID.rawValue), \(bind: appliance.publicKey),
                        \(bind: appliance.softwareRevision), \(bind: appliance.deploymentMode.rawValue), \(bind: Self.now()))
                """
            ).run()
        }
    }

    public func appliance(_ id: Appliance.ID) async throws(StoreError) -> Appliance? {
        try await applianceLookups.submit(id)
    }

    public func appliances(at site: Site.ID) async throws(StoreError) -> [Appliance] {
        try await database.read { sql in
            try await sql.raw(
                """
                SELECT id, site_id, public_key, software_revision, deployment_mode FROM appliances
                WHERE site_id = \(bind: site.rawValue) ORDER BY id
                """
            ).all().map(Self.appliance)
        }
    }

    public func keyRotations(of appliance: Appliance.ID) async throws(StoreError) -> [ApplianceKeyRotation] {
        try await database.read { sql in
            try await sql.raw(
                """
                SELECT * FROM appliance_key_rotations WHERE appliance_id = \(bind: appliance.rawValue)
                ORDER BY from_sequence
                """
            ).all().map { row in
                ApplianceKeyRotation(
                    applianceID: appliance, oldKey: try row.decode(column: "old_key", as: String.self),
                    newKey: try row.decode(column: "new_key", as: String.self),
                    fromSequence: try row.decode(column: "from_sequence", as: Int64.self),
                    endorsement: try row.decode(column: "endorsement", as: String.self),
                    proof: try row.decode(column: "proof", as: String.self),
                    rotatedAt: Timestamp(millisecondsSinceEpoch: try row.decode(column: "rotated_at", as: Int64.self)))
            }
        }
    }

    public func record(_ rotation: ApplianceKeyRotation) async throws(StoreError) {
        try TextRules.checkName(rotation.newKey, field: "public key")
        let id = rotation.applianceID.rawValue
        let forUpdate = database.forUpdate
        try await database.transaction { sql in
            // The appliance row is locked first: evidence appends check the key under the same lock.
            guard
                let current = try await sql.raw(
                    "SELECT public_key FROM appliances WHERE id = \(bind: id)\(unsafeRaw: forUpdate)"
                ).first()?.decode(column: "public_key", as: String.self)
            else { throw StoreError.notFound("appliance \(id)") }
            guard current == rotation.oldKey else {
                throw StoreError.conflict("appliance \(id)'s key is no longer the key this rotation starts from")
            }
            let head =
                try await sql.raw(
                    "SELECT MAX(sequence) AS head FROM evidence_bundles WHERE appliance_id = \(bind: id)"
                ).first()?.decode(column: "head", as: Int64?.self) ?? 0
            guard head == rotation.fromSequence - 1 else {
                throw StoreError.conflict(
                    "Central Command holds bundles 1–\(head) of appliance \(id); a new key may start only at \(head + 1), not at \(rotation.fromSequence)"
                )
            }
            let used = try await sql.raw(
                """
                SELECT 1 AS used FROM appliances WHERE public_key = \(bind: rotation.newKey)
                UNION ALL SELECT 1 AS used FROM appliance_key_rotations WHERE old_key = \(bind: rotation.newKey)
                """
            ).first()
            guard used == nil else { throw StoreError.conflict("that key has been an appliance key before") }
            try await sql.raw(
                """
                INSERT INTO appliance_key_rotations
                    (appliance_id, from_sequence, old_key, new_key, endorsement, proof, rotated_at)
                VALUES (\(bind: id), \(bind: rotation.fromSequence), \(bind: rotation.oldKey), \(bind: rotation.newKey),
                        \(bind: rotation.endorsement), \(bind: rotation.proof), \(bind: rotation.rotatedAt.millisecondsSinceEpoch))
                """
            ).run()
            try await sql.raw(
                "UPDATE appliances SET public_key = \(bind: rotation.newKey) WHERE id = \(bind: id)"
            ).run()
        }
    }

    public func create(_ host: ManagedHost) async throws(StoreError) {
        try TextRules.checkName(host.name, field: "host name")
        try TextRules.checkOptionalName(host.address, field: "host address")
        try await database.transaction { sql in
            try await Self.requirePresent(sql, table: "sites", id: host.siteID.rawValue, what: "site \(host.siteID)")
            try await Self.requireAbsent(sql, table: "hosts", id: host.id.rawValue, what: "host \(host.id)")
            try await sql.raw(
                """
                INSERT INTO hosts (id, site_id, name, platform, address, created_at)
                VALUES (\(bind: host.id.rawValue), \(bind: host.siteID.rawValue), \(bind: host.name),
                        \(bind: host.platform.rawValue), \(bind: host.address), \(bind: Self.now()))
                """
            ).run()
            try await SQLFleetStore.changedSnapshot(sql, site: host.siteID)
        }
    }

    public func host(_ id: ManagedHost.ID) async throws(StoreError) -> ManagedHost? {
        try await database.read { sql in
            try await sql.raw("SELECT id, site_id, name, platform, address FROM hosts WHERE id = \(bind: id.rawValue)")
                .first()
                .map(Self.host)
        }
    }

    public func hosts(at site: Site.ID) async throws(StoreError) -> [ManagedHost] {
        try await database.read { sql in
            try await sql.raw(
                "SELECT id, site_id, name, platform, address FROM hosts WHERE site_id = \(bind: site.rawValue) ORDER BY id"
            ).all().map(Self.host)
        }
    }

    // MARK: Rows

    static func now() -> Int64 { Timestamp.now().millisecondsSinceEpoch }

    static func requirePresent(_ sql: any SQLDatabase, table: String, id: String, what: String) async throws {
        let row = try await sql.raw("SELECT 1 AS present FROM \(ident: table) WHERE id = \(bind: id)").first()
        guard row != nil else { throw StoreError.notFound(what) }
    }

    static func requireAbsent(_ sql: any SQLDatabase, table: String, id: String, what: String) async throws {
        let row = try await sql.raw("SELECT 1 AS present FROM \(ident: table) WHERE id = \(bind: id)").first()
        guard row == nil else { throw StoreError.conflict("\(what) exists already") }
    }

    static func partner(_ row: any SQLRow) throws -> Partner {
        Partner(
            id: try Partner.ID(row.decode(column: "id", as: String.self)),
            name: try row.decode(column: "name", as: String.self))
    }

    static func client(_ row: any SQLRow) throws -> Client {
        Client(
            id: try Client.ID(row.decode(column: "id", as: String.self)),
            partnerID: try Partner.ID(row.decode(column: "partner_id", as: String.self)),
            name: try row.decode(column: "name", as: String.self))
    }

    static func site(_ row: any SQLRow) throws -> Site {
        Site(
            id: try Site.ID(row.decode(column: "id", as: String.self)),
            clientID: try Client.ID(row.decode(column: "client_id", as: String.self)),
            name: try row.decode(column: "name", as: String.self),
            timeZone: try row.decode(column: "time_zone", as: String.self))
    }

    static func appliance(_ row: any SQLRow) throws -> Appliance {
        let mode = try row.decode(column: "deployment_mode", as: String.self)
        guard let deploymentMode = DeploymentMode(rawValue: mode) else {
            throw StoreError.invalid("stored deployment mode \(mode) is unknown")
        }
        return Appliance(
            id: try Appliance.ID(row.decode(column: "id", as: String.self)),
            siteID: try Site.ID(row.decode(column: "site_id", as: String.self)),
            publicKey: try row.decode(column: "public_key", as: String.self),
            softwareRevision: try row.decode(column: "software_revision", as: String?.self),
            deploymentMode: deploymentMode)
    }

    static func host(_ row: any SQLRow) throws -> ManagedHost {
        let platform = try row.decode(column: "platform", as: String.self)
        guard let value = Platform(rawValue: platform) else {
            throw StoreError.invalid("stored platform \(platform) is unknown")
        }
        return ManagedHost(
            id: try ManagedHost.ID(row.decode(column: "id", as: String.self)),
            siteID: try Site.ID(row.decode(column: "site_id", as: String.self)),
            name: try row.decode(column: "name", as: String.self), platform: value,
            address: try row.decode(column: "address", as: String?.self))
    }
}
