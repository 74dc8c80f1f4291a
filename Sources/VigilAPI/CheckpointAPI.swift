/// `POST /api/v1/appliance/checkpoints`: an appliance's signed checkpoint (C2SP signed note), and
/// the answer: the same note with Central Command's witness cosignature added.
public struct CheckpointSubmission: Codable, Equatable, Sendable {
    public var note: String
    public init(note: String) { self.note = note }
}

public struct CosignedCheckpoint: Codable, Equatable, Sendable {
    public var applianceID: String
    public var treeSize: Int64
    /// The note with the appliance's signature and the witness cosignature (`cosignature/v1`).
    public var note: String
    /// The witness key's name and Ed25519 public key (base64), to verify the cosignature.
    public var witnessName: String
    public var witnessKey: String

    public init(applianceID: String, treeSize: Int64, note: String, witnessName: String, witnessKey: String) {
        self.applianceID = applianceID
        self.treeSize = treeSize
        self.note = note
        self.witnessName = witnessName
        self.witnessKey = witnessKey
    }

    enum CodingKeys: String, CodingKey {
        case note
        case applianceID = "appliance_id"
        case treeSize = "tree_size"
        case witnessName = "witness_name"
        case witnessKey = "witness_key"
    }
}
