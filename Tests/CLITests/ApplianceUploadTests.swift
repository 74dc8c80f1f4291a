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
    @Test func evidenceWaitsOutAnOutageAndIsFlushedWithVerifiedReceipts() async throws {
        let directory = try TemporaryDirectory("vigil-outage")
        var (server, token, data) = try await FaultTests.startFresh(in: directory)
        let port = server.port
        defer { server.stop() }
        let operatorClient = OperatorClient(connection: server.connection, token: token)
        let key = SigningKey()
        let (site, applianceText, serverKeyText) = try await FaultTests.enrol(operatorClient, key: key)
        let appliance = try Appliance.ID(applianceText)
        let serverKey = try VerifyingKey(text: serverKeyText)

        // Central Command goes away; the appliance keeps recording.
        server.stop()
        let outbox = try await SQLOutbox.open(path: directory.appending("outbox.sqlite"), logger: Logger(label: "t"))
        let recorder = try await EvidenceRecorder(applianceID: appliance, key: key, outbox: outbox)
        let check = try CheckID("linux.ssh.permit_root_login")
        for batch in 0..<3 {
            try await recorder.record(
                try (0..<50).map { index in
                    let observed = Timestamp.now().adding(milliseconds: Int64(-1000 * (batch * 50 + index)))
                    return EvidenceBundle(
                        bundleID: .random(prefix: "bundle"), kind: .scan, siteID: try Site.ID(site),
                        hostID: try ManagedHost.ID("host-\(index % 5)"), applianceID: appliance, sequence: 0,
                        previousHash: .zero, observedAt: observed, startedAt: observed, finishedAt: observed,
                        softwareRevision: "outage-test", deploymentMode: .direct,
                        results: [CheckResult(checkID: check, status: .pass, severity: .high)], outcome: .success)
                })
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
}
