import Appliance
import Compliance
import Crypto
import Foundation
import TestSupport
import Testing

/// Reseller mode's forwarders against real peers on loopback: a TCP syslog receiver, an
/// `openssl s_server` TLS receiver, and an HTTP webhook receiver.
@Suite(.serialized) struct ForwardingTests {
    func event(_ index: Int, outcome: String = "alert", summary: String = "scan of host-1: alert") -> ForwardedEvent {
        let check = (try? CheckID("linux.ssh.permit_root_login"))
        var bundle = EvidenceBundle(
            bundleID: .random(prefix: "bundle"), kind: .scan, siteID: (try? Site.ID("site-1")) ?? .random(prefix: "s"),
            hostID: (try? ManagedHost.ID("host-1")) ?? .random(prefix: "h"),
            applianceID: (try? Appliance.ID("appliance-1")) ?? .random(prefix: "a"), sequence: Int64(index),
            previousHash: .zero, observedAt: Timestamp(millisecondsSinceEpoch: 1_796_126_400_000),
            startedAt: Timestamp(millisecondsSinceEpoch: 1_796_126_400_000),
            finishedAt: Timestamp(millisecondsSinceEpoch: 1_796_126_400_000), softwareRevision: "test",
            deploymentMode: .reseller, reseller: "Acme IT",
            results: check.map { [CheckResult(checkID: $0, status: .fail, severity: .high)] } ?? [], outcome: .alert)
        bundle.outcome = Outcome(rawValue: outcome) ?? .alert
        var event = ForwardedEvent(bundle, sequence: Int64(index), hash: String(repeating: "a", count: 64))
        event.summary = summary
        return event
    }

    /// Splits octet-counted frames ("LEN SP MSG").
    func frames(_ bytes: [UInt8]) -> [String] {
        var frames: [String] = []
        var index = 0
        while index < bytes.count {
            guard let space = bytes[index...].firstIndex(of: 0x20),
                let length = Int(String(decoding: bytes[index..<space], as: UTF8.self)),
                space + 1 + length <= bytes.count
            else { return frames + ["<bad frame>"] }
            frames.append(String(decoding: bytes[(space + 1)..<(space + 1 + length)], as: UTF8.self))
            index = space + 1 + length
        }
        return frames
    }

    @Test func syslogMessagesAreRFC5424WithEscapedStructuredData() {
        var hostile = event(7, summary: "a summary with ] \" \\ and ünïcode")
        hostile.hostID = #"host"]\"#
        let message = SyslogForwarder.message(hostile)
        // local0 + warning = 132; version 1; the timestamp as recorded; appliance as hostname.
        #expect(message.hasPrefix("<132>1 2026-12-01T12:00:00.000Z appliance-1 vigil - scan [vigil@32473 "))
        #expect(message.contains(#"host="host\"\]\\""#), "\(message)")
        #expect(message.contains("seq=\"7\"") && message.contains("failing=\"1\""))
        #expect(message.contains("] \u{FEFF}a summary with ] \" \\ and ünïcode"))
        #expect(SyslogForwarder.message(event(1, outcome: "success")).hasPrefix("<134>1 "))
    }

    @Test func syslogOverTCPDeliversEveryEventInOneOctetCountedStream() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let forwarder = try SyslogForwarder.parse("tcp://127.0.0.1:\(receiver.port)", caFile: nil)
        try await forwarder.send((1...25).map { event($0, summary: "line\nbreak \($0)") })
        let connections = receiver.waitForConnections(1)
        let messages = frames(try #require(connections.first))
        #expect(messages.count == 25)
        #expect(messages.allSatisfy { $0.hasPrefix("<132>1 ") })
        #expect(messages[24].hasSuffix("line\nbreak 25"))
    }

