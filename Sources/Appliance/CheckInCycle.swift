public import CentralClient
public import Compliance
import Foundation
public import VigilAPI

/// Central Command as the appliance's loop sees it: check in, report on orders, upload evidence.
public protocol CentralLink: EvidenceSink {
    func checkIn(_ request: CheckInRequest) async throws(CentralClientError) -> CheckInResponse
    func report(_ report: OrderReport, order: String) async throws(CentralClientError) -> OrderInfo
}

extension ApplianceClient: CentralLink {}

/// What one cycle did.
public struct CycleReport: Sendable {
    /// The check-in's answer, or why there was none.
    public var checkIn: Result<CheckInResponse, CentralClientError>
    /// Each order handed out and what the gate made of it.
    public var admissions: [OrderAdmission] = []
    /// Orders accepted in this cycle, to be run by the caller (already acknowledged).
    public var accepted: [(payload: OrderPayload, type: OrderType)] = []
    /// Reports Central Command did not take (they are sent again next time the order comes).
    public var reportFailures: [String] = []
    public var upload = UploadPass()

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
        let queue = (try? await outbox.status().unreceipted) ?? 0
        let uptime = max(0, (clock().millisecondsSinceEpoch - startedAt.millisecondsSinceEpoch) / 1000)
        let request = CheckInRequest(
            softwareVersion: softwareVersion, uptimeSeconds: uptime, queueDepth: queue,
            clockOffsetMilliseconds: clockOffsetMilliseconds)
        var report = CycleReport(checkIn: .failure(.transport("not tried")))
        do {
            report.checkIn = .success(try await link.checkIn(request))
        } catch {
            report.checkIn = .failure(error)
        }
        if case .success(let answer) = report.checkIn {
            for signed in answer.orders {
                let admission: OrderAdmission
                do {
                    admission = try await gate.admit(signed)
                } catch {
                    report.reportFailures.append("order ledger: \(error.description)")
                    continue
                }
                report.admissions.append(admission)
                let outcome: (id: String, report: OrderReport)?
                switch admission {
                case .accepted(let payload, let type):
                    report.accepted.append((payload, type))
                    outcome = (payload.orderID, OrderReport(status: OrderStatus.acknowledged.rawValue))
                case .expired(let id, let expiresAt):
                    outcome = (id, OrderReport(status: OrderStatus.expired.rawValue, detail: "expired at \(expiresAt)"))
                case .rejected(let id?, let reason):
                    outcome = (id, OrderReport(status: OrderStatus.rejected.rawValue, detail: reason))
                case .seenBefore(let id):
                    // Accepted before: acknowledge again (idempotent on the server), so a lost
                    // acknowledgement is repaired; the order is not run twice.
                    outcome = (id, OrderReport(status: OrderStatus.acknowledged.rawValue))
                case .rejected(nil, _):
                    // An unverifiable order has no ID we may believe: nothing to report against.
                    outcome = nil
                }
                if let outcome {
                    do {
                        _ = try await link.report(outcome.report, order: outcome.id)
                    } catch {
                        report.reportFailures.append("order \(outcome.id): \(error.description)")
                    }
                }
            }
        }
        report.upload = await uploader.flush()
        return report
    }
}
