import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Where and how Central Command sends e-mail (`smtp-*` settings, docs/CONFIGURATION.md).
public struct SMTPSettings: Sendable, Equatable {
    /// How the connection is protected: STARTTLS on a plain connection (port 587, the default),
    /// TLS from the first byte (port 465), or nothing — for a relay on loopback only, since a
    /// login e-mail is a credential.
    public enum Security: String, Sendable, CaseIterable {
        case starttls, tls, none
    }

    public var host: String
    public var port: Int
    public var security: Security
    /// With a username, the client authenticates with AUTH PLAIN — over TLS only.
    public var username: String?
    public var password: String?
    /// The envelope and header sender.
    public var from: String
    /// The name this client gives in EHLO.
    public var heloName: String
    /// A PEM file of CA certificates to trust instead of the system's.
    public var caFile: String?
    /// The most a whole delivery may take.
    public var timeoutSeconds: Int

    public init(
        host: String, port: Int = 587, security: Security = .starttls, username: String? = nil,
        password: String? = nil, from: String, heloName: String = "vigil.localhost", caFile: String? = nil,
        timeoutSeconds: Int = 30
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.from = from
        self.heloName = heloName
        self.caFile = caFile
        self.timeoutSeconds = timeoutSeconds
    }

    var isLoopback: Bool { ["127.0.0.1", "::1", "localhost"].contains(host.lowercased()) }

    /// Refuses settings that cannot work or would send credentials in the clear.
    public func validate() throws(MailError) {
        guard !host.isEmpty, host.utf8.count <= 253,
            host.unicodeScalars.allSatisfy({ $0.isASCII && !$0.properties.isWhitespace && $0 != "/" })
        else { throw MailError("smtp-host \(String(reflecting: host)) is not a host name or address") }
        guard (1...65535).contains(port) else { throw MailError("smtp-port must be 1–65535") }
        try SMTPMailer.checkAddress(from, field: "smtp-from")
        guard !heloName.isEmpty, heloName.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 })
        else { throw MailError("the EHLO name must be printable ASCII without spaces") }
        if security == .none, !isLoopback {
            throw MailError(
                "smtp-security none is accepted for a relay on loopback only; use starttls or tls for \(host)")
        }
        if username != nil, password == nil { throw MailError("smtp-username needs smtp-password") }
        if username != nil, security == .none {
            throw MailError("smtp-username is sent over TLS only: use smtp-security starttls or tls")
        }
        guard (1...600).contains(timeoutSeconds) else { throw MailError("the SMTP timeout must be 1–600 s") }
    }
}

/// Sends mail through an SMTP server (RFC 5321) with STARTTLS (RFC 3207) or implicit TLS and
/// AUTH PLAIN (RFC 4616), written on SwiftNIO: there is no SMTP library for Swift here (ADR 0019).
/// Each message is its own connection — login links are rare, and nothing waits on a pool.
public struct SMTPMailer: Mailer {
    let settings: SMTPSettings

    public init(settings: SMTPSettings) throws(MailError) {
        try settings.validate()
        self.settings = settings
    }

    public func send(_ message: MailMessage) async throws(MailError) {
        try Self.checkAddress(message.to, field: "recipient")
        let data = Self.render(message, from: settings.from, heloName: settings.heloName, at: Date())
        let settings = settings
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await SMTPConversation.deliver(data, to: message.to, settings: settings) }
                group.addTask {
                    try await Task.sleep(for: .seconds(settings.timeoutSeconds))
                    throw MailError(
                        "the SMTP server at \(settings.host):\(settings.port) did not finish within \(settings.timeoutSeconds) s"
                    )
                }
                try await group.next()
                group.cancelAll()
            }
        } catch let error as MailError {
            throw error
        } catch {
            throw MailError("SMTP \(settings.host):\(settings.port): \(error)")
        }
    }

    /// An address as SMTP commands and headers carry it: printable ASCII, one `@`, no spaces,
    /// angle brackets, quotes, commas or semicolons — nothing that could end a command or add a
    /// recipient or header.
    static func checkAddress(_ address: String, field: String) throws(MailError) {
        let forbidden = Set("<>()[]\\,;:\"".unicodeScalars)
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard (3...254).contains(address.utf8.count), parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
            address.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 && !forbidden.contains($0) })
        else {
            throw MailError("\(field) \(String(reflecting: address)) is not an e-mail address this server can send to")
        }
    }

    /// The message as DATA carries it: headers, a base64 body (so no line is long or starts with
    /// a dot), CRLF line ends.
    static func render(_ message: MailMessage, from: String, heloName: String, at date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let subject = String(
            message.subject.unicodeScalars.filter { $0.properties.generalCategory != .control }.prefix(200))
        let plain = subject.unicodeScalars.allSatisfy { $0.isASCII } && !subject.contains("=?")
        let encodedSubject = plain ? subject : "=?utf-8?B?\(Data(subject.utf8).base64EncodedString())?="
        let body = Data(
            message.text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8
        )
        .base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let headers = [
            "Date: \(formatter.string(from: date))",
            "From: \(from)",
            "To: \(message.to)",
            "Subject: \(encodedSubject)",
            "Message-ID: <\(UUID().uuidString.lowercased())@\(heloName)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "Auto-Submitted: auto-generated",
        ]
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + body + "\r\n"
    }
}

/// One SMTP reply: its code and the text of its lines.
struct SMTPReply: Sendable {
    var code: Int
    var lines: [String]
    var text: String { lines.joined(separator: " / ") }
}

