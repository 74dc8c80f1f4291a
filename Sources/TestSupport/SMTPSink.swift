import Foundation
import LabHosts

/// A real SMTP server for tests: aiosmtpd (PyPI) on a loopback port, storing each message it
/// accepts as a file. Optionally STARTTLS with a given certificate and AUTH PLAIN for one
/// user/password (accepted over TLS only). A recipient starting `refuse` gets 550.
public final class SMTPSink: Sendable {
    public let port: Int
    public let directory: String
    let pid: Int32

    /// One accepted message: the envelope, whether the client authenticated, the headers and
    /// the decoded text body.
    public struct Message: Sendable {
        public var mailFrom: String
        public var rcptTo: String
        public var authenticated: Bool
        public var headers: [String: String]
        public var text: String
    }

    public static var isAvailable: Bool {
        (try? Shell.run("python3 -c 'import aiosmtpd'"))?.status == 0
    }

    /// Starts the server; `tls` names a PEM certificate and key for STARTTLS.
    public init(in directory: String, tls: (certificate: String, key: String)? = nil, login: (String, String)? = nil)
        throws
    {
        self.directory = directory
        let script = directory + "/sink.py"
        try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
        var arguments = [script, directory]
        if let tls { arguments += ["--tls", tls.certificate, tls.key] }
        if let login { arguments += ["--login", login.0, login.1] }
        // Detached, as the lab hosts are: the launcher closes what it inherited (another call's
        // pipe must not stay open here, ADR 0017) and exits at once, so Foundation's process
        // monitor never waits on the long-lived server.
        let log = directory + "/sink.log"
        let launched = try Shell.execute(
            "/bin/bash",
            [
                "-c",
                LoopbackLinuxHost.closeInherited + #"python3 "$@" </dev/null >>"$0" 2>&1 & echo $!"#, log,
            ] + arguments)
        guard let pid = Int32(launched.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw SMTPSinkError("aiosmtpd did not start: \(launched.stderr)")
        }
        self.pid = pid
        let portFile = directory + "/port"
        let deadline = Date().addingTimeInterval(20)
        var port: Int?
        while Date() < deadline, Self.isAlive(pid) {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let value = Int(text) {
                port = value
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        guard let port else {
            kill(pid, SIGKILL)
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw SMTPSinkError("aiosmtpd did not start: \(output.suffix(2000))")
        }
        self.port = port
    }

    deinit { stop() }

    /// Whether `pid` runs (a zombie waiting for its reaper does not).
    static func isAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    public func stop() {
        // SIGKILL: a child of the test process may inherit a mask that blocks SIGTERM. The server
        // is not our child (the launcher exited), so it is reaped elsewhere; wait until it is gone.
        kill(pid, SIGKILL)
        for _ in 0..<100 where Self.isAlive(pid) { usleep(20_000) }
    }

    /// The messages accepted so far, oldest first.
    public func messages() throws -> [Message] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".eml") }
            .sorted { (Int($0.dropLast(4)) ?? 0) < (Int($1.dropLast(4)) ?? 0) }
        return try names.map { try Self.parse(String(contentsOfFile: directory + "/" + $0, encoding: .utf8)) }
    }

    /// Waits up to `seconds` for `count` messages.
    public func waitForMessages(_ count: Int, seconds: Double = 10) async throws -> [Message] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let found = try messages()
            if found.count >= count { return found }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try messages()
    }

    static func parse(_ file: String) throws -> Message {
        let normalized = file.replacingOccurrences(of: "\r\n", with: "\n")
        let parts = normalized.components(separatedBy: "\n\n")
        guard parts.count >= 3 else { throw SMTPSinkError("unexpected sink file") }
        var envelope: [String: String] = [:]
        for line in parts[0].split(separator: "\n") {
            let pair = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2 { envelope[pair[0]] = pair[1] }
        }
        var headers: [String: String] = [:]
        for line in parts[1].split(separator: "\n") {
            let pair = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2 { headers[pair[0].lowercased()] = pair[1] }
        }
        let body = parts[2...].joined(separator: "\n\n")
        var text = body
        if headers["content-transfer-encoding"]?.lowercased() == "base64" {
            let joined = body.split(separator: "\n").joined()
            text = Data(base64Encoded: joined).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        return Message(
            mailFrom: envelope["MAIL FROM"] ?? "", rcptTo: envelope["RCPT TO"] ?? "",
            authenticated: envelope["AUTH"] == "True", headers: headers, text: text)
    }

    static let script = #"""
        import asyncio, os, socket, ssl, sys
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        directory = sys.argv[1]
        options = sys.argv[2:]

        class Sink:
            def __init__(self):
                self.count = 0
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address.startswith("refuse"):
                    return "550 5.1.1 no such mailbox here"
                envelope.rcpt_tos.append(address)
                return "250 OK"
            async def handle_DATA(self, server, session, envelope):
                self.count += 1
                head = "MAIL FROM: %s\nRCPT TO: %s\nAUTH: %s\n\n" % (
                    envelope.mail_from, ",".join(envelope.rcpt_tos), bool(session.authenticated))
                path = os.path.join(directory, "%d.eml" % self.count)
                with open(path + ".tmp", "wb") as out:
                    out.write(head.encode() + envelope.original_content)
                os.rename(path + ".tmp", path)
                return "250 OK stored"

        parameters = {}
        if "--tls" in options:
            i = options.index("--tls")
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(options[i + 1], options[i + 2])
            parameters["tls_context"] = context
            parameters["require_starttls"] = True
        if "--login" in options:
            i = options.index("--login")
            user, password = options[i + 1].encode(), options[i + 2].encode()
            def authenticate(server, session, envelope, mechanism, data):
                ok = data.login == user and data.password == password
                # An explicit 535: aiosmtpd's default for a refused login leaves the client waiting.
                return AuthResult(
                    success=ok, handled=False,
                    message=None if ok else "535 5.7.8 Authentication credentials invalid")
            parameters["authenticator"] = authenticate
            parameters["auth_require_tls"] = True

        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        controller = Controller(Sink(), hostname="127.0.0.1", port=port, **parameters)
        controller.start()
        with open(os.path.join(directory, "port.tmp"), "w") as out:
            out.write(str(port))
        os.rename(os.path.join(directory, "port.tmp"), os.path.join(directory, "port"))
        try:
            asyncio.get_event_loop().run_forever()
        except Exception:
            import time
            while True:
                time.sleep(3600)
        """#
}

public struct SMTPSinkError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
