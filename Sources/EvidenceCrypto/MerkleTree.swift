import Crypto

/// RFC 6962 / RFC 9162 Merkle tree hashing with leaf and node domain separation, inclusion and
/// consistency proofs.
///
/// In Vigil a leaf's data is the 32-byte SHA-256 of a bundle's canonical bytes, so the log entry
/// an auditor hashes is exactly what `sha256sum` prints for the bundle file.
public enum MerkleTree {
    /// MTH({}) = SHA-256 of the empty string.
    public static let emptyRoot = Hash32.sha256([UInt8]())

    /// HASH(0x00 || data).
    public static func leafHash(_ data: UnsafeRawBufferPointer) -> Hash32 {
        var hasher = SHA256()
        hasher.update(data: [UInt8(0)])
        hasher.update(bufferPointer: data)
        return Hash32(hasher.finalize())
    }

    /// HASH(0x00 || data).
    public static func leafHash(_ data: some Collection<UInt8>) -> Hash32 {
        Array(data).withUnsafeBytes { leafHash($0) }
    }

    /// The leaf hash of a bundle whose canonical bytes hash to `bundleHash`.
    public static func leafHash(bundleHash: Hash32) -> Hash32 {
        bundleHash.withBytes { leafHash($0) }
    }

    /// HASH(0x01 || left || right).
    public static func nodeHash(_ left: Hash32, _ right: Hash32) -> Hash32 {
        var hasher = SHA256()
        hasher.update(data: [UInt8(1)])
        left.withBytes { hasher.update(bufferPointer: $0) }
        right.withBytes { hasher.update(bufferPointer: $0) }
        return Hash32(hasher.finalize())
    }

    /// The largest power of two smaller than `n` (n ≥ 2).
    static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// MTH(D[n]) over leaf hashes.
    public static func root(leafHashes: ArraySlice<Hash32>) -> Hash32 {
        switch leafHashes.count {
        case 0: return emptyRoot
        case 1: return leafHashes[leafHashes.startIndex]
        default:
            let k = split(leafHashes.count)
            let mid = leafHashes.startIndex + k
            return nodeHash(root(leafHashes: leafHashes[..<mid]), root(leafHashes: leafHashes[mid...]))
        }
    }

    public static func root(leafHashes: [Hash32]) -> Hash32 { root(leafHashes: leafHashes[...]) }

    /// PATH(m, D[n]): the audit path of leaf `index` in the tree of `leafHashes`.
    public static func inclusionProof(index: Int, leafHashes: ArraySlice<Hash32>) -> [Hash32] {
        let n = leafHashes.count
        guard n > 1, index >= 0, index < n else { return [] }
        let k = split(n)
        let mid = leafHashes.startIndex + k
        if index < k {
            return inclusionProof(index: index, leafHashes: leafHashes[..<mid]) + [root(leafHashes: leafHashes[mid...])]
        }
        return inclusionProof(index: index - k, leafHashes: leafHashes[mid...]) + [root(leafHashes: leafHashes[..<mid])]
    }

    /// PROOF(m, D[n]): the consistency proof between the first `oldSize` leaves and all of them.
    public static func consistencyProof(oldSize: Int, leafHashes: ArraySlice<Hash32>) -> [Hash32] {
        guard oldSize > 0, oldSize < leafHashes.count else { return [] }
        return subproof(oldSize, leafHashes, complete: true)
    }

    static func subproof(_ m: Int, _ leaves: ArraySlice<Hash32>, complete: Bool) -> [Hash32] {
        let n = leaves.count
        if m == n { return complete ? [] : [root(leafHashes: leaves)] }
        let k = split(n)
        let mid = leaves.startIndex + k
        if m <= k {
            return subproof(m, leaves[..<mid], complete: complete) + [root(leafHashes: leaves[mid...])]
        }
        return subproof(m - k, leaves[mid...], complete: false) + [root(leafHashes: leaves[..<mid])]
    }

    /// RFC 9162 §2.1.3.2: whether `proof` shows that `leafHash` is leaf `index` of the tree of
    /// `treeSize` leaves with root `root`.
    public static func verifyInclusion(
        leafHash: Hash32, index: Int, treeSize: Int, proof: [Hash32], root: Hash32
    ) -> Bool {
        guard index >= 0, index < treeSize else { return false }
        var fn = index
        var sn = treeSize - 1
        var r = leafHash
        for p in proof {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// RFC 9162 §2.1.4.2: whether `proof` shows that the tree of `oldSize` leaves with root
    /// `oldRoot` is a prefix of the tree of `newSize` leaves with root `newRoot`.
    public static func verifyConsistency(
        oldSize: Int, newSize: Int, oldRoot: Hash32, newRoot: Hash32, proof: [Hash32]
    ) -> Bool {
        guard oldSize >= 0, oldSize <= newSize else { return false }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        if oldSize == 0 { return proof.isEmpty }  // The empty tree is a prefix of every tree.
        guard !proof.isEmpty else { return false }
        var path = proof
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == oldRoot && sr == newRoot && sn == 0
    }
}

/// Builds an RFC 6962 tree head leaf by leaf in O(log n) memory: the roots of the perfect
/// subtrees that make up the leaves so far (a compact range from 0).
public struct MerkleAccumulator: Sendable {
    private var stack: [Hash32] = []
    /// How many leaves have been appended.
    public private(set) var size = 0

    public init() {}

    /// Appends one leaf hash.
    public mutating func append(leafHash: Hash32) {
        var node = leafHash
        var count = size
        // Each trailing 1 bit of the old size is a perfect subtree of equal height to merge with.
        while count & 1 == 1 {
            node = MerkleTree.nodeHash(stack.removeLast(), node)
            count >>= 1
        }
        stack.append(node)
        size += 1
    }

    /// MTH of the leaves appended so far.
    public var root: Hash32 {
        guard var node = stack.last else { return MerkleTree.emptyRoot }
        for sibling in stack.dropLast().reversed() {
            node = MerkleTree.nodeHash(sibling, node)
        }
        return node
    }
}
