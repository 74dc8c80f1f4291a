import ArgumentParser
import CentralCommand
import Compliance
import EvidenceCrypto
import Foundation
import Logging
import SQLStorage
import VigilAPI

/// `vigil central`: the fleet server (`serve`, the default) and its administration.
struct CentralCommandCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "central",
        abstract: "Central Command, the fleet server.",
        subcommands: [CentralServe.self, CentralBootstrap.self],
        defaultSubcommand: CentralServe.self)
}

/// Where Central Command's data lives; shared by every `vigil central` subcommand.
struct CentralDataOptions: ParsableArguments {
    @Option(name: .long, help: "Data directory (created with mode 0700).")
    var dataDir = "vigil-data"

    @Option(name: .long, help: "PostgreSQL URL (postgres://user:password@host:5432/database[?sslmode=disable]).")
    var databaseURL: String?

    func configuration() throws -> DatabaseConfiguration {
        guard let databaseURL else { return .sqlite(path: "\(dataDir)/vigil.sqlite") }
        do {
            return .postgres(try .init(url: databaseURL))
        } catch {
            throw ValidationError("--database-url: \(error)")
        }
    }

    func validate() throws { _ = try configuration() }

    /// Opens and migrates the database.
    func open(logger: Logger) async throws -> VigilDatabase {
        try Output.ensureDirectory(dataDir, mode: 0o700)
        let configuration = try configuration()
        do {
            let database = try await VigilDatabase.open(configuration, logger: logger)
            let applied = try await database.migrate()
            logger.info(
                "database ready", metadata: ["database": "\(configuration)", "migrations_applied": "\(applied)"])
            return database
        } catch {
            throw CLIError("\(error)")
        }
    }
}

/// `vigil central bootstrap`: creates a platform API key and prints it once.
struct CentralBootstrap: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bootstrap",
        abstract: "Create a platform operator API key (printed once; only its hash is stored).")

    @OptionGroup var data: CentralDataOptions

    @Option(name: .long, help: "A name for the key, shown in key lists.")
    var name = "platform operator"

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        var logger = Logger(label: "vigil.central")
        logger.logLevel = .warning
        let database = try await data.open(logger: logger)
        let (token, key) = APIKeyTokens.generate(partner: nil, name: name, at: Timestamp.now())
        do {
            try await SQLAPIKeyStore(database: database).create(key)
        } catch {
            await database.close()
            throw CLIError(error.description)
        }
        await database.close()
        if json {
            try Output.printJSON(APIKeyCreated(id: key.id.rawValue, partnerID: nil, name: key.name, token: token))
        } else {
            print("Platform API key \(key.id) created. It is shown once; store it safely:")
            print(token)
        }
    }
}

/// `vigil central [serve]`: the fleet server on embedded defaults (SQLite under --data-dir) or PostgreSQL.
struct CentralServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run Central Command, the fleet server.",
        discussion: """
            With no --database-url everything lives under --data-dir: the SQLite database \
            (vigil.sqlite) and the server's Ed25519 signing key (server-key.pem, mode 0600). Several \
            instances may share one PostgreSQL database. Stops cleanly on SIGTERM or SIGINT.
            """)

    @OptionGroup var data: CentralDataOptions

    @Option(name: .long, help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on.")
    var port = 8420

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1–65535") }
    }

    func run() async throws {
        var logger = Logger(label: "vigil.central")
        logger.logLevel = .info
        let database = try await data.open(logger: logger)
        let keyPath = "\(data.dataDir)/server-key.pem"
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
            enrolment: SQLEnrolmentStore(database: database), apiKeys: SQLAPIKeyStore(database: database),
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
