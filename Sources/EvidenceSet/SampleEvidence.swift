public import Compliance
public import EvidenceCrypto
import Foundation
import VigilAPI

/// Generates a valid, signed, chained and checkpointed evidence set of realistic host scans, for
/// demos, tests and benchmarks. Every bundle goes through the same `EvidenceLog` an appliance
/// uses; only the observations are simulated.
public struct SampleEvidence: Sendable {
    public var bundles: Int
    public var recordsPerBundle: Int
    /// A signed checkpoint (with proofs) is written after every this many bundles.
    public var checkpointEvery: Int
    public var applianceID: Appliance.ID
    public var applianceKey: SigningKey
    /// A witness that cosigns each checkpoint, as Central Command does; nil for none.
    public var witnessKey: SigningKey?
    /// Seed for the simulated observations: the same seed and keys give the same set.
    public var seed: UInt64
    /// Time of the first scan; scans follow every five minutes.
    public var start: Timestamp

    public static let witnessName = "vigil.central/witness"
    public static let scanInterval: Int64 = 300_000

    public init(
        bundles: Int, recordsPerBundle: Int, checkpointEvery: Int = 1000, applianceID: Appliance.ID,
        applianceKey: SigningKey, witnessKey: SigningKey?, seed: UInt64 = 1, start: Timestamp
    ) {
        self.bundles = bundles
        self.recordsPerBundle = recordsPerBundle
        self.checkpointEvery = checkpointEvery
        self.applianceID = applianceID
        self.applianceKey = applianceKey
        self.witnessKey = witnessKey
        self.seed = seed
        self.start = start
    }

    /// Writes the set to `directory` (absent or empty). `progress` is called with bundles written.
    public func write(to directory: String, progress: (Int) -> Void = { _ in }) throws(EvidenceSetError) {
        guard bundles >= 1 else { throw .invalid("--bundles must be at least 1") }
        guard (1...CheckCatalog.builtin.checks(for: .linux).count * 10).contains(recordsPerBundle) else {
            throw .invalid("--records must be between 1 and \(CheckCatalog.builtin.checks(for: .linux).count * 10)")
        }
        guard checkpointEvery >= 1 else { throw .invalid("--checkpoint-every must be at least 1") }
        let writer = try EvidenceSetWriter(directory: directory)
        var log: EvidenceLog
        let witness: NoteSigner?
        do {
            log = try EvidenceLog(applianceID: applianceID, key: applianceKey)
            witness = try witnessKey.map { key throws(NoteError) in
                try NoteSigner(name: Self.witnessName, key: key, type: .cosignatureV1)
            }
        } catch {
            throw .invalid(error.description)
        }
        var simulator = ScanSimulator(seed: seed, siteID: Self.siteID)
        var previousCheckpoint = 0
        for index in 0..<bundles {
            let observedAt = start.adding(milliseconds: Int64(index) * Self.scanInterval)
            let bundle = simulator.scan(
                index: index, records: recordsPerBundle, applianceID: applianceID, observedAt: observedAt)
            let sealed = try log.seal(bundle)
            try writer.write(sealed)
            let size = index + 1
            if size % checkpointEvery == 0 {
                let time = UInt64(max(0, observedAt.millisecondsSinceEpoch / 1000 + 60))
                try writer.write(
                    checkpoint: log.signedCheckpoint(witnesses: witness.map { [$0] } ?? [], time: time), treeSize: size)
                if previousCheckpoint > 0 {
                    try writer.write(
                        proof: MerkleProofFile(
                            kind: .consistency, oldSize: previousCheckpoint, treeSize: size,
                            hashes: log.consistencyProof(oldSize: previousCheckpoint, newSize: size).map(\.base64)))
                }
                // One inclusion proof per checkpoint: the first bundle it adds, so an auditor can
                // check a single bundle against a signed tree head without the whole set.
                let sequence = Int64(previousCheckpoint + 1)
                try writer.write(
                    proof: MerkleProofFile(
                        kind: .inclusion, sequence: sequence, treeSize: size,
                        hashes: log.inclusionProof(sequence: sequence, treeSize: size).map(\.base64)))
                previousCheckpoint = size
            }
            if size % 1000 == 0 || size == bundles { progress(size) }
        }
        try writer.write(publicKey: applianceKey.verifyingKey, at: EvidenceSetLayout.appliancePublicKey)
        var witnesses: [EvidenceSetManifest.Witness] = []
        if let witnessKey {
            let file = "\(EvidenceSetLayout.witnesses)/central-witness.pub.pem"
            try writer.write(publicKey: witnessKey.verifyingKey, at: file)
            witnesses.append(.init(name: Self.witnessName, publicKey: file))
        }
        try writer.write(
            manifest: EvidenceSetManifest(
                applianceID: applianceID.rawValue, origin: log.origin,
                publicKey: EvidenceSetLayout.appliancePublicKey, firstSequence: 1, lastSequence: Int64(bundles),
                createdAt: Timestamp.now().description, witnesses: witnesses))
    }

    static let partnerID = (try? Partner.ID("partner-sample-msp")).unsafelyUnwrapped
    static let clientID = (try? Client.ID("client-sample-dental")).unsafelyUnwrapped
    static let siteID = (try? Site.ID("site-sample-main-office")).unsafelyUnwrapped
}

