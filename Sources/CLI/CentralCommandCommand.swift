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

/// Where Central Command's data lives; shared by every `vigil central` subcommand. Each setting
/// may also come from `VIGIL_<NAME>` or the configuration file (see `Settings`).
struct CentralDataOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file of name = value lines (default: $VIGIL_CONFIG).")
    var config: String?

    @Option(name: .long, help: "Data directory, created with mode 0700 (default: vigil-data).")
    var dataDir: String?

    @Option(name: .long, help: "PostgreSQL URL (postgres://user:password@host:5432/database[?sslmode=disable]).")
    var databaseURL: String?

    @Option(name: .long, help: "bcrypt cost for operator passwords, 4–31 (default: 12).")
    var bcryptCost: Int?

    /// Every data setting after flags, environment, file and defaults, with the environment and
    /// file read once.
    struct Resolved {
        var settings: Settings
        var dataDir: String
        var database: DatabaseConfiguration
        var policy: AccountPolicy

        /// The AES-GCM key that seals TOTP secrets and target credentials; `VIGIL_SECRET_KEY`
        /// (base64) overrides it. Instances sharing one PostgreSQL must share this key.
        var secretKeyPath: String { "\(dataDir)/secret.key" }
        var serverKeyPath: String { "\(dataDir)/server-key.pem" }

        /// Opens and migrates the database.
        func open(logger: Logger) async throws -> VigilDatabase {
            try Output.ensureDirectory(dataDir, mode: 0o700)
            do {
                let opened = try await VigilDatabase.open(database, logger: logger)
                let applied = try await opened.migrate()
                logger.info(
                    "database ready", metadata: ["database": "\(database)", "migrations_applied": "\(applied)"])
                // Evidence stored before the current-state tables existed is read once (ADR 0018).
                let derived = try await SQLEvidenceStore(database: opened).backfillCheckStates()
                if derived > 0 {
                    logger.info("current check states derived", metadata: ["bundles": "\(derived)"])
                }
                return opened
            } catch {
                throw CLIError("\(error)")
            }
        }
    }

    func resolve() throws -> Resolved {
        let settings = try Settings(configPath: config, environment: ProcessInfo.processInfo.environment)
        let dataDir = dataDir ?? settings.string("data-dir")?.value ?? "vigil-data"
        var database = DatabaseConfiguration.sqlite(path: "\(dataDir)/vigil.sqlite")
        if let url = databaseURL ?? settings.string("database-url")?.value {
            do {
                database = .postgres(try .init(url: url))
            } catch {
                throw ValidationError("database URL: \(error)")
            }
        }
        let cost = try bcryptCost ?? settings.int("bcrypt-cost") ?? 12
        guard (4...31).contains(cost) else { throw ValidationError("bcrypt cost must be 4–31") }
        var policy = AccountPolicy()
        policy.bcryptCost = UInt8(cost)
        return Resolved(settings: settings, dataDir: dataDir, database: database, policy: policy)
    }

    func validate() throws { _ = try resolve() }
}

