public import Compliance
import Foundation
import SQLKit

/// `EvidenceStore` on SQL: append-only, chained per appliance, atomic per batch.
public struct SQLEvidenceStore: EvidenceStore {
    let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    public func head(of appliance: Appliance.ID) async throws(StoreError) -> (sequence: Int64, hash: HexDigest)? {
        let row: (Int64, String)? = try await database.read { sql in
            guard
                let row = try await sql.raw(
                    """
                    SELECT sequence, hash FROM evidence_bundles WHERE appliance_id = \(bind: appliance.rawValue)
                    ORDER BY sequence DESC LIMIT 1
                    """
                ).first()
            else { return nil }
            return (try row.decode(column: "sequence", as: Int64.self), try row.decode(column: "hash", as: String.self))
        }
        guard let (sequence, hash) = row else { return nil }
        do {
            return (sequence, try HexDigest(hex: hash))
        } catch {
            throw .invalid("stored hash of \(appliance) #\(sequence) is malformed")
        }
    }

    public func append(_ bundles: [StoredBundle], signedWith key: String?, states: [CheckState]?)
        async throws(StoreError)
    {
        guard let first = bundles.first else { return }
        for (offset, bundle) in bundles.enumerated() {
            guard bundle.applianceID == first.applianceID else {
                throw .invalid("a batch holds bundles of one appliance only")
            }
            guard bundle.sequence == first.sequence + Int64(offset) else {
                throw .invalid("batch sequences must be consecutive: found \(bundle.sequence) at position \(offset)")
            }
            if offset > 0, bundle.previousHash != bundles[offset - 1].hash {
                throw .conflict("bundle \(bundle.sequence) does not link to bundle \(bundle.sequence - 1)")
            }
        }
        let forUpdate = database.forUpdate
        try await database.transaction { sql in
            if let key {
                // Locks the appliance row: a key rotation (which locks it too) either happened
                // before, and the key no longer matches, or waits until these bundles are in.
                let current = try await sql.raw(
                    """
                    SELECT public_key FROM appliances WHERE id = \(bind: first.applianceID.rawValue)\(unsafeRaw: forUpdate)
                    """
                ).first()?.decode(column: "public_key", as: String.self)
                guard current == key else {
                    throw StoreError.conflict(
                        "appliance \(first.applianceID)'s key changed while its upload was checked; upload again")
                }
            }
            let head = try await sql.raw(
                """
                SELECT sequence, hash FROM evidence_bundles WHERE appliance_id = \(bind: first.applianceID.rawValue)
                ORDER BY sequence DESC LIMIT 1
                """
            ).first()
            let headSequence = try head?.decode(column: "sequence", as: Int64.self) ?? 0
            let headHash = try head?.decode(column: "hash", as: String.self) ?? HexDigest.zero.hex
            guard first.sequence == headSequence + 1 else {
                throw StoreError.conflict(
                    "appliance \(first.applianceID) is at sequence \(headSequence); bundle \(first.sequence) cannot follow it"
                )
            }
            guard first.previousHash.hex == headHash else {
                throw StoreError.conflict("bundle \(first.sequence) does not link to the stored bundle \(headSequence)")
            }
            // Multi-row inserts: one round trip per 50 bundles instead of one per bundle.
            var start = 0
            while start < bundles.count {
                let chunk = bundles[start..<min(start + 50, bundles.count)]
                var query: SQLQueryString = """
                    INSERT INTO evidence_bundles
                        (appliance_id, sequence, bundle_id, site_id, host_id, observed_at, hash, prev_hash,
                         canonical_bytes, signature, received_at)
                    VALUES
                    """
                for (offset, bundle) in chunk.enumerated() {
                    query.appendLiteral(offset == 0 ? " (" : ", (")
                    let values: [any Encodable & Sendable] = [
                        bundle.applianceID.rawValue, bundle.sequence, bundle.bundleID.rawValue, bundle.siteID.rawValue,
                        bundle.hostID.rawValue, bundle.observedAt.millisecondsSinceEpoch, bundle.hash.hex,
                        bundle.previousHash.hex, Data(bundle.canonicalBytes), Data(bundle.signature),
                        bundle.receivedAt.millisecondsSinceEpoch,
                    ]
                    query.appendInterpolation(binds: values)
                    query.appendLiteral(")")
                }
                try await sql.raw(query).run()
                start += chunk.count
            }
            try await Self.record(states ?? bundles.flatMap { $0.checkStates() }, in: sql)
        }
    }

