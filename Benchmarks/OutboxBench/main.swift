// vigil-outbox-bench: how fast the appliance commits sealed bundles to its outbox (SQLite, WAL,
// synchronous=FULL), one bundle per commit and in batches, with realistic 20-result bundles.
// Run by scripts/bench/outbox-benchmark.sh in release mode; results go to docs/BENCHMARKS.md.
// Prints one JSON object.
import Appliance
import Compliance
import EvidenceCrypto
import EvidenceSet
import Foundation
import Logging
import SQLStorage

let key = SigningKey()
let applianceID = try Appliance.ID("appliance-bench")
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-outbox-bench-\(getpid())").path
defer { try? FileManager.default.removeItem(atPath: directory) }
try SampleEvidence(
    bundles: 1, recordsPerBundle: 20, checkpointEvery: 1000, applianceID: applianceID, applianceKey: key,
    witnessKey: nil, start: Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)
).write(to: "\(directory)/sample")
let template = try JSONDecoder().decode(
    EvidenceBundle.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/sample/bundles/000000000001.json")))

func bundles(_ count: Int) -> [EvidenceBundle] {
    (0..<count).map { _ in
        var bundle = template
        bundle.bundleID = .random(prefix: "bundle")
        return bundle
    }
}

/// Records `total` bundles `batch` at a time into a fresh outbox; bundles per second.
func run(total: Int, batch: Int, label: String) async throws -> Double {
    let outbox = try await SQLOutbox.open(path: "\(directory)/\(label).sqlite", logger: Logger(label: "bench"))
    let recorder = try await EvidenceRecorder(applianceID: applianceID, key: key, outbox: outbox)
    let work = stride(from: 0, to: total, by: batch).map { bundles(min(batch, total - $0)) }
    let start = DispatchTime.now().uptimeNanoseconds
    for group in work { try await recorder.record(group) }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    guard try await outbox.status().headSequence == Int64(total) else { throw StoreError.invalid("lost bundles") }
    await outbox.close()
    return Double(total) / seconds
}

/// Sealing alone (canonical JSON, SHA-256, Ed25519), no storage: the ceiling for the above.
func sealOnly(total: Int) throws -> Double {
    var log = try EvidenceLog(applianceID: applianceID, key: key)
    let work = bundles(total)
    let start = DispatchTime.now().uptimeNanoseconds
    for bundle in work { _ = try log.seal(bundle) }
    return Double(total) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}

var results: [String: Double] = [:]
results["seal_only_per_second"] = try sealOnly(total: 5000)
results["bundle_bytes"] = Double(try CanonicalJSON.encode(template).count)
results["one_per_commit_per_second"] = try await run(total: 3000, batch: 1, label: "single")
results["batch_25_per_second"] = try await run(total: 20_000, batch: 25, label: "batch")
let json = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys, .prettyPrinted])
print(String(decoding: json, as: UTF8.self))
