import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How a demo host is configured, drift included.
public struct LinuxHostProfile: Sendable {
    public var name: String
    public var permitRootLogin = "no"
    public var passwordAuthentication = "no"
    public var maxAuthTries = 3
    /// Mode of the host's /etc/shadow.
    public var shadowMode = 0o640
    /// Adds an account `toor` with UID 0.
    public var extraRootAccount = false
    /// Makes /etc/issue world-writable.
    public var worldWritableFile = false
    public var passwordMaximumDays = 90
    /// Log in with the password instead of the key.
    public var passwordLogin = false
    /// Own network and PID namespaces as well (see `LoopbackLinuxHost`): the host's firewall
    /// and processes are its own, so healing can change them without touching the machine.
    public var isolated = false
    /// (Isolated hosts) the host's nftables firewall is loaded at start.
    public var firewallActive = true
    /// (Isolated hosts) the auditd stand-in runs at start.
    public var auditdRunning = true

    public init(
        name: String, permitRootLogin: String = "no", passwordAuthentication: String = "no", maxAuthTries: Int = 3,
        shadowMode: Int = 0o640, extraRootAccount: Bool = false, worldWritableFile: Bool = false,
        passwordMaximumDays: Int = 90, passwordLogin: Bool = false, isolated: Bool = false
    ) {
        self.name = name
        self.permitRootLogin = permitRootLogin
        self.passwordAuthentication = passwordAuthentication
        self.maxAuthTries = maxAuthTries
        self.shadowMode = shadowMode
        self.extraRootAccount = extraRootAccount
        self.worldWritableFile = worldWritableFile
        self.passwordMaximumDays = passwordMaximumDays
        self.passwordLogin = passwordLogin
        self.isolated = isolated
    }

    /// A hardened host, one with every drift the demo shows, and one in between.
    public static let demo: [LinuxHostProfile] = [
        LinuxHostProfile(name: "reception-pc"),
        LinuxHostProfile(
            name: "records-server", permitRootLogin: "yes", passwordAuthentication: "yes", maxAuthTries: 10,
            shadowMode: 0o644, extraRootAccount: true, worldWritableFile: true, passwordMaximumDays: 99_999,
            passwordLogin: true),
        LinuxHostProfile(name: "imaging-workstation", permitRootLogin: "yes", maxAuthTries: 6),
    ]
}

/// A real OpenSSH server on a loopback port standing in for a practice's Linux host: `sshd`
/// runs in a private mount namespace (`unshare -m`) where its own sshd_config, passwd, shadow,
/// login.defs and (when drifted) a world-writable /etc/issue are bind-mounted over the
/// machine's, so each demo host shows its own configuration to the checks without touching the
/// machine's files. The scanning account `vigil` logs in with the demo key or a password.
///
/// An isolated host (`LinuxHostProfile.isolated`) also has its own network and PID namespaces:
/// its nftables ruleset (loaded from its own `/etc/nftables.conf`) and its process list are its
/// own, and sshd listens on the namespace's loopback. `socat` on the machine's 127.0.0.1:`port`
/// carries each connection in through `nsenter`, so no packet ever needs a route. The kernel
/// refuses audit requests from outside the initial PID namespace, so an isolated host's auditd
/// is a stand-in (a process named `auditd` started by `/usr/local/sbin/auditd`, which the
/// runbooks' PATH finds first); everything else on it is real.
public final class LoopbackLinuxHost: Sendable {
    public static let sshd = "/usr/sbin/sshd"
    public static let username = "vigil"

    public let profile: LinuxHostProfile
    public let port: Int
    public let directory: String
    /// The detached sshd's process ID (from its pid file); for an isolated host, the `unshare`
    /// holding its namespaces (its death takes them down).
    let pid: pid_t
    /// An isolated host's forwarder (socat) on the machine's loopback; 0 otherwise.
    let forwarder: pid_t

