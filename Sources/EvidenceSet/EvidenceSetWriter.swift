public import EvidenceCrypto
import Foundation
public import VigilAPI

/// Writes an evidence set in the layout of `EvidenceSetLayout`.
public struct EvidenceSetWriter: Sendable {
    public let directory: String

    /// Prepares `directory`, which must be absent or empty so that a set never mixes two logs.
    public init(directory: String) throws(EvidenceSetError) {
        switch FileIO.kind(directory) {
        case .missing: break
        case .directory:
            if case .success(let names) = FileIO.list(directory), !names.isEmpty {
                throw .io(path: directory, reason: "directory is not empty; choose a new one for an evidence set")
            }
        case .file, .other: throw .io(path: directory, reason: "exists and is not a directory")
        }
        self.directory = directory
        for folder in [EvidenceSetLayout.bundles, EvidenceSetLayout.checkpoints, EvidenceSetLayout.proofs] {
            try FileIO.makeDirectory("\(directory)/\(folder)")
        }
    }

    public func write(_ bundle: SealedBundle) throws(EvidenceSetError) {
        try FileIO.write(bundle.canonicalBytes, to: path(EvidenceSetLayout.bundleFile(bundle.sequence)))
        try FileIO.write(bundle.signature, to: path(EvidenceSetLayout.signatureFile(bundle.sequence)))
    }

    public func write(checkpoint note: SignedNote, treeSize: Int) throws(EvidenceSetError) {
        try FileIO.write(Array(note.serialized.utf8), to: path(EvidenceSetLayout.checkpointFile(treeSize)))
    }

    public func write(proof: MerkleProofFile) throws(EvidenceSetError) {
        let name =
            switch proof.kind {
            case .inclusion:
                EvidenceSetLayout.inclusionProofFile(sequence: proof.sequence ?? 0, treeSize: proof.treeSize)
            case .consistency:
                EvidenceSetLayout.consistencyProofFile(oldSize: proof.oldSize ?? 0, newSize: proof.treeSize)
            }
        try FileIO.write(try Self.prettyJSON(proof), to: path(name))
    }

    public func write(manifest: EvidenceSetManifest) throws(EvidenceSetError) {
        try FileIO.write(try Self.prettyJSON(manifest), to: path(EvidenceSetLayout.manifest))
    }

    /// Writes a public key as PEM at `relativePath` (creating its folder).
    public func write(publicKey: VerifyingKey, at relativePath: String) throws(EvidenceSetError) {
        let full = path(relativePath)
        if let slash = full.lastIndex(of: "/") { try FileIO.makeDirectory(String(full[..<slash])) }
        try FileIO.write(Array(publicKey.pem.utf8), to: full)
    }

    func path(_ relative: String) -> String { "\(directory)/\(relative)" }

    static func prettyJSON(_ value: some Encodable) throws(EvidenceSetError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value)) + [0x0A]
        } catch {
            throw .invalid("cannot encode \(type(of: value)): \(error)")
        }
    }
}
