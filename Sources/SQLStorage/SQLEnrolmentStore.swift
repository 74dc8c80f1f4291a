public import Compliance
import SQLKit

/// `EnrolmentStore` on SQL: redeeming a code and creating the appliance happen in one transaction,
/// and the update is conditional on the code still being unused, so two appliances racing for one
/// code (even through two instances) cannot both win.
public struct SQLEnrolmentStore: EnrolmentStore {
    let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    public func createClaimCode(hash: HexDigest, site: Site.ID, expiresAt: Timestamp, createdAt: Timestamp)
        async throws(StoreError)
    {
        try await database.transaction { sql in
            try await SQLTenancyStore.requirePresent(sql, table: "sites", id: site.rawValue, what: "site \(site)")
            try await sql.raw(
                """
                INSERT INTO claim_codes (code_hash, site_id, expires_at, created_at)
                VALUES (\(bind: hash.hex), \(bind: site.rawValue), \(bind: expiresAt.millisecondsSinceEpoch),
                        \(bind: createdAt.millisecondsSinceEpoch))
                """
            ).run()
        }
    }

    public func enrol(claimCodeHash hash: HexDigest, appliance: Appliance, at: Timestamp) async throws(StoreError)
        -> Appliance
    {
        try TextRules.checkName(appliance.publicKey, field: "public key")
        try TextRules.checkOptionalName(appliance.softwareRevision, field: "software revision")
        return try await database.transaction { sql in
            guard
                let row = try await sql.raw(
                    "SELECT site_id, expires_at, used_at FROM claim_codes WHERE code_hash = \(bind: hash.hex)"
                ).first()
            else { throw StoreError.notFound("claim code") }
            if try row.decode(column: "used_at", as: Int64?.self) != nil {
                throw StoreError.conflict("claim code was used already")
            }
            guard try row.decode(column: "expires_at", as: Int64.self) > at.millisecondsSinceEpoch else {
                throw StoreError.invalid("claim code has expired")
            }
            var enrolled = appliance
            enrolled.siteID = try Site.ID(row.decode(column: "site_id", as: String.self))
            let taken = try await sql.raw(
                "SELECT 1 AS taken FROM appliances WHERE public_key = \(bind: enrolled.publicKey)"
            ).first()
            guard taken == nil else { throw StoreError.conflict("another appliance has this public key") }
            let claimed = try await sql.raw(
                """
                UPDATE claim_codes SET used_at = \(bind: at.millisecondsSinceEpoch), appliance_id = \(bind: enrolled.id.rawValue)
                WHERE code_hash = \(bind: hash.hex) AND used_at IS NULL
                RETURNING code_hash
                """
            ).all()
            guard claimed.count == 1 else { throw StoreError.conflict("claim code was used already") }
            try await sql.raw(
                """
                INSERT INTO appliances (id, site_id, public_key, software_revision, deployment_mode, created_at)
                VALUES (\(bind: enrolled.id.rawValue), \(bind: enrolled.siteID.rawValue), \(bind: enrolled.publicKey),
                        \(bind: enrolled.softwareRevision), \(bind: enrolled.deploymentMode.rawValue),
                        \(bind: at.millisecondsSinceEpoch))
                """
            ).run()
            return enrolled
        }
    }
}
