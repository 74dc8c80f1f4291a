/// `manifest.json` at the root of an evidence set: which appliance's log this is, where its public
/// key and witnesses' keys are, and which sequences the set should hold.
///
/// The manifest is written by whoever exports the set and is not signed. It is a guide, never a
/// source of trust: authenticity comes from the checkpoints and signatures, and an auditor pins
/// the appliance key with `vigil verify --key`.
public struct EvidenceSetManifest: Codable, Equatable, Sendable {
    public static let formatV1 = "vigil.evidence-set/v1"
    /// v1 plus `key_rotations`: the appliance's key changed inside the set (ADR 0012).
    public static let formatV2 = "vigil.evidence-set/v2"

    public struct Witness: Codable, Equatable, Sendable {
        /// The witness's note key name, e.g. `vigil.central/witness`.
        public var name: String
        /// The witness's public key file, relative to the set.
        public var publicKey: String

        public init(name: String, publicKey: String) {
            self.name = name
            self.publicKey = publicKey
        }

        enum CodingKeys: String, CodingKey {
            case name
            case publicKey = "public_key"
        }
    }

    public var format: String
    public var applianceID: String
    /// The checkpoint origin line and the appliance's note key name.
    public var origin: String
    /// The appliance's public key file (PEM), relative to the set: its first key, which signs
    /// from sequence 1 (v2: until the first rotation).
    public var publicKey: String
    public var firstSequence: Int64
    public var lastSequence: Int64
    public var createdAt: String
    public var witnesses: [Witness]
    /// v2: each replacement of the appliance's key, oldest first, with both keys' signatures.
    public var keyRotations: [KeyRotationRecord]?

    /// A v1 manifest, or v2 when the key was rotated.
    public init(
        applianceID: String, origin: String, publicKey: String, firstSequence: Int64, lastSequence: Int64,
        createdAt: String, witnesses: [Witness], keyRotations: [KeyRotationRecord] = []
    ) {
        self.format = keyRotations.isEmpty ? Self.formatV1 : Self.formatV2
        self.keyRotations = keyRotations.isEmpty ? nil : keyRotations
        self.applianceID = applianceID
        self.origin = origin
        self.publicKey = publicKey
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.createdAt = createdAt
        self.witnesses = witnesses
    }

    enum CodingKeys: String, CodingKey {
        case format, origin, witnesses
        case applianceID = "appliance_id"
        case publicKey = "public_key"
        case firstSequence = "first_sequence"
        case lastSequence = "last_sequence"
        case createdAt = "created_at"
        case keyRotations = "key_rotations"
    }
}
