import Foundation
import NIOCore
import NIOPosix
import TestSupport
import Testing

@testable import CentralCommand

/// The SMTP client against a real SMTP server (aiosmtpd) on loopback: plain relay, STARTTLS
/// with AUTH PLAIN, refusals, and hostile servers and addresses.
@Suite(.enabled(if: SMTPSink.isAvailable, "needs aiosmtpd (pip install aiosmtpd)"))
struct SMTPMailerTests {
    /// A self-signed certificate for 127.0.0.1 (and its key) in `directory`.
    static func certificate(in directory: TemporaryDirectory) throws -> (certificate: String, key: String) {
        let certificate = directory.appending("smtp.pem")
        let key = directory.appending("smtp.key")
        let made = try Shell.run(
            "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 "
                + "-addext subjectAltName=IP:127.0.0.1 -keyout '\(key)' -out '\(certificate)'")
        try #require(made.status == 0, "\(made.stderr)")
        return (certificate, key)
    }

    @Test func deliversThroughALoopbackRelayWithEncodedSubjectAndBody() async throws {
        let directory = try TemporaryDirectory("vigil-smtp")
        let sink = try SMTPSink(in: directory.path)
        defer { sink.stop() }
        let mailer = try SMTPMailer(
            settings: SMTPSettings(host: "127.0.0.1", port: sink.port, security: .none, from: "vigil@msp.example"))
        let text = "Open this link:\nhttps://portal.example/portal/login/abc\n.\n..leading dots stay\nZoë's practice ✓"
        try await mailer.send(MailMessage(to: "office@dental.example", subject: "Your login — Zoë", text: text))
        let messages = try await sink.waitForMessages(1)
        let message = try #require(messages.first)
        #expect(message.mailFrom == "vigil@msp.example" && message.rcptTo == "office@dental.example")
        #expect(message.text == text.replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(message.headers["subject"]?.hasPrefix("=?utf-8?B?") == true)
        #expect(message.headers["to"] == "office@dental.example")
        #expect(!message.authenticated)
    }

