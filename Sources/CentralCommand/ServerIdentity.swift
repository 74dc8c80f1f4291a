public import EvidenceCrypto
import Foundation
public import VigilAPI

/// Central Command's signing identity: it signs receipts (and later orders and witness
/// cosignatures) with one Ed25519 key under one name.
public struct ServerIdentity: Sendable {
    public let name: String
    public let key: SigningKey

    public init(name: String, key: SigningKey) {
        self.name = name
        self.key = key
    }

    /// Signs the RFC 8785 canonical bytes of `receipt`.
    public func sign(_ receipt: EvidenceReceipt) throws(CanonicalJSON.Failure) -> SignedReceipt {
        let bytes = try CanonicalJSON.encode(receipt)
        return SignedReceipt(receipt: receipt, signature: Base64.encode(key.signature(for: bytes)))
    }

    /// Whether `signed` carries a valid signature by `key` (what an appliance checks).
    public static func verify(_ signed: SignedReceipt, with key: VerifyingKey) -> Bool {
        guard let signature = Base64.decode(signed.signature), let bytes = try? CanonicalJSON.encode(signed.receipt)
        else {
            return false
        }
        return key.isValidSignature(signature, for: bytes)
    }

    /// Signs the RFC 8785 canonical bytes of an order; the appliance verifies those exact bytes.
    public func sign(_ order: OrderPayload) throws(CanonicalJSON.Failure) -> SignedOrder {
        let bytes = try CanonicalJSON.encode(order)
        return SignedOrder(payload: Base64.encode(bytes), signature: Base64.encode(key.signature(for: bytes)))
    }

    /// The order inside `signed` when its signature verifies with `key` and its bytes are the
    /// canonical form of an order (what an appliance checks before it acts); nil otherwise.
    public static func verify(_ signed: SignedOrder, with key: VerifyingKey) -> OrderPayload? {
        guard let bytes = Base64.decode(signed.payload), let signature = Base64.decode(signed.signature),
            key.isValidSignature(signature, for: bytes),
            let order = try? JSONDecoder().decode(OrderPayload.self, from: Data(bytes)),
            order.schema == OrderPayload.schemaName,
            (try? CanonicalJSON.encode(order)) == bytes
        else { return nil }
        return order
    }
}
