public import Compliance
import Crypto
import EvidenceCrypto
public import Foundation
import Synchronization

/// What the appliance's own checks are told to expect (docs/CONFIGURATION.md).
public struct SelfCheckPolicy: Sendable, Equatable {
    /// SHA-256 (hex) of `nft list ruleset` as it should be; nil: not pinned yet.
    public var firewallBaseline: String?
    /// Block devices or files that must be LUKS containers.
    public var luksVolumes: [String] = []
    /// Process names that must be running.
    public var criticalServices: [String] = []
    /// restic repository and password file of the appliance's own backup.
    public var resticRepository: String?
    public var resticPasswordFile: String?
    public var backupMaximumAgeHours = 26.0
    /// Seconds between `restic check` runs (it reads the whole repository index).
    public var resticCheckIntervalSeconds = 86_400.0
    /// The file rsyslog writes, searched for the logging canary when journald has none.
    public var syslogFile = "/var/log/syslog"
    /// SHA-256 (hex) the running binary must have; nil: recorded, not enforced.
    public var softwareSHA256: String?

    public init() {}
}

/// Runs a local program with arguments (no shell) and a time limit; output capped at 1 MiB.
struct LocalCommand {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ executable: String, _ arguments: [String], timeoutSeconds: Double = 60) -> Output? {
        guard FileManager.default.isExecutableFile(atPath: executable) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            return nil
        }
        // SIGKILL: the daemon ignores SIGTERM (it handles stop signals itself) and its children
        // inherit that, so a politer signal would leave a hung program running.
        let timer = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds, execute: timer)
        let errorData = Locked<Data>(Data())
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errorData.set(errors.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        timer.cancel()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: data.prefix(1 << 20), as: UTF8.self),
            stderr: String(decoding: errorData.value.prefix(4096), as: UTF8.self))
    }
}

/// A value handed from a reading thread to the caller.
final class Locked<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    func set(_ value: Value) { storage.withLock { $0 = value } }
    var value: Value { storage.withLock { $0 } }
}

/// The appliance's checks on itself beyond clock and disk: firewall baseline, LUKS volumes,
/// critical services, its own restic backup, logging continuity, and the running software.
/// Programs run with argument lists, never through a shell; what is not configured or cannot be
/// read is `unknown` with the reason, never `pass`.
public struct ApplianceSelfChecks: Sendable {
    public let policy: SelfCheckPolicy
    public let catalog: CheckCatalog
    let tools: [String: String]

    /// `tools` replaces the programs found on the system (tests run `nft` in a private network
    /// namespace this way).
    public init(policy: SelfCheckPolicy, catalog: CheckCatalog = .builtin, tools overrides: [String: String] = [:]) {
        self.policy = policy
        self.catalog = catalog
        var tools: [String: String] = [:]
        for name in ["nft", "cryptsetup", "restic", "logger", "journalctl"] {
            tools[name] = ["/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/"].map { $0 + name }
                .first { FileManager.default.isExecutableFile(atPath: $0) }
        }
        tools.merge(overrides) { _, new in new }
        self.tools = tools
    }

    /// Each check's result. `runResticCheck` asks for the (slow) repository check too.
    public func run(runResticCheck: Bool, now: Date = Date()) throws(DomainError) -> [CheckResult] {
        var verdicts: [(String, LinuxChecks.Verdict)] = [
            ("appliance.firewall.ruleset", firewall()),
            ("appliance.crypto.luks_volumes", luks()),
            ("appliance.services.critical", services()),
            ("appliance.backup.snapshot_age", snapshotAge(now: now)),
            ("appliance.logging.continuity", loggingContinuity()),
            ("appliance.software.revision", software()),
        ]
        if runResticCheck { verdicts.append(("appliance.backup.repository_check", repositoryCheck())) }
        return try LinuxChecks.results(verdicts, catalog: catalog)
    }

    func firewall() -> LinuxChecks.Verdict {
        guard let nft = tools["nft"] else { return .unknown("nft is not installed") }
        guard let output = LocalCommand.run(nft, ["list", "ruleset"]) else { return .unknown("nft did not run") }
        guard output.status == 0 else {
            return .unknown("nft list ruleset failed (needs root): \(output.stderr.prefix(200))")
        }
        let chains = output.stdout.split(separator: "\n").filter {
            $0.trimmingCharacters(in: .whitespaces).hasPrefix("chain ")
        }.count
        let hash = Hash32.sha256(Array(output.stdout.utf8)).hex
        let observed = "\(chains) chains, ruleset sha256:\(hash.prefix(16))…"
        guard chains > 0 else { return .fail(observed, "the appliance's firewall has no rules") }
        guard let baseline = policy.firewallBaseline?.lowercased() else {
            return LinuxChecks.Verdict(
                status: .warn, observed: observed,
                message: "no baseline pinned: set firewall-baseline = \(hash) once this ruleset is approved")
        }
        return baseline == hash
            ? .pass(observed)
            : .fail(observed, "the firewall ruleset differs from the baseline \(baseline.prefix(16))…")
    }

