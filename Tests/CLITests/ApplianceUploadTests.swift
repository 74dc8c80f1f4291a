import Appliance
import CentralClient
import Compliance
import EvidenceCrypto
import Foundation
import Logging
import SQLStorage
import TestSupport
import Testing
import VigilAPI

/// The appliance's outbox and uploader against a real `vigil central` process: evidence recorded
/// while Central Command is down stays in the outbox, and is flushed with verified receipts once
/// it is back; nothing is stored twice.
@Suite(.serialized) struct ApplianceUploadTests {
    /// An appliance enrolled with a fresh key at a fresh site of `server`.
    struct Enrolled {
        let operatorClient: OperatorClient
        let key = SigningKey()
        let site: String
        let appliance: Appliance.ID
        let serverKey: VerifyingKey

        init(server: ServerProcess, token: String) async throws {
            operatorClient = OperatorClient(connection: server.connection, token: token)
            let (site, appliance, serverKey) = try await FaultTests.enrol(operatorClient, key: key)
            self.site = site
            self.appliance = try Appliance.ID(appliance)
            self.serverKey = try VerifyingKey(text: serverKey)
        }

        /// `count` scan bundles of one check, observed a second apart up to now.
        func scans(_ count: Int, offset: Int = 0, status: CheckStatus = .pass) throws -> [EvidenceBundle] {
            let check = try CheckID("linux.ssh.permit_root_login")
            return try (0..<count).map { index in
                let observed = Timestamp.now().adding(milliseconds: Int64(-1000 * (offset + index)))
                return EvidenceBundle(
                    bundleID: .random(prefix: "bundle"), kind: .scan, siteID: try Site.ID(site),
                    hostID: try ManagedHost.ID("host-\(index % 5)"), applianceID: appliance, sequence: 0,
                    previousHash: .zero, observedAt: observed, startedAt: observed, finishedAt: observed,
                    softwareRevision: "appliance-test", deploymentMode: .direct,
                    results: [CheckResult(checkID: check, status: status, severity: .high)],
                    outcome: status == .pass ? .success : .alert)
            }
        }
    }

    @Test func evidenceWaitsOutAnOutageAndIsFlushedWithVerifiedReceipts() async throws {
        let directory = try TemporaryDirectory("vigil-outage")
        var (server, token, data) = try await FaultTests.startFresh(in: directory)
        let port = server.port
        defer { server.stop() }
        let enrolled = try await Enrolled(server: server, token: token)
        let (operatorClient, key, site, appliance, serverKey) = (
            enrolled.operatorClient, enrolled.key, enrolled.site, enrolled.appliance, enrolled.serverKey
        )

        // Central Command goes away; the appliance keeps recording.
        server.stop()
        let outbox = try await SQLOutbox.open(path: directory.appending("outbox.sqlite"), logger: Logger(label: "t"))
        let recorder = try await EvidenceRecorder(applianceID: appliance, key: key, outbox: outbox)
        for batch in 0..<3 {
            try await recorder.record(try enrolled.scans(50, offset: batch * 50))
        }
        let client = ApplianceClient(connection: server.connection, applianceID: appliance, key: key)
        let uploader = EvidenceUploader(
            outbox: outbox, sink: client, serverKey: serverKey, applianceID: appliance, batchSize: 40)
        let during = await uploader.flush()
        #expect(during.receipted == 0)
        #expect(during.failure?.contains("cannot reach Central Command") == true, "\(during.failure ?? "none")")
        #expect(try await outbox.status().unreceipted == 150)

        // Back on the same port and data: everything goes, each receipt checked and kept.
        server = try ServerProcess(dataDir: data, port: port, log: directory.appending("server-2.log"))
        try await server.waitUntilReady()
        let after = await uploader.flush()
        #expect(after.failure == nil, "\(after.failure ?? "")")
        #expect(after.receipted == 150 && after.rejected.isEmpty)
        #expect(try await outbox.status().unreceipted == 0)
        for sequence in [Int64(1), 75, 150] {
            let stored = try #require(try await outbox.entry(sequence)?.receipt)
            let receipt = try JSONDecoder().decode(SignedReceipt.self, from: Data(stored.utf8))
            #expect(ServerSignatures.verify(receipt, with: serverKey) && receipt.receipt.sequence == sequence)
        }
        // The server holds the whole chain exactly once.
        let listed = try await operatorClient.get(
            "/api/v1/sites/\(site)/evidence?limit=1000", as: [EvidenceSummary].self)
        #expect(listed.count == 150)
        #expect(Set(listed.map(\.sequence)).count == 150)
        await outbox.close()
    }

