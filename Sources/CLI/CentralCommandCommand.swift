import ArgumentParser
import CentralCommand
import Compliance
import EvidenceCrypto
import Foundation
import Logging
import SQLStorage

/// `vigil central`: the fleet server on embedded defaults (SQLite under --data-dir) or PostgreSQL.
struct CentralCommandCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "central",
        abstract: "Run Central Command, the fleet server.",
        discussion: """
            With no --database-url everything lives under --data-dir: the SQLite database \
            (vigil.sqlite) and the server's Ed25519 signing key (server-key.pem, mode 0600). Several \
            instances may share one PostgreSQL database. Stops cleanly on SIGTERM or SIGINT.
            """)

    @Option(name: .long, help: "Data directory (created with mode 0700).")
    var dataDir = "vigil-data"

    @Option(name: .long, help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on.")
    var port = 8420

    @Option(name: .long, help: "PostgreSQL URL (postgres://user:password@host:5432/database[?sslmode=disable]).")
    var databaseURL: String?

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1–65535") }
    }

    func run() async throws {
        var logger = Logger(label: "vigil.central")
        logger.logLevel = .info
        try Output.ensureDirectory(dataDir, mode: 0o700)
        let configuration: DatabaseConfiguration
        if let databaseURL {
            do {
                configuration = .postgres(try .init(url: databaseURL))
            } catch {
                throw ValidationError("--database-url: \(error)")
            }
        } else {
            configuration = .sqlite(path: "\(dataDir)/vigil.sqlite")
        }
        let database: VigilDatabase
        do {
            database = try await VigilDatabase.open(configuration, logger: logger)
            let applied = try await database.migrate()
            logger.info(
                "database ready", metadata: ["database": "\(configuration)", "migrations_applied": "\(applied)"])
        } catch {
            throw CLIError("\(error)")
        }
        let keyPath = "\(dataDir)/server-key.pem"
        let key: SigningKey
        do {
            if FileManager.default.fileExists(atPath: keyPath) {
                key = try SigningKey(contentsOf: keyPath)
            } else {
                key = SigningKey()
                try key.write(to: keyPath)
                logger.info("created the server signing key", metadata: ["path": "\(keyPath)"])
            }
        } catch {
            await database.close()
            throw CLIError(error.description)
        }
        let services = CentralServices(
            tenancy: SQLTenancyStore(database: database), evidence: SQLEvidenceStore(database: database),
            events: SQLAuditLog(database: database), nonces: SQLNonceStore(database: database),
            enrolment: SQLEnrolmentStore(database: database),
            identity: ServerIdentity(name: "vigil.central/\(host):\(port)", key: key),
            readiness: {
                do {
                    _ = try await database.read { sql in try await sql.raw("SELECT 1").all() }
                    return (true, database.names.name)
                } catch {
                    return (false, database.names.name)
                }
            })
        logger.info(
            "Central Command listening",
            metadata: ["url": "http://\(host):\(port)", "server_key": "\(key.verifyingKey.fingerprint)"])
        do {
            try await serve(services: services, host: host, port: port, logger: logger)
        } catch {
            await database.close()
            throw CLIError("server stopped: \(error)")
        }
        await database.close()
    }
}
