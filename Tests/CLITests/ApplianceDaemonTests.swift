import Appliance
import CentralClient
import Compliance
import EvidenceCrypto
import Foundation
import LabHosts
import Logging
import SQLStorage
import Synchronization
import TestSupport
import Testing
import VigilAPI

@testable import CLI

/// The appliance daemon end to end: a real `vigil central` process, real sshd hosts with drift,
/// real chrony time sources on loopback, and the daemon in this process driving its turns.
@Suite(.serialized) struct ApplianceDaemonTests {
    static let available = LoopbackLinuxHost.available && DemoTimeServer.available
    static let skip: Comment =
        "needs OpenSSH server, chrony and root (apt-get install openssh-server chrony; .ci/run installs them)"

    /// Central Command with a site, demo hosts registered with credentials, time sources, and
    /// an appliance configuration holding the site's claim code.
    struct World {
        let directory: TemporaryDirectory
        var server: ServerProcess
        let token: String
        let operatorClient: OperatorClient
        let site: String
        let hosts: [LoopbackLinuxHost]
        let time: [DemoTimeServer]
        var configuration: ApplianceConfiguration

        init(hosts withHosts: Bool = true, profiles: [LinuxHostProfile] = LinuxHostProfile.demo) async throws {
            directory = try TemporaryDirectory("vigil-daemon")
            (server, token, _) = try await FaultTests.startFresh(in: directory)
            operatorClient = OperatorClient(connection: server.connection, token: token)
            let (site, claimCode) = try await DemoCommand.createTenancy(operatorClient)
            self.site = site
            hosts =
                withHosts
                ? try await DemoCommand.startHosts(
                    root: directory.appending("lab"), site: site, operatorClient: operatorClient, profiles: profiles
                ).0 : []
            let timeDirectory = directory.appending("time")
            time = try (0..<3).map { _ in try DemoTimeServer(directory: timeDirectory) }
            configuration = ApplianceConfiguration(
                serverURL: server.connection.baseURL, dataDirectory: directory.appending("appliance"))
            configuration.claimCode = claimCode
            configuration.timeSources = time.map { TimeSource(host: "127.0.0.1", port: $0.port) }
            configuration.patchIntervalSeconds = 86_400 * 365
        }

        func stop() {
            hosts.forEach { $0.stop() }
            time.forEach { $0.stop() }
            server.stop()
        }

        /// The appliance daemon on `configuration` (default: the world's), enrolled on first use.
        func daemon(_ configuration: ApplianceConfiguration? = nil, link: (any CentralLink)? = nil) async throws
            -> ApplianceDaemon
        {
            try await ApplianceDaemon.start(
                configuration ?? self.configuration, softwareRevision: "test", logger: Logger(label: "test"), link: link
            )
        }

        /// An order from the operator to `appliance`.
        func order(
            _ type: String, to appliance: String, parameters: [String: String]? = nil, ttlSeconds: Int64? = nil
        ) async throws -> OrderInfo {
            try await operatorClient.post(
                "/api/v1/sites/\(site)/orders",
                CreateOrder(applianceID: appliance, type: type, parameters: parameters, ttlSeconds: ttlSeconds),
                as: OrderInfo.self)
        }

        /// What Central Command says of `order` now.
        func status(of order: OrderInfo) async throws -> OrderInfo? {
            try await operatorClient.get("/api/v1/sites/\(site)/orders", as: [OrderInfo].self).first {
                $0.id == order.id
            }
        }

        /// Sets the site's maintenance window.
        func setWindow(_ window: MaintenanceWindow) async throws {
            _ = try await operatorClient.call(
                "PUT", "/api/v1/sites/\(site)/settings",
                SiteSettingsBody(ruleSetVersion: "builtin-1", enabledRunbooks: [], maintenanceWindow: window),
                as: SiteSettingsBody.self)
        }

        func hostID(named name: String) async throws -> String {
            struct Host: Decodable {
                let id: String
                let name: String
            }
            let hosts = try await operatorClient.get("/api/v1/sites/\(site)/hosts", as: [Host].self)
            return try #require(hosts.first { $0.name == name }?.id)
        }
    }

