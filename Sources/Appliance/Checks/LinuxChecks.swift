public import Compliance
import Foundation

/// The thresholds of the Linux checks. Defaults are the catalogue's expectations.
public struct LinuxCheckPolicy: Sendable, Equatable {
    public var maximumAuthTries = 4
    public var passwordMaximumDays = 365
    /// TCP ports allowed to listen on a host.
    public var allowedPorts: Set<Int> = [22]
    public var minimumFreePercent = 10.0
    public var clamavMaximumAgeDays = 7.0
    public var backupMaximumAgeHours = 26.0
    public var maximumClockOffsetSeconds = 5.0

    public init() {}
}

/// Turns a `LinuxProbe`'s sections into the results of every `linux.*` check. Pure: the same
/// sections give the same results, and text from the host is only ever compared and quoted,
/// never run. A section the host could not fill gives `unknown` with the reason, never `pass`.
public struct LinuxChecks: Sendable {
    public let policy: LinuxCheckPolicy
    public let catalog: CheckCatalog

    public init(policy: LinuxCheckPolicy = LinuxCheckPolicy(), catalog: CheckCatalog = .builtin) {
        self.policy = policy
        self.catalog = catalog
    }

    /// A check's verdict before the catalogue's severity and controls are attached.
    struct Verdict {
        var status: CheckStatus
        var observed: String?
        var message: String?

        static func pass(_ observed: String) -> Verdict { Verdict(status: .pass, observed: observed) }
        static func fail(_ observed: String, _ message: String) -> Verdict {
            Verdict(status: .fail, observed: observed, message: message)
        }
        static func unknown(_ message: String) -> Verdict { Verdict(status: .unknown, message: message) }
    }

    /// Every Linux check's result. `window` is the appliance's Unix time when it sent the script
    /// and when it had the answer: the host read its clock somewhere in between.
    public func evaluate(_ sections: LinuxSections, window: ClosedRange<Double>) throws(DomainError) -> [CheckResult] {
        let applianceTime = window.upperBound
        let sshd = SSHDSettings(sections)
        var verdicts: [(String, Verdict)] = [
            ("linux.ssh.permit_root_login", permitRootLogin(sshd)),
            ("linux.ssh.password_authentication", passwordAuthentication(sshd)),
            ("linux.ssh.max_auth_tries", maxAuthTries(sshd)),
            ("linux.firewall.active", firewall(sections)),
            ("linux.audit.auditd_running", running(sections, ["auditd"], service: "auditd")),
            ("linux.audit.identity_rules", identityRules(sections)),
            ("linux.logging.syslog_running", syslog(sections)),
            ("linux.services.no_telnet", telnet(sections)),
            ("linux.files.shadow_permissions", shadowPermissions(sections)),
            ("linux.files.sshd_config_permissions", sshdConfigPermissions(sections)),
            ("linux.files.world_writable_etc", worldWritable(sections)),
            ("linux.accounts.uid0_only_root", uid0(sections)),
            ("linux.accounts.password_max_days", passwordMaxDays(sections)),
            ("linux.mac.enforcing", mandatoryAccessControl(sections)),
            ("linux.network.listening_ports", listeningPorts(sections)),
            ("linux.disk.free_space", diskSpace(sections)),
            ("linux.antivirus.clamav", clamav(sections, now: applianceTime)),
            ("linux.time.sync_active", timeSync(sections, window: window)),
            ("linux.crypto.luks_volumes", luks(sections)),
            ("linux.backup.restic_age", restic(sections, now: applianceTime)),
        ]
        if sections.has("patching") { verdicts.append(("linux.patching.security_updates", patching(sections))) }
        return try Self.results(verdicts, catalog: catalog)
    }

    /// Verdicts as results, with each check's severity, expectation and controls from the
    /// catalogue and every text from a host clipped.
    static func results(_ verdicts: [(String, Verdict)], catalog: CheckCatalog) throws(DomainError) -> [CheckResult] {
        try verdicts.map { (id, verdict) throws(DomainError) in
            let definition = try catalog.definition(id)
            return CheckResult(
                checkID: definition.id, status: verdict.status, severity: definition.severity,
                observed: verdict.observed.map { clip($0) }, expected: definition.expected,
                message: verdict.message.map { clip($0) }, controls: definition.controls)
        }
    }

    /// Text from a host is bounded before it goes into evidence.
    static func clip(_ text: String) -> String {
        let cleaned = String(text.unicodeScalars.filter { $0.properties.generalCategory != .control })
        return cleaned.count <= 300 ? cleaned : String(cleaned.prefix(297)) + "…"
    }