    /// Derives the current check states from `states` (one upload's, or a backfill page's):
    /// a state replaces the stored one unless that was observed later; then each touched site's
    /// hosts-per-state counts are counted again. Runs inside the caller's transaction.
    static func record(_ states: [CheckState], in sql: any SQLDatabase) async throws {
        let newest = CheckState.newest(states)
        guard !newest.isEmpty else { return }
        var start = 0
        while start < newest.count {
            let chunk = newest[start..<min(start + 50, newest.count)]
            var query: SQLQueryString = """
                INSERT INTO check_states (host_id, check_id, site_id, status, observed, observed_at, bundle_id)
                VALUES
                """
            for (offset, state) in chunk.enumerated() {
                query.appendLiteral(offset == 0 ? " (" : ", (")
                let values: [any Encodable & Sendable] = [
                    state.hostID.rawValue, state.checkID.rawValue, state.siteID.rawValue, state.status.rawValue,
                    state.observed, state.observedAt.millisecondsSinceEpoch, state.bundleID.rawValue,
                ]
                query.appendInterpolation(binds: values)
                query.appendLiteral(")")
            }
            query.appendLiteral(
                """
                 ON CONFLICT (host_id, check_id) DO UPDATE SET site_id = excluded.site_id,
                    status = excluded.status, observed = excluded.observed, observed_at = excluded.observed_at,
                    bundle_id = excluded.bundle_id
                WHERE excluded.observed_at >= check_states.observed_at
                """)
            try await sql.raw(query).run()
            start += chunk.count
        }
        for site in Set(newest.map(\.siteID.rawValue)).sorted() {
            let rows = try await sql.raw(
                """
                SELECT check_id, status, COUNT(*) AS hosts FROM check_states WHERE site_id = \(bind: site)
                GROUP BY check_id, status ORDER BY check_id, status
                """
            ).all()
            var summary = ""
            for row in rows {
                let check = try row.decode(column: "check_id", as: String.self)
                let status = try row.decode(column: "status", as: String.self)
                summary += "\(check) \(status) \(try row.decode(column: "hosts", as: Int64.self))\n"
            }
            try await sql.raw(
                """
                INSERT INTO site_check_states (site_id, summary) VALUES (\(bind: site), \(bind: summary))
                ON CONFLICT (site_id) DO UPDATE SET summary = excluded.summary
                """
            ).run()
        }
    }

    public func checkStates(site: Site.ID) async throws(StoreError) -> [CheckState] {
        try await database.read { sql in
            try await sql.raw(
                """
                SELECT * FROM check_states WHERE site_id = \(bind: site.rawValue) ORDER BY host_id, check_id
                """
            ).all().map { row in
                CheckState(
                    siteID: try Site.ID(row.decode(column: "site_id", as: String.self)),
                    hostID: try ManagedHost.ID(row.decode(column: "host_id", as: String.self)),
                    checkID: try CheckID(row.decode(column: "check_id", as: String.self)),
                    status: try Self.status(row.decode(column: "status", as: String.self)),
                    observed: try row.decode(column: "observed", as: String?.self),
                    observedAt: Timestamp(
                        millisecondsSinceEpoch: try row.decode(column: "observed_at", as: Int64.self)),
                    bundleID: try Identifier<EvidenceBundle>(row.decode(column: "bundle_id", as: String.self)))
            }
        }
    }

    static func status(_ text: String) throws -> CheckStatus {
        guard let status = CheckStatus(rawValue: text) else { throw StoreError.invalid("unknown check status \(text)") }
        return status
    }

    /// Derives the current check states of bundles stored before migration 13, once: pages
    /// through the evidence oldest first. Returns the number of bundles read (0 when done before).
    public func backfillCheckStates(pageSize: Int = 500) async throws(StoreError) -> Int {
        let done = try await database.read { sql in
            try await sql.raw("SELECT done FROM check_states_backfill WHERE id = 1").first()?.decode(
                column: "done", as: Int64.self)
        }
        guard done == 0 else { return 0 }
        var read = 0
        var after: (Int64, String, Int64) = (Int64.min, "", 0)
        while true {
            let page = try await database.read { sql in
                try await sql.raw(
                    """
                    SELECT * FROM evidence_bundles
                    WHERE observed_at > \(bind: after.0) OR (observed_at = \(bind: after.0) AND (appliance_id > \(bind: after.1)
                        OR (appliance_id = \(bind: after.1) AND sequence > \(bind: after.2))))
                    ORDER BY observed_at, appliance_id, sequence LIMIT \(bind: pageSize)
                    """
                ).all().map(Self.bundle)
            }
            guard let last = page.last else { break }
            try await database.transaction { sql in try await Self.record(page.flatMap { $0.checkStates() }, in: sql) }
            read += page.count
            after = (last.observedAt.millisecondsSinceEpoch, last.applianceID.rawValue, last.sequence)
        }
        try await database.transaction { sql in
            try await sql.raw("UPDATE check_states_backfill SET done = 1 WHERE id = 1").run()
        }
        return read
    }

