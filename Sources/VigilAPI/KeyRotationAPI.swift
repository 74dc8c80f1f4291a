public import Compliance

/// What both keys sign when an appliance replaces its key (ADR 0012):
/// `vigil-rotate-v1\n<appliance>\n<old key>\n<new key>\n<from sequence>\n`, keys as base64 of the
/// 32 raw Ed25519 bytes. The old key's signature endorses the successor; the new key's proves
/// possession. Naming both keys lets trust pinned on either one carry across the boundary.
public enum KeyRotationStatement {
    public static func message(applianceID: String, oldKey: String, newKey: String, fromSequence: Int64) -> [UInt8] {
        Array("vigil-rotate-v1\n\(applianceID)\n\(oldKey)\n\(newKey)\n\(fromSequence)\n".utf8)
    }
}

/// `POST /api/v1/appliance/key`, signed with the appliance's current key: replace it with
/// `new_key` from bundle `from_sequence` on. Central Command refuses (409) unless it holds
/// exactly bundles 1…`from_sequence − 1`, so the boundary is a point both sides agree on.
public struct KeyRotationRequest: Codable, Equatable, Sendable {
    public var newKey: String
    public var fromSequence: Int64
    /// The current key's signature over the statement (base64).
    public var endorsement: String
    /// The new key's signature over the statement (base64).
    public var proof: String

    public init(newKey: String, fromSequence: Int64, endorsement: String, proof: String) {
        self.newKey = newKey
        self.fromSequence = fromSequence
        self.endorsement = endorsement
        self.proof = proof
    }

    enum CodingKeys: String, CodingKey {
        case endorsement, proof
        case newKey = "new_key"
        case fromSequence = "from_sequence"
    }
}

/// One recorded key rotation: the answer to a rotation, an entry of `ApplianceInfo.keyRotations`
/// and of an evidence set's manifest (v2), where the offline verifier checks both signatures.
public struct KeyRotationRecord: Codable, Equatable, Sendable {
    public var oldKey: String
    public var newKey: String
    public var fromSequence: Int64
    public var endorsement: String
    public var proof: String
    public var rotatedAt: String

    public init(
        oldKey: String, newKey: String, fromSequence: Int64, endorsement: String, proof: String, rotatedAt: String
    ) {
        self.oldKey = oldKey
        self.newKey = newKey
        self.fromSequence = fromSequence
        self.endorsement = endorsement
        self.proof = proof
        self.rotatedAt = rotatedAt
    }

    public init(_ rotation: ApplianceKeyRotation) {
        self.init(
            oldKey: rotation.oldKey, newKey: rotation.newKey, fromSequence: rotation.fromSequence,
            endorsement: rotation.endorsement, proof: rotation.proof, rotatedAt: rotation.rotatedAt.description)
    }

    enum CodingKeys: String, CodingKey {
        case endorsement, proof
        case oldKey = "old_key"
        case newKey = "new_key"
        case fromSequence = "from_sequence"
        case rotatedAt = "rotated_at"
    }
}