    // MARK: SSH

    func permitRootLogin(_ sshd: SSHDSettings) -> Verdict {
        guard let value = sshd.value("permitrootlogin") else {
            return sshd.readable
                ? .fail("yes (default)", "PermitRootLogin is not set; this sshd allows root logins") : Self.noSSHD
        }
        return value == "no" ? .pass(value) : .fail(value, "sshd allows root to log in (PermitRootLogin \(value))")
    }

    func passwordAuthentication(_ sshd: SSHDSettings) -> Verdict {
        guard let value = sshd.value("passwordauthentication") else {
            return sshd.readable
                ? .fail("yes (default)", "PasswordAuthentication is not set; sshd accepts passwords") : Self.noSSHD
        }
        return value == "no" ? .pass(value) : .fail(value, "sshd accepts password logins")
    }

    func maxAuthTries(_ sshd: SSHDSettings) -> Verdict {
        guard let text = sshd.value("maxauthtries") else {
            return sshd.readable ? .fail("6 (default)", "MaxAuthTries is not set; sshd allows 6 attempts") : Self.noSSHD
        }
        guard let tries = Int(text) else { return .fail(text, "MaxAuthTries is not a number") }
        return tries <= policy.maximumAuthTries
            ? .pass(text)
            : .fail(text, "sshd allows \(tries) attempts per connection (at most \(policy.maximumAuthTries))")
    }

    static let noSSHD = Verdict.unknown("cannot read the sshd configuration (sshd -T or /etc/ssh/sshd_config)")

    // MARK: Services

    /// Whether any of `services` is active by systemd, or any of `processes` runs.
    func isRunning(_ sections: LinuxSections, processes: [String], services: [String]) -> String? {
        let systemd = sections["services"]
        // `systemctl is-active a b c` prints one state per unit, in order.
        let units = LinuxProbe.systemdUnits
        if systemd.count == units.count {
            for service in services {
                if let index = units.firstIndex(of: service), systemd[index] == "active" { return "\(service) active" }
            }
        }
        let running = Set(sections["processes"])
        return processes.first(where: running.contains).map { "\($0) running" }
    }

    func running(_ sections: LinuxSections, _ processes: [String], service: String) -> Verdict {
        guard sections.has("processes") else { return .unknown("cannot list processes") }
        if let found = isRunning(sections, processes: processes, services: [service]) { return .pass(found) }
        return .fail("not running", "\(service) is not running")
    }

    func syslog(_ sections: LinuxSections) -> Verdict {
        guard sections.has("processes") else { return .unknown("cannot list processes") }
        if let found = isRunning(
            sections, processes: ["rsyslogd", "systemd-journal", "syslog-ng"],
            services: ["rsyslog", "systemd-journald"])
        {
            return .pass(found)
        }
        return .fail("none running", "neither rsyslog nor journald is running: events are not logged")
    }

    /// Whether the root-only reads ran as root (the account is root, or `sudo -n` worked).
    func readsAsRoot(_ sections: LinuxSections) -> Bool {
        sections["whoami"].first == "0" || sections["whoami"].contains("sudo")
    }

    func firewall(_ sections: LinuxSections) -> Verdict {
        guard sections.has("nft") else { return .unknown("the scan did not report the firewall") }
        let nft = sections["nft"]
        if nft.last == "status 0", let chains = Int(nft.first ?? ""), chains > 0 {
            return .pass("nftables: \(chains) chains")
        }
        if let ufw = sections["ufw"].first, ufw.lowercased().contains("status: active") { return .pass("ufw active") }
        if sections["firewalld"].first == "running" { return .pass("firewalld running") }
        if let found = isRunning(sections, processes: ["firewalld"], services: ["nftables", "ufw", "firewalld"]) {
            return .pass(found)
        }
        if nft.last == "status 0" {
            return .fail("nftables: no chains", "no firewall is active: the nftables ruleset is empty")
        }
        if nft.last != nil, !readsAsRoot(sections) {
            return .unknown("cannot read the nftables ruleset without root, and neither ufw nor firewalld is active")
        }
        return .fail("none active", "no firewall (nftables, ufw, firewalld) is active")
    }

