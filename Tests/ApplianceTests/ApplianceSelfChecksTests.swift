import Compliance
import Crypto
import Foundation
import TestSupport
import Testing

@testable import Appliance

/// The appliance's own checks with the real tools: nft in a private network namespace,
/// cryptsetup on LUKS and plain files, restic on a local repository, the process table.
@Suite(.serialized) struct ApplianceSelfChecksTests {
    static let root = getuid() == 0
    static func tool(_ path: String) -> Bool { FileManager.default.isExecutableFile(atPath: path) }

    func result(_ id: String, _ results: [CheckResult]) throws -> CheckResult {
        try #require(results.first { $0.checkID.rawValue == id })
    }

    @Test func nothingConfiguredIsUnknownNeverPass() throws {
        let results = try ApplianceSelfChecks(policy: SelfCheckPolicy(), tools: ["nft": "/nonexistent"]).run(
            runResticCheck: true)
        #expect(results.count == 7)
        for id in [
            "appliance.crypto.luks_volumes", "appliance.services.critical", "appliance.backup.snapshot_age",
            "appliance.backup.repository_check", "appliance.firewall.ruleset",
        ] {
            #expect(try result(id, results).status == .unknown, "\(id)")
        }
        #expect(try result("appliance.software.revision", results).status == .warn)
        #expect(results.allSatisfy { CheckCatalog.builtin[$0.checkID] != nil && !$0.controls.isEmpty })
    }

    @Test(.enabled(if: root && tool("/usr/sbin/nft") && tool("/usr/bin/unshare"), "needs root and nftables"))
    func theFirewallRulesetIsHashedAndComparedWithItsBaseline() throws {
        let directory = try TemporaryDirectory("vigil-nft")
        let rules = directory.appending("rules.nft")
        try """
        table inet filter {
          chain input { type filter hook input priority 0; policy drop; iif lo accept; tcp dport 22 accept; }
        }

        """.write(toFile: rules, atomically: true, encoding: .utf8)
        // nft in a fresh network namespace holding only these rules; the machine's own
        // firewall is never touched. Paths reach the script as arguments.
        let wrapper = directory.appending("nft")
        try """
        #!/bin/sh
        exec /usr/bin/unshare -n /bin/sh -c '/usr/sbin/nft -f "$0" && exec /usr/sbin/nft "$@"' "\(rules)" "$@"

        """.write(toFile: wrapper, atomically: true, encoding: .utf8)
        chmod(wrapper, 0o755)
        var policy = SelfCheckPolicy()
        let unpinned = try result(
            "appliance.firewall.ruleset",
            ApplianceSelfChecks(policy: policy, tools: ["nft": wrapper]).run(runResticCheck: false))
        #expect(unpinned.status == .warn && unpinned.observed?.hasPrefix("1 chains") == true, "\(unpinned)")
        let hint = try #require(unpinned.message?.components(separatedBy: "firewall-baseline = ").last)
        let hash = String(hint.prefix(64))
        policy.firewallBaseline = hash
        let pinned = try result(
            "appliance.firewall.ruleset",
            ApplianceSelfChecks(policy: policy, tools: ["nft": wrapper]).run(runResticCheck: false))
        #expect(pinned.status == .pass, "\(pinned)")
        // One port more: the hash no longer matches.
        try String(contentsOfFile: rules, encoding: .utf8).replacingOccurrences(
            of: "dport 22", with: "dport { 22, 23 }"
        )
        .write(toFile: rules, atomically: true, encoding: .utf8)
        let drifted = try result(
            "appliance.firewall.ruleset",
            ApplianceSelfChecks(policy: policy, tools: ["nft": wrapper]).run(runResticCheck: false))
        #expect(drifted.status == .fail && drifted.message?.contains("differs from the baseline") == true)
        // No rules at all is a failure whatever the baseline.
        try "".write(toFile: rules, atomically: true, encoding: .utf8)
        let empty = try result(
            "appliance.firewall.ruleset",
            ApplianceSelfChecks(policy: policy, tools: ["nft": wrapper]).run(runResticCheck: false))
        #expect(empty.status == .fail)
    }