/// `vigil central bootstrap`: creates the platform administrator and prints a one-time password
/// (and, with `--api-key`, a platform API key for scripts and the admin CLI).
struct CentralBootstrap: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bootstrap",
        abstract: "Create the platform administrator (its password is printed once; only a bcrypt hash is stored).",
        discussion: """
            Refuses when a platform administrator exists already. There are no default passwords: \
            log in with the printed one and change it (POST /api/v1/auth/password).
            """)

    @OptionGroup var data: CentralDataOptions

    @Option(name: .long, help: "The administrator's e-mail address (the login name).")
    var email = "admin@localhost"

    @Flag(name: .long, help: "Also create a platform API key (printed once; only its hash is stored).")
    var apiKey = false

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    struct Result: Encodable {
        var user: UserInfo
        var password: String
        var apiKey: APIKeyCreated?

        enum CodingKeys: String, CodingKey {
            case user, password
            case apiKey = "api_key"
        }
    }

    func validate() throws {
        do {
            _ = try User.normalizedEmail(email)
        } catch {
            throw ValidationError("--email: \(error.description)")
        }
    }

    func run() async throws {
        var logger = Logger(label: "vigil.central")
        logger.logLevel = .warning
        let resolved = try data.resolve()
        let database = try await resolved.open(logger: logger)
        let result: Result
        do {
            result = try await Self.bootstrap(database, resolved, email: email, apiKey: apiKey)
        } catch {
            await database.close()
            throw error
        }
        await database.close()
        if json {
            try Output.printJSON(result)
        } else {
            print(
                "Platform administrator \(result.user.email) created. Its password is shown once; log in and change it:"
            )
            print(result.password)
            if let key = result.apiKey {
                print("Platform API key \(key.id) created. It is shown once; store it safely:")
                print(key.token)
            }
        }
    }

    static func bootstrap(
        _ database: VigilDatabase, _ resolved: CentralDataOptions.Resolved, email: String, apiKey: Bool
    ) async throws -> Result {
        let accounts = SQLAccountStore(database: database)
        do {
            guard try await !accounts.hasPlatformAdmin() else {
                throw CLIError("a platform administrator exists already; bootstrap runs once")
            }
            let secrets = try SecretBox.load(
                path: resolved.secretKeyPath, environment: ProcessInfo.processInfo.environment)
            let service = AccountService(
                store: accounts, audit: SQLAuditLog(database: database), secrets: secrets,
                policy: resolved.policy, clock: { Timestamp.now() })
            let created = try await service.createUser(
                by: .platform, actor: "system:bootstrap", email: email, displayName: "Platform administrator",
                role: .admin, partner: nil)
            var result = Result(user: UserInfo(created.user), password: created.password)
            if apiKey {
                let (token, key) = APIKeyTokens.generate(partner: nil, name: "platform operator", at: Timestamp.now())
                try await SQLAPIKeyStore(database: database).create(key)
                result.apiKey = APIKeyCreated(id: key.id.rawValue, partnerID: nil, name: key.name, token: token)
            }
            return result
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("\(error)")
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

    @Option(name: .long, help: "Address to listen on (default: 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port to listen on (default: 8420).")
    var port: Int?

    @Flag(name: .long, help: "Send the session cookie without `Secure` (plain HTTP on loopback only).")
    var insecureCookies = false

    @Option(name: .long, help: "Seconds hot reads (appliances, site snapshots) may be cached, 0 = off (default: 5).")
    var cacheSeconds: Int?

    @Flag(name: .long, help: "Serve /metrics only to the platform operator (API key or session).")
    var privateMetrics = false

    @Option(name: .long, help: "Log format: text or json, one JSON object per line (default: text).")
    var logFormat: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (default: info).")
    var logLevel: String?

    /// Every serve setting after flags, environment, file and defaults.
    struct Effective {
        var host: String
        var port: Int
        var insecureCookies: Bool
        var cacheSeconds: Int
        var privateMetrics: Bool
        var logFormat: String
        var logLevel: Logger.Level
    }

    func effective(_ settings: Settings) throws -> Effective {
        let effective = Effective(
            host: host ?? settings.string("host")?.value ?? "127.0.0.1",
            port: try port ?? settings.int("port") ?? 8420,
            insecureCookies: try insecureCookies || (settings.bool("insecure-cookies") ?? false),
            cacheSeconds: try cacheSeconds ?? settings.int("cache-seconds") ?? 5,
            privateMetrics: try privateMetrics || (settings.bool("private-metrics") ?? false),
            logFormat: logFormat ?? settings.string("log-format")?.value ?? "text",
            logLevel: try Self.level(logLevel ?? settings.string("log-level")?.value ?? "info"))
        guard (1...65535).contains(effective.port) else { throw ValidationError("port must be 1–65535") }
        guard (0...300).contains(effective.cacheSeconds) else { throw ValidationError("cache seconds must be 0–300") }
        guard ["text", "json"].contains(effective.logFormat) else {
            throw ValidationError("log format must be text or json")
        }
        return effective
    }

    static func level(_ text: String) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: text) else {
            throw ValidationError("log level must be one of trace, debug, info, notice, warning, error, critical")
        }
        return level
    }

    func validate() throws { _ = try effective(data.resolve().settings) }

    func run() async throws {
        let resolved = try data.resolve()
        let settings = try effective(resolved.settings)
        let level = settings.logLevel
        let host = settings.host
        let port = settings.port
        let logger = Logs.make("vigil.central", level: level, format: settings.logFormat)
        let (services, database) = try await Self.services(
            resolved, host: host, port: port, insecureCookies: settings.insecureCookies,
            cacheSeconds: settings.cacheSeconds, privateMetrics: settings.privateMetrics, logger: logger)
        let key = services.identity.key
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

    /// The address links in e-mail use (`public-url`, default the listening address) and the
    /// mailer (`smtp-*`; without `smtp-host` the portal says e-mail is not configured).
    static func mail(_ settings: Settings, host: String, port: Int) throws -> (String, any Mailer) {
        var publicURL = settings.string("public-url")?.value ?? "http://\(host):\(port)"
        while publicURL.hasSuffix("/") { publicURL.removeLast() }
        guard let url = URL(string: publicURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil,
            url.query == nil, url.fragment == nil
        else { throw ValidationError("public-url must be an http(s) URL such as https://vigil.msp.example") }
        guard let smtpHost = settings.string("smtp-host")?.value else { return (publicURL, UnconfiguredMailer()) }
        let securityText = settings.string("smtp-security")?.value ?? "starttls"
        guard let security = SMTPSettings.Security(rawValue: securityText) else {
            throw ValidationError("smtp-security must be starttls, tls or none")
        }
        guard let from = settings.string("smtp-from")?.value else {
            throw ValidationError("smtp-host needs smtp-from, the sender address")
        }
        let smtp = SMTPSettings(
            host: smtpHost, port: try settings.int("smtp-port") ?? (security == .tls ? 465 : 587), security: security,
            username: settings.string("smtp-username")?.value, password: settings.string("smtp-password")?.value,
            from: from, caFile: settings.string("smtp-ca-file")?.value)
        do {
            return (publicURL, try SMTPMailer(settings: smtp))
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// Opens the database and the server key (creating it on the first run) and builds the
    /// services `serve` runs; the caller closes the database when the server stops.
    static func services(
        _ resolved: CentralDataOptions.Resolved, host: String, port: Int, insecureCookies: Bool, cacheSeconds: Int,
        privateMetrics: Bool, logger: Logger, warnWithoutAdministrator: Bool = true
    ) async throws -> (CentralServices, VigilDatabase) {
        let database = try await resolved.open(logger: logger)
        let keyPath = resolved.serverKeyPath
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
        let secrets: SecretBox
        var policy: AccountPolicy
        do {
            secrets = try SecretBox.load(path: resolved.secretKeyPath, environment: ProcessInfo.processInfo.environment)
            policy = resolved.policy
            policy.secureCookies = !insecureCookies
            if warnWithoutAdministrator, try await !SQLAccountStore(database: database).hasPlatformAdmin() {
                logger.warning("no platform administrator yet: run `vigil central bootstrap` to create one")
            }
        } catch {
            await database.close()
            throw CLIError("\(error)")
        }
        var services = CentralServices(
            tenancy: SQLTenancyStore(database: database), evidence: SQLEvidenceStore(database: database),
            events: SQLAuditLog(database: database), nonces: SQLNonceStore(database: database),
            enrolment: SQLEnrolmentStore(database: database), apiKeys: SQLAPIKeyStore(database: database),
            accounts: SQLAccountStore(database: database), fleet: SQLFleetStore(database: database),
            checkpoints: SQLCheckpointStore(database: database), incidents: SQLIncidentStore(database: database),
            learning: SQLLearningStore(database: database), overview: SQLFleetOverview(database: database),
            portal: SQLPortalStore(database: database), branding: SQLPortalStore(database: database), secrets: secrets,
            accountPolicy: policy,
            identity: ServerIdentity(name: "vigil.central/\(host):\(port)", key: key),
            readiness: {
                do {
                    _ = try await database.read { sql in try await sql.raw("SELECT 1").all() }
                    return (true, database.names.name)
                } catch {
                    return (false, database.names.name)
                }
            })
        services.cacheSeconds = Int64(cacheSeconds)
        services.metricsPublic = !privateMetrics
        services.logger = logger
        do {
            (services.publicURL, services.mailer) = try mail(resolved.settings, host: host, port: port)
        } catch {
            await database.close()
            throw error
        }
        return (services, database)
    }
}