    func identityRules(_ sections: LinuxSections) -> Verdict {
        guard sections.has("audit_rules") else { return .unknown("the scan did not report audit rules") }
        let watched = Set(
            sections["audit_rules"].compactMap { line -> String? in
                let parts = line.split(separator: " ")
                return parts.count >= 2 && parts[0] == "-w" ? String(parts[1]) : nil
            })
        let required = ["/etc/passwd", "/etc/shadow", "/etc/group"]
        let missing = required.filter { !watched.contains($0) }
        if missing.isEmpty { return .pass("watched: \(required.joined(separator: ", "))") }
        if watched.isEmpty, !readsAsRoot(sections), sections["audit_rules"].isEmpty {
            return .unknown("no audit rules readable (auditctl -l needs root; no rules files found)")
        }
        return .fail(
            "missing: \(missing.joined(separator: ", "))", "audit rules do not watch \(missing.joined(separator: ", "))"
        )
    }

    func telnet(_ sections: LinuxSections) -> Verdict {
        guard sections.has("telnet"), sections.has("listening") else {
            return .unknown("the scan did not report telnet")
        }
        let found = sections["telnet"]
        let listening = ports(sections).contains(23)
        if found.isEmpty, !listening { return .pass("absent") }
        let what = found.isEmpty ? "port 23 listening" : found.joined(separator: "; ")
        return .fail(what, "a telnet server is installed or listening: credentials would cross the network in clear")
    }

    // MARK: Files and accounts

    /// `stat -c '%n %a %U %G'` lines by path.
    func stats(_ sections: LinuxSections) -> [String: (mode: Int, owner: String, group: String)] {
        var result: [String: (Int, String, String)] = [:]
        for line in sections["stat"] {
            let parts = line.split(separator: " ")
            guard parts.count == 4, let mode = Int(parts[1], radix: 8) else { continue }
            result[String(parts[0])] = (mode, String(parts[2]), String(parts[3]))
        }
        return result
    }

    func shadowPermissions(_ sections: LinuxSections) -> Verdict {
        guard let stat = stats(sections)["/etc/shadow"] else { return .unknown("cannot stat /etc/shadow") }
        let observed = "\(String(stat.mode, radix: 8)) \(stat.owner):\(stat.group)"
        guard stat.mode & 0o7137 == 0 else {
            return .fail(observed, "/etc/shadow is readable or writable beyond root and the shadow group")
        }
        guard stat.owner == "root", ["root", "shadow"].contains(stat.group) else {
            return .fail(observed, "/etc/shadow is not owned by root:shadow")
        }
        return .pass(observed)
    }

    func sshdConfigPermissions(_ sections: LinuxSections) -> Verdict {
        guard let stat = stats(sections)["/etc/ssh/sshd_config"] else {
            return .unknown("cannot stat /etc/ssh/sshd_config")
        }
        let observed = "\(String(stat.mode, radix: 8)) \(stat.owner):\(stat.group)"
        guard stat.mode & 0o7133 == 0 else {
            return .fail(observed, "/etc/ssh/sshd_config is writable by others than root")
        }
        guard stat.owner == "root", stat.group == "root" else {
            return .fail(observed, "/etc/ssh/sshd_config is not owned by root:root")
        }
        return .pass(observed)
    }

    func worldWritable(_ sections: LinuxSections) -> Verdict {
        guard sections.has("world_writable") else { return .unknown("the scan did not search /etc") }
        let files = sections["world_writable"]
        if files.isEmpty { return .pass("0 files") }
        let shown = files.prefix(5).joined(separator: ", ")
        let count = files.count >= 50 ? "50 or more" : "\(files.count)"
        return .fail("\(count): \(shown)", "anyone on the host can change \(count) item(s) in /etc")
    }

    func uid0(_ sections: LinuxSections) -> Verdict {
        let accounts = sections["uid0"]
        guard !accounts.isEmpty else { return .unknown("cannot read /etc/passwd") }
        let others = accounts.filter { $0 != "root" }
        if others.isEmpty { return .pass("root") }
        return .fail(
            accounts.joined(separator: ", "),
            "accounts other than root have UID 0: \(others.joined(separator: ", "))")
    }

    func passwordMaxDays(_ sections: LinuxSections) -> Verdict {
        guard sections.has("login_defs") else { return .unknown("the scan did not read /etc/login.defs") }
        let values = sections["login_defs"].compactMap { line in
            line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { Int($0) }
        }
        guard let days = values.last else {
            return .fail("not set", "PASS_MAX_DAYS is not set in /etc/login.defs: passwords never expire")
        }
        return days <= policy.passwordMaximumDays && days > 0
            ? .pass("\(days) days")
            : .fail("\(days) days", "passwords may be kept for \(days) days (at most \(policy.passwordMaximumDays))")
    }

