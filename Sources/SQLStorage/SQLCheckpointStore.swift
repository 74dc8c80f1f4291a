public import Compliance
import SQLKit

/// `CheckpointStore` on SQL.
public struct SQLCheckpointStore: CheckpointStore {
    let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    public func store(_ checkpoint: StoredCheckpoint) async throws(StoreError) {
        try await database.transaction { sql in
            if let existing = try await Self.checkpoint(sql, checkpoint.applianceID, size: checkpoint.treeSize) {
                guard existing.rootHash == checkpoint.rootHash else {
                    throw StoreError.conflict("a checkpoint of size \(checkpoint.treeSize) with another root exists")
                }
                return
            }
            try await sql.raw(
                """
                INSERT INTO checkpoints (appliance_id, tree_size, root_hash, note, received_at)
                VALUES (\(bind: checkpoint.applianceID.rawValue), \(bind: checkpoint.treeSize),
                        \(bind: checkpoint.rootHash.hex), \(bind: checkpoint.note),
                        \(bind: checkpoint.receivedAt.millisecondsSinceEpoch))
                """
            ).run()
        }
    }

    public func checkpoint(of appliance: Appliance.ID, treeSize: Int64) async throws(StoreError) -> StoredCheckpoint? {
        try await database.read { sql in try await Self.checkpoint(sql, appliance, size: treeSize) }
    }

    public func latestCheckpoint(of appliance: Appliance.ID) async throws(StoreError) -> StoredCheckpoint? {
        try await database.read { sql in
            try await sql.raw(
                """
                SELECT * FROM checkpoints WHERE appliance_id = \(bind: appliance.rawValue)
                ORDER BY tree_size DESC LIMIT 1
                """
            ).first().map(Self.checkpoint)
        }
    }

    public func bundleHashes(of appliance: Appliance.ID, through treeSize: Int64) async throws(StoreError)
        -> [HexDigest]
    {
        try await database.read { sql in
            let rows = try await sql.raw(
                """
                SELECT hash FROM evidence_bundles
                WHERE appliance_id = \(bind: appliance.rawValue) AND sequence <= \(bind: treeSize)
                ORDER BY sequence
                """
            ).all()
            guard Int64(rows.count) == treeSize else {
                throw StoreError.notFound("bundles 1–\(treeSize) of appliance \(appliance)")
            }
            return try rows.map { try HexDigest(hex: $0.decode(column: "hash", as: String.self)) }
        }
    }

    static func checkpoint(_ sql: any SQLDatabase, _ appliance: Appliance.ID, size: Int64) async throws
        -> StoredCheckpoint?
    {
        try await sql.raw(
            """
            SELECT * FROM checkpoints WHERE appliance_id = \(bind: appliance.rawValue) AND tree_size = \(bind: size)
            """
        ).first().map(Self.checkpoint)
    }

    static func checkpoint(_ row: any SQLRow) throws -> StoredCheckpoint {
        StoredCheckpoint(
            applianceID: try Appliance.ID(row.decode(column: "appliance_id", as: String.self)),
            treeSize: try row.decode(column: "tree_size", as: Int64.self),
            rootHash: try HexDigest(hex: row.decode(column: "root_hash", as: String.self)),
            note: try row.decode(column: "note", as: String.self),
            receivedAt: Timestamp(millisecondsSinceEpoch: try row.decode(column: "received_at", as: Int64.self)))
    }
}
