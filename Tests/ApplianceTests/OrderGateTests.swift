import Appliance
import Compliance
import EvidenceCrypto
import Foundation
import Logging
import SQLStorage
import TestSupport
import Testing
import VigilAPI

/// The appliance's order checks (PRODUCT.md §8 rows: bad signature, expired, replayed nonce) with
/// orders signed exactly as Central Command signs them, and the nonce ledger in a real SQLite
/// file that survives a restart.
@Suite struct OrderGateTests {
    static let now = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)
    let serverKey = SigningKey()

    func signed(
        id: String = "order-1", appliance: String = "appliance-o", type: String = "run_checks",
        parameters: [String: String] = [:], nonce: String = "nonce-1", issuedOffset: Int64 = -1000,
        ttl: Int64 = 900_000, key: SigningKey? = nil, mutate: (inout [UInt8]) -> Void = { _ in }
    ) throws -> SignedOrder {
        let payload = OrderPayload(
            orderID: id, applianceID: appliance, siteID: "site-x", type: type, parameters: parameters, nonce: nonce,
            issuedAt: Self.now.adding(milliseconds: issuedOffset).description,
            expiresAt: Self.now.adding(milliseconds: issuedOffset + ttl).description, signer: "test")
        var bytes = try CanonicalJSON.encode(payload)
        let signature = (key ?? serverKey).signature(for: bytes)
        mutate(&bytes)
        return SignedOrder(payload: Base64.encode(bytes), signature: Base64.encode(signature))
    }

    func gate(_ directory: TemporaryDirectory, at time: Timestamp = now) async throws -> (OrderGate, VigilDatabase) {
        let database = try await SQLOutbox.openApplianceDatabase(
            path: directory.appending("appliance.sqlite"), logger: Logger(label: "t"))
        let gate = OrderGate(
            serverKey: serverKey.verifyingKey, applianceID: try Appliance.ID("appliance-o"),
            ledger: SQLOrderLedger(database: database), clock: { time })
        return (gate, database)
    }

    @Test func aValidOrderIsAcceptedOnceAndRecognisedAfterARestart() async throws {
        let directory = try TemporaryDirectory()
        var (gate, database) = try await gate(directory)
        let order = try signed(parameters: ["check": "linux.ssh.permit_root_login"])
        guard case .accepted(let payload, .runChecks) = try await gate.admit(order) else {
            Issue.record("a valid order must be accepted")
            return
        }
        #expect(payload.orderID == "order-1" && payload.parameters["check"] == "linux.ssh.permit_root_login")
        #expect(try await gate.admit(order) == .seenBefore(orderID: "order-1"))
        await database.close()
        (gate, database) = try await self.gate(directory)
        #expect(try await gate.admit(order) == .seenBefore(orderID: "order-1"))
        // The same nonce on another (validly signed) order is a replay.
        guard case .rejected("order-2", let reason) = try await gate.admit(try signed(id: "order-2")) else {
            Issue.record("a reused nonce must be rejected")
            return
        }
        #expect(reason.contains("nonce was used before by order order-1"))
        await database.close()
    }

    @Test func forgedTamperedForeignExpiredAndFutureOrdersAreRefused() async throws {
        let directory = try TemporaryDirectory()
        let (gate, database) = try await gate(directory)
        func reason(_ order: SignedOrder) async throws -> String {
            switch try await gate.admit(order) {
            case .rejected(_, let why): return why
            case .expired(let id, _): return "expired \(id)"
            case let other: return "not refused: \(other)"
            }
        }
        #expect(try await reason(try signed(nonce: "a", key: SigningKey())).contains("does not verify"))
        #expect(
            try await reason(try signed(nonce: "b") { $0[$0.count - 3] ^= 1 }).contains("does not verify"))
        #expect(try await reason(try signed(appliance: "appliance-other", nonce: "c")).contains("not this one"))
        #expect(try await reason(try signed(type: "format_disk", nonce: "d")).contains("unknown order type"))
        #expect(try await reason(try signed(type: "run_runbook", nonce: "e")).contains("needs the parameter runbook"))
        #expect(try await reason(try signed(nonce: "f", issuedOffset: -2_000_000)) == "expired order-1")
        #expect(try await reason(try signed(nonce: "g", issuedOffset: 600_000)).contains("issued in the future"))
        #expect(
            try await reason(SignedOrder(payload: "%%%", signature: "AAAA")).contains("does not verify"))
        // Refused orders never claim their nonce: the genuine order still goes through.
        guard case .accepted = try await gate.admit(try signed(nonce: "a")) else {
            Issue.record("a refusal must not burn the nonce")
            return
        }
        await database.close()
    }
}
