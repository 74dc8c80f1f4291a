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
                    controls: references))
        }
        do {
            return try CheckCatalog(definitions: definitions)
        } catch {
            preconditionFailure("builtin check catalog: \(error)")
        }
    }()
}
