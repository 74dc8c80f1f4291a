import Appliance
import CentralClient
import Compliance
import EvidenceCrypto
import Foundation
import Logging
import SQLStorage
import Synchronization
import TestSupport
import Testing
import VigilAPI

/// The cycle's reports for each kind of order, against a loopback double of Central Command's
/// appliance API (the real server runs in CLITests' ApplianceUploadTests).
@Suite struct CheckInCycleTests {
    final class FakeCentral: CentralLink {
        let orders: [SignedOrder]
        let reports = Mutex<[String]>([])
        let requests = Mutex<[CheckInRequest]>([])
        let reachable: Bool

        init(orders: [SignedOrder], reachable: Bool = true) {
            self.orders = orders
            self.reachable = reachable
        }

        func checkIn(_ request: CheckInRequest) async throws(CentralClientError) -> CheckInResponse {
            guard reachable else { throw .transport("connection refused") }
            requests.withLock { $0.append(request) }
            return CheckInResponse(
                serverTime: "2026-11-22T00:00:00Z", ruleSetVersion: "builtin-1", enabledRunbooks: [],
                maintenanceWindow: nil, orders: orders, targets: [], nextCheckInSeconds: 30)
        }

        func report(_ report: OrderReport, order: String) async throws(CentralClientError) -> OrderInfo {
            reports.withLock { $0.append("\(order) \(report.status) \(report.detail ?? "")") }
            return OrderInfo(
                id: order, applianceID: "appliance-o", siteID: "site-x", type: "run_checks", parameters: [:],
                status: report.status, issuedAt: "", expiresAt: "", createdBy: "", updatedAt: "", resultDetail: nil)
        }

        func upload(_ upload: EvidenceUpload) async throws(CentralClientError) -> EvidenceUploadResult {
            EvidenceUploadResult(receipts: [], rejected: [], missing: [], head: 0)
        }

        func submit(checkpoint note: String) async throws(CentralClientError) -> CosignedCheckpoint {
            throw .status(501, "not in this fake")
        }

        func rotateKey(_ request: KeyRotationRequest) async throws(CentralClientError) -> KeyRotationRecord {
            throw .status(501, "not in this fake")
        }

        func escalate(_ request: EscalationRequest) async throws(CentralClientError) -> IncidentInfo {
            throw .status(501, "not in this fake")
        }

        func report(resolution: ResolutionReport) async throws(CentralClientError) {
            throw .status(501, "not in this fake")
        }

        func fetchRules() async throws(CentralClientError) -> SignedRuleSet {
            throw .status(501, "not in this fake")
        }

        func rekeyed(_ key: SigningKey) -> any CentralLink { self }
    }

    @Test func everyOrderGetsTheRightReportAndOnlyValidOnesRun() async throws {
        let directory = try TemporaryDirectory()
        let database = try await SQLOutbox.openApplianceDatabase(
            path: directory.appending("appliance.sqlite"), logger: Logger(label: "t"))
        let outbox = SQLOutbox(database: database)
        let signer = OrderGateTests()
        let central = FakeCentral(orders: [
            try signer.signed(id: "good", nonce: "n1"),
            try signer.signed(id: "foreign", appliance: "appliance-x", nonce: "n2"),
            try signer.signed(id: "old", nonce: "n3", issuedOffset: -2_000_000),
            try signer.signed(id: "forged", nonce: "n4", key: SigningKey()),
        ])
        let appliance = try Appliance.ID("appliance-o")
        let now = OrderGateTests.now
        let cycle = CheckInCycle(
            link: central,
            gate: OrderGate(
                serverKey: signer.serverKey.verifyingKey, applianceID: appliance,
                ledger: SQLOrderLedger(database: database), clock: { now }),
            uploader: EvidenceUploader(
                outbox: outbox, sink: central, serverKey: signer.serverKey.verifyingKey, applianceID: appliance),
            outbox: outbox, softwareVersion: "0.1.0", startedAt: now.adding(milliseconds: -5000), clock: { now })
        let report = await cycle.run(clockOffsetMilliseconds: nil)
        #expect(report.accepted.map(\.payload.orderID) == ["good"])
        #expect(report.problems.isEmpty, "\(report.problems)")
        let sent = central.reports.withLock { $0 }
        #expect(sent.count == 3)
        #expect(sent.contains("good acknowledged "))
        #expect(sent.contains { $0.hasPrefix("foreign rejected order is for appliance appliance-x") })
        #expect(sent.contains { $0.hasPrefix("old expired expired at") })
        #expect(!sent.contains { $0.hasPrefix("forged") })
        #expect(central.requests.withLock { $0.first?.uptimeSeconds } == 5)
        var random = SystemRandomNumberGenerator()
        #expect((27...33).contains(report.nextDelay(using: &random)))

        // Central Command unreachable: the cycle says why and still tries the upload.
        let down = CheckInCycle(
            link: FakeCentral(orders: [], reachable: false),
            gate: OrderGate(
                serverKey: signer.serverKey.verifyingKey, applianceID: appliance,
                ledger: SQLOrderLedger(database: database), clock: { now }),
            uploader: EvidenceUploader(
                outbox: outbox, sink: central, serverKey: signer.serverKey.verifyingKey, applianceID: appliance),
            outbox: outbox, softwareVersion: "0.1.0", startedAt: now, clock: { now })
        let failed = await down.run(clockOffsetMilliseconds: nil)
        guard case .failure(.transport) = failed.checkIn else {
            Issue.record("an unreachable server must show as a transport failure")
            return
        }
        #expect((54...66).contains(failed.nextDelay(using: &random)))
        await database.close()
    }
}