    func mandatoryAccessControl(_ sections: LinuxSections) -> Verdict {
        guard sections.has("mac") else { return .unknown("the scan did not report AppArmor or SELinux") }
        let lines = sections["mac"]
        if lines.contains("Enforcing") { return .pass("SELinux enforcing") }
        if lines.first == "Y" {
            if let profiles = lines.dropFirst().first.flatMap({ Int($0) }), profiles > 0 {
                return .pass("AppArmor: \(profiles) profiles enforcing")
            }
            if lines.count < 2 { return .unknown("AppArmor is enabled; its profiles are readable only by root") }
            return .fail("AppArmor enabled, no profile enforcing", "AppArmor enforces no profile")
        }
        if lines.contains("Permissive") { return .fail("SELinux permissive", "SELinux is not enforcing") }
        return .fail("none", "neither AppArmor nor SELinux is enforcing")
    }

    // MARK: Network, disk, time

    /// Listening TCP ports from `/proc/net/tcp{,6}` local addresses (`ADDR:PORT`, hex).
    func ports(_ sections: LinuxSections) -> Set<Int> {
        Set(
            sections["listening"].compactMap { address in
                address.split(separator: ":").last.flatMap { Int($0, radix: 16) }
            })
    }

    func listeningPorts(_ sections: LinuxSections) -> Verdict {
        guard sections.has("listening") else { return .unknown("cannot read /proc/net/tcp") }
        let listening = ports(sections)
        let unexpected = listening.subtracting(policy.allowedPorts).sorted()
        let observed = listening.sorted().prefix(30).map(String.init).joined(separator: ", ")
        if unexpected.isEmpty { return .pass(observed.isEmpty ? "none" : observed) }
        return .fail(
            observed,
            "ports outside the allowed list listen: \(unexpected.prefix(20).map(String.init).joined(separator: ", "))")
    }

    func diskSpace(_ sections: LinuxSections) -> Verdict {
        var worst: (mount: String, free: Double)?
        for line in sections["disk"].dropFirst() {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 6, let size = Double(parts[1]), let available = Double(parts[3]), size > 0 else {
                continue
            }
            let free = available / size * 100
            if free < worst?.free ?? .infinity { worst = (String(parts[5]), free) }
        }
        guard let worst else { return .unknown("no disk file systems reported by df") }
        let observed = String(format: "%.1f%% free on ", worst.free) + worst.mount
        return worst.free >= policy.minimumFreePercent
            ? .pass(observed) : .fail(observed, "\(worst.mount) is nearly full")
    }

    func timeSync(_ sections: LinuxSections, window: ClosedRange<Double>) -> Verdict {
        guard sections.has("time_sync"), sections.has("processes") else {
            return .unknown("the scan did not report time synchronisation")
        }
        guard let text = sections["clock"].first,
            let hostTime = Double(text) ?? text.split(separator: ".").first.flatMap({ Double($0) })
        else {
            return .unknown("the host did not report its time")
        }
        // The host read its clock after we sent and before we heard back: its offset is at
        // least the distance to that window (0 inside it). Seconds-only clocks get 1 s slack.
        let offset =
            hostTime < window.lowerBound - 1
            ? hostTime - window.lowerBound : hostTime > window.upperBound + 1 ? hostTime - window.upperBound : 0
        let lines = sections["time_sync"]
        let daemon = isRunning(
            sections, processes: ["chronyd", "ntpd", "systemd-timesyn"],
            services: ["chrony", "systemd-timesyncd", "ntp"])
        let observed = String(format: "offset %+.0f s", offset) + (daemon.map { ", \($0)" } ?? "")
        if abs(offset) > policy.maximumClockOffsetSeconds {
            return .fail(observed, String(format: "the host's clock is %+.0f s off the appliance's", offset))
        }
        if lines.first == "no" { return .fail(observed, "systemd reports the clock is not synchronised") }
        if lines.contains(where: { $0.hasPrefix("Leap status") && $0.contains("Not synchronised") }) {
            return .fail(observed, "chrony reports the clock is not synchronised")
        }
        guard lines.first == "yes" || daemon != nil else {
            return .fail(observed, "no time synchronisation service runs")
        }
        return .pass(observed)
    }

