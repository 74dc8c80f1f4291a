public import CentralClient
public import Compliance
public import EvidenceCrypto
public import VigilAPI

/// What the appliance makes of one signed order from a check-in.
public enum OrderAdmission: Equatable, Sendable {
    /// Verified, in scope, unexpired, first seen: act on it.
    case accepted(OrderPayload, OrderType)
    /// Seen before (handed out again until the appliance reports): nothing to do.
    case seenBefore(orderID: String)
    /// Past its expiry: report `expired`, do not act.
    case expired(orderID: String, expiresAt: String)
    /// Refused: report `rejected` with the reason (and record it as evidence); never act.
    case rejected(orderID: String?, reason: String)
}

/// The appliance's checks on an order before it does anything (PRODUCT.md §4): the signature
/// verifies with the server key pinned at enrolment over the canonical bytes, the order is for
/// this appliance, its type and parameters are known, it has not expired and was not issued in
/// the future, and its nonce has never been used by another order (persisted, so a restart does
/// not reopen replays).
public struct OrderGate: Sendable {
    /// How far in the future an order's issue time may lie (clock differences).
    public static let maximumSkewMilliseconds: Int64 = 300_000

    let serverKey: VerifyingKey
    let applianceID: Appliance.ID
    let ledger: any OrderLedger
    let clock: @Sendable () -> Timestamp

    public init(
        serverKey: VerifyingKey, applianceID: Appliance.ID, ledger: any OrderLedger,
        clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }
    ) {
        self.serverKey = serverKey
        self.applianceID = applianceID
        self.ledger = ledger
        self.clock = clock
    }

    public func admit(_ signed: SignedOrder) async throws(StoreError) -> OrderAdmission {
        guard let order = ServerSignatures.verify(signed, with: serverKey) else {
            return .rejected(
                orderID: nil,
                reason: "signature does not verify with the pinned server key over canonical vigil.order/v1 bytes")
        }
        guard order.applianceID == applianceID.rawValue else {
            return .rejected(
                orderID: order.orderID, reason: "order is for appliance \(order.applianceID), not this one")
        }
        guard let type = OrderType(rawValue: order.type) else {
            return .rejected(orderID: order.orderID, reason: "unknown order type \(order.type)")
        }
        do {
            try Order.checkParameters(order.parameters, for: type)
        } catch {
            return .rejected(orderID: order.orderID, reason: error.description)
        }
        let issued: Timestamp
        let expires: Timestamp
        do {
            issued = try Timestamp(parsing: order.issuedAt)
            expires = try Timestamp(parsing: order.expiresAt)
        } catch {
            return .rejected(orderID: order.orderID, reason: "order times are malformed: \(error.description)")
        }
        let now = clock()
        guard issued.millisecondsSinceEpoch <= now.millisecondsSinceEpoch + Self.maximumSkewMilliseconds else {
            return .rejected(orderID: order.orderID, reason: "order was issued in the future (\(order.issuedAt))")
        }
        guard now < expires else { return .expired(orderID: order.orderID, expiresAt: order.expiresAt) }
        switch try await ledger.claim(nonce: order.nonce, orderID: order.orderID, at: now) {
        case .fresh: return .accepted(order, type)
        case .seenBefore: return .seenBefore(orderID: order.orderID)
        case .reused(let other):
            return .rejected(orderID: order.orderID, reason: "nonce was used before by order \(other) (replay)")
        }
    }
}
