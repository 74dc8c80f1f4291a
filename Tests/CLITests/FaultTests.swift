import CentralClient
import CentralCommand
import Compliance
import EvidenceCrypto
import EvidenceSet
import Foundation
import LabHosts
import Logging
import SQLStorage
import Synchronization
import TestSupport
import Testing
import VigilAPI

/// A `vigil central` process the test starts, kills and restarts.
final class ServerProcess: @unchecked Sendable {
    // @unchecked: `process` is set once in init and only read afterwards; Process itself is used
    // from the test's one task at a time.
    let process: Process
    let port: Int
    let connection: CentralConnection
    let log: String

    init(dataDir: String, port: Int, extra: [String] = [], environment: [String: String] = [:], log: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Shell.vigilBinary)
        process.arguments = ["central", "--data-dir", dataDir, "--port", String(port), "--cache-seconds", "0"] + extra
        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { _, new in new }
        process.environment = merged
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process
        self.port = port
        self.log = log
        self.connection = CentralConnection(
            baseURL: URL(string: "http://127.0.0.1:\(port)").unsafelyUnwrapped, timeoutSeconds: 10)
    }

    /// Waits until `/readyz` answers 200 (at most 20 s).
    func waitUntilReady() async throws {
        for _ in 0..<200 {
            if let answer = try? await connection.send("GET", "/readyz", body: nil, headers: [:]), answer.status == 200
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        throw CentralClientError.transport(
            "server on port \(port) did not become ready (running: \(process.isRunning)); log:\n\(output.suffix(2000))")
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// A port the kernel just handed out (it avoids ports in use, unlike a random pick).
    static func freePort() -> Int { (try? ServerPorts.free()) ?? Int.random(in: 20_000..<30_000) }
}

/// Faults Central Command must survive: being killed mid-ingestion, and sharing one PostgreSQL
/// database with another instance.
@Suite(.serialized) struct FaultTests {
    /// Bootstrap's platform API key for `dataDir` (and `--database-url` when given).
    static func bootstrap(dataDir: String, extra: [String] = []) throws -> String {
        let result = try Shell.vigil(
            ["central", "bootstrap", "--data-dir", dataDir, "--api-key", "--bcrypt-cost", "4", "--json"] + extra)
        guard result.status == 0 else { throw CentralClientError.transport("bootstrap: \(result.stderr)") }
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        guard let token = (json?["api_key"] as? [String: Any])?["token"] as? String else {
            throw CentralClientError.malformedAnswer(result.stdout)
        }
        return token
    }

    /// A partner, client and site, and an appliance enrolled there with `key`.
    static func enrol(_ operatorClient: OperatorClient, key: SigningKey) async throws -> (
        site: String, appliance: String, serverKey: String
    ) {
        let partner = try await operatorClient.post(
            "/api/v1/partners", CreatePartner(name: "Fault MSP"), as: Partner.self)
        let client = try await operatorClient.post(
            "/api/v1/partners/\(partner.id)/clients", CreateClient(name: "Fault Dental"), as: Client.self)
        let site = try await operatorClient.post(
            "/api/v1/clients/\(client.id)/sites", CreateSite(name: "Main", timeZone: "UTC"), as: Site.self)
        let code = try await operatorClient.post(
            "/api/v1/sites/\(site.id)/claim-codes", CreateClaimCode(), as: ClaimCodeCreated.self)
        let enrolled = try await ApplianceClient.enrol(
            connection: operatorClient.connection, claimCode: code.code, key: key, softwareRevision: "fault-test")
        return (site.id.rawValue, enrolled.applianceID, enrolled.serverPublicKey)
    }

    /// `count` sealed bundles of `appliance` as uploads, in chain order.
    static func chain(_ count: Int, site: String, appliance: String, key: SigningKey) throws -> [UploadedBundle] {
        var log = try EvidenceLog(applianceID: try Appliance.ID(appliance), key: key)
        let check = try CheckID("linux.ssh.permit_root_login")
        return try (0..<count).map { index in
            let observed = Timestamp.now().adding(milliseconds: Int64(index - count) * 1000)
            let bundle = EvidenceBundle(
                bundleID: try Identifier<EvidenceBundle>("fault-\(index + 1)"), kind: .scan, siteID: try Site.ID(site),
                hostID: try ManagedHost.ID("host-1"), applianceID: try Appliance.ID(appliance), sequence: 0,
                previousHash: .zero, observedAt: observed, startedAt: observed, finishedAt: observed,
                softwareRevision: "fault-test", deploymentMode: .direct,
                results: [CheckResult(checkID: check, status: .pass, severity: .high)], outcome: .success)
            let sealed = try log.seal(bundle)
            return UploadedBundle(
                canonicalBytes: Base64.encode(sealed.canonicalBytes), signature: Base64.encode(sealed.signature))
        }
    }

    /// A bootstrapped server on SQLite under `directory`, ready: the server, its platform key and
    /// its data directory.
    static func startFresh(in directory: TemporaryDirectory) async throws -> (ServerProcess, String, String) {
        let data = directory.appending("data")
        let token = try bootstrap(dataDir: data)
        // A free port can be taken by a parallel test between asking and binding: try another.
        for attempt in 1...3 {
            let server = try ServerProcess(
                dataDir: data, port: ServerProcess.freePort(), log: directory.appending("server-\(attempt).log"))
            do {
                try await server.waitUntilReady()
                return (server, token, data)
            } catch {
                let log = (try? String(contentsOfFile: server.log, encoding: .utf8)) ?? ""
                guard attempt < 3, !server.process.isRunning, log.contains("Address already in use") else {
                    throw error
                }
            }
        }
        throw CentralClientError.transport("no free port for vigil central")
    }

    @Test func killingTheServerMidIngestionLosesNoAcknowledgedBundle() async throws {
        let directory = try TemporaryDirectory("vigil-fault")
        var (server, token, data) = try await Self.startFresh(in: directory)
        let port = server.port
        let key = SigningKey()
        let operatorClient = OperatorClient(connection: server.connection, token: token)
        let (site, appliance, _) = try await Self.enrol(operatorClient, key: key)
        let bundles = try Self.chain(3000, site: site, appliance: appliance, key: key)
        let applianceClient = ApplianceClient(
            connection: server.connection, applianceID: try Appliance.ID(appliance), key: key)

        // Upload batches of 25 until the server dies under us; remember what was acknowledged.
        let progress = Mutex(0)
        let uploader = Task { () -> Set<String> in
            var acknowledged: Set<String> = []
            for start in stride(from: 0, to: bundles.count, by: 25) {
                let batch = Array(bundles[start..<min(start + 25, bundles.count)])
                guard let result = try? await applianceClient.upload(EvidenceUpload(bundles: batch)) else { break }
                for receipt in result.receipts { acknowledged.insert(receipt.receipt.bundleID) }
                progress.withLock { $0 += 1 }
            }
            return acknowledged
        }
        // Kill once a few batches are in, at a random moment, whatever the machine's speed.
        for _ in 0..<600 where progress.withLock({ $0 }) < 4 { try await Task.sleep(for: .milliseconds(50)) }
        try await Task.sleep(for: .milliseconds(Int.random(in: 0...150)))
        server.kill9()
        let acknowledged = await uploader.value
        #expect(!acknowledged.isEmpty, "nothing was acknowledged before the kill; see server-1.log")
        #expect(acknowledged.count < bundles.count, "the kill came after the last upload")

        server = try ServerProcess(dataDir: data, port: port, log: directory.appending("server-2.log"))
        defer { server.stop() }
        try await server.waitUntilReady()
        let listed = try await OperatorClient(connection: server.connection, token: token).get(
            "/api/v1/sites/\(site)/evidence?limit=10000", as: [EvidenceSummary].self)
        let stored = Set(listed.map(\.bundleID))
        #expect(acknowledged.isSubset(of: stored), "acknowledged but lost: \(acknowledged.subtracting(stored).count)")
        #expect(listed.map(\.sequence).sorted() == Array(1...Int64(listed.count)), "the stored chain has gaps")

        // The appliance resends everything from where its receipts end; nothing is stored twice.
        let resumed = ApplianceClient(connection: server.connection, applianceID: try Appliance.ID(appliance), key: key)
        var head: Int64 = 0
        for start in stride(from: 0, to: bundles.count, by: 100) {
            let result = try await resumed.upload(
                EvidenceUpload(bundles: Array(bundles[start..<min(start + 100, bundles.count)])))
            #expect(result.rejected.isEmpty)
            head = result.head
        }
        #expect(head == Int64(bundles.count))
        let final = try await OperatorClient(connection: server.connection, token: token).get(
            "/api/v1/sites/\(site)/evidence?limit=10000", as: [EvidenceSummary].self)
        #expect(final.count == bundles.count)
        #expect(Set(final.map(\.bundleID)).count == bundles.count)
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_TEST_POSTGRES_URL"] != nil))
    func twoInstancesServeAppliancesFromOnePostgresDatabase() async throws {
        let url = try #require(ProcessInfo.processInfo.environment["VIGIL_TEST_POSTGRES_URL"])
        var logger = Logger(label: "vigil.tests.fault")
        logger.logLevel = .error
        let admin = try await VigilDatabase.open(.postgres(try .init(url: url)), logger: logger)
        let name = "vigil_two_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))"
        _ = try await admin.read { sql in try await sql.raw("CREATE DATABASE \(ident: name)").run() }
        defer {
            Task {
                _ = try? await admin.read { sql in
                    try await sql.raw("DROP DATABASE IF EXISTS \(ident: name) WITH (FORCE)").run()
                }
                await admin.close()
            }
        }
        let databaseURL = url.replacingOccurrences(of: "/postgres?", with: "/\(name)?")
        let directory = try TemporaryDirectory("vigil-two")
        let data = directory.appending("data")
        let secret = Base64.encode(Array(repeating: UInt8(42), count: 32))
        let token = try Self.bootstrap(dataDir: data, extra: ["--database-url", databaseURL])
        let first = try ServerProcess(
            dataDir: data, port: ServerProcess.freePort(), extra: ["--database-url", databaseURL],
            environment: ["VIGIL_SECRET_KEY": secret], log: directory.appending("a.log"))
        defer { first.stop() }
        try await first.waitUntilReady()
        let second = try ServerProcess(
            dataDir: data, port: ServerProcess.freePort(), extra: ["--database-url", databaseURL],
            environment: ["VIGIL_SECRET_KEY": secret], log: directory.appending("b.log"))
        defer { second.stop() }
        try await second.waitUntilReady()

        let key = SigningKey()
        let viaFirst = OperatorClient(connection: first.connection, token: token)
        let (site, appliance, serverKeyText) = try await Self.enrol(viaFirst, key: key)
        // Set up through the first instance…
        let host = try await viaFirst.post(
            "/api/v1/sites/\(site)/hosts", CreateHost(name: "ehr", platform: "linux", address: "10.0.0.5"),
            as: ManagedHost.self)
        let credential = try await first.connection.send(
            "PUT", "/api/v1/hosts/\(host.id)/credential",
            body: try JSONEncoder().encode(TargetCredential(kind: "password", username: "vigil", secret: "s3cret")),
            headers: ["Authorization": "Bearer \(token)"])
        #expect(credential.status == 200)
        let order = try await viaFirst.post(
            "/api/v1/sites/\(site)/orders", CreateOrder(applianceID: appliance, type: "run_checks"), as: OrderInfo.self)
        // …and the appliance talks to the second.
        let id = try Appliance.ID(appliance)
        let onSecond = ApplianceClient(connection: second.connection, applianceID: id, key: key)
        let onFirst = ApplianceClient(connection: first.connection, applianceID: id, key: key)
        let answer = try await onSecond.checkIn(
            CheckInRequest(softwareVersion: "1", uptimeSeconds: 1, queueDepth: 0, clockOffsetMilliseconds: nil))
        #expect(answer.orders.count == 1)
        #expect(answer.targets.first?.credential?.secret == "s3cret")
        let serverKey = try VerifyingKey(text: serverKeyText)
        #expect(ServerSignatures.verify(answer.orders[0], with: serverKey)?.orderID == order.id)

        // Evidence alternates between the instances; the chain is one.
        let bundles = try Self.chain(300, site: site, appliance: appliance, key: key)
        for (index, start) in stride(from: 0, to: bundles.count, by: 50).enumerated() {
            let client = index.isMultiple(of: 2) ? onFirst : onSecond
            let result = try await client.upload(EvidenceUpload(bundles: Array(bundles[start..<start + 50])))
            #expect(result.rejected.isEmpty)
            #expect(result.head == Int64(start + 50))
        }
        // A request replayed to the other instance is refused: the nonce store is shared.
        let body = Array(
            try JSONEncoder().encode(
                CheckInRequest(softwareVersion: "1", uptimeSeconds: 2, queueDepth: 0, clockOffsetMilliseconds: nil)))
        let headers = onFirst.signedHeaders("POST", "/api/v1/appliance/check-in", body)
        let original = try await first.connection.send(
            "POST", "/api/v1/appliance/check-in", body: Data(body), headers: headers)
        let replayed = try await second.connection.send(
            "POST", "/api/v1/appliance/check-in", body: Data(body), headers: headers)
        #expect(original.status == 200)
        #expect(replayed.status == 401)
        // Both instances report the same order state after the appliance answers through one.
        _ = try await onSecond.report(OrderReport(status: "completed"), order: order.id)
        let listed = try await viaFirst.get("/api/v1/sites/\(site)/orders", as: [OrderInfo].self)
        #expect(listed.first?.status == "completed")
    }
}
