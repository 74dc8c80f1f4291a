/// The one registry of check IDs and their control mappings. Appliance, Central Command, scoring
/// and reports all read it; nothing else may define a check.
public struct CheckCatalog: Sendable {
    public let definitions: [CheckDefinition]
    private let byID: [CheckID: CheckDefinition]

    public init(definitions: [CheckDefinition]) throws(DomainError) {
        var byID: [CheckID: CheckDefinition] = [:]
        for definition in definitions {
            guard byID.updateValue(definition, forKey: definition.id) == nil else {
                throw .invalidValue(field: "check catalog", reason: "duplicate check \(definition.id)")
            }
        }
        self.definitions = definitions
        self.byID = byID
    }

    public subscript(id: CheckID) -> CheckDefinition? { byID[id] }

    /// The definition of the check `rawID`, which must be in the catalogue: for code that
    /// produces that check's results.
    public func definition(_ rawID: String) throws(DomainError) -> CheckDefinition {
        let id = try CheckID(rawID)
        guard let definition = byID[id] else {
            throw .invalidValue(field: "check", reason: "\(rawID) is not in the check catalogue")
        }
        return definition
    }

    /// The checks that run on `platform`, in catalogue order.
    public func checks(for platform: Platform) -> [CheckDefinition] {
        definitions.filter { $0.id.platform == platform }
    }

    /// Every check that supports `control`.
    public func checks(supporting control: ControlReference) -> [CheckDefinition] {
        definitions.filter { $0.controls.contains(control) }
    }
}