/// Splits the server's bytes into replies (multi-line ones joined) and hands them on.
final class SMTPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let continuation: AsyncThrowingStream<SMTPReply, any Error>.Continuation
    var pending: [UInt8] = []
    var lines: [String] = []
    var code: Int?

    init(_ continuation: AsyncThrowingStream<SMTPReply, any Error>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending += buffer.readBytes(length: buffer.readableBytes) ?? []
        while let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = Array(pending[..<end])
            pending.removeSubrange(...end)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if let problem = take(line) {
                fail(context, problem)
                return
            }
        }
        if pending.count > 2048 { fail(context, "a reply line longer than 2,048 bytes") }
    }

    /// Adds one line; returns what is wrong with it, if anything.
    private func take(_ line: [UInt8]) -> String? {
        guard line.count >= 3, line.prefix(3).allSatisfy({ (48...57).contains($0) }),
            line.count == 3 || line[3] == UInt8(ascii: " ") || line[3] == UInt8(ascii: "-")
        else {
            return "a reply that is not SMTP: \(String(reflecting: String(decoding: line.prefix(80), as: UTF8.self)))"
        }
        let lineCode = Int(String(decoding: line.prefix(3), as: UTF8.self)) ?? 0
        if let code, code != lineCode { return "a multi-line reply whose codes differ" }
        code = lineCode
        lines.append(String(decoding: line.dropFirst(4), as: UTF8.self))
        guard lines.count <= 100 else { return "a reply of more than 100 lines" }
        if line.count == 3 || line[3] == UInt8(ascii: " ") {
            continuation.yield(SMTPReply(code: lineCode, lines: lines))
            lines = []
            code = nil
        }
        return nil
    }

    private func fail(_ context: ChannelHandlerContext, _ problem: String) {
        continuation.finish(throwing: MailError("the SMTP server sent \(problem)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish(throwing: MailError("the SMTP server closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }
}

/// One delivery: connect, greet, protect, authenticate, send, quit.
enum SMTPConversation {
    static func deliver(_ data: String, to recipient: String, settings: SMTPSettings) async throws {
        // No TLS set-up (CA file and all) for a plain loopback relay.
        let tls = settings.security == .none ? nil : try tlsContext(settings)
        let serverName =
            settings.host.contains(":") || settings.host.allSatisfy({ $0.isNumber || $0 == "." })
            ? nil : settings.host
        let (replies, continuation) = AsyncThrowingStream<SMTPReply, any Error>.makeStream()
        let implicit = settings.security == .tls ? tls : nil
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let implicit {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: implicit, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler(continuation))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: settings.host, port: settings.port).get()
        } catch {
            throw MailError("cannot reach the SMTP server at \(settings.host):\(settings.port): \(error)")
        }
        var iterator = replies.makeAsyncIterator()
        do {
            func expect(_ codes: ClosedRange<Int>, after step: String) async throws -> SMTPReply {
                guard let reply = try await iterator.next() else {
                    throw MailError("the SMTP server closed the connection after \(step)")
                }
                guard codes.contains(reply.code) else {
                    throw MailError("the SMTP server refused \(step): \(reply.code) \(reply.text)")
                }
                return reply
            }
            func command(_ line: String, expect codes: ClosedRange<Int>, step: String) async throws -> SMTPReply {
                do {
                    try await channel.writeAndFlush(ByteBuffer(string: line + "\r\n")).get()
                } catch {
                    // The connection failed: the reader has the reason (a TLS alert, say).
                    _ = try await iterator.next()
                    throw MailError("the SMTP server closed the connection before \(step)")
                }
                return try await expect(codes, after: step)
            }
            _ = try await expect(220...220, after: "the connection")
            var hello = try await command("EHLO \(settings.heloName)", expect: 250...250, step: "EHLO")
            if settings.security == .starttls, let tls {
                guard hello.lines.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else {
                    throw MailError("the SMTP server at \(settings.host) does not offer STARTTLS")
                }
                _ = try await command("STARTTLS", expect: 220...220, step: "STARTTLS")
                try await channel.eventLoop.submit {
                    try channel.pipeline.syncOperations.addHandler(
                        try NIOSSLClientHandler(context: tls, serverHostname: serverName), position: .first)
                }.get()
                hello = try await command("EHLO \(settings.heloName)", expect: 250...250, step: "EHLO after STARTTLS")
            }
            if let username = settings.username {
                let mechanisms = hello.lines.filter { $0.uppercased().hasPrefix("AUTH") }.joined(separator: " ")
                    .uppercased()
                guard mechanisms.split(separator: " ").contains("PLAIN") else {
                    throw MailError("the SMTP server at \(settings.host) does not offer AUTH PLAIN")
                }
                let secret = Data(([0] + Array(username.utf8) + [0] + Array((settings.password ?? "").utf8)))
                _ = try await command(
                    "AUTH PLAIN \(secret.base64EncodedString())", expect: 235...235, step: "the login (AUTH PLAIN)")
            }
            _ = try await command("MAIL FROM:<\(settings.from)>", expect: 250...250, step: "the sender")
            _ = try await command("RCPT TO:<\(recipient)>", expect: 250...251, step: "the recipient")
            _ = try await command("DATA", expect: 354...354, step: "DATA")
            // Dot-stuffing (RFC 5321 §4.5.2); a base64 body never needs it, headers might.
            let stuffed = data.replacingOccurrences(of: "\r\n.", with: "\r\n..")
            _ = try await command(
                (stuffed.hasPrefix(".") ? "." : "") + stuffed + ".", expect: 250...250, step: "the message")
            try? await channel.writeAndFlush(ByteBuffer(string: "QUIT\r\n")).get()
            _ = try? await iterator.next()
            try? await channel.close().get()
        } catch {
            try? await channel.close().get()
            throw error
        }
    }

    static func tlsContext(_ settings: SMTPSettings) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let caFile = settings.caFile { configuration.trustRoots = .file(caFile) }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw MailError("SMTP TLS configuration: \(error)")
        }
    }
}
