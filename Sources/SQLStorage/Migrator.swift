public import Compliance
import Foundation
import SQLKit

extension VigilDatabase {
    /// Applies pending migrations in one transaction and returns the versions applied. Refuses to
    /// run when an applied migration has changed or the database is newer than this binary.
    /// Several instances may call it at once: PostgreSQL serialises them with an advisory lock,
    /// SQLite with its write lock.
    @discardableResult
    public func migrate(_ migrations: [Migration] = Migrations.all) async throws(StoreError) -> [Int] {
        let names = self.names
        return try await transaction { sql in
            if names.name == "postgres" {
                try await sql.raw("SELECT pg_advisory_xact_lock(7261001)").run()
            }
            try await sql.raw(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL
                )
                """
            ).run()
            var applied: [Int: String] = [:]
            for row in try await sql.raw("SELECT version, checksum FROM schema_migrations").all() {
                applied[try row.decode(column: "version", as: Int.self)] = try row.decode(
                    column: "checksum", as: String.self)
            }
            let known = Set(migrations.map(\.version))
            if let unknown = applied.keys.filter({ !known.contains($0) }).max() {
                throw StoreError.invalid("the database has migration \(unknown), newer than this Vigil; upgrade Vigil")
            }
            var done: [Int] = []
            for migration in migrations.sorted(by: { $0.version < $1.version }) {
                let checksum = migration.checksum(names)
                if let existing = applied[migration.version] {
                    guard existing == checksum else {
                        throw StoreError.invalid(
                            "migration \(migration.version) (\(migration.name)) changed after it was applied; released migrations must never change"
                        )
                    }
                    continue
                }
                for statement in migration.statements(names) {
                    try await sql.raw(SQLQueryString(statement)).run()
                }
                try await sql.raw(
                    """
                    INSERT INTO schema_migrations (version, name, checksum, applied_at)
                    VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: checksum), \(bind: Timestamp.now().millisecondsSinceEpoch))
                    """
                ).run()
                done.append(migration.version)
            }
            return done
        }
    }
}
