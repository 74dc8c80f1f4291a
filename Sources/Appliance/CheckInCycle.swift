public import CentralClient
public import Compliance
public import EvidenceCrypto
import Foundation
public import VigilAPI

/// Central Command as the appliance's loop sees it: check in, report on orders, upload evidence.
public protocol CentralLink: EvidenceSink {
    func checkIn(_ request: CheckInRequest) async throws(CentralClientError) -> CheckInResponse
    func report(_ report: OrderReport, order: String) async throws(CentralClientError) -> OrderInfo
    func submit(checkpoint note: String) async throws(CentralClientError) -> CosignedCheckpoint
    func rotateKey(_ request: KeyRotationRequest) async throws(CentralClientError) -> KeyRotationRecord
    func escalate(_ request: EscalationRequest) async throws(CentralClientError) -> IncidentInfo
    func report(resolution: ResolutionReport) async throws(CentralClientError)
    func fetchRules() async throws(CentralClientError) -> SignedRuleSet
    /// This link signing with `key` from now on (after a key rotation).
    func rekeyed(_ key: SigningKey) -> any CentralLink
}

extension ApplianceClient: CentralLink {
    public func rekeyed(_ key: SigningKey) -> any CentralLink {
        let client: ApplianceClient = rekeyed(key)
        return client
    }
}

/// What one cycle did.
public struct CycleReport: Sendable {
    /// The check-in's answer, or why there was none.
    public var checkIn: Result<CheckInResponse, CentralClientError>
    /// Each order handed out and what the gate made of it.
    public var admissions: [OrderAdmission] = []
    /// Orders accepted in this cycle, to be run by the caller (already acknowledged), with the
    /// signed form they came in (kept when the work must wait).
    public var accepted: [(payload: OrderPayload, type: OrderType, signed: SignedOrder)] = []
    /// What went wrong without stopping the cycle: order reports Central Command did not take
    /// (sent again when the order comes again), an unreadable outbox or order ledger.
    public var problems: [String] = []
    public var upload = UploadPass()

    public init(checkIn: Result<CheckInResponse, CentralClientError>) {
        self.checkIn = checkIn
    }

    /// Seconds until the next cycle: Central Command's suggestion (or 60 s) ± 10 % jitter.
    public func nextDelay(using random: inout some RandomNumberGenerator) -> Double {
        let base = Double((try? checkIn.get().nextCheckInSeconds) ?? 60)
        return base * Double.random(in: 0.9...1.1, using: &random)
    }
}

/// One turn of the appliance's loop: check in with health, pass every handed-out order through
/// the gate and report its fate (`acknowledged`, `rejected` with the reason, `expired`), then
/// upload the outbox. Pull only: the appliance listens on no port.
public struct CheckInCycle: Sendable {
    let link: any CentralLink
    let gate: OrderGate
    let uploader: EvidenceUploader
    let outbox: any Outbox
    let softwareVersion: String
    let startedAt: Timestamp
    let clock: @Sendable () -> Timestamp

    public init(
        link: any CentralLink, gate: OrderGate, uploader: EvidenceUploader, outbox: any Outbox,
        softwareVersion: String, startedAt: Timestamp, clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }
    ) {
        self.link = link
        self.gate = gate
        self.uploader = uploader
        self.outbox = outbox
        self.softwareVersion = softwareVersion
        self.startedAt = startedAt
        self.clock = clock
    }

    /// Runs the cycle; `clockOffsetMilliseconds` is the latest clock check's median offset.
    public func run(clockOffsetMilliseconds: Int64?) async -> CycleReport {
        var problems: [String] = []
        var queue: Int64 = 0
        do {
            queue = try await outbox.status().unreceipted
        } catch {
            problems.append("outbox: \(error.description)")
        }
        let uptime = max(0, (clock().millisecondsSinceEpoch - startedAt.millisecondsSinceEpoch) / 1000)
        let request = CheckInRequest(
            softwareVersion: softwareVersion, uptimeSeconds: uptime, queueDepth: queue,
            clockOffsetMilliseconds: clockOffsetMilliseconds)
        let checkIn: Result<CheckInResponse, CentralClientError>
        do {
            checkIn = .success(try await link.checkIn(request))
        } catch {
            checkIn = .failure(error)
        }
        var report = CycleReport(checkIn: checkIn)
        report.problems = problems
        for signed in (try? checkIn.get())?.orders ?? [] {
            let admission: OrderAdmission
            do {
                admission = try await gate.admit(signed)
            } catch {
                report.problems.append("order ledger: \(error.description)")
                continue
            }
            report.admissions.append(admission)
            if case .accepted(let payload, let type) = admission { report.accepted.append((payload, type, signed)) }
            guard let (order, answer) = Self.report(for: admission) else { continue }
            do {
                _ = try await link.report(answer, order: order)
            } catch {
                report.problems.append("order \(order): \(error.description)")
            }
        }
        report.upload = await uploader.flush()
        return report
    }

    /// What to tell Central Command about an order, if anything.
    static func report(for admission: OrderAdmission) -> (order: String, report: OrderReport)? {
        switch admission {
        case .accepted(let payload, _):
            (payload.orderID, OrderReport(status: OrderStatus.acknowledged.rawValue))
        case .seenBefore(let id):
            // Accepted before: acknowledge again (idempotent on the server), so a lost
            // acknowledgement is repaired; the order is not run twice.
            (id, OrderReport(status: OrderStatus.acknowledged.rawValue))
        case .expired(let id, let expiresAt):
            (id, OrderReport(status: OrderStatus.expired.rawValue, detail: "expired at \(expiresAt)"))
        case .rejected(let id?, let reason):
            (id, OrderReport(status: OrderStatus.rejected.rawValue, detail: reason))
        case .rejected(nil, _):
            // An unverifiable order has no ID we may believe: nothing to report against.
            nil
        }
    }
}
