import Appliance
import ArgumentParser
import CentralCommand
import Compliance
import Foundation
import Healing
import Logging
import SQLStorage

/// `vigil appliance`: the on-site daemon (`run`, the default) and its maintenance commands.
struct ApplianceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appliance",
        abstract: "The on-site appliance: the daemon (default) and its maintenance commands.",
        subcommands: [ApplianceRun.self, ApplianceForgetHostKey.self], defaultSubcommand: ApplianceRun.self)
}

/// `vigil appliance [run]`: the on-site daemon.
struct ApplianceRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the on-site appliance: check in, run orders, scan, record and upload evidence.",
        discussion: """
            Settings come from --config FILE (or VIGIL_CONFIG), one `name = value` per line, and from \
            VIGIL_<NAME> in the environment, which wins over the file; docs/CONFIGURATION.md lists them. \
            The first run enrols with the claim code (claim-code or VIGIL_CLAIM_CODE) and writes the \
            appliance's key (mode 0600) under data-dir. Pull-only: it listens on no port. Stops \
            cleanly on SIGTERM or SIGINT. `vigil appliance forget-host-key` accepts a re-keyed host.
            """)

    /// The L2 planner from `l2-*` settings; nil without `l2-provider`.
    static func l2(_ settings: Settings) throws -> L2Configuration? {
        guard let provider = settings.string("l2-provider") else { return nil }
        guard let urlText = settings.string("l2-url"), let url = URL(string: urlText.value),
            ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil
        else { throw ValidationError("l2-provider needs l2-url, an http or https URL") }
        guard let model = settings.string("l2-model")?.value, !model.isEmpty else {
            throw ValidationError("l2-provider needs l2-model")
        }
        var key: String?
        if let file = settings.string("l2-api-key-file") {
            guard let data = FileManager.default.contents(atPath: file.value),
                let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
                !text.isEmpty
            else { throw ValidationError("\(file.source): l2-api-key-file \(file.value) cannot be read or is empty") }
            key = text
        }
        var configuration: L2Configuration
        switch provider.value {
        case "openai": configuration = L2Configuration(provider: .openAI(baseURL: url, model: model, apiKey: key))
        case "anthropic":
            guard let key else { throw ValidationError("l2-provider anthropic needs l2-api-key-file") }
            configuration = L2Configuration(provider: .anthropic(baseURL: url, model: model, apiKey: key))
        default: throw ValidationError("\(provider.source): l2-provider must be openai or anthropic")
        }
        configuration.timeoutSeconds = try settings.double("l2-timeout") ?? configuration.timeoutSeconds
        configuration.dailyBudget = try settings.int("l2-daily-budget") ?? configuration.dailyBudget
        configuration.confidenceThreshold = try settings.double("l2-confidence") ?? configuration.confidenceThreshold
        guard (1...600).contains(configuration.timeoutSeconds) else {
            throw ValidationError("l2-timeout must be 1–600 s")
        }
        guard configuration.dailyBudget >= 0 else { throw ValidationError("l2-daily-budget must be 0 or more") }
        guard (0...1).contains(configuration.confidenceThreshold) else {
            throw ValidationError("l2-confidence must be between 0 and 1")
        }
        return configuration
    }

    static let known: [String] = [
        "server-url", "data-dir", "claim-code", "time-servers", "scan-interval", "patch-interval", "scan-concurrency",
        "scan-timeout", "retention-days", "deployment-mode", "reseller", "allowed-ports", "max-auth-tries",
        "password-max-days", "host-min-free", "clamav-max-age-days", "backup-max-age-hours", "disk-min-free",
        "log-level", "log-format", "exit-after", "syslog-url", "syslog-ca-file", "webhook-url", "webhook-secret",
        "firewall-baseline", "luks-volumes", "critical-services", "restic-repository", "restic-password-file",
        "restic-check-interval", "syslog-file", "software-sha256", "runbook-dir", "rules-file", "l2-provider", "l2-url",
        "l2-model", "l2-api-key-file",
        "l2-timeout", "l2-daily-budget", "l2-confidence",
    ]

    @Option(name: .long, help: "Configuration file (name = value lines).")
    var config: String?

    @Option(name: .long, help: "Stop after this many seconds (tests and demos).")
    var exitAfter: Double?

    func validate() throws {
        _ = try Self.configuration(path: config, environment: ProcessInfo.processInfo.environment)
    }

    /// The daemon's configuration from a file and the environment, every value checked.
    static func configuration(path: String?, environment: [String: String]) throws -> (
        ApplianceConfiguration, Logger.Level, String
    ) {
        let settings = try Settings(configPath: path, environment: environment, known: known)
        guard let urlText = settings.string("server-url")?.value, let url = URL(string: urlText) else {
            throw ValidationError("server-url is required (Central Command's URL, e.g. https://vigil.example.net)")
        }
        var configuration = ApplianceConfiguration(
            serverURL: url, dataDirectory: settings.string("data-dir")?.value ?? "/var/lib/vigil")
        configuration.claimCode = settings.string("claim-code")?.value
        if let servers = settings.list("time-servers") {
            configuration.timeSources = try servers.map { try timeSource($0) }
        }
        configuration.scanIntervalSeconds = try settings.int("scan-interval") ?? configuration.scanIntervalSeconds
        configuration.patchIntervalSeconds = try settings.int("patch-interval") ?? configuration.patchIntervalSeconds
        configuration.scanConcurrency = try settings.int("scan-concurrency") ?? configuration.scanConcurrency
        configuration.scanTimeoutSeconds = try settings.int("scan-timeout") ?? configuration.scanTimeoutSeconds
        configuration.retentionDays = try settings.int("retention-days") ?? configuration.retentionDays
        if let mode = settings.string("deployment-mode") {
            guard let parsed = DeploymentMode(rawValue: mode.value) else {
                throw ValidationError("\(mode.source): deployment-mode must be direct or reseller")
            }
            configuration.deploymentMode = parsed
        }
        configuration.reseller = settings.string("reseller")?.value
        configuration.syslogURL = settings.string("syslog-url")?.value
        configuration.syslogCAFile = settings.string("syslog-ca-file")?.value
        configuration.runbookDirectory = settings.string("runbook-dir")?.value
        configuration.rulesFile = settings.string("rules-file")?.value
        configuration.l2 = try Self.l2(settings)
        if let webhook = settings.string("webhook-url") {
            guard let url = URL(string: webhook.value) else {
                throw ValidationError("\(webhook.source): webhook-url is not a URL")
            }
            configuration.webhookURL = url
        }
        configuration.webhookSecret = settings.string("webhook-secret")?.value
        if let ports = settings.list("allowed-ports") {
            configuration.linuxPolicy.allowedPorts = Set(
                try ports.map { text in
                    guard let port = Int(text), (1...65535).contains(port) else {
                        throw ValidationError("allowed-ports: \(String(reflecting: text)) is not a port 1–65535")
                    }
                    return port
                })
        }
        var policy = configuration.linuxPolicy
        policy.maximumAuthTries = try settings.int("max-auth-tries") ?? policy.maximumAuthTries
        policy.passwordMaximumDays = try settings.int("password-max-days") ?? policy.passwordMaximumDays
        policy.minimumFreePercent = try settings.double("host-min-free") ?? policy.minimumFreePercent
        policy.clamavMaximumAgeDays = try settings.double("clamav-max-age-days") ?? policy.clamavMaximumAgeDays
        policy.backupMaximumAgeHours = try settings.double("backup-max-age-hours") ?? policy.backupMaximumAgeHours
        configuration.linuxPolicy = policy
        configuration.diskMinimumFreePercent =
            try settings.double("disk-min-free") ?? configuration.diskMinimumFreePercent
        configuration.exitAfterSeconds = try settings.double("exit-after")
        var checks = configuration.selfChecks
        checks.firewallBaseline = try settings.string("firewall-baseline").map {
            try sha256Hex($0, "firewall-baseline")
        }
        checks.softwareSHA256 = try settings.string("software-sha256").map { try sha256Hex($0, "software-sha256") }
        checks.luksVolumes = settings.list("luks-volumes") ?? []
        checks.criticalServices = settings.list("critical-services") ?? []
        checks.resticRepository = settings.string("restic-repository")?.value
        checks.resticPasswordFile = settings.string("restic-password-file")?.value
        checks.backupMaximumAgeHours = policy.backupMaximumAgeHours
        checks.resticCheckIntervalSeconds =
            try settings.double("restic-check-interval") ?? checks.resticCheckIntervalSeconds
        checks.syslogFile = settings.string("syslog-file")?.value ?? checks.syslogFile
        configuration.selfChecks = checks
        if let problem = configuration.problem { throw ValidationError(problem) }
        let level = try CentralServe.level(settings.string("log-level")?.value ?? "info")
        let format = settings.string("log-format")?.value ?? "text"
        guard ["text", "json"].contains(format) else { throw ValidationError("log-format must be text or json") }
        return (configuration, level, format)
    }

    /// 64 hex digits.
    static func sha256Hex(_ setting: (value: String, source: String), _ name: String) throws -> String {
        let value = setting.value.lowercased()
        guard value.count == 64, value.allSatisfy(\.isHexDigit) else {
            throw ValidationError("\(setting.source): \(name) must be 64 hex digits (a SHA-256)")
        }
        return value
    }

    /// `host` or `host:port`.
    static func timeSource(_ text: String) throws -> TimeSource {
        let parts = text.split(separator: ":")
        guard parts.count == 1 || parts.count == 2, !parts[0].isEmpty else {
            throw ValidationError("time-servers: \(String(reflecting: text)) must be host or host:port")
        }
        guard parts.count == 2 else { return TimeSource(host: text) }
        guard let port = Int(parts[1]), (1...65535).contains(port) else {
            throw ValidationError("time-servers: \(String(reflecting: text)) has a bad port")
        }
        return TimeSource(host: String(parts[0]), port: port)
    }

    func run() async throws {
        var (configuration, level, format) = try Self.configuration(
            path: config, environment: ProcessInfo.processInfo.environment)
        if let exitAfter { configuration.exitAfterSeconds = exitAfter }
        let logger = Logs.make("vigil.appliance", level: level, format: format)
        let daemon: ApplianceDaemon
        do {
            daemon = try await ApplianceDaemon.start(
                configuration, softwareRevision: "vigil \(VigilVersion.current)", logger: logger)
        } catch {
            throw CLIError(error.description)
        }
        try await StopSignals.run { await daemon.run() }
    }
}

