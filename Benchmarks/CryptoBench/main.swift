// vigil-bench: throughput of the evidence primitives (signing, verifying, canonicalisation,
// canonical-form validation, SHA-256). Run by scripts/bench/verify-benchmark.sh in release mode;
// results go to docs/BENCHMARKS.md. Prints one JSON object.
import Compliance
import EvidenceCrypto
import EvidenceSet
import Foundation

func measure(_ label: String, bytes: Int = 0, iterations: Int, _ body: () throws -> Void) rethrows -> [String: Double] {
    try body()  // Warm up.
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<iterations { try body() }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    var result = ["\(label)_per_second": Double(iterations) / seconds]
    if bytes > 0 { result["\(label)_mb_per_second"] = Double(bytes * iterations) / seconds / 1e6 }
    return result
}

let key = (try? SigningKey(seed: [UInt8](repeating: 7, count: 32))) ?? SigningKey()
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-\(getpid())").path
defer { try? FileManager.default.removeItem(atPath: directory) }
do {
    // One realistic 20-record bundle, produced by the sample generator.
    try SampleEvidence(
        bundles: 1, recordsPerBundle: 20, checkpointEvery: 1000,
        applianceID: try Appliance.ID("appliance-bench"), applianceKey: key, witnessKey: nil,
        start: Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)
    ).write(to: directory)
    let bundle = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(directory)/bundles/000000000001.json")))
    let value = try JSONParser().parse(bundle)
    let signature = key.signature(for: bundle)
    let form = CanonicalForm(capturing: ["appliance_id", "prev_hash", "schema", "sequence"])
    var results: [String: Double] = ["bundle_bytes": Double(bundle.count)]
    results.merge(measure("ed25519_sign", iterations: 20_000) { _ = key.signature(for: bundle) }) { $1 }
    results.merge(
        measure("ed25519_verify", iterations: 10_000) {
            precondition(key.verifyingKey.isValidSignature(signature, for: bundle))
        }
    ) { $1 }
    results.merge(
        try measure("canonicalize_parse_and_serialize", bytes: bundle.count, iterations: 5_000) {
            _ = try CanonicalJSON.serialize(try JSONParser().parse(bundle))
        }
    ) { $1 }
    results.merge(
        try measure("canonical_serialize", bytes: bundle.count, iterations: 5_000) {
            _ = try CanonicalJSON.serialize(value)
        }
    ) { $1 }
    results.merge(
        try measure("canonical_form_validate", bytes: bundle.count, iterations: 50_000) {
            _ = try form.validate(bundle)
        }
    ) { $1 }
    results.merge(measure("sha256", bytes: bundle.count, iterations: 100_000) { _ = Hash32.sha256(bundle) }) { $1 }
    let data = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys, .prettyPrinted])
    print(String(decoding: data, as: UTF8.self))
} catch {
    FileHandle.standardError.write(Data("vigil-bench: \(error)\n".utf8))
    exit(1)
}