extension CheckCatalog {
    /// The checks Vigil ships with. Control IDs: HIPAA Security Rule sections (45 CFR 164.3xx),
    /// SOC 2 trust services criteria, PCI DSS v4.0 requirements, NIST CSF 2.0 subcategories and
    /// CIS Controls v8 safeguards.
    public static let builtin: CheckCatalog = {
        typealias Row = (String, String, Severity, String, [String])
        let rows: [Row] = [
            (
                "appliance.time.ntp_offset", "Clock agrees with at least three time sources", .high,
                ">= 3 sources, |median offset| <= 5 s, spread <= 5 s",
                ["hipaa:164.312(b)", "soc2:CC7.2", "pci_dss:10.6.1", "nist_csf:PR.PS-04", "cis:8.4"]
            ),
            (
                "appliance.disk.free_space", "Appliance disk has room for evidence", .medium,
                ">= 15% free", ["soc2:A1.1", "nist_csf:PR.IR-04"]
            ),
            (
                "appliance.firewall.ruleset", "Appliance firewall active with the baseline ruleset", .high,
                "nftables active, ruleset hash = baseline",
                ["hipaa:164.312(e)(1)", "pci_dss:1.2.1", "nist_csf:PR.IR-01", "cis:4.4"]
            ),
            (
                "appliance.backup.snapshot_age", "Latest backup snapshot is recent", .high, "<= 26 h",
                ["hipaa:164.308(a)(7)(ii)(A)", "soc2:A1.2", "nist_csf:PR.DS-11", "cis:11.2"]
            ),
            (
                "appliance.logging.continuity", "Logging is running and reaches the log", .high,
                "journald active, canary found",
                ["hipaa:164.312(b)", "soc2:CC7.2", "pci_dss:10.2.1", "cis:8.2"]
            ),
            (
                "appliance.crypto.luks_volumes", "Appliance data volumes are LUKS-encrypted", .critical,
                "every configured volume is LUKS",
                ["hipaa:164.312(a)(2)(iv)", "pci_dss:3.5.1", "nist_csf:PR.DS-01", "cis:3.6"]
            ),
            (
                "appliance.services.critical", "Critical services run on the appliance", .high,
                "every configured service running", ["soc2:A1.1", "nist_csf:PR.IR-03", "cis:4.1"]
            ),
            (
                "appliance.backup.repository_check", "The backup repository passes restic check", .high,
                "restic check succeeds", ["hipaa:164.308(a)(7)(ii)(A)", "soc2:A1.2", "nist_csf:PR.DS-11", "cis:11.3"]
            ),
            (
                "appliance.software.revision", "The appliance runs the software it should", .medium,
                "running binary's SHA-256 = pinned hash",
                ["soc2:CC8.1", "nist_csf:PR.PS-02", "cis:2.5"]
            ),
            (
                "linux.ssh.permit_root_login", "SSH refuses root logins", .high, "no",
                ["hipaa:164.312(a)(1)", "pci_dss:8.6.1", "nist_csf:PR.AA-05", "cis:5.4"]
            ),
            (
                "linux.ssh.password_authentication", "SSH refuses password logins", .high, "no",
                ["hipaa:164.312(d)", "pci_dss:8.3.1", "nist_csf:PR.AA-03", "cis:6.3"]
            ),
            (
                "linux.ssh.max_auth_tries", "SSH limits authentication attempts", .medium, "<= 4",
                ["hipaa:164.312(a)(1)", "pci_dss:8.3.4", "cis:4.10"]
            ),
            (
                "linux.firewall.active", "Host firewall is active", .high, "nftables, ufw or firewalld active",
                ["hipaa:164.312(e)(1)", "pci_dss:1.4.1", "nist_csf:PR.IR-01", "cis:4.5"]
            ),
            (
                "linux.audit.auditd_running", "auditd is running", .high, "active",
                ["hipaa:164.312(b)", "soc2:CC7.2", "pci_dss:10.2.1", "cis:8.2"]
            ),
            (
                "linux.audit.identity_rules", "Audit rules watch identity files", .medium,
                "-w /etc/passwd, /etc/shadow, /etc/group",
                ["hipaa:164.312(b)", "pci_dss:10.2.1.5", "cis:8.5"]
            ),
            (
                "linux.logging.syslog_running", "rsyslog or journald is running", .high, "active",
                ["hipaa:164.312(b)", "soc2:CC7.2", "cis:8.2"]
            ),
            (
                "linux.services.no_telnet", "No telnet server is installed", .high, "absent",
                ["pci_dss:2.2.4", "nist_csf:PR.PS-01", "cis:4.8"]
            ),
            (
                "linux.patching.security_updates", "No pending security updates", .high, "0 pending",
                ["hipaa:164.308(a)(5)(ii)(B)", "soc2:CC7.1", "pci_dss:6.3.3", "nist_csf:ID.RA-01", "cis:7.3"]
            ),
            (
                "linux.files.shadow_permissions", "/etc/shadow is private", .high, "0640 or stricter, root:shadow",
                ["hipaa:164.312(a)(1)", "pci_dss:8.3.2", "cis:3.3"]
            ),
            (
                "linux.files.sshd_config_permissions", "sshd_config is not writable by others", .medium,
                "0600 or 0644, root:root", ["hipaa:164.312(c)(1)", "cis:3.3"]
            ),
            (
                "linux.files.world_writable_etc", "Nothing in /etc is world-writable", .medium, "0 files",
                ["hipaa:164.312(c)(1)", "cis:3.3"]
            ),
            (
                "linux.accounts.uid0_only_root", "root is the only UID-0 account", .critical, "root",
                ["hipaa:164.312(a)(2)(i)", "pci_dss:8.2.1", "nist_csf:PR.AA-01", "cis:5.4"]
            ),
            (
                "linux.accounts.password_max_days", "Passwords age out", .medium, "<= 365 days",
                ["hipaa:164.308(a)(5)(ii)(D)", "pci_dss:8.3.9", "cis:5.2"]
            ),
            (
                "linux.mac.enforcing", "AppArmor or SELinux is enforcing", .medium, "enforcing",
                ["nist_csf:PR.PS-01", "cis:4.1"]
            ),
            (
                "linux.network.listening_ports", "Only allowed ports listen", .high, "subset of allowed list",
                ["hipaa:164.312(e)(1)", "pci_dss:1.2.5", "nist_csf:PR.IR-01", "cis:4.8"]
            ),
            (
                "linux.disk.free_space", "Disks have free space", .medium, ">= 10% free",
                ["soc2:A1.1", "nist_csf:PR.IR-04"]
            ),
            (
                "linux.antivirus.clamav", "ClamAV runs with fresh signatures", .high, "running, signatures <= 7 d",
                ["hipaa:164.308(a)(5)(ii)(B)", "pci_dss:5.2.1", "nist_csf:DE.CM-09", "cis:10.1"]
            ),
            (
                "linux.time.sync_active", "Host clock is synchronised", .medium, "synchronised, |offset| <= 5 s",
                ["hipaa:164.312(b)", "pci_dss:10.6.1", "cis:8.4"]
            ),
            (
                "linux.crypto.luks_volumes", "Data volumes are LUKS-encrypted", .critical,
                "all configured volumes LUKS",
                ["hipaa:164.312(a)(2)(iv)", "pci_dss:3.5.1", "nist_csf:PR.DS-01", "cis:3.6"]
            ),
            (
                "linux.backup.restic_age", "Host backup is recent", .high, "<= 26 h",
                ["hipaa:164.308(a)(7)(ii)(A)", "soc2:A1.2", "nist_csf:PR.DS-11", "cis:11.2"]
            ),
            (
                "windows.defender.realtime", "Defender real-time protection is on", .high, "on",
                ["hipaa:164.308(a)(5)(ii)(B)", "pci_dss:5.3.2", "cis:10.1"]
            ),
            (
                "windows.bitlocker.os_volume", "The OS volume is BitLocker-encrypted", .critical, "protection on",
                ["hipaa:164.312(a)(2)(iv)", "pci_dss:3.5.1", "nist_csf:PR.DS-01", "cis:3.6"]
            ),
        ]
        var definitions: [CheckDefinition] = []
        let rationales = Self.rationales
        for (id, title, severity, expected, controls) in rows {
            // The table above is code, checked by CheckCatalogTests; a typo there is a bug that
            // must surface in tests rather than be skipped silently at run time.
            guard let checkID = try? CheckID(id) else {
                preconditionFailure("builtin check ID \(id) is malformed")
            }
            let references = controls.compactMap { try? ControlReference(parsing: $0) }
            precondition(references.count == controls.count, "builtin controls of \(id) malformed")
            definitions.append(
                CheckDefinition(
                    id: checkID, title: title, severity: severity, expected: expected,
                    controls: references, rationale: rationales[id] ?? ""))
        }
        do {
            return try CheckCatalog(definitions: definitions)
        } catch {
            preconditionFailure("builtin check catalog: \(error)")
        }
    }()
}

