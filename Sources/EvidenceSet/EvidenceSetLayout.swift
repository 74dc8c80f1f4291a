/// Where things live in an evidence set. The one place that knows the file names.
///
///     manifest.json                         what the set is (unsigned guide)
///     appliance.pub.pem                     the appliance's Ed25519 public key
///     witnesses/<name>.pub.pem              witness public keys
///     bundles/000000000042.json             canonical bytes of bundle 42, exactly as signed
///     bundles/000000000042.sig              its raw 64-byte Ed25519 signature
///     checkpoints/000000001000.note         signed checkpoint of the first 1000 bundles
///     proofs/inclusion-000000000042-000000001000.json
///     proofs/consistency-000000001000-000000002000.json
public enum EvidenceSetLayout {
    public static let manifest = "manifest.json"
    public static let appliancePublicKey = "appliance.pub.pem"
    public static let bundles = "bundles"
    public static let checkpoints = "checkpoints"
    public static let proofs = "proofs"
    public static let witnesses = "witnesses"
    /// Digits in a sequence number in file names; sorts correctly up to 10¹² bundles.
    public static let sequenceDigits = 12

    public static func padded(_ number: Int64) -> String {
        let text = String(number)
        return String(repeating: "0", count: max(0, sequenceDigits - text.count)) + text
    }

    public static func bundleFile(_ sequence: Int64) -> String { "\(bundles)/\(padded(sequence)).json" }
    public static func signatureFile(_ sequence: Int64) -> String { "\(bundles)/\(padded(sequence)).sig" }
    public static func checkpointFile(_ treeSize: Int) -> String { "\(checkpoints)/\(padded(Int64(treeSize))).note" }
    public static func inclusionProofFile(sequence: Int64, treeSize: Int) -> String {
        "\(proofs)/inclusion-\(padded(sequence))-\(padded(Int64(treeSize))).json"
    }
    public static func consistencyProofFile(oldSize: Int, newSize: Int) -> String {
        "\(proofs)/consistency-\(padded(Int64(oldSize)))-\(padded(Int64(newSize))).json"
    }

    /// The checkpoint origin and note key name of an appliance's log.
    public static func origin(applianceID: String) -> String { "vigil.appliance/\(applianceID)" }

    /// Parses a bundle file name `NNNNNNNNNNNN.json` or `NNNNNNNNNNNN-anything.json` (a second
    /// copy delivered alongside, e.g. by a merge): the sequence and the stem for the `.sig`.
    public static func parseBundleName(_ name: String) -> (sequence: Int64, stem: String)? {
        guard name.hasSuffix(".json") else { return nil }
        let stem = String(name.dropLast(5))
        let digits = stem.prefix(sequenceDigits)
        guard digits.count == sequenceDigits, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let sequence = Int64(digits)
        else { return nil }
        let rest = stem.dropFirst(sequenceDigits)
        guard rest.isEmpty || (rest.hasPrefix("-") && rest.count > 1) else { return nil }
        return (sequence, stem)
    }

    /// The sequence of a plain `NNNNNNNNNNNN<suffix>` file name given as bytes, without building
    /// a String: the verifier's listing of 100,000 names stays allocation-free.
    public static func fastBundleSequence(_ name: UnsafeRawBufferPointer, suffix: StaticString) -> Int64? {
        let suffixLength = suffix.utf8CodeUnitCount
        guard name.count == sequenceDigits + suffixLength else { return nil }
        for index in 0..<suffixLength where name[sequenceDigits + index] != suffix.utf8Start[index] {
            return nil
        }
        var value: Int64 = 0
        for index in 0..<sequenceDigits {
            let byte = name[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// A relative path from a manifest is used only if it stays inside the set: no absolute
    /// paths, no `..`, no empty segments.
    public static func isSafeRelativePath(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/"), path.utf8.count < 256 else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy {
            !$0.isEmpty && $0 != "." && $0 != ".."
        }
    }
}
