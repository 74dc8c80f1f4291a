public import Compliance
import Foundation
public import Logging
import NIOCore
import NIOPosix
import PostgresKit
import PostgresNIO
public import SQLKit
import SQLiteKit
import SQLiteNIO

/// Central Command's database: one embedded SQLite file or a PostgreSQL pool behind SQLKit.
///
/// All access goes through `read` and `transaction`, which classify driver errors into
/// `StoreError` in one place. SQLite has one connection guarded by a lock, so a transaction never
/// interleaves with another task's statements; PostgreSQL uses a pool and real transactions.
public final class VigilDatabase: Sendable {
    enum Backend: Sendable {
        case sqlite(SQLiteConnection, AsyncLock)
        case postgres(PostgresClient, Task<Void, Never>)
    }

    let backend: Backend
    public let names: SQLDialectNames
    let logger: Logger
    /// The server, for a PostgreSQL database (so tests and tools can open a second pool).
    public let postgresEndpoint: DatabaseConfiguration.PostgresEndpoint?

    init(
        backend: Backend, names: SQLDialectNames, logger: Logger,
        postgresEndpoint: DatabaseConfiguration.PostgresEndpoint? = nil
    ) {
        self.backend = backend
        self.names = names
        self.logger = logger
        self.postgresEndpoint = postgresEndpoint
    }

    /// Opens the database (creating the SQLite file if needed). Call `migrate()` next.
    public static func open(_ configuration: DatabaseConfiguration, logger: Logger) async throws(StoreError)
        -> VigilDatabase
    {
        switch configuration {
        case .sqlite(let path):
            do {
                let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
                let sql = connection.sql(queryLogLevel: nil)
                // WAL for concurrent readers; FULL sync so a committed row survives power loss;
                // foreign keys so a child can never outlive or precede its parent.
                for pragma in [
                    "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON",
                    "PRAGMA busy_timeout = 10000",
                ] {
                    try await sql.raw(SQLQueryString(pragma)).run()
                }
                return VigilDatabase(backend: .sqlite(connection, AsyncLock()), names: .sqlite, logger: logger)
            } catch {
                throw .unavailable("cannot open SQLite database \(path): \(error)")
            }
        case .postgres(let endpoint):
            var settings = PostgresClient.Configuration(
                host: endpoint.host, port: endpoint.port, username: endpoint.username, password: endpoint.password,
                database: endpoint.database, tls: endpoint.tls ? .require(.makeClientConfiguration()) : .disable)
            settings.options.maximumConnections = 16
            settings.options.connectTimeout = .seconds(5)
            let client = PostgresClient(configuration: settings, backgroundLogger: logger)
            let runner = Task { await client.run() }
            let database = VigilDatabase(
                backend: .postgres(client, runner), names: .postgres, logger: logger, postgresEndpoint: endpoint)
            do {
                // The pool retries unreachable servers forever; the first query gets a deadline so
                // a wrong URL is an error at start-up, not a hang.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { _ = try await database.read { sql in try await sql.raw("SELECT 1").all() } }
                    group.addTask {
                        try await Task.sleep(for: .seconds(10))
                        throw StoreError.unavailable("no answer within 10 s")
                    }
                    try await group.next()
                    group.cancelAll()
                }
            } catch {
                await database.close()
                throw .unavailable("cannot reach PostgreSQL at \(configuration): \(error)")
            }
            return database
        }
    }

    /// Closes connections; the database must not be used afterwards.
    public func close() async {
        switch backend {
        case .sqlite(let connection, _): try? await connection.close()
        case .postgres(_, let runner):
            runner.cancel()
            await runner.value
        }
    }

    /// Runs `body` outside a transaction.
    public func read<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws(StoreError) -> T {
        do {
            switch backend {
            case .sqlite(let connection, let lock):
                return try await lock.withLock { try await body(connection.sql(queryLogLevel: nil)) }
            case .postgres(let client, _):
                return try await client.withConnection { connection in
                    try await body(connection.sql(queryLogLevel: nil))
                }
            }
        } catch {
            throw Self.classify(error)
        }
    }

    /// Runs `body`, whose every statement commits on its own (autocommit): for writes that are a
    /// single statement, where a transaction would only add BEGIN and COMMIT round trips.
    public func autocommit<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws(StoreError) -> T {
        try await read(body)
    }

    /// Runs `body` in one transaction: everything or nothing.
    public func transaction<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws(StoreError) -> T {
        do {
            switch backend {
            case .sqlite(let connection, let lock):
                return try await lock.withLock {
                    let sql = connection.sql(queryLogLevel: nil)
                    try await sql.raw("BEGIN IMMEDIATE").run()
                    do {
                        let result = try await body(sql)
                        try await sql.raw("COMMIT").run()
                        return result
                    } catch {
                        try? await sql.raw("ROLLBACK").run()
                        throw error
                    }
                }
            case .postgres(let client, _):
                return try await client.withTransaction(logger: logger) { connection in
                    try await body(connection.sql(queryLogLevel: nil))
                }
            }
        } catch {
            throw Self.classify(error)
        }
    }

    /// One place that turns driver errors into domain errors.
    /// ` FOR UPDATE` on PostgreSQL, to lock the rows a transaction reads; nothing on SQLite,
    /// whose write transactions (`BEGIN IMMEDIATE` under one lock) run one at a time anyway.
    var forUpdate: String {
        if case .postgres = backend { " FOR UPDATE" } else { "" }
    }

    static func classify(_ error: any Error) -> StoreError {
        if let storeError = error as? StoreError { return storeError }
        if let transaction = error as? PostgresTransactionError {
            return classify(
                transaction.closureError ?? transaction.beginError ?? transaction.commitError ?? transaction)
        }
        if let postgres = error as? PSQLError {
            let state = postgres.serverInfo?[.sqlState] ?? ""
            let message = postgres.serverInfo?[.message] ?? "\(postgres.code)"
            switch state {
            case "23505": return .conflict(message)
            case "23503": return .notFound(message)
            case "23502", "23514", "22001", "22P02": return .invalid(message)
            default: return .unavailable(message)
            }
        }
        if let sqlite = error as? SQLiteError {
            let message = sqlite.message
            if message.contains("UNIQUE constraint failed") || message.contains("PRIMARY KEY") {
                return .conflict(message)
            }
            if message.contains("FOREIGN KEY constraint failed") { return .notFound(message) }
            if message.contains("NOT NULL constraint failed") || message.contains("CHECK constraint failed") {
                return .invalid(message)
            }
            return .unavailable(message)
        }
        return .unavailable(String(describing: error))
    }
}

/// The spelling differences between SQLite and PostgreSQL: the only place they live.
public struct SQLDialectNames: Sendable {
    /// Column type for raw bytes.
    public let bytes: String
    /// Column definition for an auto-incrementing 64-bit primary key.
    public let serialPrimaryKey: String
    public let name: String

    static let sqlite = SQLDialectNames(
        bytes: "BLOB", serialPrimaryKey: "INTEGER PRIMARY KEY AUTOINCREMENT", name: "sqlite")
    static let postgres = SQLDialectNames(
        bytes: "BYTEA", serialPrimaryKey: "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", name: "postgres")
}
