/// What `vigil verify` found, as printed with `--json` (and later served by Central Command).
public struct VerificationReport: Codable, Equatable, Sendable {
    /// The key signatures were checked against, and where it came from.
    public struct TrustedKey: Codable, Equatable, Sendable {
        public var fingerprint: String
        /// `pinned` (given with --key) or `evidence-set` (the set's own key file).
        public var source: String
        public var path: String

        public init(fingerprint: String, source: String, path: String) {
            self.fingerprint = fingerprint
            self.source = source
            self.path = path
        }
    }

    /// One problem found. Every failing bundle or file is named.
    public struct Failure: Codable, Equatable, Sendable {
        public var kind: FailureKind
        /// The file concerned, relative to the set, when there is one.
        public var file: String?
        public var sequence: Int64?
        public var message: String

        public init(kind: FailureKind, file: String? = nil, sequence: Int64? = nil, message: String) {
            self.kind = kind
            self.file = file
            self.sequence = sequence
            self.message = message
        }
    }

    public enum FailureKind: String, Codable, Sendable, CaseIterable {
        case notAnEvidenceSet = "not_an_evidence_set"
        case unreadableFile = "unreadable_file"
        case invalidJSON = "invalid_json"
        case notCanonical = "not_canonical"
        case invalidBundle = "invalid_bundle"
        case badSignature = "bad_signature"
        case missingSignature = "missing_signature"
        case chainBroken = "chain_broken"
        case missingBundle = "missing_bundle"
        case fork
        case duplicate
        case reordered
        case foreignAppliance = "foreign_appliance"
        case badCheckpoint = "bad_checkpoint"
        /// A key rotation in the manifest is not signed by both keys or does not follow the one before.
        case badKeyRotation = "bad_key_rotation"
        case inconsistentCheckpoint = "inconsistent_checkpoint"
        case badCosignature = "bad_cosignature"
        case badProof = "bad_proof"
        case unexpectedFile = "unexpected_file"
        case tooLarge = "too_large"
    }

    public struct Checkpoints: Codable, Equatable, Sendable {
        public var found: Int
        public var verified: Int
        public var largestTreeSize: Int
        /// Witness name → number of valid cosignatures.
        public var cosignatures: [String: Int]

        public init(found: Int, verified: Int, largestTreeSize: Int, cosignatures: [String: Int]) {
            self.found = found
            self.verified = verified
            self.largestTreeSize = largestTreeSize
            self.cosignatures = cosignatures
        }

        enum CodingKeys: String, CodingKey {
            case found, verified, cosignatures
            case largestTreeSize = "largest_tree_size"
        }
    }

    public var path: String
    public var verified: Bool
    public var applianceID: String?
    public var trustedKey: TrustedKey?
    /// Key rotations verified in the set (ADR 0012); bundles after each use the new key.
    public var keyRotations: Int
    public var bundles: Int
    public var firstSequence: Int64?
    public var lastSequence: Int64?
    public var bytes: Int64
    /// Bundles whose bytes are proven by a verified checkpoint's Merkle root.
    public var authenticatedByCheckpoint: Int
    /// Bundles whose own Ed25519 signature was verified.
    public var authenticatedBySignature: Int
    public var checkpoints: Checkpoints
    public var inclusionProofs: Int
    public var consistencyProofs: Int
    public var failures: [Failure]
    public var warnings: [String]
    public var durationSeconds: Double

    public init(path: String) {
        self.path = path
        self.verified = false
        self.keyRotations = 0
        self.bundles = 0
        self.bytes = 0
        self.authenticatedByCheckpoint = 0
        self.authenticatedBySignature = 0
        self.checkpoints = Checkpoints(found: 0, verified: 0, largestTreeSize: 0, cosignatures: [:])
        self.inclusionProofs = 0
        self.consistencyProofs = 0
        self.failures = []
        self.warnings = []
        self.durationSeconds = 0
    }

    enum CodingKeys: String, CodingKey {
        case path, verified, bundles, bytes, checkpoints, failures, warnings
        case applianceID = "appliance_id"
        case trustedKey = "trusted_key"
        case keyRotations = "key_rotations"
        case firstSequence = "first_sequence"
        case lastSequence = "last_sequence"
        case authenticatedByCheckpoint = "authenticated_by_checkpoint"
        case authenticatedBySignature = "authenticated_by_signature"
        case inclusionProofs = "inclusion_proofs"
        case consistencyProofs = "consistency_proofs"
        case durationSeconds = "duration_seconds"
    }
}