    @Test func aCheckInCycleAcknowledgesASignedOrderReportsHealthAndUploads() async throws {
        let directory = try TemporaryDirectory("vigil-cycle")
        let (server, token, _) = try await FaultTests.startFresh(in: directory)
        defer { server.stop() }
        let enrolled = try await Enrolled(server: server, token: token)
        let (operatorClient, key, site, appliance, serverKey) = (
            enrolled.operatorClient, enrolled.key, enrolled.site, enrolled.appliance, enrolled.serverKey
        )
        let order = try await operatorClient.post(
            "/api/v1/sites/\(site)/orders",
            CreateOrder(
                applianceID: appliance.rawValue, type: "run_checks",
                parameters: ["check": "linux.ssh.permit_root_login"]),
            as: OrderInfo.self)

        let database = try await SQLOutbox.openApplianceDatabase(
            path: directory.appending("appliance.sqlite"), logger: Logger(label: "t"))
        let outbox = SQLOutbox(database: database)
        let recorder = try await EvidenceRecorder(applianceID: appliance, key: key, outbox: outbox)
        try await recorder.record(try enrolled.scans(20, status: .fail))
        let client = ApplianceClient(connection: server.connection, applianceID: appliance, key: key)
        let cycle = CheckInCycle(
            link: client,
            gate: OrderGate(serverKey: serverKey, applianceID: appliance, ledger: SQLOrderLedger(database: database)),
            uploader: EvidenceUploader(outbox: outbox, sink: client, serverKey: serverKey, applianceID: appliance),
            outbox: outbox, softwareVersion: "0.1.0-test", startedAt: Timestamp.now().adding(milliseconds: -90_000))

        let first = await cycle.run(clockOffsetMilliseconds: 3)
        let answer = try first.checkIn.get()
        #expect(answer.nextCheckInSeconds == 60)
        #expect(first.accepted.map(\.payload.orderID) == [order.id])
        #expect(first.accepted.first?.payload.parameters["check"] == "linux.ssh.permit_root_login")
        #expect(first.problems.isEmpty, "\(first.problems)")
        #expect(first.upload.receipted == 20 && first.upload.failure == nil)
        var random = SystemRandomNumberGenerator()
        #expect((54...66).contains(first.nextDelay(using: &random)))

        let orders = try await operatorClient.get("/api/v1/sites/\(site)/orders", as: [OrderInfo].self)
        #expect(orders.first { $0.id == order.id }?.status == "acknowledged")
        // The acknowledged order is handed out again; the appliance knows it and does not run it twice.
        let second = await cycle.run(clockOffsetMilliseconds: 3)
        #expect(second.admissions == [.seenBefore(orderID: order.id)])
        #expect(second.accepted.isEmpty && second.upload.sent == 0)
        // Health reached Central Command: queue depth (0 after the upload), offset and version.
        let appliances = try await operatorClient.get("/api/v1/sites/\(site)/appliances", as: [ApplianceInfo].self)
        let info = try #require(appliances.first { $0.id == appliance.rawValue })
        #expect(info.status == "online" && info.queueDepth == 0 && info.clockOffsetMilliseconds == 3)
        #expect(info.softwareVersion == "0.1.0-test")
        await database.close()
    }
}
