/// A proof file in an evidence set's `proofs/` folder. Hashes are base64, as in checkpoints.
public struct MerkleProofFile: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// Bundle `sequence` is leaf `sequence - 1` of the tree of `treeSize` leaves.
        case inclusion
        /// The tree of `oldSize` leaves is a prefix of the tree of `treeSize` leaves.
        case consistency
    }

    public var kind: Kind
    public var sequence: Int64?
    public var oldSize: Int?
    public var treeSize: Int
    public var hashes: [String]

    public init(kind: Kind, sequence: Int64? = nil, oldSize: Int? = nil, treeSize: Int, hashes: [String]) {
        self.kind = kind
        self.sequence = sequence
        self.oldSize = oldSize
        self.treeSize = treeSize
        self.hashes = hashes
    }

    enum CodingKeys: String, CodingKey {
        case kind, sequence, hashes
        case oldSize = "old_size"
        case treeSize = "tree_size"
    }
}
