public import Compliance
import Foundation
public import Logging
import SQLKit

/// `Outbox` on the appliance's SQLite file (WAL, `synchronous=FULL`: a committed bundle survives
/// power loss). One transaction per append checks that the entries continue the chain.
public struct SQLOutbox: Outbox {
    let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    /// Opens (creating if needed) the appliance's database at `path` and applies its migrations.
    public static func openApplianceDatabase(path: String, logger: Logger) async throws(StoreError) -> VigilDatabase {
        let database = try await VigilDatabase.open(.sqlite(path: path), logger: logger)
        do {
            try await database.migrate(Migrations.appliance)
        } catch {
            await database.close()
            throw error
        }
        return database
    }

    /// The outbox in the appliance's database at `path` (opened and migrated).
    public static func open(path: String, logger: Logger) async throws(StoreError) -> SQLOutbox {
        SQLOutbox(database: try await openApplianceDatabase(path: path, logger: logger))
    }

    public func close() async { await database.close() }

    public func append(_ entries: [OutboxEntry]) async throws(StoreError) {
        guard let first = entries.first else { return }
        for (offset, entry) in entries.enumerated() {
            guard entry.sequence == first.sequence + Int64(offset) else {
                throw .invalid("outbox entries must have consecutive sequences; \(entry.sequence) breaks the run")
            }
            guard let bytes = entry.canonicalBytes, let signature = entry.signature, !bytes.isEmpty,
                signature.count == 64
            else {
                throw .invalid("bundle \(entry.sequence) needs its canonical bytes and a 64-byte signature")
            }
            guard entry.receipt == nil else { throw .invalid("a bundle is appended before it has a receipt") }
        }
        try await database.transaction { sql in
            let head =
                try await sql.raw("SELECT MAX(sequence) AS head FROM outbox").first()?.decode(
                    column: "head", as: Int64?.self) ?? 0
            guard first.sequence == head + 1 else {
                throw StoreError.conflict(
                    "the outbox is at sequence \(head); bundle \(first.sequence) cannot follow it")
            }
            var start = 0
            while start < entries.count {
                let chunk = entries[start..<min(start + 50, entries.count)]
                var query: SQLQueryString = """
                    INSERT INTO outbox (sequence, bundle_id, canonical_bytes, signature, hash, sealed_at) VALUES
                    """
                for (offset, entry) in chunk.enumerated() {
                    query.appendLiteral(offset == 0 ? " (" : ", (")
                    let values: [any Encodable & Sendable] = [
                        entry.sequence, entry.bundleID.rawValue, Data(entry.canonicalBytes ?? []),
                        Data(entry.signature ?? []), entry.hash.hex, entry.sealedAt.millisecondsSinceEpoch,
                    ]
                    query.appendInterpolation(binds: values)
                    query.appendLiteral(")")
                }
                try await sql.raw(query).run()
                start += chunk.count
            }
        }
    }

    public func status() async throws(StoreError) -> OutboxStatus {
        try await database.read { sql in
            let head = try await sql.raw("SELECT sequence, hash FROM outbox ORDER BY sequence DESC LIMIT 1").first()
            let pending = try await sql.raw(
                "SELECT COUNT(*) AS pending, MIN(sealed_at) AS oldest FROM outbox WHERE receipt IS NULL"
            ).first()
            return OutboxStatus(
                headSequence: try head?.decode(column: "sequence", as: Int64.self) ?? 0,
                headHash: try head.map { try HexDigest(hex: $0.decode(column: "hash", as: String.self)) } ?? .zero,
                unreceipted: try pending?.decode(column: "pending", as: Int64.self) ?? 0,
                oldestUnreceipted: try pending?.decode(column: "oldest", as: Int64?.self).map(
                    Timestamp.init(millisecondsSinceEpoch:)))
        }
    }

    public func hashes(from sequence: Int64, limit: Int) async throws(StoreError) -> [HexDigest] {
        try await database.read { sql in
            try await sql.raw(
                """
                SELECT hash FROM outbox WHERE sequence >= \(bind: sequence)
                ORDER BY sequence LIMIT \(bind: max(0, min(limit, 1_000_000)))
                """
            ).all().map { try HexDigest(hex: $0.decode(column: "hash", as: String.self)) }
        }
    }

    public func unreceipted(limit: Int) async throws(StoreError) -> [OutboxEntry] {
        try await database.read { sql in
            try await sql.raw(
                """
                SELECT * FROM outbox WHERE receipt IS NULL ORDER BY sequence LIMIT \(bind: max(0, min(limit, 10_000)))
                """
            ).all().map(Self.entry)
        }
    }

    public func recordReceipts(_ receipts: [(sequence: Int64, receipt: String)], at time: Timestamp)
        async throws(StoreError)
    {
        for receipt in receipts where receipt.receipt.isEmpty || receipt.receipt.utf8.count > 65_536 {
            throw .invalid("receipt for bundle \(receipt.sequence) must be 1–65536 bytes")
        }
        try await database.transaction { sql in
            for receipt in receipts {
                let updated = try await sql.raw(
                    """
                    UPDATE outbox SET receipt = COALESCE(receipt, \(bind: receipt.receipt)),
                        receipted_at = COALESCE(receipted_at, \(bind: time.millisecondsSinceEpoch))
                    WHERE sequence = \(bind: receipt.sequence) RETURNING sequence
                    """
                ).all()
                guard !updated.isEmpty else { throw StoreError.notFound("bundle \(receipt.sequence) in the outbox") }
            }
        }
    }

    public func entry(_ sequence: Int64) async throws(StoreError) -> OutboxEntry? {
        try await database.read { sql in
            try await sql.raw("SELECT * FROM outbox WHERE sequence = \(bind: sequence)").first().map(Self.entry)
        }
    }

    public func entries(after sequence: Int64, limit: Int) async throws(StoreError) -> [OutboxEntry] {
        try await database.read { sql in
            try await sql.raw(
                """
                SELECT * FROM outbox WHERE sequence > \(bind: sequence)
                ORDER BY sequence LIMIT \(bind: max(0, min(limit, 10_000)))
                """
            ).all().map(Self.entry)
        }
    }

    public func prune(receiptedBefore cutoff: Timestamp) async throws(StoreError) -> Int {
        try await database.transaction { sql in
            try await sql.raw(
                """
                UPDATE outbox SET canonical_bytes = NULL, signature = NULL
                WHERE receipt IS NOT NULL AND receipted_at < \(bind: cutoff.millisecondsSinceEpoch)
                  AND canonical_bytes IS NOT NULL
                RETURNING sequence
                """
            ).all().count
        }
    }

    static func entry(_ row: any SQLRow) throws -> OutboxEntry {
        OutboxEntry(
            sequence: try row.decode(column: "sequence", as: Int64.self),
            bundleID: try Identifier(row.decode(column: "bundle_id", as: String.self)),
            canonicalBytes: try row.decode(column: "canonical_bytes", as: Data?.self).map { [UInt8]($0) },
            signature: try row.decode(column: "signature", as: Data?.self).map { [UInt8]($0) },
            hash: try HexDigest(hex: row.decode(column: "hash", as: String.self)),
            sealedAt: Timestamp(millisecondsSinceEpoch: try row.decode(column: "sealed_at", as: Int64.self)),
            receipt: try row.decode(column: "receipt", as: String?.self),
            receiptedAt: try row.decode(column: "receipted_at", as: Int64?.self).map(
                Timestamp.init(millisecondsSinceEpoch:)))
    }
}
