public import Compliance
public import EvidenceCrypto
import EvidenceSet
import Foundation

/// Fixed keys, times and small evidence sets for tests.
public enum Fixtures {
    /// A fixed appliance key (seed 0x01…), so sets made by tests are reproducible.
    public static let applianceKey = (try? SigningKey(seed: [UInt8](repeating: 1, count: 32))).unsafelyUnwrapped
    /// A different key: "someone else".
    public static let otherKey = (try? SigningKey(seed: [UInt8](repeating: 2, count: 32))).unsafelyUnwrapped
    public static let witnessKey = (try? SigningKey(seed: [UInt8](repeating: 3, count: 32))).unsafelyUnwrapped
    public static let applianceID = (try? Appliance.ID("appliance-test-01")).unsafelyUnwrapped
    public static let start = (try? Timestamp(parsing: "2026-03-01T08:00:00Z")).unsafelyUnwrapped

    /// Writes a sample set of `bundles` × `records` with a checkpoint every `checkpointEvery`.
    public static func sampleSet(
        in directory: TemporaryDirectory, name: String = "set", bundles: Int = 25, records: Int = 4,
        checkpointEvery: Int = 10
    ) throws -> String {
        let path = directory.appending(name)
        try SampleEvidence(
            bundles: bundles, recordsPerBundle: records, checkpointEvery: checkpointEvery, applianceID: applianceID,
            applianceKey: applianceKey, witnessKey: witnessKey, seed: 7, start: start
        ).write(to: path)
        return path
    }

    /// `bundles/NNNNNNNNNNNN.json` under `set`.
    public static func bundlePath(_ set: String, _ sequence: Int64) -> String {
        "\(set)/\(EvidenceSetLayout.bundleFile(sequence))"
    }

    public static func signaturePath(_ set: String, _ sequence: Int64) -> String {
        "\(set)/\(EvidenceSetLayout.signatureFile(sequence))"
    }

    public static func read(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    public static func write(_ bytes: [UInt8], _ path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Hex to bytes for test vectors.
    public static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }
}