    func luks(_ sections: LinuxSections) -> Verdict {
        guard sections.has("luks") else { return .unknown("the scan did not report the root volume") }
        let lines = sections["luks"]
        guard let root = lines.first, root.hasPrefix("root "), root.count > 5 else {
            return .unknown("cannot tell which device holds /")
        }
        let source = String(root.dropFirst(5))
        if lines.dropFirst().contains("crypt") { return .pass("/ on \(source), LUKS") }
        if lines.count == 1 { return .unknown("/ is on \(source), not a block device lsblk knows (a container?)") }
        return .fail("/ on \(source), not encrypted", "the root file system is not on an encrypted volume")
    }

    // MARK: Antivirus, backups, patching

    func clamav(_ sections: LinuxSections, now: Double) -> Verdict {
        guard sections.has("clamav"), sections.has("processes") else {
            return .unknown("the scan did not report ClamAV")
        }
        let daemon = isRunning(sections, processes: ["clamd"], services: ["clamav-daemon"])
        let newest = sections["clamav"].compactMap { $0.split(separator: " ").first.flatMap { Double($0) } }.max()
        guard let newest else {
            return .fail(daemon ?? "not running", "ClamAV has no signature database")
        }
        let days = (now - newest) / 86_400
        let observed = (daemon ?? "clamd not running") + String(format: ", signatures %.1f days old", days)
        guard daemon != nil else { return .fail(observed, "the ClamAV daemon is not running") }
        return days <= policy.clamavMaximumAgeDays
            ? .pass(observed)
            : .fail(observed, "ClamAV signatures are older than \(Int(policy.clamavMaximumAgeDays)) days")
    }

    func restic(_ sections: LinuxSections, now: Double) -> Verdict {
        guard sections.has("restic") else { return .unknown("the scan did not report backups") }
        let text = sections["restic"].joined(separator: "\n")
        if text == "unconfigured" {
            return .unknown("no restic configuration at /etc/vigil/restic.env on the host")
        }
        struct Snapshot: Decodable { let time: String }
        guard let snapshots = try? JSONDecoder().decode([Snapshot].self, from: Data(text.utf8)) else {
            return .fail("restic failed", "restic could not list snapshots: \(text.prefix(200))")
        }
        guard let latest = snapshots.compactMap({ ResticTime.seconds($0.time) }).max() else {
            return .fail("no snapshots", "the host's restic repository has no snapshot")
        }
        let hours = (now - latest) / 3600
        let observed = String(format: "latest snapshot %.1f h old", hours)
        return hours <= policy.backupMaximumAgeHours
            ? .pass(observed)
            : .fail(observed, "the latest backup is older than \(Int(policy.backupMaximumAgeHours)) hours")
    }

    func patching(_ sections: LinuxSections) -> Verdict {
        let lines = sections["patching"]
        guard let manager = lines.first, manager != "none" else {
            return .unknown("neither apt nor dnf is available")
        }
        guard let count = lines.dropFirst().first.flatMap({ Int($0) }) else {
            return .unknown("\(manager) did not report pending updates")
        }
        return count == 0
            ? .pass("0 pending (\(manager))")
            : .fail("\(count) pending (\(manager))", "\(count) security update(s) are waiting to be installed")
    }
}

/// The sshd settings in force: `sshd -T` when the host let us run it, otherwise the
/// configuration files, first value winning as in sshd (keywords are case-insensitive).
struct SSHDSettings {
    let values: [String: String]
    let readable: Bool

    init(_ sections: LinuxSections) {
        let effective = sections["sshd_effective"]
        let lines = effective.count > 10 ? effective : sections["sshd_config"]
        readable = !lines.isEmpty
        var values: [String: String] = [:]
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), !trimmed.isEmpty else { continue }
            // A Match block applies only to some connections; the global settings end there.
            if trimmed.lowercased().hasPrefix("match ") { break }
            let parts = trimmed.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" || $0 == "=" })
            guard parts.count == 2 else { continue }
            let key = parts[0].lowercased()
            if values[key] == nil {
                values[key] = parts[1].trimmingCharacters(in: .whitespaces).lowercased()
            }
        }
        self.values = values
    }

    func value(_ key: String) -> String? { values[key] }
}

/// restic's snapshot times (`2026-11-30T09:12:01.123456789+00:00`) as Unix seconds.
enum ResticTime {
    static func seconds(_ text: String) -> Double? {
        // Drop the fraction: ISO8601DateFormatter takes at most milliseconds.
        var trimmed = text
        if let dot = text.firstIndex(of: "."),
            let zone = text[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" })
        {
            trimmed = String(text[..<dot]) + String(text[zone...])
        }
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: trimmed)?.timeIntervalSince1970
    }
}
