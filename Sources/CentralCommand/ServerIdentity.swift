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
}
