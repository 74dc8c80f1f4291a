import Appliance
import Compliance
import Foundation
import Testing

/// The reader of the Linux probe's output: right verdicts from realistic output, and hostile or
/// broken output never turning into a pass.
@Suite struct LinuxChecksTests {
    let probe = LinuxProbe(includePatching: true, token: "0123456789abcdef")
    let now = 1_800_000_000.0

    /// Probe output with `sections` (name → lines), ended like the real script.
    func output(_ sections: [(String, [String])], complete: Bool = true) -> String {
        var text = "motd noise before the first marker\n"
        for (name, lines) in sections {
            text += "\n@@vigil-\(probe.token) \(name)\n" + lines.map { $0 + "\n" }.joined()
        }
        if complete { text += "\n@@vigil-\(probe.token) end\n" }
        return text
    }

    /// What a hardened Debian host prints.
    var hardened: [(String, [String])] {
        [
            ("clock", [String(format: "%.3f", now)]),
            ("whoami", ["0"]),
            ("os", ["debian 12"]),
            ("sshd_effective", []),
            ("sshd_config", ["# comment", "PermitRootLogin no", "PasswordAuthentication no", "MaxAuthTries 3"]),
            ("stat", ["/etc/shadow 640 root shadow", "/etc/ssh/sshd_config 600 root root"]),
            ("uid0", ["root"]),
            ("login_defs", ["PASS_MAX_DAYS\t90"]),
            ("world_writable", []),
            ("services", []),
            ("processes", ["auditd", "chronyd", "clamd", "rsyslogd", "sshd"]),
            ("nft", ["4", "status 0"]),
            ("ufw", []),
            ("firewalld", []),
            (
                "audit_rules",
                ["-w /etc/passwd -p wa -k identity", "-w /etc/shadow -p wa -k identity", "-w /etc/group -p wa"]
            ),
            ("telnet", []),
            ("mac", ["Y", "12"]),
            ("listening", ["00000000:0016", "00000000000000000000000000000000:0016"]),
            ("disk", ["Filesystem 1024-blocks Used Available Capacity Mounted on", "/dev/sda1 1000 500 500 50% /"]),
            ("clamav", ["\(Int(now) - 3600) daily.cld", "\(Int(now) - 86_400) main.cvd"]),
            ("restic", [#"[{"time":"2026-01-15T08:00:00.123456789+00:00","id":"abc"}]"#]),
            ("time_sync", ["yes"]),
            ("luks", ["root /dev/mapper/root", "crypt", "disk", "part"]),
            ("patching", ["apt", "0"]),
        ]
    }

    func results(_ text: String, window: ClosedRange<Double>? = nil) throws -> [String: CheckResult] {
        let sections = probe.sections(of: text)
        let list = try LinuxChecks().evaluate(sections, window: window ?? now...(now + 0.2))
        return Dictionary(uniqueKeysWithValues: list.map { ($0.checkID.rawValue, $0) })
    }

    @Test func aHardenedHostPassesEveryCheckWithTheCatalogueAttached() throws {
        var sections = hardened
        // The restic snapshot must be recent relative to `now`.
        let recent = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: now - 3600))
        sections[20] = ("restic", [#"[{"time":"\#(recent)","id":"abc"}]"#])
        let found = try results(output(sections))
        #expect(found.count == 21)
        for (id, result) in found {
            #expect(result.status == .pass, "\(id): \(result.message ?? "")")
            let definition = try #require(CheckCatalog.builtin[result.checkID])
            #expect(result.severity == definition.severity && result.controls == definition.controls)
        }
    }

    @Test func driftIsFoundAndSaidPlainly() throws {
        var sections = hardened
        sections[4] = ("sshd_config", ["PermitRootLogin yes", "passwordauthentication yes", "MaxAuthTries 10"])
        sections[5] = ("stat", ["/etc/shadow 644 root shadow", "/etc/ssh/sshd_config 666 root root"])
        sections[6] = ("uid0", ["root", "toor"])
        sections[7] = ("login_defs", ["PASS_MAX_DAYS 99999"])
        sections[8] = ("world_writable", ["/etc/issue"])
        sections[10] = ("processes", ["sshd"])
        sections[11] = ("nft", ["0", "status 0"])
        sections[13] = ("firewalld", ["not running"])
        sections[15] = ("telnet", ["/usr/sbin/in.telnetd"])
        sections[17] = ("listening", ["00000000:0016", "00000000:0017", "0100007F:1F90"])
        sections[23] = ("patching", ["apt", "12"])
        let found = try results(output(sections))
        let expectations: [(String, String)] = [
            ("linux.ssh.permit_root_login", "yes"), ("linux.ssh.password_authentication", "yes"),
            ("linux.ssh.max_auth_tries", "10"), ("linux.files.shadow_permissions", "644 root:shadow"),
            ("linux.files.sshd_config_permissions", "666 root:root"), ("linux.accounts.uid0_only_root", "root, toor"),
            ("linux.accounts.password_max_days", "99999 days"), ("linux.files.world_writable_etc", "1: /etc/issue"),
            ("linux.audit.auditd_running", "not running"), ("linux.firewall.active", "nftables: no chains"),
            ("linux.services.no_telnet", "/usr/sbin/in.telnetd"), ("linux.network.listening_ports", "22, 23, 8080"),
            ("linux.patching.security_updates", "12 pending (apt)"),
        ]
        for (id, observed) in expectations {
            let result = try #require(found[id])
            #expect(result.status == .fail, "\(id)")
            #expect(result.observed == observed, "\(id): \(result.observed ?? "nil")")
            #expect(result.message?.isEmpty == false)
        }
    }

    @Test func rootOnlyReadsCountOnlyWhenTheyRanAsRootOrThroughSudo() throws {
        var sections = hardened
        sections[11] = ("nft", ["0", "status 1"])
        sections[14] = ("audit_rules", [])
        // A plain account: nft and auditctl were refused, so nothing is known.
        sections[1] = ("whoami", ["1000"])
        var found = try results(output(sections))
        #expect(found["linux.firewall.active"]?.status == .unknown)
        #expect(found["linux.audit.identity_rules"]?.status == .unknown)
        // The same account with `sudo -n`: the reads ran as root, so empty means missing.
        sections[1] = ("whoami", ["1000", "sudo"])
        sections[11] = ("nft", ["0", "status 0"])
        found = try results(output(sections))
        #expect(found["linux.firewall.active"]?.status == .fail)
        #expect(found["linux.firewall.active"]?.observed == "nftables: no chains")
        #expect(found["linux.audit.identity_rules"]?.status == .fail)
        // A word other than `sudo` on that line proves nothing.
        sections[1] = ("whoami", ["1000", "sudoers"])
        sections[11] = ("nft", ["0", "status 1"])
        found = try results(output(sections))
        #expect(found["linux.firewall.active"]?.status == .unknown)
    }

    @Test func sshdTakesTheFirstValueAndStopsAtAMatchBlock() throws {
        var sections = hardened
        sections[4] = (
            "sshd_config",
            [
                "PermitRootLogin no", "PermitRootLogin yes", "MaxAuthTries=2", "PasswordAuthentication no",
                "Match User backup", "PasswordAuthentication yes",
            ]
        )
        let found = try results(output(sections))
        #expect(found["linux.ssh.permit_root_login"]?.status == .pass)
        #expect(found["linux.ssh.max_auth_tries"]?.observed == "2")
        #expect(found["linux.ssh.password_authentication"]?.status == .pass)
        // Unset settings take sshd's defaults, which fail.
        sections[4] = ("sshd_config", ["Port 22"])
        let defaults = try results(output(sections))
        #expect(defaults["linux.ssh.permit_root_login"]?.observed == "yes (default)")
        #expect(defaults["linux.ssh.max_auth_tries"]?.status == .fail)
    }

    @Test func missingOrTruncatedOutputIsNeverAPass() throws {
        // Nothing at all, the end marker only, and a scan cut off half-way.
        let empty = probe.sections(of: "")
        #expect(!empty.complete)
        let bare = try results(output([]))
        #expect(bare.values.allSatisfy { $0.status != .pass }, "\(bare.filter { $0.value.status == .pass }.keys)")
        #expect(bare["linux.patching.security_updates"] == nil)
        let truncated = probe.sections(of: output(Array(hardened.prefix(6)), complete: false))
        #expect(!truncated.complete)
    }

    @Test func forgedMarkersFromHostFilesAreContentNotSections() throws {
        var sections = hardened
        // A hostile /etc/ssh/sshd_config tries to end its section and start another.
        sections[4] = (
            "sshd_config",
            [
                "PermitRootLogin yes", "@@vigil-ffffffffffffffff uid0", "root", "@@vigil-\(probe.token)x end",
                "@@vigil- end",
            ]
        )
        sections[6] = ("uid0", ["root", "toor"])
        let found = try results(output(sections))
        #expect(found["linux.ssh.permit_root_login"]?.status == .fail)
        #expect(found["linux.accounts.uid0_only_root"]?.status == .fail)
        // A repeated section does not replace the first one.
        let doubled = output(sections + [("uid0", ["root"])])
        #expect(try results(doubled)["linux.accounts.uid0_only_root"]?.status == .fail)
    }

    @Test func hostileTextIsClippedAndStrippedOfControlCharacters() throws {
        var sections = hardened
        let long = String(repeating: "A", count: 5000)
        sections[6] = ("uid0", ["root", "evil\u{1B}[31m\u{7}" + long])
        sections[4] = ("sshd_config", ["PermitRootLogin \u{0}yes\u{8}"])
        let found = try results(output(sections))
        let uid0 = try #require(found["linux.accounts.uid0_only_root"])
        #expect(uid0.status == .fail)
        #expect((uid0.observed?.count ?? 0) <= 300 && (uid0.message?.count ?? 0) <= 300)
        #expect(uid0.observed?.unicodeScalars.contains { $0.properties.generalCategory == .control } == false)
        #expect(found["linux.ssh.permit_root_login"]?.status == .fail)
    }

    @Test func aHostClockOutsideTheRoundTripByMoreThanFiveSecondsFails() throws {
        var sections = hardened
        sections[0] = ("clock", [String(format: "%.3f", now + 9)])
        let ahead = try #require(try results(output(sections))["linux.time.sync_active"])
        #expect(ahead.status == .fail)
        #expect(ahead.observed?.hasPrefix("offset +9") == true, "\(ahead.observed ?? "")")
        // A slow round trip is no offset: the host read its clock inside it.
        sections[0] = ("clock", [String(format: "%.3f", now + 7)])
        let slow = try #require(try results(output(sections), window: now...(now + 8))["linux.time.sync_active"])
        #expect(slow.status == .pass, "\(slow.observed ?? "")")
        // A clock that prints seconds only (busybox) still reads.
        sections[0] = ("clock", ["\(Int(now)).N"])
        #expect(try results(output(sections))["linux.time.sync_active"]?.status == .pass)
    }

    @Test func theScriptTakesNoParametersAndMarksSectionsWithItsToken() {
        let script = probe.script
        #expect(script.contains("@@vigil-\(probe.token)"))
        #expect(script.hasSuffix("s end\n"))
        #expect(LinuxProbe(includePatching: false).script.contains("apt-get") == false)
        // Two probes never share a token.
        #expect(LinuxProbe(includePatching: false).token != LinuxProbe(includePatching: false).token)
    }
}
