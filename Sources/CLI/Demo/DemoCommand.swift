import Appliance
import ArgumentParser
public import CentralClient
import CentralCommand
import Compliance
import EvidenceCrypto
import Foundation
public import LabHosts
import Logging
import SQLStorage
import VigilAPI

/// `vigil demo`: Central Command, an enrolled appliance and demo Linux hosts in one process.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run Vigil end to end on this machine: Central Command, an appliance, and demo Linux hosts.",
        discussion: """
            Starts Central Command on 127.0.0.1 (SQLite under --data-dir), creates a demo partner, \
            practice, site and operator, enrols an appliance and runs it against this machine and \
            against demo Linux hosts: real sshd processes on loopback ports, each with its own \
            configuration and deliberate drift (needs OpenSSH server: apt-get install openssh-server, \
            and root for the private mount namespaces). Writes DIR/demo.json with url, username, \
            password, api_key and site_id. Stops cleanly on Ctrl-C or after --exit-after seconds. \
            A data directory from an earlier demo is replaced; any other non-empty directory is refused.
            """)

    @Option(name: .long, help: "Directory for the demo's data (default: vigil-demo).")
    var dataDir = "vigil-demo"

    @Option(name: .long, help: "Port for Central Command on 127.0.0.1 (default: 8420).")
    var port = 8420

    @Option(name: .long, help: "Stop after this many seconds.")
    var exitAfter: Double?

    @Option(name: .long, help: "Seconds between scans (default: 60).")
    var scanInterval = 60

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1–65535") }
        if let exitAfter, exitAfter <= 0 { throw ValidationError("--exit-after must be positive") }
        guard scanInterval >= 10 else { throw ValidationError("--scan-interval must be at least 10 seconds") }
    }

    /// What scripts read from `demo.json`.
    struct DemoFile: Codable {
        var url: String
        var username: String
        var password: String
        var apiKey: String
        var siteID: String
        var applianceID: String
        var hosts: [String]
        /// The practice contact who can log in to the client portal (`/portal/login`).
        var portalContact: String

        enum CodingKeys: String, CodingKey {
            case url, username, password, hosts
            case apiKey = "api_key"
            case siteID = "site_id"
            case applianceID = "appliance_id"
            case portalContact = "portal_contact"
        }
    }

    func run() async throws {
        let root = URL(fileURLWithPath: dataDir).standardizedFileURL.path
        guard ServerPorts.isFree(port) else {
            throw CLIError("port \(port) on 127.0.0.1 is in use (another demo?); choose another with --port")
        }
        try Self.prepare(root)
        var quiet = Logger(label: "vigil.central")
        quiet.logLevel = .warning
        var policy = AccountPolicy()
        policy.bcryptCost = 10
        let resolved = CentralDataOptions.Resolved(
            settings: try Settings(configPath: nil, environment: [:]), dataDir: root + "/central",
            database: .sqlite(path: root + "/central/vigil.sqlite"), policy: policy)
        let host = "127.0.0.1"
        var (services, database) = try await CentralServe.services(
            resolved, host: host, port: port, insecureCookies: true, cacheSeconds: 5, privateMetrics: false,
            logger: quiet, warnWithoutAdministrator: false)
        // Demo mode: login links for the client portal are printed here instead of sent.
        var mailLog = Logger(label: "vigil.mail")
        mailLog.logLevel = .notice
        services.mailer = LogMailer(logger: mailLog)
        let admin: CentralBootstrap.Result
        do {
            admin = try await CentralBootstrap.bootstrap(database, resolved, email: "admin@demo.vigil", apiKey: true)
        } catch {
            await database.close()
            throw error
        }
        guard let apiKey = admin.apiKey?.token else {
            await database.close()
            throw CLIError("bootstrap made no API key")
        }
        let server = RunningServer(services: services, host: host, port: port, logger: quiet)
        var started: [LoopbackLinuxHost] = []
        var timeServers: [DemoTimeServer] = []
        func stopAll() async {
            await server.stop()
            started.forEach { $0.stop() }
            timeServers.forEach { $0.stop() }
            await database.close()
        }
        do {
            let url = "http://\(host):\(port)"
            guard let baseURL = URL(string: url) else { throw CLIError("bad URL \(url)") }
            let connection = CentralConnection(baseURL: baseURL)
            try await Self.waitUntilReady(connection)
            let operatorClient = OperatorClient(connection: connection, token: apiKey)
            let (site, claimCode) = try await Self.createTenancy(operatorClient)

            var hosts: [String] = []
            var healing = "off (needs OpenSSH server and sudo)"
            if LoopbackLinuxHost.available {
                (started, hosts) = try await Self.startHosts(root: root, site: site, operatorClient: operatorClient)
                if LoopbackLinuxHost.canBecomeRoot {
                    _ = try await operatorClient.call(
                        "PUT", "/api/v1/sites/\(site)/settings",
                        SiteSettingsBody(
                            ruleSetVersion: "builtin-1", enabledRunbooks: Self.demoRunbooks, maintenanceWindow: nil),
                        as: SiteSettingsBody.self)
                    healing = Self.demoRunbooks.joined(separator: ", ") + " enabled; the rest become incidents"
                }
            } else {
                print(
                    "OpenSSH server is not installed (or not running as root): the demo checks this machine only. "
                        + "Install it with: apt-get install openssh-server")
                fflush(nil)
            }

            var configuration = ApplianceConfiguration(serverURL: baseURL, dataDirectory: root + "/appliance")
            configuration.claimCode = claimCode
            configuration.scanIntervalSeconds = scanInterval
            configuration.patchIntervalSeconds = max(scanInterval, 21_600)
            configuration.exitAfterSeconds = exitAfter
            configuration.linuxPolicy.allowedPorts = [22]
            if DemoTimeServer.available {
                timeServers = try (0..<3).map { _ in try DemoTimeServer(directory: root + "/time") }
                configuration.timeSources = timeServers.map { TimeSource(host: "127.0.0.1", port: $0.port) }
            }
            var applianceLogger = Logger(label: "vigil.appliance")
            applianceLogger.logLevel = .notice
            let daemon = try await ApplianceDaemon.start(
                configuration, softwareRevision: "vigil \(VigilVersion.current)", logger: applianceLogger)

            let demo = DemoFile(
                url: url, username: admin.user.email, password: admin.password, apiKey: apiKey, siteID: site,
                applianceID: daemon.identity.applianceID.rawValue, hosts: hosts,
                portalContact: Self.portalContact)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            // It holds the operator's password and an API key: owner-only, like a key file.
            try KeyFiles.writeExclusive(
                path: root + "/demo.json", contents: String(decoding: try encoder.encode(demo), as: UTF8.self) + "\n",
                mode: 0o600)
            print(
                """
                Vigil demo running.
                  Central Command  \(url)
                  Operator login   \(admin.user.email) / \(admin.password)
                  Client portal    \(url)/portal/login as \(Self.portalContact) (the login link is printed here)
                  API key          \(apiKey)
                  Site             \(site)
                  Appliance        \(daemon.identity.applianceID)
                  Linux hosts      \(hosts.isEmpty ? "none (OpenSSH server not available)" : hosts.joined(separator: ", "))
                  Time sources     \(timeServers.isEmpty ? "pool.ntp.org (needs Internet)" : "3 chrony servers on loopback")
                  Healing          \(healing)
                  Details          \(root)/demo.json
                Try: curl -H "Authorization: Bearer \(apiKey)" \(url)/api/v1/sites/\(site)/state
                     curl -H "Authorization: Bearer \(apiKey)" \(url)/api/v1/sites/\(site)/incidents
                Ctrl-C stops everything.
                """)
            // Reach a pipe or log file now, not when the demo ends.
            fflush(nil)
            try await StopSignals.run { await daemon.run() }
        } catch {
            await stopAll()
            throw error
        }
        await stopAll()
        print("Vigil demo stopped; its data stays in \(root).")
    }

    /// An empty directory, or one an earlier demo wrote (replaced); anything else is refused.
    static func prepare(_ root: String) throws {
        let manager = FileManager.default
        if let entries = try? manager.contentsOfDirectory(atPath: root), !entries.isEmpty {
            guard entries.contains("demo.json") || entries.contains("central") else {
                throw CLIError("\(root) is not empty and was not written by vigil demo; choose another --data-dir")
            }
            stopLeftovers(root)
            do {
                try manager.removeItem(atPath: root)
            } catch {
                throw CLIError("cannot clear the earlier demo in \(root): \(error.localizedDescription)")
            }
        }
        try Output.ensureDirectory(root, mode: 0o700)
    }

    /// Stops sshd and chronyd processes an earlier demo in `root` left running (it was killed
    /// before it could stop them): those whose command line names `root`.
    static func stopLeftovers(_ root: String) {
        let manager = FileManager.default
        var pidFiles: [String] = []
        for (folder, name) in [("hosts", "sshd.pid"), ("time", "chronyd.pid")] {
            for entry in (try? manager.contentsOfDirectory(atPath: "\(root)/\(folder)")) ?? [] {
                pidFiles.append("\(root)/\(folder)/\(entry)/\(name)")
            }
        }
        for file in pidFiles {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8),
                let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1,
                let command = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
                command.contains(root)
            else { continue }
            kill(pid, SIGKILL)
        }
    }

    static func waitUntilReady(_ connection: CentralConnection) async throws {
        for _ in 0..<200 {
            if let answer = try? await connection.send("GET", "/healthz", body: nil, headers: [:]), answer.status == 200
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CLIError("Central Command did not come up on \(connection.baseURL)")
    }

    struct Created: Decodable { let id: String }

    /// The runbooks the demo site enables: fixes that are safe on the demo hosts, so the first
    /// minute shows drift found, healed and re-checked, and the rest escalated as incidents.
    static let demoRunbooks = ["RB-LIN-SSH-001", "RB-LIN-FILE-001", "RB-LIN-FILE-003", "RB-LIN-ACCT-001"]

    /// A demo partner, practice and site; returns the site and a claim code for it.
    static func createTenancy(_ client: OperatorClient) async throws -> (site: String, claimCode: String) {
        let partner = try await client.post("/api/v1/partners", CreatePartner(name: "Demo MSP"), as: Created.self)
        let practice = try await client.post(
            "/api/v1/partners/\(partner.id)/clients", CreateClient(name: "Riverside Family Practice"), as: Created.self)
        let site = try await client.post(
            "/api/v1/clients/\(practice.id)/sites", CreateSite(name: "Main office", timeZone: "UTC"), as: Created.self)
        let code = try await client.post(
            "/api/v1/sites/\(site.id)/claim-codes", CreateClaimCode(), as: ClaimCodeCreated.self)
        _ = try await client.post(
            "/api/v1/clients/\(practice.id)/contacts",
            CreatePortalContact(email: portalContact, name: "Office manager"),
            as: PortalContactInfo.self)
        return (site.id, code.code)
    }

    /// The demo practice's contact for the client portal.
    static let portalContact = "office@riverside.example"

    /// Starts the demo hosts and registers each with its credential; returns them and their names.
    static func startHosts(
        root: String, site: String, operatorClient: OperatorClient, profiles: [LinuxHostProfile] = LinuxHostProfile.demo
    ) async throws -> ([LoopbackLinuxHost], [String]) {
        try Output.ensureDirectory(root, mode: 0o700)
        let keyPath = root + "/scan-key"
        try LoopbackLinuxHost.run(
            "/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "vigil-demo-scan", "-f", keyPath])
        let privateKey = try String(contentsOfFile: keyPath, encoding: .utf8)
        let publicKey = try String(contentsOfFile: keyPath + ".pub", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let password = "demo-" + LinuxProbe.newToken()
        var hosts: [LoopbackLinuxHost] = []
        do {
            for profile in profiles {
                let host = try LoopbackLinuxHost(
                    profile: profile, directory: root + "/hosts/" + profile.name, port: try ServerPorts.free(),
                    authorizedKey: publicKey, password: password)
                hosts.append(host)
                let created = try await operatorClient.post(
                    "/api/v1/sites/\(site)/hosts",
                    CreateHost(name: profile.name, platform: "linux", address: host.address), as: Created.self)
                let credential =
                    profile.passwordLogin
                    ? TargetCredential(kind: "password", username: LoopbackLinuxHost.username, secret: password)
                    : TargetCredential(
                        kind: "ssh_private_key", username: LoopbackLinuxHost.username, secret: privateKey)
                _ = try await operatorClient.call(
                    "PUT", "/api/v1/hosts/\(created.id)/credential", credential, as: CredentialInfo.self)
            }
        } catch {
            hosts.forEach { $0.stop() }
            throw error
        }
        return (hosts, hosts.map { "\($0.profile.name) (\($0.address))" })
    }
}

/// The demo's lab for benchmarks: a tenancy with a claim code, and the demo hosts registered
/// with their credentials (the same code `vigil demo` runs).
public enum DemoLab {
    public static func createTenancy(_ client: OperatorClient) async throws -> (site: String, claimCode: String) {
        try await DemoCommand.createTenancy(client)
    }

    public static func startHosts(root: String, site: String, operatorClient: OperatorClient) async throws
        -> [LoopbackLinuxHost]
    {
        try await DemoCommand.startHosts(root: root, site: site, operatorClient: operatorClient).0
    }
}
