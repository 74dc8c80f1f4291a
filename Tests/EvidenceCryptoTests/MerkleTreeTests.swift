import EvidenceCrypto
import TestSupport
import Testing

@Suite struct MerkleTreeTests {
    /// The eight leaves of the RFC 6962 reference tests (certificate-transparency / transparency-dev).
    static let leaves: [[UInt8]] = [
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
    ].map(Fixtures.hex)
    static let leafHashes = leaves.map { MerkleTree.leafHash($0) }
    static let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    func root(_ size: Int) -> Hash32 { Hash32(hex: Self.roots[size - 1]).unsafelyUnwrapped }
    func hashes(_ hex: [String]) -> [Hash32] { hex.map { Hash32(hex: $0).unsafelyUnwrapped } }

    @Test func emptyTreeHashesTheEmptyString() {
        #expect(MerkleTree.emptyRoot.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(MerkleAccumulator().root == MerkleTree.emptyRoot)
    }

    @Test(arguments: 1...8)
    func rootsMatchTheReferenceValues(size: Int) {
        #expect(MerkleTree.root(leafHashes: Array(Self.leafHashes.prefix(size))) == root(size))
        var accumulator = MerkleAccumulator()
        for leaf in Self.leafHashes.prefix(size) { accumulator.append(leafHash: leaf) }
        #expect(accumulator.root == root(size))
    }

    /// Reference inclusion paths (computed independently from RFC 6962 §2.1.1).
    @Test(arguments: [
        (
            0, 8,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        ),
        (
            5, 8,
            [
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        ),
        (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
        (
            6, 7,
            [
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        ),
    ])
    func inclusionProofsMatchTheReference(index: Int, size: Int, expected: [String]) {
        let proof = MerkleTree.inclusionProof(index: index, leafHashes: Self.leafHashes[0..<size])
        #expect(proof == hashes(expected))
        #expect(
            MerkleTree.verifyInclusion(
                leafHash: Self.leafHashes[index], index: index, treeSize: size, proof: proof, root: root(size)))
    }

    /// Reference consistency proofs (computed independently from RFC 6962 §2.1.2).
    @Test(arguments: [
        (
            1, 8,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        ),
        (
            6, 8,
            [
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        ),
        (
            2, 5,
            [
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ]
        ),
        (
            3, 7,
            [
                "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
                "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
                "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
            ]
        ),
        (4, 8, ["6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    ])
    func consistencyProofsMatchTheReference(oldSize: Int, newSize: Int, expected: [String]) {
        let proof = MerkleTree.consistencyProof(oldSize: oldSize, leafHashes: Self.leafHashes[0..<newSize])
        #expect(proof == hashes(expected))
        #expect(
            MerkleTree.verifyConsistency(
                oldSize: oldSize, newSize: newSize, oldRoot: root(oldSize), newRoot: root(newSize), proof: proof))
    }

    @Test func everyProofOfEverySmallTreeVerifiesAndAnyTamperingFails() {
        let leaves = (0..<40).map { MerkleTree.leafHash([UInt8($0)]) }
        var roots: [Hash32] = [MerkleTree.emptyRoot]
        var accumulator = MerkleAccumulator()
        for leaf in leaves {
            accumulator.append(leafHash: leaf)
            roots.append(accumulator.root)
        }
        for size in 1...leaves.count {
            #expect(roots[size] == MerkleTree.root(leafHashes: leaves[0..<size]))
            for index in 0..<size {
                let proof = MerkleTree.inclusionProof(index: index, leafHashes: leaves[0..<size])
                #expect(
                    MerkleTree.verifyInclusion(
                        leafHash: leaves[index], index: index, treeSize: size, proof: proof, root: roots[size]))
                #expect(
                    !MerkleTree.verifyInclusion(
                        leafHash: leaves[(index + 1) % size], index: index, treeSize: size, proof: proof,
                        root: roots[size]) || size == 1)
                #expect(
                    !MerkleTree.verifyInclusion(
                        leafHash: leaves[index], index: index, treeSize: size, proof: proof, root: roots[size - 1])
                        || size == 1)
            }
            for oldSize in 1..<size {
                let proof = MerkleTree.consistencyProof(oldSize: oldSize, leafHashes: leaves[0..<size])
                #expect(
                    MerkleTree.verifyConsistency(
                        oldSize: oldSize, newSize: size, oldRoot: roots[oldSize], newRoot: roots[size], proof: proof))
                #expect(
                    !MerkleTree.verifyConsistency(
                        oldSize: oldSize, newSize: size, oldRoot: roots[oldSize], newRoot: roots[size - 1], proof: proof
                    ))
                if !proof.isEmpty {
                    var altered = proof
                    altered[0] = MerkleTree.leafHash([0xFF])
                    #expect(
                        !MerkleTree.verifyConsistency(
                            oldSize: oldSize, newSize: size, oldRoot: roots[oldSize], newRoot: roots[size],
                            proof: altered))
                }
            }
        }
    }

    @Test func refusesOutOfRangeInclusionProofs() {
        #expect(
            !MerkleTree.verifyInclusion(leafHash: Self.leafHashes[0], index: 8, treeSize: 8, proof: [], root: root(8)))
        #expect(
            !MerkleTree.verifyInclusion(leafHash: Self.leafHashes[0], index: -1, treeSize: 8, proof: [], root: root(8)))
        #expect(!MerkleTree.verifyConsistency(oldSize: 9, newSize: 8, oldRoot: root(8), newRoot: root(8), proof: []))
    }
}