    @Test(.enabled(if: tool("/usr/sbin/cryptsetup"), "needs cryptsetup (apt-get install cryptsetup-bin)"))
    func luksVolumesAreRecognisedAndPlainOnesNamed() throws {
        let directory = try TemporaryDirectory("vigil-luks")
        let encrypted = directory.appending("encrypted.img")
        let plain = directory.appending("plain.img")
        let keyFile = directory.appending("key")
        try "not a real secret".write(toFile: keyFile, atomically: true, encoding: .utf8)
        let made = try Shell.run(
            "truncate -s 32M '\(encrypted)' '\(plain)' && /usr/sbin/cryptsetup luksFormat --batch-mode --type luks2 "
                + "--pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file '\(keyFile)' '\(encrypted)'")
        #expect(made.status == 0, "\(made.stderr)")
        var policy = SelfCheckPolicy()
        policy.luksVolumes = [encrypted]
        #expect(
            try result("appliance.crypto.luks_volumes", ApplianceSelfChecks(policy: policy).run(runResticCheck: false))
                .status == .pass)
        policy.luksVolumes = [encrypted, plain]
        let mixed = try result(
            "appliance.crypto.luks_volumes", ApplianceSelfChecks(policy: policy).run(runResticCheck: false))
        #expect(mixed.status == .fail && mixed.observed == "1 of 2 LUKS" && mixed.message?.contains(plain) == true)
    }

    @Test func criticalServicesAreFoundInTheProcessTable() throws {
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["30"]
        try sleeper.run()
        defer {
            // SIGKILL: the test runner's children inherit a blocked SIGTERM.
            kill(sleeper.processIdentifier, SIGKILL)
            sleeper.waitUntilExit()
        }
        var policy = SelfCheckPolicy()
        policy.criticalServices = ["sleep"]
        #expect(
            try result("appliance.services.critical", ApplianceSelfChecks(policy: policy).run(runResticCheck: false))
                .status == .pass)
        policy.criticalServices = ["sleep", "no-such-daemon"]
        let down = try result(
            "appliance.services.critical", ApplianceSelfChecks(policy: policy).run(runResticCheck: false))
        #expect(down.status == .fail && down.observed == "not running: no-such-daemon")
    }

    @Test(.enabled(if: tool("/usr/bin/restic"), "needs restic (apt-get install restic)"))
    func theBackupIsRecentAndItsRepositoryChecksUntilDamaged() throws {
        let directory = try TemporaryDirectory("vigil-restic")
        let repository = directory.appending("repo")
        let password = directory.appending("password")
        try "correct horse battery staple".write(toFile: password, atomically: true, encoding: .utf8)
        let data = directory.appending("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        // 1 MB of varied bytes: its data pack is the one large pack (trees sit in a small one).
        var generator = SystemRandomNumberGenerator()
        try Data((0..<1_000_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
            .write(to: URL(fileURLWithPath: data + "/file.bin"))
        let made = try Shell.run(
            "export RESTIC_PASSWORD_FILE='\(password)'; restic -q -r '\(repository)' init && "
                + "restic -q -r '\(repository)' backup '\(data)'")
        #expect(made.status == 0, "\(made.stderr)")
        var policy = SelfCheckPolicy()
        policy.resticRepository = repository
        policy.resticPasswordFile = password
        let fresh = try ApplianceSelfChecks(policy: policy).run(runResticCheck: true)
        #expect(try result("appliance.backup.snapshot_age", fresh).status == .pass)
        #expect(try result("appliance.backup.repository_check", fresh).status == .pass)
        // A day and a half later the same snapshot is too old.
        let later = try ApplianceSelfChecks(policy: policy).run(
            runResticCheck: false, now: Date().addingTimeInterval(36 * 3600))
        #expect(try result("appliance.backup.snapshot_age", later).status == .fail)
        // Cut the data pack short, as a failing disk would: restic check must say so. (Damage to
        // the tree pack is found too, after restic's retries — tens of seconds.)
        let packs = try Shell.run("find '\(repository)/data' -type f -size +100k | head -n 1").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(truncate(packs, 20) == 0)
        policy.resticCheckIntervalSeconds = 0
        let damaged = try ApplianceSelfChecks(policy: policy).run(runResticCheck: true)
        let check = try result("appliance.backup.repository_check", damaged)
        #expect(check.status == .fail, "\(check)")
    }

    @Test(
        .enabled(
            if: !FileManager.default.fileExists(atPath: "/dev/log"),
            "this machine runs a syslog daemon; the canary's absent-logging case needs none"))
    func loggingWithoutASyslogSocketIsNotAPass() throws {
        let logging = try result(
            "appliance.logging.continuity", ApplianceSelfChecks(policy: SelfCheckPolicy()).run(runResticCheck: false))
        #expect(logging.status == .fail)
    }

    @Test func theRunningBinaryIsHashedAndComparedWithItsPin() throws {
        var hasher = SHA256()
        let handle = try #require(FileHandle(forReadingAtPath: "/proc/self/exe"))
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        let hash = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        var policy = SelfCheckPolicy()
        policy.softwareSHA256 = hash
        let pinned = try result(
            "appliance.software.revision", ApplianceSelfChecks(policy: policy).run(runResticCheck: false))
        #expect(pinned.status == .pass && pinned.observed == "sha256:\(hash)")
        policy.softwareSHA256 = String(repeating: "0", count: 64)
        #expect(
            try result("appliance.software.revision", ApplianceSelfChecks(policy: policy).run(runResticCheck: false))
                .status == .fail)
    }

    @Test func aHungProgramIsKilledAtItsTimeoutEvenWhenSIGTERMIsNotHeard() throws {
        // This runner's children inherit a blocked SIGTERM, as the daemon's inherit an ignored one.
        let started = ContinuousClock.now
        let output = try #require(LocalCommand.run("/bin/sleep", ["30"], timeoutSeconds: 0.5))
        #expect(output.status != 0)
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