    /// Whether the scanning account can become root on the demo hosts (sudo installed).
    public static var canBecomeRoot: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/sudo")
            && FileManager.default.fileExists(atPath: "/etc/sudoers")
    }

    public static var available: Bool {
        FileManager.default.isExecutableFile(atPath: sshd)
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")
            && FileManager.default.fileExists(atPath: "/etc/ssh/sshd_config") && getuid() == 0
    }

    /// Whether isolated hosts can run here: socat, nsenter, iproute2, nftables and its
    /// `/etc/nftables.conf`, pgrep, and `/usr/local/sbin` to hold the auditd stand-in.
    public static var isolationAvailable: Bool {
        available
            && ["/usr/bin/socat", "/usr/bin/nsenter", "/usr/sbin/ip", "/usr/sbin/nft", "/usr/bin/pgrep"].allSatisfy {
                FileManager.default.isExecutableFile(atPath: $0)
            }
            && FileManager.default.fileExists(atPath: "/etc/nftables.conf")
            && FileManager.default.fileExists(atPath: "/usr/local/sbin")
    }

    /// Writes the host's files under `directory` and starts its sshd on `port`.
    public init(profile: LinuxHostProfile, directory: String, port: Int, authorizedKey: String, password: String) throws
    {
        self.profile = profile
        self.port = port
        self.directory = directory
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        func path(_ name: String) -> String { directory + "/" + name }
        try Self.run(
            "/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", profile.name, "-f", path("host_key")])
        try Self.write(
            """
            # \(profile.name): a Vigil demo host
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(path("host_key"))
            PidFile \(path("sshd.pid"))
            AuthorizedKeysFile /run/vigil/authorized_keys
            StrictModes no
            UsePAM no
            KbdInteractiveAuthentication no
            LogLevel ERROR
            PermitRootLogin \(profile.permitRootLogin)
            PasswordAuthentication \(profile.passwordAuthentication == "yes" || profile.passwordLogin ? "yes" : "no")
            MaxAuthTries \(profile.maxAuthTries)

            """, to: path("sshd_config"), mode: 0o644)
        try Self.write(authorizedKey + "\n", to: path("authorized_keys"), mode: 0o644)
        let hash = try Self.run("/usr/bin/openssl", ["passwd", "-6", "-stdin"], input: password + "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // sshd reads authorized_keys as the user, who cannot enter the owner-only data
        // directory: the key and the home directory live in the namespace's own /run.
        let home = "/run/vigil/home"
        var passwd = (try? String(contentsOfFile: "/etc/passwd", encoding: .utf8)) ?? "root:x:0:0:root:/root:/bin/sh\n"
        var shadow = (try? String(contentsOfFile: "/etc/shadow", encoding: .utf8)) ?? "root:*:19000:0:99999:7:::\n"
        if !passwd.hasSuffix("\n") { passwd += "\n" }
        if !shadow.hasSuffix("\n") { shadow += "\n" }
        passwd += "\(Self.username):x:64123:64123:Vigil scanning account:\(home):/bin/sh\n"
        shadow += "\(Self.username):\(profile.passwordLogin ? hash : "*"):19000:0:99999:7:::\n"
        if profile.extraRootAccount {
            passwd += "toor:x:0:0:spare root:/root:/bin/sh\n"
            shadow += "toor:*:19000:0:99999:7:::\n"
        }
        try Self.write(passwd, to: path("passwd"), mode: 0o644)
        try Self.write(shadow, to: path("shadow"), mode: profile.shadowMode)
        if let group = getgrnam("shadow") { chown(path("shadow"), 0, group.pointee.gr_gid) }
        let defs = ((try? String(contentsOfFile: "/etc/login.defs", encoding: .utf8)) ?? "")
            .split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("PASS_MAX_DAYS") }
            .joined(separator: "\n")
        try Self.write(defs + "\nPASS_MAX_DAYS\t\(profile.passwordMaximumDays)\n", to: path("login.defs"), mode: 0o644)
        try Self.write(
            "Vigil demo host \(profile.name)\n", to: path("issue"), mode: profile.worldWritableFile ? 0o666 : 0o644)
        // Healing runs as root through sudo, as an MSP's service account would: the scanning
        // account may become root without a password inside this host only.
        try Self.write(
            "Defaults !fqdn, !lecture\nDefaults secure_path=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"\nroot ALL=(ALL:ALL) ALL\n\(Self.username) ALL=(root) NOPASSWD: ALL\n",
            to: path("sudoers"), mode: 0o440)
        let sudoers = Self.canBecomeRoot ? "mount --bind \"$1/sudoers\" /etc/sudoers" : ":"
        var isolation = ":"
        if profile.isolated {
            guard directory.hasPrefix("/"), directory.allSatisfy({ $0.isLetter || $0.isNumber || "/._-".contains($0) })
            else { throw DemoError("an isolated host's directory must be a plain absolute path: \(directory)") }
            try Self.write(Self.firewallRules(sshPort: port), to: path("nftables.conf"), mode: 0o644)
            try FileManager.default.createDirectory(atPath: path("sbin"), withIntermediateDirectories: true)
            try Self.write(Self.auditdStandIn, to: path("sbin/auditd"), mode: 0o755)
            isolation = """
                ip link set lo up
                mount --bind "$1/nftables.conf" /etc/nftables.conf
                mount --bind "$1/sbin" /usr/local/sbin
                \(profile.firewallActive ? "nft -f /etc/nftables.conf" : ":")
                \(profile.auditdRunning ? "/usr/local/sbin/auditd" : ":")
                """
        }

        // The paths are arguments of the script, never part of its text. sshd detaches itself
        // (no -D): Foundation's Process takes a child that closes its inherited descriptors, as
        // sshd does, for finished and then waits on it for ever, so only the short-lived
        // `unshare` is its child; sshd is found again through its pid file.
        let script = """
            set -e
            mount -t tmpfs tmpfs /run
            mkdir -p /run/sshd /run/vigil/home
            cp "$1/authorized_keys" /run/vigil/authorized_keys
            chmod 755 /run/vigil
            chown 64123 /run/vigil/home
            mount --bind "$1/sshd_config" /etc/ssh/sshd_config
            mount --bind "$1/passwd" /etc/passwd
            mount --bind "$1/shadow" /etc/shadow
            mount --bind "$1/login.defs" /etc/login.defs
            mount --bind "$1/issue" /etc/issue
            \(sudoers)
            \(isolation)
            exec \(Self.sshd) \(profile.isolated ? "-D " : "")-f /etc/ssh/sshd_config -E "$1/sshd.log"
            """
        let output: String
        if profile.isolated {
            // sshd stays in the foreground as the namespace's first process; `unshare` waits
            // for it in the background and takes it down when killed.
            output = try Self.run(
                "/bin/bash",
                [
                    "-c",
                    Self.closeInherited
                        + "/usr/bin/unshare -m -n -p -f --mount-proc --kill-child=SIGKILL --propagation private /bin/sh -c \"$1\" sh \"$2\" </dev/null >\"$2/namespace.log\" 2>&1 & echo $!",
                    "sh", script, directory,
                ])
        } else {
            output = try Self.run(
                "/usr/bin/unshare", ["-m", "--propagation", "private", "/bin/sh", "-c", script, "sh", directory])
        }
        var pid: pid_t = 0
        for _ in 0..<200 {
            if let text = try? String(contentsOfFile: path("sshd.pid"), encoding: .utf8),
                let value = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), value > 0
            {
                pid = value
                break
            }
            usleep(25_000)
        }
        var forwarder: pid_t = 0
        if profile.isolated, pid > 0 {
            pid = pid_t(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            if pid > 0 {
                // Each connection to the machine's 127.0.0.1:port is carried to the same port
                // on the namespace's loopback.
                try Self.write(
                    "#!/bin/sh\nexec /usr/bin/nsenter --net=/proc/\(pid)/ns/net /usr/bin/socat STDIO TCP:127.0.0.1:\(port)\n",
                    to: path("forward"), mode: 0o755)
                let started = try Self.run(
                    "/bin/bash",
                    [
                        "-c",
                        Self.closeInherited
                            + "/usr/bin/socat TCP-LISTEN:\"$1\",bind=127.0.0.1,reuseaddr,fork EXEC:\"$2/forward\" </dev/null >\"$2/forward.log\" 2>&1 & echo $!",
                        "sh", String(port), directory,
                    ])
                forwarder = pid_t(started.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            }
        }
        self.pid = pid
        self.forwarder = forwarder
        guard pid > 0, !profile.isolated || forwarder > 0, Self.waitForPort(port, seconds: 10) else {
            stop()
            let logs = ["sshd.log", "namespace.log", "forward.log"].compactMap {
                try? String(contentsOfFile: path($0), encoding: .utf8)
            }
            let reason = logs.isEmpty ? output : logs.joined(separator: "\n")
            throw DemoError("sshd for \(profile.name) did not start on port \(port): \(reason.suffix(400))")
        }
    }

    /// Bash text closing every descriptor above 2 that the launcher inherited: Foundation's
    /// pipes are not close-on-exec, and a long-lived process holding another call's pipe would
    /// keep that call waiting for an end of file (dash cannot close descriptors above 9).
    public static let closeInherited =
        #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done 2>/dev/null; "#

    /// An isolated host's firewall: the shape of a practice machine's (SSH in, nothing else).
    static func firewallRules(sshPort: Int) -> String {
        """
        #!/usr/sbin/nft -f
        # Vigil lab host firewall
        flush ruleset
        table inet filter {
            chain input {
                type filter hook input priority filter; policy drop;
                iif "lo" accept
                tcp dport \(sshPort) accept
            }
            chain forward {
                type filter hook forward priority filter; policy drop;
            }
            chain output {
                type filter hook output priority filter; policy accept;
            }
        }

        """
    }

    /// Started as `auditd`, it detaches a process named `auditd` that waits, as the real daemon
    /// detaches itself. Only a stand-in: the kernel refuses audit netlink requests from a
    /// process outside the initial PID namespace.
    static let auditdStandIn = """
        #!/bin/sh
        # Vigil lab stand-in for auditd (the kernel refuses audit inside a PID namespace).
        ( trap '' HUP; exec </dev/null >/dev/null 2>&1; while :; do sleep 60; done ) &

        """

    /// Runs `script` as root inside an isolated host's namespaces (how tests inject drift the
    /// appliance is not told about, such as a flushed firewall) and returns its output.
    @discardableResult
    public func inside(_ script: String) throws -> String {
        guard profile.isolated else { throw DemoError("\(profile.name) shares the machine's namespaces") }
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        guard let first = children.split(separator: " ").first, let leader = pid_t(first) else {
            throw DemoError("\(profile.name) is not running")
        }
        return try Self.run("/usr/bin/nsenter", ["-t", String(leader), "-m", "-n", "-p", "/bin/sh", "-c", script])
    }

    /// Drift for tests and benchmarks: puts `lines` (e.g. `PermitRootLogin yes`) first in this
    /// host's sshd_config, dropping other lines with the same keywords, written in place (the
    /// file is bind-mounted, so it must keep its inode). sshd itself is not told.
    public func driftSSHD(_ lines: [String]) throws {
        let path = directory + "/sshd_config"
        let keywords = Set(lines.compactMap { $0.split(separator: " ").first?.lowercased() })
        let current = try String(contentsOfFile: path, encoding: .utf8)
        let kept = current.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !keywords.contains($0.split(separator: " ").first?.lowercased() ?? "") }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data((lines + kept.map(String.init)).joined(separator: "\n").utf8))
    }

    /// The address the appliance uses.
    public var address: String { "127.0.0.1:\(port)" }

    /// SIGKILL: sshd has nothing to save, and a signal mask inherited from a parent that handles
    /// SIGTERM itself could leave a politer signal unseen.
    public func stop() {
        if forwarder > 0 { kill(forwarder, SIGKILL) }
        guard pid > 0 else { return }
        kill(pid, SIGKILL)
    }

    static func waitForPort(_ port: Int, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return false }
            var address = ServerPorts.loopback(port)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            close(fd)
            if connected { return true }
            usleep(50_000)
        }
        return false
    }

    static func write(_ text: String, to path: String, mode: Int) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        guard chmod(path, mode_t(mode)) == 0 else { throw DemoError("cannot chmod \(path)") }
    }

    /// Runs a tool and returns its standard output; a failure says what failed.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try? stdin.fileHandleForWriting.close()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let error = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw DemoError(
                "\(executable) failed (\(process.terminationStatus)): \(String(decoding: error.prefix(300), as: UTF8.self))"
            )
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Why the demo cannot go on.
public struct DemoError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