extension CheckCatalog {
    /// Why each built-in check matters, in words a practice's office manager can read (the
    /// client portal). CheckCatalogTests requires one for every built-in check.
    static let rationales: [String: String] = [
        "appliance.time.ntp_offset":
            "Records are only trustworthy if their times are right; audit logs from machines with wrong clocks cannot be lined up.",
        "appliance.disk.free_space":
            "The on-site appliance keeps the proof of these checks; a full disk would stop it recording.",
        "appliance.firewall.ruleset":
            "The appliance holds credentials for your computers, so it only talks to what it must.",
        "appliance.backup.snapshot_age":
            "If the appliance fails, a recent backup means no compliance history is lost.",
        "appliance.logging.continuity":
            "Gaps in logging are gaps in the record an auditor asks for after an incident.",
        "appliance.crypto.luks_volumes":
            "If the appliance is stolen, encrypted disks keep what it stores unreadable.",
        "appliance.services.critical":
            "The services that check and repair your computers must be running to do so.",
        "appliance.backup.repository_check":
            "A backup is only useful if it can be restored; this proves the backup copy is intact.",
        "appliance.software.revision":
            "Running the expected, up-to-date software means the latest security fixes are in place.",
        "linux.ssh.permit_root_login":
            "Logging in directly as the all-powerful administrator account makes break-ins easier and untraceable to a person.",
        "linux.ssh.password_authentication":
            "Passwords can be guessed or stolen; key-based logins cannot be guessed over the network.",
        "linux.ssh.max_auth_tries":
            "Limiting login attempts slows down anyone trying to guess their way in.",
        "linux.firewall.active":
            "A firewall blocks network access to anything that should not be reachable.",
        "linux.audit.auditd_running":
            "The audit service records who did what, which HIPAA requires for systems holding patient data.",
        "linux.audit.identity_rules":
            "Changes to user accounts and passwords must leave a trace that can be reviewed.",
        "linux.logging.syslog_running":
            "System logs are the first thing needed to understand and prove what happened during an incident.",
        "linux.services.no_telnet":
            "Telnet sends passwords unencrypted across the network; it should not exist on any computer.",
        "linux.patching.security_updates":
            "Most break-ins use known holes that updates already fix.",
        "linux.files.shadow_permissions":
            "This file holds password hashes; only the system may read it.",
        "linux.files.sshd_config_permissions":
            "If others could change the remote-login settings, they could let themselves in.",
        "linux.files.world_writable_etc":
            "System settings that anyone can change can be used to take over the computer.",
        "linux.accounts.uid0_only_root":
            "A second hidden administrator account is a classic sign of a break-in.",
        "linux.accounts.password_max_days":
            "Passwords that never change stay useful to whoever has learned them.",
        "linux.mac.enforcing":
            "An extra layer that contains a compromised program so it cannot reach everything.",
        "linux.network.listening_ports":
            "Every open network service is a door; only the ones you need should be open.",
        "linux.disk.free_space":
            "A full disk stops applications and logging, and can lose data.",
        "linux.antivirus.clamav":
            "Malware protection only helps when it runs and knows about current threats.",
        "linux.time.sync_active":
            "Accurate clocks make logs and records trustworthy and comparable.",
        "linux.crypto.luks_volumes":
            "Encryption keeps patient data unreadable if a disk or computer is lost or stolen.",
        "linux.backup.restic_age":
            "A recent backup is what lets the practice recover from ransomware or failure.",
        "windows.defender.realtime":
            "Real-time protection stops malware as it arrives, not after it has done damage.",
        "windows.bitlocker.os_volume":
            "Encryption keeps patient data unreadable if a laptop or PC is lost or stolen.",
    ]
}
