public import EvidenceCrypto

/// A bundle as the appliance commits it: the canonical bytes exactly as signed, the detached
/// Ed25519 signature, and the SHA-256 that the next bundle links to.
public struct SealedBundle: Sendable, Equatable {
    public let sequence: Int64
    public let canonicalBytes: [UInt8]
    public let signature: [UInt8]
    public let hash: Hash32

    public init(sequence: Int64, canonicalBytes: [UInt8], signature: [UInt8], hash: Hash32) {
        self.sequence = sequence
        self.canonicalBytes = canonicalBytes
        self.signature = signature
        self.hash = hash
    }
}
