// vigil-scan-bench: the appliance's HostScanner against N real sshd hosts on loopback.
//
//   swift build -c release --product vigil-scan-bench
//   .build/release/vigil-scan-bench [--hosts 100] [--concurrency 16] [--rounds 3]
//
// Starts N LoopbackLinuxHost servers (root and OpenSSH server needed), scans them all with the
// production scanner (20 checks per host, patching excluded: see docs/BENCHMARKS.md), and
// prints wall time per round, per-host latency percentiles and this process's peak resident
// memory. The hosts are separate processes and are not counted.
import Appliance
import Compliance
import Foundation
import LabHosts
import Logging
import SQLStorage
import VigilAPI

func option(_ name: String, _ fallback: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let value = Int(arguments[index + 1])
    else { return fallback }
    return value
}

/// VmHWM / VmRSS of this process in MiB.
func memory(_ field: String) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? -1
        return kilobytes / 1024
    }
    return -1
}

let hostCount = option("--hosts", 100)
let concurrency = option("--concurrency", 16)
let rounds = option("--rounds", 3)
guard LoopbackLinuxHost.available else {
    print("needs root, OpenSSH server (apt-get install openssh-server) and unshare")
    exit(2)
}
let root = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-scan-bench-\(getpid())").path
try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
let keyPath = root + "/scan-key"
try LoopbackLinuxHost.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyPath])
let privateKey = try String(contentsOfFile: keyPath, encoding: .utf8)
let publicKey = try String(contentsOfFile: keyPath + ".pub", encoding: .utf8).trimmingCharacters(
    in: .whitespacesAndNewlines)

print("starting \(hostCount) sshd hosts…")
var hosts: [LoopbackLinuxHost] = []
for index in 0..<hostCount {
    var profile = LinuxHostProfile.demo[index % LinuxHostProfile.demo.count]
    profile.name = "bench-\(index)"
    profile.passwordLogin = false
    hosts.append(
        try LoopbackLinuxHost(
            profile: profile, directory: root + "/\(profile.name)", port: try ServerPorts.free(),
            authorizedKey: publicKey, password: "unused-\(index)"))
}
defer { hosts.forEach { $0.stop() } }
let targets = hosts.enumerated().map { index, host in
    CheckInTarget(
        hostID: "host-\(index)", name: host.profile.name, platform: "linux", address: host.address,
        credential: TargetCredential(kind: "ssh_private_key", username: LoopbackLinuxHost.username, secret: privateKey))
}
let database = try await SQLOutbox.openApplianceDatabase(path: root + "/bench.sqlite", logger: Logger(label: "bench"))
let scanner = HostScanner(
    pins: SQLHostKeyPins(database: database),
    identity: ApplianceIdentity(
        applianceID: try Appliance.ID("appliance-bench"), siteID: try Site.ID("site-bench"),
        softwareRevision: "bench", deploymentMode: .direct, reseller: nil),
    maximumConcurrent: concurrency, timeoutSeconds: 120)
print("before scanning: rss \(String(format: "%.1f", memory("VmRSS"))) MiB")
for round in 1...rounds {
    let started = ContinuousClock.now
    let scans = await scanner.scan(targets, includePatching: false)
    let elapsed = ContinuousClock.now - started
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let failed = scans.filter { $0.problem != nil }
    let checks = scans.map(\.bundle.results.count).reduce(0, +)
    let latencies = scans.map {
        Double($0.bundle.finishedAt.millisecondsSinceEpoch - $0.bundle.startedAt.millisecondsSinceEpoch)
    }
    .sorted()
    func percentile(_ p: Double) -> Double {
        latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
    }
    print(
        "round \(round): \(scans.count) hosts, \(checks) check results, \(failed.count) failed, "
            + String(
                format: "%.2f s wall, per host p50 %.0f ms p95 %.0f ms max %.0f ms", seconds, percentile(0.5),
                percentile(0.95), latencies.last ?? 0)
    )
    for scan in failed.prefix(3) { print("  \(scan.name): \(scan.problem ?? "")") }
}
print("peak rss \(String(format: "%.1f", memory("VmHWM"))) MiB, rss now \(String(format: "%.1f", memory("VmRSS"))) MiB")
await database.close()
