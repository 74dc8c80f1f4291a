import Compliance
import Foundation
import Logging
import SQLStorage
import TestSupport

/// The backends every contract test runs against: in memory and SQLite always, PostgreSQL when
/// `VIGIL_TEST_POSTGRES_URL` names a server (`.ci/run` starts one on loopback).
enum Backend: String, CaseIterable, CustomStringConvertible, Sendable {
    case memory, sqlite, postgres

    var description: String { rawValue }

    static var postgresURL: String? {
        let value = ProcessInfo.processInfo.environment["VIGIL_TEST_POSTGRES_URL"]
        return value?.isEmpty == false ? value : nil
    }

    /// The backends available here.
    static var available: [Backend] { postgresURL == nil ? [.memory, .sqlite] : allCases }

    static var sqlBackends: [Backend] { available.filter { $0 != .memory } }
}

/// A fresh, migrated store of one backend; closed and deleted by `close()`.
struct Stores {
    let tenancy: any TenancyStore
    let evidence: any EvidenceStore
    let database: VigilDatabase?
    let cleanup: @Sendable () async -> Void

    static let logger: Logger = {
        var logger = Logger(label: "vigil.tests.storage")
        logger.logLevel = .error
        return logger
    }()

    static func open(_ backend: Backend) async throws -> Stores {
        switch backend {
        case .memory:
            let store = InMemoryStore()
            return Stores(tenancy: store, evidence: store, database: nil, cleanup: {})
        case .sqlite:
            let directory = try TemporaryDirectory("vigil-sqlite")
            let database = try await VigilDatabase.open(
                .sqlite(path: directory.appending("vigil.sqlite")), logger: logger)
            try await database.migrate()
            return Stores(
                tenancy: SQLTenancyStore(database: database), evidence: SQLEvidenceStore(database: database),
                database: database,
                cleanup: {
                    await database.close()
                    _ = directory
                })
        case .postgres:
            let (database, drop) = try await freshPostgresDatabase()
            try await database.migrate()
            return Stores(
                tenancy: SQLTenancyStore(database: database), evidence: SQLEvidenceStore(database: database),
                database: database,
                cleanup: {
                    await database.close()
                    await drop()
                })
        }
    }

    /// Creates a database of its own on the test server, so tests never see each other's rows.
    static func freshPostgresDatabase() async throws -> (VigilDatabase, @Sendable () async -> Void) {
        guard let url = Backend.postgresURL else { throw StoreError.unavailable("no VIGIL_TEST_POSTGRES_URL") }
        let admin = try await VigilDatabase.open(.postgres(try .init(url: url)), logger: logger)
        let name = "vigil_test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))"
        _ = try await admin.read { sql in try await sql.raw("CREATE DATABASE \(ident: name)").run() }
        var endpoint = try DatabaseConfiguration.PostgresEndpoint(url: url)
        endpoint.database = name
        let database = try await VigilDatabase.open(.postgres(endpoint), logger: logger)
        return (
            database,
            {
                _ = try? await admin.read { sql in
                    try await sql.raw("DROP DATABASE IF EXISTS \(ident: name) WITH (FORCE)").run()
                }
                await admin.close()
            }
        )
    }

    func close() async { await cleanup() }
}

/// Runs `body` with fresh stores of `backend`, closing them afterwards whatever happens.
func withStores(_ backend: Backend, _ body: (Stores) async throws -> Void) async throws {
    let stores = try await Stores.open(backend)
    do {
        try await body(stores)
    } catch {
        await stores.close()
        throw error
    }
    await stores.close()
}