    @Test func aSyslogReceiverThatIsDownIsAnErrorNotALoss() async throws {
        let forwarder = try SyslogForwarder.parse("tcp://127.0.0.1:\(try LoopbackReceiver.freePort())", caFile: nil)
        await #expect(throws: ForwardingError.self) { try await forwarder.send([event(1)]) }
        #expect(throws: ForwardingError.self) { try SyslogForwarder.parse("udp://127.0.0.1:514", caFile: nil) }
        #expect(throws: ForwardingError.self) { try SyslogForwarder.parse("tcp://127.0.0.1", caFile: nil) }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "needs openssl"))
    func syslogOverTLSVerifiesTheReceiverAgainstTheGivenCA() async throws {
        let directory = try TemporaryDirectory("vigil-tls")
        let key = directory.appending("key.pem")
        let cert = directory.appending("cert.pem")
        let made = try Shell.run(
            "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost "
                + "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '\(key)' -out '\(cert)' 2>&1")
        #expect(made.status == 0, "\(made.stdout)")
        let port = try LoopbackReceiver.freePort()
        let output = directory.appending("received")
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        server.arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", cert, "-key", key, "-quiet"]
        FileManager.default.createFile(atPath: output, contents: nil)
        server.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        server.standardError = FileHandle.nullDevice
        server.standardInput = Pipe()
        try server.run()
        defer {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        var sent = false
        let trusted = try SyslogForwarder.parse("tls://127.0.0.1:\(port)", caFile: cert)
        for _ in 0..<50 where !sent {
            do {
                try await trusted.send([event(1), event(2)])
                sent = true
            } catch {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(sent)
        var text = ""
        for _ in 0..<50 where !text.contains("seq=\"2\"") {
            try await Task.sleep(for: .milliseconds(50))
            text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        }
        #expect(text.contains("seq=\"1\"") && text.contains("seq=\"2\""), "\(text)")
        // Without the CA the self-signed receiver is refused.
        let untrusting = try SyslogForwarder.parse("tls://127.0.0.1:\(port)", caFile: nil)
        await #expect(throws: ForwardingError.self) { try await untrusting.send([event(3)]) }
    }

    @Test func webhooksCarryAnHMACTheReceiverCanCheck() async throws {
        let receiver = try LoopbackReceiver(httpStatus: 204)
        defer { receiver.stop() }
        let secret = "a-shared-secret-of-some-length"
        let url = try #require(URL(string: "http://127.0.0.1:\(receiver.port)/vigil"))
        try await WebhookForwarder(url: url, secret: secret).send([event(1), event(2)])
        let raw = try #require(receiver.waitForConnections(1).first)
        let request = try #require(LoopbackReceiver.httpRequest(raw))
        let header = try #require(request.headers["x-vigil-signature"])
        let timestamp = try #require(Int64(header.split(separator: ",")[0].dropFirst(2)))
        #expect(abs(timestamp - Int64(Date().timeIntervalSince1970)) < 60)
        #expect(
            header == WebhookForwarder.signature(body: request.body, timestamp: timestamp, secret: Array(secret.utf8)))
        // Recomputed independently with swift-crypto, as a receiver would.
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("\(timestamp).".utf8) + request.body, using: SymmetricKey(data: Array(secret.utf8)))
        #expect(header.hasSuffix(mac.map { String(format: "%02x", $0) }.joined()))
        struct Body: Decodable { let events: [ForwardedEvent] }
        let body = try JSONDecoder().decode(Body.self, from: Data(request.body))
        #expect(body.events.map(\.sequence) == [1, 2])
        #expect(body.events[0].failing == ["linux.ssh.permit_root_login"] && body.events[0].reseller == "Acme IT")
    }

    @Test func aWebhookThatRefusesIsAnError() async throws {
        let receiver = try LoopbackReceiver(httpStatus: 500)
        defer { receiver.stop() }
        let url = try #require(URL(string: "http://127.0.0.1:\(receiver.port)/vigil"))
        await #expect(throws: ForwardingError.self) {
            try await WebhookForwarder(url: url, secret: "a-shared-secret-of-some-length").send([event(1)])
        }
    }
}