/// Loggers of the long-running commands: text, or one JSON object per line.
enum Logs {
    static func make(_ label: String, level: Logger.Level, format: String) -> Logger {
        var logger =
            format == "json"
            ? Logger(label: label) { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            } : Logger(label: label)
        logger.logLevel = level
        return logger
    }
}

/// Runs `body` until it returns or SIGINT / SIGTERM arrives, then cancels it and waits for it
/// to finish cleanly.
enum StopSignals {
    static func run(_ body: @escaping @Sendable () async -> Void) async throws {
        let work = Task { await body() }
        let sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { work.cancel() }
            source.resume()
            return source
        }
        await work.value
        for source in sources { source.cancel() }
    }
}

/// `vigil appliance forget-host-key`: accept a host's new SSH key. The appliance pins each host's
/// key on first use and refuses a host that presents another; once an operator has confirmed the
/// host was re-keyed (not impersonated), this drops the pin so the next scan pins the new key.
struct ApplianceForgetHostKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget-host-key",
        abstract:
            "Drop the pinned SSH key of a host (after confirming it was re-keyed); the next scan pins its new key.")

    @Option(name: .long, help: "The appliance's configuration file (for data-dir).")
    var config: String?

    @Option(name: .long, help: "The host's ID (as Central Command shows it).")
    var host: String

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        guard (try? ManagedHost.ID(host)) != nil else {
            throw ValidationError("--host must be a host ID (1–128 of A–Z a–z 0–9 . _ : -)")
        }
    }

    func run() async throws {
        let (configuration, _, _) = try ApplianceRun.configuration(
            path: config, environment: ProcessInfo.processInfo.environment)
        let path = ApplianceEnrolment.databasePath(in: configuration.dataDirectory)
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError("no appliance database at \(path): is data-dir right?")
        }
        var logger = Logger(label: "vigil.appliance")
        logger.logLevel = .error
        let hostID = try ManagedHost.ID(host)
        let pinned: String?
        do {
            let database = try await SQLOutbox.openApplianceDatabase(path: path, logger: logger)
            let pins = SQLHostKeyPins(database: database)
            do {
                pinned = try await pins.pinnedKey(of: hostID)
                try await pins.clear(hostID)
            } catch {
                await database.close()
                throw error
            }
            await database.close()
        } catch {
            throw CLIError("\(error)")
        }
        if json {
            try Output.printJSON(["host": host, "forgotten": pinned == nil ? "none" : "pinned key"])
        } else if pinned == nil {
            print("Host \(host) had no pinned key; nothing to forget.")
        } else {
            print("Forgot the pinned key of \(host); the next scan pins the key it presents.")
        }
    }
}
