public import EvidenceCrypto
import Foundation
public import VigilAPI

/// Central Command's signing identity: it signs receipts, orders and witness cosignatures with
/// one Ed25519 key under one name. Appliances verify with `CentralClient.ServerSignatures`.
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

    /// Signs the RFC 8785 canonical bytes of an order; the appliance verifies those exact bytes.
    public func sign(_ order: OrderPayload) throws(CanonicalJSON.Failure) -> SignedOrder {
        let bytes = try CanonicalJSON.encode(order)
        return SignedOrder(payload: Base64.encode(bytes), signature: Base64.encode(key.signature(for: bytes)))
    }
}