    func luks() -> LinuxChecks.Verdict {
        guard !policy.luksVolumes.isEmpty else { return .unknown("no volumes configured (luks-volumes)") }
        guard let cryptsetup = tools["cryptsetup"] else { return .unknown("cryptsetup is not installed") }
        var plain: [String] = []
        for volume in policy.luksVolumes {
            guard let output = LocalCommand.run(cryptsetup, ["isLuks", volume]) else {
                return .unknown("cryptsetup did not run")
            }
            if output.status != 0 { plain.append(volume) }
        }
        let count = policy.luksVolumes.count
        return plain.isEmpty
            ? .pass("\(count) of \(count) LUKS")
            : .fail(
                "\(count - plain.count) of \(count) LUKS", "not LUKS-encrypted: \(plain.joined(separator: ", "))")
    }

    func services() -> LinuxChecks.Verdict {
        guard !policy.criticalServices.isEmpty else {
            return .unknown("no critical services configured (critical-services)")
        }
        let running = Self.processNames()
        let missing = policy.criticalServices.filter { !running.contains($0) }
        return missing.isEmpty
            ? .pass(policy.criticalServices.joined(separator: ", ") + " running")
            : .fail("not running: \(missing.joined(separator: ", "))", "critical services are down")
    }

    static func processNames() -> Set<String> {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var names: Set<String> = []
        for entry in entries where entry.allSatisfy(\.isNumber) {
            if let name = try? String(contentsOfFile: "/proc/\(entry)/comm", encoding: .utf8) {
                names.insert(name.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        return names
    }

    func resticArguments(_ rest: [String]) -> [String]? {
        guard let repository = policy.resticRepository, let passwordFile = policy.resticPasswordFile else { return nil }
        return ["-r", repository, "--password-file", passwordFile, "--no-cache"] + rest
    }

    func snapshotAge(now: Date) -> LinuxChecks.Verdict {
        guard let arguments = resticArguments(["snapshots", "--latest", "1", "--json"]) else {
            return .unknown("no backup configured (restic-repository, restic-password-file)")
        }
        guard let restic = tools["restic"] else { return .unknown("restic is not installed") }
        guard let output = LocalCommand.run(restic, arguments, timeoutSeconds: 120), output.status == 0 else {
            return .fail("restic failed", "cannot list the backup's snapshots")
        }
        struct Snapshot: Decodable { let time: String }
        guard let snapshots = try? JSONDecoder().decode([Snapshot].self, from: Data(output.stdout.utf8)) else {
            return .fail("unreadable", "restic's snapshot list is unreadable")
        }
        guard let latest = snapshots.compactMap({ ResticTime.seconds($0.time) }).max() else {
            return .fail("no snapshots", "the appliance's backup has no snapshot")
        }
        let hours = (now.timeIntervalSince1970 - latest) / 3600
        let observed = String(format: "latest snapshot %.1f h old", hours)
        return hours <= policy.backupMaximumAgeHours
            ? .pass(observed)
            : .fail(observed, "the latest backup is older than \(Int(policy.backupMaximumAgeHours)) hours")
    }

    func repositoryCheck() -> LinuxChecks.Verdict {
        guard let arguments = resticArguments(["check"]) else {
            return .unknown("no backup configured (restic-repository, restic-password-file)")
        }
        guard let restic = tools["restic"] else { return .unknown("restic is not installed") }
        guard let output = LocalCommand.run(restic, arguments, timeoutSeconds: 1800) else {
            return .unknown("restic did not run")
        }
        return output.status == 0
            ? .pass("no errors were found")
            : .fail("restic check failed", "the backup repository is damaged: \(output.stderr.suffix(200))")
    }

    /// Sends a canary line through syslog and looks for it in journald, else in the syslog file.
    func loggingContinuity() -> LinuxChecks.Verdict {
        guard let logger = tools["logger"] else { return .unknown("logger is not installed") }
        let canary = "vigil-canary-\(LinuxProbe.newToken())"
        guard let sent = LocalCommand.run(logger, ["-t", "vigil-canary", canary]), sent.status == 0 else {
            return .fail("no syslog socket", "logging is not running: a canary line could not be written")
        }
        for _ in 0..<10 {
            if let journal = tools["journalctl"],
                let found = LocalCommand.run(journal, ["-t", "vigil-canary", "--since", "-10min", "-o", "cat"]),
                found.stdout.contains(canary)
            {
                return .pass("canary found in the journal")
            }
            if let text = try? String(contentsOfFile: policy.syslogFile, encoding: .utf8), text.contains(canary) {
                return .pass("canary found in \(policy.syslogFile)")
            }
            usleep(100_000)
        }
        return .fail("canary not found", "a canary line sent to syslog did not reach the log")
    }

    /// SHA-256 of the running binary, streamed once per process (the running image cannot
    /// change under a process, even if the file on disk is replaced).
    static let runningBinaryHash: String? = {
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/exe") else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }()

    func software() -> LinuxChecks.Verdict {
        guard let hash = Self.runningBinaryHash else { return .unknown("cannot read the running binary") }
        let observed = "sha256:\(hash)"
        guard let pinned = policy.softwareSHA256?.lowercased() else {
            return LinuxChecks.Verdict(
                status: .warn, observed: observed, message: "no software hash pinned (software-sha256)")
        }
        return pinned == hash ? .pass(observed) : .fail(observed, "the running binary is not the pinned build")
    }
}