    /// Every bundle in the appliance's outbox, decoded.
    static func bundles(in directory: String) async throws -> [EvidenceBundle] {
        let outbox = try await SQLOutbox.open(
            path: ApplianceEnrolment.databasePath(in: directory), logger: Logger(label: "test"))
        let entries = try await outbox.entries(after: 0, limit: 10_000)
        await outbox.close()
        return try entries.map { entry in
            try JSONDecoder().decode(EvidenceBundle.self, from: Data(try #require(entry.canonicalBytes)))
        }
    }

    /// A turn once the chrony sources answer (chronyd needs a moment after it starts).
    static func settledTurn(_ daemon: ApplianceDaemon) async throws -> DaemonTurn {
        let check = ClockCheck(sources: daemon.configuration.timeSources)
        for _ in 0..<50 where try await !check.run().trustworthy {
            try await Task.sleep(for: .milliseconds(100))
        }
        return await daemon.turn()
    }

    @Test(.enabled(if: available, skip))
    func scansRealHostsUploadsAndTheExportVerifiesOffline() async throws {
        let world = try await World()
        defer { world.stop() }
        let daemon = try await world.daemon()
        let turn = try await Self.settledTurn(daemon)
        #expect(turn.problems.isEmpty, "\(turn.problems)")
        #expect(turn.checkedSelf && turn.scannedHosts == 3)
        #expect(turn.recorded == 4)
        #expect(turn.cycle.upload.receipted == 4 && turn.cycle.upload.failure == nil)
        #expect(turn.witnessedSize == 4)

        // Central Command holds the drifted host's failing check, with its proof.
        let records = try await world.hostID(named: "records-server")
        let proof = try await world.operatorClient.get(
            "/api/v1/sites/\(world.site)/state?host=\(records)&check=linux.ssh.permit_root_login",
            as: CheckStateProof.self)
        #expect(proof.status == .fail && proof.result.observed == "yes")
        let reception = try await world.hostID(named: "reception-pc")
        let good = try await world.operatorClient.get(
            "/api/v1/sites/\(world.site)/state?host=\(reception)&check=linux.ssh.permit_root_login",
            as: CheckStateProof.self)
        #expect(good.status == .pass)
        let clock = try await world.operatorClient.get(
            "/api/v1/sites/\(world.site)/state?host=\(daemon.identity.applianceID)&check=appliance.time.ntp_offset",
            as: CheckStateProof.self)
        #expect(clock.status == .pass, "\(clock.result.message ?? "")")

        // An operator asks for a scan now: accepted, run in the same turn, reported, recorded.
        let order = try await world.order("run_checks", to: daemon.identity.applianceID.rawValue)
        let second = await daemon.turn()
        #expect(second.scannedHosts == 3, "\(second.problems)")
        #expect(try await world.status(of: order)?.status == "completed")
        await daemon.close()
        let recorded = try await Self.bundles(in: world.configuration.dataDirectory)
        let orderBundle = try #require(recorded.first { $0.kind == .order })
        #expect(orderBundle.outcome == .success)
        #expect(orderBundle.actions.first?.excerpt?.contains(order.id) == true)

        // The export verifies offline, authenticated by the checkpoint Central Command cosigned.
        let out = world.directory.appending("export")
        let export = try Shell.vigil([
            "evidence", "export", "--server", world.server.connection.baseURL.absoluteString, "--api-key", world.token,
            "--site", world.site, "--out", out, "--json",
        ])
        #expect(export.status == 0, "\(export.stderr)")
        let verify = try Shell.vigil(["verify", out])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("VERIFIED"))
        #expect(verify.stdout.contains("cosigned by vigil.central"))
    }

    /// Central Command's answers with extra orders slipped in (forged, expired, replayed), and
    /// optionally the answer to a key rotation lost after Central Command recorded it.
    final class Tampering: CentralLink {
        let real: ApplianceClient
        let extra: Mutex<[SignedOrder]>
        let losesRotationAnswer: Bool
        /// A rule set handed out instead of Central Command's.
        let rules = Mutex<SignedRuleSet?>(nil)

        init(_ real: ApplianceClient, extra: [SignedOrder], losesRotationAnswer: Bool = false) {
            self.real = real
            self.extra = Mutex(extra)
            self.losesRotationAnswer = losesRotationAnswer
        }

        func checkIn(_ request: CheckInRequest) async throws(CentralClientError) -> CheckInResponse {
            var answer = try await real.checkIn(request)
            answer.orders += extra.withLock { $0 }
            return answer
        }

        func report(_ report: OrderReport, order: String) async throws(CentralClientError) -> OrderInfo {
            try await real.report(report, order: order)
        }

        func upload(_ upload: EvidenceUpload) async throws(CentralClientError) -> EvidenceUploadResult {
            try await real.upload(upload)
        }

        func submit(checkpoint note: String) async throws(CentralClientError) -> CosignedCheckpoint {
            try await real.submit(checkpoint: note)
        }

        func rotateKey(_ request: KeyRotationRequest) async throws(CentralClientError) -> KeyRotationRecord {
            let answer = try await real.rotateKey(request)
            if losesRotationAnswer { throw .transport("connection reset by peer") }
            return answer
        }

        func escalate(_ request: EscalationRequest) async throws(CentralClientError) -> IncidentInfo {
            try await real.escalate(request)
        }

        func report(resolution: ResolutionReport) async throws(CentralClientError) {
            try await real.report(resolution: resolution)
        }

        func fetchRules() async throws(CentralClientError) -> SignedRuleSet {
            if let forged = rules.withLock({ $0 }) { return forged }
            return try await real.fetchRules()
        }

        func rekeyed(_ key: SigningKey) -> any CentralLink {
            Tampering(real.rekeyed(key), extra: extra.withLock { $0 }, losesRotationAnswer: losesRotationAnswer)
        }
    }

    /// An order signed with `key` as Central Command signs one.
    static func order(
        id: String, appliance: String, site: String, nonce: String, expiresIn: Int64, key: SigningKey
    ) throws -> SignedOrder {
        let now = Timestamp.now()
        let payload = OrderPayload(
            orderID: id, applianceID: appliance, siteID: site, type: "run_checks", parameters: [:], nonce: nonce,
            issuedAt: now.adding(milliseconds: -60_000).description,
            expiresAt: now.adding(milliseconds: expiresIn).description, signer: "test")
        let bytes = try CanonicalJSON.encode(payload)
        return SignedOrder(payload: Base64.encode(bytes), signature: Base64.encode(key.signature(for: bytes)))
    }

    @Test(.enabled(if: available, skip))
    func forgedExpiredAndReplayedOrdersAreRefusedAndRecordedAsEvidence() async throws {
        let world = try await World(hosts: false)
        defer { world.stop() }
        // Enrol through a first start, then run with a link that slips orders in.
        let plain = try await world.daemon()
        let identity = plain.identity
        await plain.close()
        let serverKey = try SigningKey(contentsOf: world.directory.appending("data/server-key.pem"))
        let appliance = identity.applianceID.rawValue
        let site = identity.siteID.rawValue
        let valid = try Self.order(
            id: "order-valid", appliance: appliance, site: site, nonce: "nonce-a", expiresIn: 600_000, key: serverKey)
        let forged = try Self.order(
            id: "order-forged", appliance: appliance, site: site, nonce: "nonce-b", expiresIn: 600_000,
            key: SigningKey())
        let expired = try Self.order(
            id: "order-old", appliance: appliance, site: site, nonce: "nonce-c", expiresIn: -1000, key: serverKey)
        let replayed = try Self.order(
            id: "order-replay", appliance: appliance, site: site, nonce: "nonce-a", expiresIn: 600_000, key: serverKey)
        let key = try SigningKey(contentsOf: ApplianceEnrolment.keyPath(in: world.configuration.dataDirectory))
        let link = Tampering(
            ApplianceClient(connection: world.server.connection, applianceID: identity.applianceID, key: key),
            extra: [valid, forged, expired])
        let daemon = try await world.daemon(link: link)
        _ = try await Self.settledTurn(daemon)
        link.extra.withLock { $0 = [valid, replayed] }
        _ = await daemon.turn()
        await daemon.close()

        let orders = try await Self.bundles(in: world.configuration.dataDirectory).filter { $0.kind == .order }
        let excerpts = orders.map { ($0.outcome, $0.actions.first?.excerpt ?? "") }
        // The valid order ran once, even though it came twice.
        #expect(excerpts.filter { $0.0 == .success && $0.1.contains("order-valid") }.count == 1, "\(excerpts)")
        #expect(excerpts.contains { $0.0 == .rejected && $0.1.contains("signature") }, "\(excerpts)")
        #expect(excerpts.contains { $0.0 == .expired && $0.1.contains("order-old") }, "\(excerpts)")
        #expect(excerpts.contains { $0.0 == .rejected && $0.1.contains("order-replay") }, "\(excerpts)")
        #expect(orders.count == 4)
    }

    @Test(.enabled(if: available, skip))
    func anOutageRaisesOneAlertKeepsRunningAndFlushesWhenCentralCommandReturns() async throws {
        var world = try await World(hosts: false)
        defer { world.stop() }
        let daemon = try await world.daemon()
        let first = try await Self.settledTurn(daemon)
        #expect(first.cycle.upload.receipted == 1)

        world.server.stop()
        let down = await daemon.turn(forceScan: true)
        guard case .failure(let error) = down.cycle.checkIn else {
            Issue.record("check-in must fail while Central Command is down")
            return
        }
        #expect(error.description.contains("cannot reach"))
        #expect(down.recorded == 2)  // the alert and the scan, committed locally
        let again = await daemon.turn(forceScan: true)
        #expect(again.recorded == 1)  // no second alert for the same outage

        world.server = try ServerProcess(
            dataDir: world.directory.appending("data"), port: world.server.port,
            log: world.directory.appending("server-2.log"))
        try await world.server.waitUntilReady()
        let back = await daemon.turn()
        #expect(back.cycle.upload.failure == nil)
        #expect(back.cycle.upload.receipted == 3)
        await daemon.close()
        let bundles = try await Self.bundles(in: world.configuration.dataDirectory)
        let alert = try #require(bundles.first { $0.actions.first?.step == "check_in" })
        #expect(alert.outcome == .alert)
        #expect(alert.actions.first?.excerpt?.contains("cannot reach Central Command") == true)
    }

    /// A window of `days` from one hour before now to one hour after (UTC; may cross midnight).
    static func window(days: [String]) -> MaintenanceWindow {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        func hhmm(_ date: Date) -> String {
            let parts = calendar.dateComponents([.hour, .minute], from: date)
            return String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
        }
        return MaintenanceWindow(
            days: days, start: hhmm(Date().addingTimeInterval(-3600)), end: hhmm(Date().addingTimeInterval(3600)),
            timeZone: "UTC")
    }

    @Test(.enabled(if: available, skip))
    func disruptiveOrdersWaitForTheWindowAndTheClockGate() async throws {
        let world = try await World(hosts: false)
        defer { world.stop() }
        let daemon = try await world.daemon()
        _ = try await Self.settledTurn(daemon)
        let appliance = daemon.identity.applianceID.rawValue
        // Closed: the window is on a day that is neither today nor yesterday.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let weekday = calendar.component(.weekday, from: Date())
        let otherDay = MaintenanceWindow.dayNames[(weekday + 7) % 7]
        try await world.setWindow(Self.window(days: [otherDay]))
        let runbook = ["runbook": "RB-LIN-PATCH-001"]
        let order = try await world.order("run_runbook", to: appliance, parameters: runbook, ttlSeconds: 3600)
        _ = await daemon.turn()
        _ = await daemon.turn()
        #expect(try await world.status(of: order)?.status == "acknowledged")

        // The window opens: the order runs at the next turn (and fails: the site has not enabled it).
        try await world.setWindow(Self.window(days: MaintenanceWindow.dayNames))
        _ = await daemon.turn()
        #expect(try await world.status(of: order)?.status == "failed")
        await daemon.close()

        // With no time source answering, the clock gate holds disruptive work even in the window.
        var blind = world.configuration
        blind.timeSources = [TimeSource(host: "127.0.0.1", port: try ServerPorts.free())]
        let gated = try await world.daemon(blind)
        let second = try await world.order("run_runbook", to: appliance, parameters: runbook, ttlSeconds: 3600)
        let turn = await gated.turn()
        #expect(turn.recorded >= 2)
        await gated.close()

        let recorded = try await Self.bundles(in: world.configuration.dataDirectory)
        let mine = recorded.filter { $0.kind == .order }.map { ($0.outcome, $0.actions.first?.excerpt ?? "") }
        #expect(
            mine.contains {
                $0.0 == .deferred && $0.1.contains(order.id) && $0.1.contains("outside the maintenance window")
            }, "\(mine)")
        #expect(mine.contains { $0.0 == .failed && $0.1.contains(order.id) }, "\(mine)")
        #expect(
            mine.contains { $0.0 == .deferred && $0.1.contains(second.id) && $0.1.contains("clock gate") }, "\(mine)")
        // The clock itself is an alert in the appliance's own scan.
        let selfScans = recorded.filter {
            $0.kind == .scan && $0.results.contains { $0.checkID.rawValue == "appliance.time.ntp_offset" }
        }
        #expect(selfScans.last?.results.first { $0.checkID.rawValue == "appliance.time.ntp_offset" }?.status == .fail)
        #expect(selfScans.last?.outcome == .alert)
    }

    @Test(.enabled(if: available, skip))
    func resellerModeForwardsEveryBundleToSyslogAndTheWebhookOnce() async throws {
        var world = try await World(hosts: false)
        defer { world.stop() }
        let syslog = try LoopbackReceiver()
        defer { syslog.stop() }
        let webhook = try LoopbackReceiver(httpStatus: 200)
        defer { webhook.stop() }
        world.configuration.deploymentMode = .reseller
        world.configuration.reseller = "Acme IT"
        world.configuration.syslogURL = "tcp://127.0.0.1:\(syslog.port)"
        world.configuration.webhookURL = URL(string: "http://127.0.0.1:\(webhook.port)/events")
        world.configuration.webhookSecret = "reseller-shared-secret-123"
        let daemon = try await world.daemon()
        let first = try await Self.settledTurn(daemon)
        let second = await daemon.turn(forceScan: true)
        await daemon.close()
        #expect(first.problems.isEmpty && second.problems.isEmpty, "\(first.problems) \(second.problems)")
        #expect(first.forwarded == ["syslog": 1, "webhook": 1] && second.forwarded == ["syslog": 1, "webhook": 1])

        let frames = syslog.waitForConnections(2).map { String(decoding: $0, as: UTF8.self) }
        #expect(frames.count == 2)
        #expect(frames.allSatisfy { $0.contains("[vigil@32473 ") && $0.contains("outcome=") })
        #expect(frames[0].contains("seq=\"1\"") && frames[1].contains("seq=\"2\""))
        let posts = webhook.waitForConnections(2).compactMap { LoopbackReceiver.httpRequest($0) }
        #expect(posts.count == 2)
        for post in posts {
            let header = try #require(post.headers["x-vigil-signature"])
            let timestamp = try #require(Int64(header.split(separator: ",")[0].dropFirst(2)))
            #expect(
                header
                    == WebhookForwarder.signature(
                        body: post.body, timestamp: timestamp, secret: Array("reseller-shared-secret-123".utf8)))
        }
        let bundles = try await Self.bundles(in: world.configuration.dataDirectory)
        #expect(bundles.allSatisfy { $0.deploymentMode == .reseller && $0.reseller == "Acme IT" })
    }

    @Test(.enabled(if: available, skip))
    func updateConfigurationOrdersChangeSettingsThatOutliveARestart() async throws {
        let world = try await World(hosts: false)
        defer { world.stop() }
        let daemon = try await world.daemon()
        _ = try await Self.settledTurn(daemon)
        let appliance = daemon.identity.applianceID.rawValue
        let order = try await world.order(
            "update_configuration", to: appliance, parameters: ["scan_interval": "120", "allowed_ports": "22,443"])
        _ = await daemon.turn()
        let answered = try #require(try await world.status(of: order))
        #expect(answered.status == "completed", "\(answered.resultDetail ?? "")")
        #expect(await daemon.effective.scanIntervalSeconds == 120)
        await daemon.close()

        // Central Command refuses settings it may not change, before any appliance sees them.
        for refused in [["server_url": "http://evil"], ["scan_interval": "1"]] {
            await #expect(throws: CentralClientError.self) {
                _ = try await world.order("update_configuration", to: appliance, parameters: refused)
            }
        }

        let restarted = try await world.daemon()
        let effective = await restarted.effective
        #expect(effective.scanIntervalSeconds == 120)
        #expect(effective.linuxPolicy.allowedPorts == [22, 443])
        #expect(restarted.configuration.scanIntervalSeconds == world.configuration.scanIntervalSeconds)
        await restarted.close()
    }

    @Test(.enabled(if: available, skip))
    func aWindowsHostIsNamedOnceAsNotScannedRatherThanSilentlySkipped() async throws {
        let world = try await World(hosts: false)
        defer { world.stop() }
        _ = try await world.operatorClient.post(
            "/api/v1/sites/\(world.site)/hosts",
            CreateHost(name: "front-desk", platform: "windows", address: "127.0.0.1:5986"),
            as: ManagedHost.self)
        let daemon = try await world.daemon()
        let first = try await Self.settledTurn(daemon)
        let second = await daemon.turn(forceScan: true)
        await daemon.close()
        #expect(first.problems.contains { $0.contains("front-desk is windows") }, "\(first.problems)")
        #expect(first.scannedHosts == 0)
        #expect(!second.problems.contains { $0.contains("front-desk") })
    }

    @Test(.enabled(if: available, skip))
    func aNameThatDoesNotResolveIsAnAlertAndTheApplianceKeepsRunning() async throws {
        let world = try await World(hosts: false)
        defer { world.stop() }
        // Enrol against the real address, then point the appliance at a name.
        let first = try await world.daemon()
        await first.close()
        let resolver = world.directory.appending("resolv.conf")
        // In its own mount namespace the appliance asks only a resolver on loopback, where nothing
        // answers: no DNS query leaves the machine.
        try "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n".write(
            toFile: resolver, atomically: true, encoding: .utf8)
        let config = world.directory.appending("dns.conf")
        let servers = world.configuration.timeSources.map { "\($0.host):\($0.port)" }.joined(separator: ",")
        try """
        server-url = "http://central.vigil-test.invalid:\(world.server.port)"
        data-dir = "\(world.configuration.dataDirectory)"
        time-servers = \(servers)
        log-level = error

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let run = try Shell.execute(
            "/usr/bin/unshare",
            [
                "-m", "--propagation", "private", "/bin/sh", "-c",
                "mount --bind \"$0\" /etc/resolv.conf && exec \"$1\" appliance --config \"$2\" --exit-after 6",
                resolver,
                Shell.vigilBinary, config,
            ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("cannot check in"), "\(run.stderr)")
        let bundles = try await Self.bundles(in: world.configuration.dataDirectory)
        let alert = try #require(bundles.last { $0.actions.first?.step == "check_in" })
        #expect(alert.outcome == .alert)
        #expect(alert.actions.first?.excerpt?.contains("cannot reach Central Command") == true)
        #expect(alert.actions.first?.excerpt?.lowercased().contains("resolve") == true, "\(alert.actions)")
        // It kept working: its own scan was recorded after the failed check-in.
        #expect(bundles.last?.kind == .scan)
    }
}
