import Compliance
import Foundation
import SQLStorage
import TestSupport
import Testing

@Suite struct MigratorTests {
    @Test(arguments: Backend.sqlBackends)
    func migratingTwiceAppliesNothingTheSecondTime(backend: Backend) async throws {
        try await withStores(backend) { stores in
            let database = try #require(stores.database)
            #expect(try await database.migrate().isEmpty)
        }
    }

    @Test(arguments: Backend.sqlBackends)
    func refusesAChangedMigration(backend: Backend) async throws {
        try await withStores(backend) { stores in
            let database = try #require(stores.database)
            let changed = [Migration(version: 1, name: "tampered") { _ in ["CREATE TABLE x (id INTEGER)"] }]
            await #expect(throws: StoreError.self) { try await database.migrate(changed) }
        }
    }

    @Test(arguments: Backend.sqlBackends)
    func refusesADatabaseNewerThanThisBinary(backend: Backend) async throws {
        try await withStores(backend) { stores in
            let database = try #require(stores.database)
            let newer =
                Migrations.all + [Migration(version: 99, name: "future") { _ in ["CREATE TABLE future (id INTEGER)"] }]
            #expect(try await database.migrate(newer) == [99])
            await #expect(throws: StoreError.self) { try await database.migrate(Migrations.all) }
        }
    }

    @Test(arguments: Backend.sqlBackends)
    func aFailingMigrationLeavesNothingBehind(backend: Backend) async throws {
        try await withStores(backend) { stores in
            let database = try #require(stores.database)
            let broken =
                Migrations.all + [
                    Migration(version: 99, name: "half") { _ in ["CREATE TABLE half (id INTEGER)", "NOT SQL"] }
                ]
            await #expect(throws: StoreError.self) { try await database.migrate(broken) }
            #expect(try await database.migrate(Migrations.all).isEmpty)
            await #expect(throws: StoreError.self) {
                _ = try await database.read { sql in try await sql.raw("SELECT * FROM half").all() }
            }
        }
    }

    /// Two Central Command instances starting against one PostgreSQL at once: one applies the
    /// migrations, the other waits on the advisory lock and then finds nothing to do.
    @Test(.enabled(if: Backend.postgresURL != nil))
    func concurrentMigratorsOnPostgreSQLApplyEachMigrationOnce() async throws {
        let (first, drop) = try await Stores.freshPostgresDatabase()
        let endpoint = try #require(first.postgresEndpoint)
        let second = try await VigilDatabase.open(.postgres(endpoint), logger: Stores.logger)
        async let a = first.migrate()
        async let b = second.migrate()
        let results = try await [a, b]
        #expect(results.sorted { $0.count < $1.count } == [[], Migrations.all.map(\.version)])
        await second.close()
        await first.close()
        await drop()
    }

    @Test func sqliteFileSurvivesReopening() async throws {
        let directory = try TemporaryDirectory("vigil-reopen")
        let path = directory.appending("vigil.sqlite")
        let first = try await VigilDatabase.open(.sqlite(path: path), logger: Stores.logger)
        try await first.migrate()
        try await SQLTenancyStore(database: first).create(Partner(id: try Partner.ID("p"), name: "kept"))
        await first.close()
        let second = try await VigilDatabase.open(.sqlite(path: path), logger: Stores.logger)
        #expect(try await second.migrate().isEmpty)
        #expect(try await SQLTenancyStore(database: second).partner(try Partner.ID("p"))?.name == "kept")
        await second.close()
    }

    @Test func parsesPostgresURLsAndRefusesBadOnes() throws {
        let endpoint = try DatabaseConfiguration.PostgresEndpoint(
            url: "postgres://vigil:s%40cret@127.0.0.1:5433/fleet?sslmode=disable")
        #expect(endpoint.host == "127.0.0.1")
        #expect(endpoint.port == 5433)
        #expect(endpoint.password == "s@cret")
        #expect(endpoint.database == "fleet")
        #expect(!endpoint.tls)
        #expect(!DatabaseConfiguration.postgres(endpoint).description.contains("cret"))
        for bad in ["mysql://u@h/d", "postgres://h/d", "postgres://u@h", "postgres://u@h/d?sslmode=maybe", "not a url"]
        {
            #expect(throws: StorageConfigurationError.self, "\(bad)") {
                try DatabaseConfiguration.PostgresEndpoint(url: bad)
            }
        }
    }

    @Test func unreachablePostgresIsAClearError() async throws {
        let endpoint = try DatabaseConfiguration.PostgresEndpoint(
            url: "postgres://vigil@127.0.0.1:1/none?sslmode=disable")
        await #expect(throws: StoreError.self) {
            try await VigilDatabase.open(.postgres(endpoint), logger: Stores.logger)
        }
    }
}
