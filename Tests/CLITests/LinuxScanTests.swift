import Appliance
import Compliance
import Foundation
import LabHosts
import Logging
import SQLStorage
import TestSupport
import Testing
import VigilAPI

@testable import CLI

/// The appliance's SSH scanner against real OpenSSH servers on loopback (the demo's hosts:
/// sshd in private mount namespaces, each with its own drifted files).
@Suite(.serialized) struct LinuxScanTests {
    static let available = LoopbackLinuxHost.available
    static let skip: Comment = "needs OpenSSH server and root (apt-get install openssh-server; .ci/run installs it)"

    /// A host of `profile` under `directory`, with the scanning key and password.
    struct Lab {
        let directory: TemporaryDirectory
        let privateKey: String
        let publicKey: String
        let password = "s3cret-'$(touch /tmp/vigil-pwned)'\"`id`"

        init() throws {
            directory = try TemporaryDirectory("vigil-ssh")
            let path = directory.appending("scan-key")
            _ = try Shell.execute("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path])
            privateKey = try String(contentsOfFile: path, encoding: .utf8)
            publicKey = try String(contentsOfFile: path + ".pub", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func start(_ profile: LinuxHostProfile) throws -> LoopbackLinuxHost {
            try LoopbackLinuxHost(
                profile: profile, directory: directory.appending(profile.name), port: try ServerPorts.free(),
                authorizedKey: publicKey, password: password)
        }

        func target(_ host: LoopbackLinuxHost, id: String, password: Bool = false, address: String? = nil)
            -> CheckInTarget
        {
            CheckInTarget(
                hostID: id, name: host.profile.name, platform: "linux", address: address ?? host.address,
                credential: password
                    ? TargetCredential(kind: "password", username: LoopbackLinuxHost.username, secret: self.password)
                    : TargetCredential(
                        kind: "ssh_private_key", username: LoopbackLinuxHost.username, secret: privateKey))
        }

        func scanner(_ pins: any HostKeyPins, timeout: Int = 60) throws -> HostScanner {
            HostScanner(
                pins: pins, checks: LinuxChecks(),
                identity: ApplianceIdentity(
                    applianceID: try Appliance.ID("appliance-lab"), siteID: try Site.ID("site-lab"),
                    softwareRevision: "test", deploymentMode: .direct, reseller: nil),
                maximumConcurrent: 4, timeoutSeconds: timeout)
        }

        func pins() async throws -> (SQLHostKeyPins, VigilDatabase) {
            let database = try await SQLOutbox.openApplianceDatabase(
                path: directory.appending("appliance.sqlite"), logger: Logger(label: "test"))
            return (SQLHostKeyPins(database: database), database)
        }
    }

    static func statuses(_ scan: HostScan) -> [String: CheckStatus] {
        Dictionary(uniqueKeysWithValues: scan.bundle.results.map { ($0.checkID.rawValue, $0.status) })
    }

    @Test(.enabled(if: available, skip))
    func driftedSSHDConfigPermissionsAndAccountsAreFoundOverRealSSH() async throws {
        let lab = try Lab()
        let hardened = try lab.start(LinuxHostProfile(name: "hardened"))
        defer { hardened.stop() }
        let drifted = try lab.start(LinuxHostProfile.demo[1])
        defer { drifted.stop() }
        let (pins, database) = try await lab.pins()
        let scanner = try lab.scanner(pins)
        let scans = await scanner.scan(
            [lab.target(hardened, id: "host-good"), lab.target(drifted, id: "host-bad", password: true)],
            includePatching: false)
        await database.close()
        #expect(scans.count == 2)
        let good = Self.statuses(scans[0])
        let bad = Self.statuses(scans[1])
        #expect(scans.allSatisfy { $0.problem == nil }, "\(scans.map { $0.problem ?? "" })")
        for id in [
            "linux.ssh.permit_root_login", "linux.ssh.password_authentication", "linux.ssh.max_auth_tries",
            "linux.files.shadow_permissions", "linux.accounts.uid0_only_root", "linux.accounts.password_max_days",
            "linux.files.world_writable_etc",
        ] {
            #expect(good[id] == .pass, "hardened \(id): \(String(describing: good[id]))")
            #expect(bad[id] == .fail, "drifted \(id): \(String(describing: bad[id]))")
        }
        // One bundle per host, every check of the catalogue's Linux family but patching.
        #expect(scans[1].bundle.results.count == 20)
        #expect(scans[1].bundle.outcome == .alert)
        #expect(scans[1].bundle.actions.first?.step == "scan")
        // The password full of shell syntax went over SSH as a password, nothing else.
        #expect(!FileManager.default.fileExists(atPath: "/tmp/vigil-pwned"))
    }

    @Test(.enabled(if: available, skip))
    func hostKeysArePinnedOnFirstUseAndAChangedKeyIsRefusedAsAnAlert() async throws {
        let lab = try Lab()
        let first = try lab.start(LinuxHostProfile(name: "pinned"))
        let (pins, database) = try await lab.pins()
        let scanner = try lab.scanner(pins)
        let target = lab.target(first, id: "host-pin")
        let initial = await scanner.scan(target, includePatching: false)
        #expect(initial.problem == nil, "\(initial.problem ?? "")")
        let pinned = try #require(try await pins.pinnedKey(of: try ManagedHost.ID("host-pin")))
        #expect(pinned.hasPrefix("ssh-ed25519 "))
        // The same host again: same key, scanned.
        #expect(await scanner.scan(target, includePatching: false).problem == nil)

        // Another server (another host key) answers at the pinned host's address.
        first.stop()
        let impostor = try LoopbackLinuxHost(
            profile: LinuxHostProfile(name: "impostor"), directory: lab.directory.appending("impostor"),
            port: first.port, authorizedKey: lab.publicKey, password: lab.password)
        defer { impostor.stop() }
        let refused = await scanner.scan(target, includePatching: false)
        #expect(refused.problem?.contains("host key changed") == true, "\(refused.problem ?? "")")
        #expect(refused.bundle.outcome == .alert)
        #expect(refused.bundle.results.isEmpty)
        #expect(refused.bundle.actions.first?.step == "host_key")
        #expect(try await pins.pinnedKey(of: try ManagedHost.ID("host-pin")) == pinned)
        #expect(refused.problem?.contains("forget-host-key") == true)

        // The operator confirms the host was re-keyed and drops the pin; the next scan pins anew.
        let config = lab.directory.appending("appliance.conf")
        try "server-url = \"http://127.0.0.1:9\"\ndata-dir = \"\(lab.directory.path)\"\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        let forget = try Shell.vigil(["appliance", "forget-host-key", "--config", config, "--host", "host-pin"])
        #expect(forget.status == 0, "\(forget.stderr)")
        #expect(forget.stdout.contains("Forgot the pinned key"))
        let rescanned = await scanner.scan(target, includePatching: false)
        #expect(rescanned.problem == nil, "\(rescanned.problem ?? "")")
        let repinned = try await pins.pinnedKey(of: try ManagedHost.ID("host-pin"))
        #expect(repinned != nil && repinned != pinned)
        await database.close()
    }

    @Test(.enabled(if: available, skip))
    func wrongCredentialsAndDeadPortsFailFastWithAReasonNeverHang() async throws {
        let lab = try Lab()
        let host = try lab.start(LinuxHostProfile(name: "locked"))
        defer { host.stop() }
        let (pins, database) = try await lab.pins()
        let scanner = try lab.scanner(pins, timeout: 20)
        let started = ContinuousClock.now

        var wrongPassword = lab.target(host, id: "host-a", password: true)
        wrongPassword.credential?.secret = "not-the-password"
        let other = try Lab()
        var wrongKey = lab.target(host, id: "host-b")
        wrongKey.credential?.secret = other.privateKey
        var noCredential = lab.target(host, id: "host-c")
        noCredential.credential = nil
        var garbageKey = lab.target(host, id: "host-d")
        garbageKey.credential?.secret = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----"
        let deadPort = lab.target(host, id: "host-e", address: "127.0.0.1:\(try ServerPorts.free())")
        let badAddress = lab.target(host, id: "host-f", address: "127.0.0.1:99999")

        let scans = await scanner.scan(
            [wrongPassword, wrongKey, noCredential, garbageKey, deadPort, badAddress], includePatching: false)
        let problems = scans.map { $0.problem ?? "none" }
        #expect(problems[0].contains("does not accept password") || problems[0].contains("refused the password"))
        #expect(problems[1].contains("refused the public key"), "\(problems[1])")
        #expect(problems[2].contains("no credential"))
        #expect(problems[3].contains("private key"))
        #expect(problems[4].contains("cannot connect"))
        #expect(problems[5].contains("bad port"))
        #expect(scans.allSatisfy { $0.bundle.outcome == .alert && $0.bundle.results.isEmpty })
        // No credential leaks into the evidence.
        for scan in scans {
            let excerpt = scan.bundle.actions.compactMap(\.excerpt).joined()
            #expect(!excerpt.contains(lab.password) && !excerpt.contains("PRIVATE KEY"))
        }
        #expect(ContinuousClock.now - started < .seconds(15), "a failure hung")
        await database.close()
    }
}