    public func bundle(_ id: Identifier<EvidenceBundle>) async throws(StoreError) -> StoredBundle? {
        try await database.read { sql in
            try await sql.raw("SELECT * FROM evidence_bundles WHERE bundle_id = \(bind: id.rawValue)").first().map(
                Self.bundle)
        }
    }

    public func existingBundleIDs(_ ids: [Identifier<EvidenceBundle>]) async throws(StoreError)
        -> Set<Identifier<EvidenceBundle>>
    {
        guard !ids.isEmpty else { return [] }
        return try await database.read { sql in
            var found: Set<Identifier<EvidenceBundle>> = []
            var start = 0
            while start < ids.count {
                let chunk = ids[start..<min(start + 500, ids.count)].map(\.rawValue)
                let rows = try await sql.raw(
                    "SELECT bundle_id FROM evidence_bundles WHERE bundle_id IN (\(binds: chunk))"
                ).all()
                for row in rows {
                    found.insert(try Identifier<EvidenceBundle>(row.decode(column: "bundle_id", as: String.self)))
                }
                start += chunk.count
            }
            return found
        }
    }

    public func bundle(appliance: Appliance.ID, sequence: Int64) async throws(StoreError) -> StoredBundle? {
        try await database.read { sql in
            try await sql.raw(
                """
                SELECT * FROM evidence_bundles
                WHERE appliance_id = \(bind: appliance.rawValue) AND sequence = \(bind: sequence)
                """
            ).first().map(Self.bundle)
        }
    }

    public func bundles(appliance: Appliance.ID, after sequence: Int64, limit: Int) async throws(StoreError)
        -> [StoredBundle]
    {
        try await database.read { sql in
            try await sql.raw(
                """
                SELECT * FROM evidence_bundles
                WHERE appliance_id = \(bind: appliance.rawValue) AND sequence > \(bind: sequence)
                ORDER BY sequence LIMIT \(bind: max(0, min(limit, 10_000)))
                """
            ).all().map(Self.bundle)
        }
    }

    public func bundles(site: Site.ID, from: Timestamp, to: Timestamp, limit: Int) async throws(StoreError)
        -> [StoredBundle]
    {
        try await database.read { sql in
            try await sql.raw(
                """
                SELECT * FROM evidence_bundles
                WHERE site_id = \(bind: site.rawValue) AND observed_at >= \(bind: from.millisecondsSinceEpoch)
                  AND observed_at < \(bind: to.millisecondsSinceEpoch)
                ORDER BY observed_at, appliance_id, sequence LIMIT \(bind: max(0, min(limit, 10_000)))
                """
            ).all().map(Self.bundle)
        }
    }

    public func bundles(
        site: Site.ID, host: ManagedHost.ID, atOrBefore time: Timestamp, offset: Int, limit: Int
    ) async throws(StoreError) -> [StoredBundle] {
        try await database.read { sql in
            try await sql.raw(
                """
                SELECT * FROM evidence_bundles
                WHERE host_id = \(bind: host.rawValue) AND site_id = \(bind: site.rawValue)
                  AND observed_at <= \(bind: time.millisecondsSinceEpoch)
                ORDER BY observed_at DESC, appliance_id DESC, sequence DESC
                LIMIT \(bind: max(0, min(limit, 10_000))) OFFSET \(bind: max(0, offset))
                """
            ).all().map(Self.bundle)
        }
    }

    public func hostsWithEvidence(site: Site.ID) async throws(StoreError) -> [ManagedHost.ID] {
        try await database.read { sql in
            try await sql.raw(
                "SELECT DISTINCT host_id FROM evidence_bundles WHERE site_id = \(bind: site.rawValue) ORDER BY host_id"
            ).all().map { try ManagedHost.ID($0.decode(column: "host_id", as: String.self)) }
        }
    }

    static func bundle(_ row: any SQLRow) throws -> StoredBundle {
        StoredBundle(
            applianceID: try Appliance.ID(row.decode(column: "appliance_id", as: String.self)),
            sequence: try row.decode(column: "sequence", as: Int64.self),
            bundleID: try Identifier<EvidenceBundle>(row.decode(column: "bundle_id", as: String.self)),
            siteID: try Site.ID(row.decode(column: "site_id", as: String.self)),
            hostID: try ManagedHost.ID(row.decode(column: "host_id", as: String.self)),
            observedAt: Timestamp(millisecondsSinceEpoch: try row.decode(column: "observed_at", as: Int64.self)),
            hash: try HexDigest(hex: row.decode(column: "hash", as: String.self)),
            previousHash: try HexDigest(hex: row.decode(column: "prev_hash", as: String.self)),
            canonicalBytes: [UInt8](try row.decode(column: "canonical_bytes", as: Data.self)),
            signature: [UInt8](try row.decode(column: "signature", as: Data.self)),
            receivedAt: Timestamp(millisecondsSinceEpoch: try row.decode(column: "received_at", as: Int64.self)))
    }
}
