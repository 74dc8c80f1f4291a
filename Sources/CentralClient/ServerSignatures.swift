public import EvidenceCrypto
import Foundation
public import VigilAPI

/// What an appliance checks before it trusts Central Command's word: receipts for its evidence
/// and the orders it is given. Central Command signs (`ServerIdentity`); this verifies, with the
/// server key the appliance pinned at enrolment.
public enum ServerSignatures {
    /// Whether `signed` carries a valid signature by `key` over the RFC 8785 bytes of its receipt.
    public static func verify(_ signed: SignedReceipt, with key: VerifyingKey) -> Bool {
        guard let signature = Base64.decode(signed.signature), let bytes = try? CanonicalJSON.encode(signed.receipt)
        else { return false }
        return key.isValidSignature(signature, for: bytes)
    }

    /// The order inside `signed` when its signature verifies with `key` and its bytes are the
    /// canonical form of a `vigil.order/v1` order; nil otherwise. The appliance acts only on what
    /// this returns, and still checks expiry, scope and nonce itself.
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