/// Simulates what an appliance observes on a small practice's Linux servers: mostly passing
/// checks, a few hosts with lasting drift, and occasional transient failures.
struct ScanSimulator {
    var random: SplitMix64
    let siteID: Site.ID
    let hosts: [(id: ManagedHost.ID, drift: Set<String>)]
    let checks: [CheckDefinition]

    init(seed: UInt64, siteID: Site.ID) {
        self.random = SplitMix64(seed: seed)
        self.siteID = siteID
        self.checks = CheckCatalog.builtin.checks(for: .linux)
        let names = ["ehr-db-01", "file-server-01", "imaging-01", "backup-01", "print-01", "dc-linux-01"]
        var hosts: [(ManagedHost.ID, Set<String>)] = []
        for (index, name) in names.enumerated() {
            // A deterministic, realistic spread of drift: some hosts clean, some not.
            var drift: Set<String> = []
            for (offset, check) in checks.enumerated() where (offset * 7 + index * 3) % 17 == 0 {
                drift.insert(check.id.rawValue)
            }
            hosts.append(((try? ManagedHost.ID("host-\(name)")).unsafelyUnwrapped, drift))
        }
        self.hosts = hosts
    }

    mutating func scan(index: Int, records: Int, applianceID: Appliance.ID, observedAt: Timestamp) -> EvidenceBundle {
        let host = hosts[index % hosts.count]
        var results: [CheckResult] = []
        results.reserveCapacity(records)
        var controls: Set<ControlReference> = []
        for slot in 0..<records {
            let check = checks[slot % checks.count]
            let roll = random.next() % 1000
            let failing = host.drift.contains(check.id.rawValue) ? roll < 900 : roll < 8
            let status: CheckStatus =
                failing ? (check.severity >= .high ? .fail : .warn) : (roll == 999 ? .unknown : .pass)
            let (good, bad) = Self.observations[check.id.rawValue] ?? (check.expected, "drifted")
            results.append(
                CheckResult(
                    checkID: check.id, status: status, severity: check.severity,
                    observed: status == .unknown ? nil : (failing ? bad : good), expected: check.expected,
                    message: status == .pass
                        ? nil : "\(check.title): \(status == .unknown ? "no answer from host" : "drift detected")",
                    controls: check.controls))
            controls.formUnion(check.controls)
        }
        let failed = results.contains { $0.status == .fail || $0.status == .warn }
        let duration = Int64(800 + random.next() % 2400)
        return EvidenceBundle(
            bundleID: Self.bundleID(random.next(), random.next()), kind: .scan, partnerID: SampleEvidence.partnerID,
            clientID: SampleEvidence.clientID, siteID: siteID, hostID: host.id, applianceID: applianceID,
            sequence: 0, previousHash: .zero, observedAt: observedAt, startedAt: observedAt,
            finishedAt: observedAt.adding(milliseconds: duration),
            policyHash: Self.policyHash, rulesetHash: Self.rulesetHash,
            softwareRevision: "vigil 0.1.0 (sample)", deploymentMode: .direct,
            controls: controls.sorted(), results: results, outcome: failed ? .alert : .success)
    }

    /// Bundle IDs come from the seeded generator so that a seed and key reproduce a set exactly.
    static func bundleID(_ high: UInt64, _ low: UInt64) -> Identifier<EvidenceBundle> {
        let hex = String(high, radix: 16) + String(low, radix: 16)
        return (try? Identifier<EvidenceBundle>("bundle-\(hex)")).unsafelyUnwrapped
    }

    static let policyHash = try? HexDigest(hex: Hash32.sha256(Array("vigil sample policy v1".utf8)).hex)
    static let rulesetHash = try? HexDigest(hex: Hash32.sha256(Array("vigil builtin rules v1".utf8)).hex)

    /// What a passing and a drifted host report for each Linux check.
    static let observations: [String: (String, String)] = [
        "linux.ssh.permit_root_login": ("no", "yes"),
        "linux.ssh.password_authentication": ("no", "yes"),
        "linux.ssh.max_auth_tries": ("4", "10"),
        "linux.firewall.active": ("nftables active", "no firewall active"),
        "linux.audit.auditd_running": ("active", "inactive"),
        "linux.audit.identity_rules": ("3 of 3 rules", "0 of 3 rules"),
        "linux.logging.syslog_running": ("rsyslog active", "inactive"),
        "linux.services.no_telnet": ("absent", "telnetd installed"),
        "linux.patching.security_updates": ("0 pending", "7 pending"),
        "linux.files.shadow_permissions": ("0640 root:shadow", "0644 root:shadow"),
        "linux.files.sshd_config_permissions": ("0644 root:root", "0666 root:root"),
        "linux.files.world_writable_etc": ("0 files", "2 files"),
        "linux.accounts.uid0_only_root": ("root", "root, backdoor"),
        "linux.accounts.password_max_days": ("365", "99999"),
        "linux.mac.enforcing": ("apparmor enforcing", "apparmor disabled"),
        "linux.network.listening_ports": ("22, 443", "22, 23, 443, 3389"),
        "linux.disk.free_space": ("41% free", "6% free"),
        "linux.time.sync_active": ("synchronised, offset 0.004 s", "not synchronised"),
        "linux.crypto.luks_volumes": ("2 of 2 volumes", "1 of 2 volumes"),
        "linux.antivirus.clamav": ("running, signatures 1 d old", "signatures 19 d old"),
        "linux.backup.restic_age": ("3 h", "74 h"),
    ]
}