    @Test func startTLSThenAuthPlainWithTheConfiguredAuthority() async throws {
        let directory = try TemporaryDirectory("vigil-smtp")
        let tls = try Self.certificate(in: directory)
        let sink = try SMTPSink(in: directory.path, tls: tls, login: ("vigil", "s3cret pass"))
        defer { sink.stop() }
        var settings = SMTPSettings(
            host: "127.0.0.1", port: sink.port, username: "vigil", password: "s3cret pass", from: "vigil@msp.example",
            caFile: tls.certificate)
        try await SMTPMailer(settings: settings).send(
            MailMessage(to: "office@dental.example", subject: "Hello", text: "over TLS"))
        let delivered = try await sink.waitForMessages(1)
        #expect(delivered.count == 1 && delivered.first?.authenticated == true)
        #expect(delivered.first?.text == "over TLS")

        // A wrong password is refused with the server's answer, and nothing is delivered.
        settings.password = "wrong"
        await #expect(throws: MailError.self) {
            try await SMTPMailer(settings: settings).send(
                MailMessage(to: "office@dental.example", subject: "x", text: "x"))
        }
        // A certificate the configured authority did not sign is refused before any secret is sent.
        settings.password = "s3cret pass"
        settings.caFile = nil
        let error = await #expect(throws: MailError.self) {
            try await SMTPMailer(settings: settings).send(
                MailMessage(to: "office@dental.example", subject: "x", text: "x"))
        }
        #expect(error?.description.contains("CERTIFICATE_VERIFY_FAILED") == true, "\(error?.description ?? "")")
        #expect(try sink.messages().count == 1)
    }

    @Test func aServerWithoutStartTLSIsRefusedWhenTLSWasAskedFor() async throws {
        let directory = try TemporaryDirectory("vigil-smtp")
        let sink = try SMTPSink(in: directory.path)
        defer { sink.stop() }
        let settings = SMTPSettings(host: "127.0.0.1", port: sink.port, from: "vigil@msp.example")
        let error = await #expect(throws: MailError.self) {
            try await SMTPMailer(settings: settings).send(MailMessage(to: "a@b.example", subject: "x", text: "x"))
        }
        #expect(error?.description.contains("does not offer STARTTLS") == true)
        #expect(try sink.messages().isEmpty)
    }

    @Test func aRefusedRecipientSaysWhatTheServerSaid() async throws {
        let directory = try TemporaryDirectory("vigil-smtp")
        let sink = try SMTPSink(in: directory.path)
        defer { sink.stop() }
        let mailer = try SMTPMailer(
            settings: SMTPSettings(host: "127.0.0.1", port: sink.port, security: .none, from: "vigil@msp.example"))
        let error = await #expect(throws: MailError.self) {
            try await mailer.send(MailMessage(to: "refuse@dental.example", subject: "x", text: "x"))
        }
        #expect(error?.description.contains("550") == true)
        #expect(error?.description.contains("recipient") == true)
    }

    @Test(arguments: [
        "office@dental.example>\r\nRCPT TO:<victim@elsewhere.example", "a@b.example, c@d.example", "no-at-sign",
        "zoë@dental.example", "<a@b.example>", "a b@c.example", "",
    ])
    func hostileAddressesAreRefusedBeforeAnyConnection(address: String) async throws {
        // Port 9 on loopback: nothing listens, so a connection attempt would fail differently.
        let mailer = try SMTPMailer(
            settings: SMTPSettings(host: "127.0.0.1", port: 9, security: .none, from: "vigil@msp.example"))
        let error = await #expect(throws: MailError.self) {
            try await mailer.send(MailMessage(to: address, subject: "x", text: "x"))
        }
        #expect(error?.description.contains("not an e-mail address") == true)
    }

    @Test func settingsThatWouldSendCredentialsInTheClearAreRefused() {
        #expect(throws: MailError.self) {
            try SMTPMailer(settings: SMTPSettings(host: "smtp.msp.example", security: .none, from: "v@msp.example"))
        }
        #expect(throws: MailError.self) {
            try SMTPMailer(settings: SMTPSettings(host: "smtp.msp.example", from: "v@msp.example\r\nBcc: x@y.example"))
        }
        #expect(throws: MailError.self) {
            try SMTPMailer(settings: SMTPSettings(host: "smtp.msp.example", port: 0, from: "v@msp.example"))
        }
        #expect(throws: MailError.self) {
            try SMTPMailer(settings: SMTPSettings(host: "smtp.msp.example", username: "u", from: "v@msp.example"))
        }
        #expect(throws: MailError.self) {
            try SMTPMailer(
                settings: SMTPSettings(
                    host: "127.0.0.1", security: .none, username: "u", password: "p", from: "v@msp.example"))
        }
    }

    /// A loopback TCP server that answers every connection with `greeting` and then stays quiet.
    static func fakeServer(greeting: String) async throws -> (port: Int, channel: any Channel) {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(Greeter(greeting: greeting))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return (channel.localAddress?.port ?? 0, channel)
    }

    @Test(arguments: [
        "HTTP/1.1 400 Bad Request\r\n\r\n", String(repeating: "2", count: 5000), "220-one\r\n221 two\r\n",
        "554 no service for you\r\n",
    ])
    func aServerThatIsNotSMTPGivesAClearErrorNotAHang(greeting: String) async throws {
        let (port, server) = try await Self.fakeServer(greeting: greeting)
        defer { server.close(promise: nil) }
        let mailer = try SMTPMailer(
            settings: SMTPSettings(
                host: "127.0.0.1", port: port, security: .none, from: "vigil@msp.example", timeoutSeconds: 5))
        let error = await #expect(throws: MailError.self) {
            try await mailer.send(MailMessage(to: "a@b.example", subject: "x", text: "x"))
        }
        #expect(error?.description.contains("SMTP server") == true)
    }

    @Test func aServerThatGreetsAndThenSaysNothingTimesOut() async throws {
        let (port, server) = try await Self.fakeServer(greeting: "")
        defer { server.close(promise: nil) }
        let mailer = try SMTPMailer(
            settings: SMTPSettings(
                host: "127.0.0.1", port: port, security: .none, from: "vigil@msp.example", timeoutSeconds: 1))
        let error = await #expect(throws: MailError.self) {
            try await mailer.send(MailMessage(to: "a@b.example", subject: "x", text: "x"))
        }
        #expect(error?.description.contains("did not finish within 1 s") == true)
    }
}

/// Says `greeting` when a client connects, then ignores whatever it sends.
final class Greeter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let greeting: String

    init(greeting: String) { self.greeting = greeting }

    func channelActive(context: ChannelHandlerContext) {
        if !greeting.isEmpty { context.writeAndFlush(NIOAny(ByteBuffer(string: greeting)), promise: nil) }
        context.fireChannelActive()
    }
}
