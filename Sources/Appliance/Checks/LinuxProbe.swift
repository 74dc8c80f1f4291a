/// The one script the appliance runs on a Linux host per scan, and the reader of its output.
///
/// The script is POSIX `sh`, read-only, and takes no parameters: nothing from Central Command,
/// the operator or the host is ever spliced into it. It prints named sections; each section
/// starts with a marker line carrying a fresh random token, so nothing a host's files contain
/// can forge or end a section. Every command is guarded, so a missing tool yields an empty
/// section (the check says `unknown`) rather than a failed scan.
///
/// Two reads need root: the nftables ruleset and the kernel's audit rules. When the account is
/// not root and `sudo -n` works without a password (as healing needs anyway), those two fixed
/// commands run through it and the `whoami` section says `sudo`; nothing else is elevated. An
/// account without sudo leaves one refused `sudo -n true` in the host's auth log per scan.
public struct LinuxProbe: Sendable {
    public let token: String
    public let includePatching: Bool

    public init(includePatching: Bool, token: String = LinuxProbe.newToken()) {
        self.includePatching = includePatching
        self.token = token
    }

    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16) }.joined()
    }

    /// The units whose state the script asks systemd for, in this order (one line each).
    static let systemdUnits = [
        "nftables", "ufw", "firewalld", "auditd", "rsyslog", "systemd-journald", "clamav-daemon",
        "clamav-freshclam", "chrony", "systemd-timesyncd", "ntp",
    ]

    /// The script, as it goes to the host's `/bin/sh -s`.
    public var script: String {
        let marker = "@@vigil-\(token)"
        var text = """
            export LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin
            s() { printf '\\n%s %s\\n' '\(marker)' "$1"; }
            s clock; date -u +%s.%N
            vigil_sudo=; [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null </dev/null && vigil_sudo=1
            r() { if [ -n "$vigil_sudo" ]; then sudo -n "$@" </dev/null; else "$@"; fi; }
            s whoami; id -u 2>/dev/null; [ -n "$vigil_sudo" ] && echo sudo
            s os; (. /etc/os-release 2>/dev/null && printf '%s %s\\n' "$ID" "$VERSION_ID")
            s sshd_effective; (sshd -T 2>/dev/null || /usr/sbin/sshd -T 2>/dev/null) | head -n 400
            s sshd_config; for f in /etc/ssh/sshd_config.d/*.conf /etc/ssh/sshd_config; do [ -r "$f" ] && cat "$f"; done 2>/dev/null | head -n 2000
            s stat; stat -c '%n %a %U %G' /etc/shadow /etc/ssh/sshd_config 2>/dev/null
            s uid0; awk -F: '$3 == 0 { print $1 }' /etc/passwd 2>/dev/null | head -n 50
            s login_defs; grep -E '^[[:space:]]*PASS_MAX_DAYS' /etc/login.defs 2>/dev/null
            s world_writable; find /etc -xdev \\( -type f -o -type d \\) -perm -0002 ! -type l 2>/dev/null | head -n 50
            s services; systemctl is-active \(Self.systemdUnits.joined(separator: " ")) 2>/dev/null | head -n 20
            s processes; cat /proc/[0-9]*/comm 2>/dev/null | sort -u | head -n 2000
            s nft; r nft list ruleset 2>/dev/null | grep -c -E '^[[:space:]]*chain ' ; r nft list ruleset >/dev/null 2>&1; echo "status $?"
            s ufw; ufw status 2>/dev/null | head -n 1
            s firewalld; firewall-cmd --state 2>/dev/null
            s audit_rules; (r auditctl -l 2>/dev/null; cat /etc/audit/rules.d/*.rules /etc/audit/audit.rules 2>/dev/null) | grep -E '^-w ' | head -n 200
            s telnet; for p in in.telnetd telnetd; do command -v "$p"; done 2>/dev/null; (dpkg-query -W -f='${Status} ${Package}\\n' telnetd inetutils-telnetd telnetd-ssl 2>/dev/null; rpm -q telnet-server 2>/dev/null) | grep -E 'install ok installed|^telnet-server-'
            s mac; cat /sys/module/apparmor/parameters/enabled 2>/dev/null; cat /sys/kernel/security/apparmor/profiles 2>/dev/null | grep -c '(enforce)'; getenforce 2>/dev/null
            s listening; cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "0A" { print $2 }' | head -n 500
            s disk; df -P -k -x tmpfs -x devtmpfs -x overlay -x squashfs 2>/dev/null | head -n 50
            s clamav; ls -l --time-style=+%s /var/lib/clamav/ 2>/dev/null | awk '/\\.c[lv]d$/ { print $6, $7 }'
            s restic; if [ -r /etc/vigil/restic.env ]; then (set -a; . /etc/vigil/restic.env; restic snapshots --latest 1 --json 2>&1 | head -c 4000); else echo unconfigured; fi
            s time_sync; (timedatectl show -p NTPSynchronized --value 2>/dev/null; chronyc -n tracking 2>/dev/null | grep -E '^(Leap status|System time)') | head -n 5
            s luks; src=$(findmnt -no SOURCE / 2>/dev/null); echo "root $src"; [ -n "$src" ] && lsblk -s -rno TYPE "$src" 2>/dev/null | sort -u

            """
        if includePatching {
            text += """
                s patching; if command -v apt-get >/dev/null 2>&1; then echo apt; apt-get -s -o Debug::NoLocking=1 upgrade 2>/dev/null | grep -E '^Inst ' | grep -ci securi; elif command -v dnf >/dev/null 2>&1; then echo dnf; dnf -q updateinfo list --security 2>/dev/null | wc -l; else echo none; fi

                """
        }
        text += "s end\n"
        return text
    }

    /// Splits the host's output into sections by this probe's marker. Lines before the first
    /// marker, sections of unknown name and repeated sections are ignored (first one wins).
    public func sections(of output: String) -> LinuxSections {
        let marker = "@@vigil-\(token) "
        var sections: [String: [String]] = [:]
        var current: String?
        var lines: [String] = []
        var complete = false
        func close() {
            if let current, sections[current] == nil { sections[current] = lines }
            lines = []
        }
        for raw in output.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            if line.hasPrefix(marker) {
                close()
                let name = String(line.dropFirst(marker.count))
                if name == "end" {
                    complete = true
                    current = nil
                    break
                }
                current = name
            } else if current != nil, !line.isEmpty {
                lines.append(line)
            }
        }
        close()
        return LinuxSections(sections: sections, complete: complete)
    }
}

/// A probe's output by section.
public struct LinuxSections: Sendable {
    public let sections: [String: [String]]
    /// Whether the script ran to its end marker.
    public let complete: Bool

    public subscript(name: String) -> [String] { sections[name] ?? [] }

    public func has(_ name: String) -> Bool { sections[name] != nil }
}
