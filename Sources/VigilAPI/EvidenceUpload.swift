/// `POST /api/v1/evidence` from an appliance: a batch of bundles exactly as sealed.
public struct EvidenceUpload: Codable, Equatable, Sendable {
    public var bundles: [UploadedBundle]

    public init(bundles: [UploadedBundle]) {
        self.bundles = bundles
    }
}

/// One bundle in an upload: its canonical bytes and detached Ed25519 signature, both base64.
public struct UploadedBundle: Codable, Equatable, Sendable {
    public var canonicalBytes: String
    public var signature: String

    public init(canonicalBytes: String, signature: String) {
        self.canonicalBytes = canonicalBytes
        self.signature = signature
    }

    enum CodingKeys: String, CodingKey {
        case signature
        case canonicalBytes = "canonical_bytes"
    }
}

/// What Central Command did with an upload: a signed receipt for every bundle it holds (new or
/// already held), every bundle it refused and why, and the sequences it still waits for.
public struct EvidenceUploadResult: Codable, Equatable, Sendable {
    public var receipts: [SignedReceipt]
    public var rejected: [UploadRejection]
    /// Sequences the appliance must send before the rest can be accepted.
    public var missing: [SequenceRange]
    /// The appliance's chain head as stored after this upload.
    public var head: Int64

    public init(receipts: [SignedReceipt], rejected: [UploadRejection], missing: [SequenceRange], head: Int64) {
        self.receipts = receipts
        self.rejected = rejected
        self.missing = missing
        self.head = head
    }
}

/// An inclusive range of sequence numbers.
public struct SequenceRange: Codable, Equatable, Sendable {
    public var from: Int64
    public var to: Int64

    public init(from: Int64, to: Int64) {
        self.from = from
        self.to = to
    }
}

/// A refused bundle. `reason` is a stable code; `message` says what is wrong in words.
public struct UploadRejection: Codable, Equatable, Sendable {
    public enum Reason: String, Codable, Sendable {
        case malformed
        case notCanonical = "not_canonical"
        case badSignature = "bad_signature"
        case foreignAppliance = "foreign_appliance"
        case wrongSite = "wrong_site"
        case fork
        case brokenLink = "broken_link"
        case idReused = "id_reused"
        case outOfOrder = "out_of_order"
    }

    public var index: Int
    public var bundleID: String?
    public var sequence: Int64?
    public var reason: Reason
    public var message: String

    public init(index: Int, bundleID: String?, sequence: Int64?, reason: Reason, message: String) {
        self.index = index
        self.bundleID = bundleID
        self.sequence = sequence
        self.reason = reason
        self.message = message
    }

    enum CodingKeys: String, CodingKey {
        case index, sequence, reason, message
        case bundleID = "bundle_id"
    }
}

/// Central Command's statement that it holds a bundle: signed (Ed25519) over the RFC 8785
/// canonical bytes of `receipt`, so the appliance can prune only what it can prove was received.
public struct SignedReceipt: Codable, Equatable, Sendable {
    public var receipt: EvidenceReceipt
    /// Base64 Ed25519 signature over the canonical JSON of `receipt`.
    public var signature: String

    public init(receipt: EvidenceReceipt, signature: String) {
        self.receipt = receipt
        self.signature = signature
    }
}

/// The content of a receipt.
public struct EvidenceReceipt: Codable, Equatable, Sendable {
    public static let schemaV1 = "vigil.receipt/v1"

    public var schema: String
    public var bundleID: String
    public var applianceID: String
    public var sequence: Int64
    /// SHA-256 of the bundle's canonical bytes, hex.
    public var hash: String
    public var receivedAt: String
    /// Name of the key that signed the receipt.
    public var signer: String

    public init(
        bundleID: String, applianceID: String, sequence: Int64, hash: String, receivedAt: String, signer: String
    ) {
        self.schema = Self.schemaV1
        self.bundleID = bundleID
        self.applianceID = applianceID
        self.sequence = sequence
        self.hash = hash
        self.receivedAt = receivedAt
        self.signer = signer
    }

    enum CodingKeys: String, CodingKey {
        case schema, sequence, hash, signer
        case bundleID = "bundle_id"
        case applianceID = "appliance_id"
        case receivedAt = "received_at"
    }
}
