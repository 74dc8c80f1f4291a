public import Compliance
import Crypto
public import Foundation
import NIOCore
import NIOPosix
import NIOSSL

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One evidence bundle as reseller mode forwards it: what happened, where, and how it ended;
/// never credentials or raw host output.
public struct ForwardedEvent: Codable, Equatable, Sendable {
    public var event = "vigil.bundle"
    public var applianceID: String
    public var siteID: String
    public var hostID: String
    public var sequence: Int64
    public var bundleID: String
    public var kind: String
    public var outcome: String
    public var observedAt: String
    /// SHA-256 of the bundle's canonical bytes, to match the event with the evidence.
    public var hash: String
    public var reseller: String?
    /// Checks that failed or could not run.
    public var failing: [String]
    public var summary: String

    enum CodingKeys: String, CodingKey {
        case event, sequence, kind, outcome, hash, reseller, failing, summary
        case applianceID = "appliance_id"
        case siteID = "site_id"
        case hostID = "host_id"
        case bundleID = "bundle_id"
        case observedAt = "observed_at"
    }

    public init(_ bundle: EvidenceBundle, sequence: Int64, hash: String) {
        applianceID = bundle.applianceID.rawValue
        siteID = bundle.siteID.rawValue
        hostID = bundle.hostID.rawValue
        self.sequence = sequence
        bundleID = bundle.bundleID.rawValue
        kind = bundle.kind.rawValue
        outcome = bundle.outcome.rawValue
        observedAt = bundle.observedAt.description
        self.hash = hash
        reseller = bundle.reseller
        failing = bundle.results.filter(\.status.isFailing).map(\.checkID.rawValue)
        let subject = "\(bundle.kind.rawValue) of \(bundle.hostID.rawValue)"
        if !bundle.results.isEmpty {
            summary =
                "\(subject): \(bundle.outcome.rawValue), \(failing.count) of \(bundle.results.count) checks failing"
        } else {
            summary =
                "\(subject): \(bundle.outcome.rawValue)" + (bundle.actions.first?.excerpt.map { " — \($0)" } ?? "")
        }
    }
}

/// Somewhere reseller mode sends events.
public protocol EventForwarder: Sendable {
    /// A stable name for the forwarding cursor (`syslog`, `webhook`).
    var name: String { get }
    /// Delivers every event or throws; a throw means none may be counted as delivered.
    func send(_ events: [ForwardedEvent]) async throws(ForwardingError)
}

public struct ForwardingError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

// MARK: Syslog

/// RFC 5424 messages over TCP or TLS, framed by octet counting (RFC 6587 §3.4.1): one
/// connection per batch.
public struct SyslogForwarder: EventForwarder {
    public enum Transport: Sendable, Equatable {
        case tcp
        /// TLS verified against the system's roots, or the CA certificates in `caFile` (PEM).
        case tls(caFile: String?)
    }

    public let name = "syslog"
    public let host: String
    public let port: Int
    public let transport: Transport
    /// RFC 5612's documentation enterprise number until Vigil has its own.
    static let structuredDataID = "vigil@32473"

    public init(host: String, port: Int, transport: Transport) {
        self.host = host
        self.port = port
        self.transport = transport
    }

    /// `tcp://host:port` or `tls://host:port`.
    public static func parse(_ url: String, caFile: String?) throws(ForwardingError) -> SyslogForwarder {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty, let port = components.port, (1...65535).contains(port)
        else { throw ForwardingError("syslog-url must be tcp://host:port or tls://host:port") }
        switch scheme {
        case "tcp": return SyslogForwarder(host: host, port: port, transport: .tcp)
        case "tls": return SyslogForwarder(host: host, port: port, transport: .tls(caFile: caFile))
        default: throw ForwardingError("syslog-url must use tcp:// or tls://, not \(scheme)://")
        }
    }

    /// One RFC 5424 message (without framing).
    public static func message(_ event: ForwardedEvent) -> String {
        // Facility local0 (16); severity by outcome.
        let severity =
            switch event.outcome {
            case "success", "deferred": 6
            case "failed", "reverted": 3
            default: 4
            }
        let parameters = [
            ("bundle", event.bundleID), ("seq", String(event.sequence)), ("site", event.siteID),
            ("host", event.hostID), ("outcome", event.outcome), ("failing", String(event.failing.count)),
            ("hash", event.hash),
        ]
        let data = parameters.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: " ")
        let hostname = printable(event.applianceID, limit: 255)
        let kind = printable(event.kind, limit: 32)
        return "<\(16 * 8 + severity)>1 \(event.observedAt) \(hostname) vigil - \(kind) [\(structuredDataID) \(data)] "
            + "\u{FEFF}" + event.summary
    }

    /// SD-PARAM values escape `"`, `\` and `]` (RFC 5424 §6.3.3).
    static func escape(_ value: String) -> String {
        var result = ""
        for character in value {
            if character == "\"" || character == "\\" || character == "]" { result.append("\\") }
            result.append(character)
        }
        return result
    }

    /// Header fields are printable US-ASCII without spaces, or `-`.
    static func printable(_ text: String, limit: Int) -> String {
        let kept = String(text.unicodeScalars.filter { $0.value > 32 && $0.value < 127 }.prefix(limit))
        return kept.isEmpty ? "-" : kept
    }

    public func send(_ events: [ForwardedEvent]) async throws(ForwardingError) {
        guard !events.isEmpty else { return }
        var payload = ByteBuffer()
        for event in events {
            let bytes = Array(Self.message(event).utf8)
            payload.writeString("\(bytes.count) ")
            payload.writeBytes(bytes)
        }
        let context: NIOSSLContext?
        do {
            switch transport {
            case .tcp:
                context = nil
            case .tls(let caFile):
                var configuration = TLSConfiguration.makeClientConfiguration()
                if let caFile { configuration.trustRoots = .file(caFile) }
                context = try NIOSSLContext(configuration: configuration)
            }
        } catch {
            throw ForwardingError("syslog TLS configuration: \(error)")
        }
        let host = host
        // SNI carries names only; an IP address is verified against the certificate's IP SANs.
        let serverName = host.contains(":") || host.allSatisfy({ $0.isNumber || $0 == "." }) ? nil : host
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: context, serverHostname: serverName))
                    }
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            throw ForwardingError("cannot reach syslog at \(host):\(port): \(error)")
        }
        do {
            try await channel.writeAndFlush(payload).get()
            try await channel.close().get()
        } catch {
            try? await channel.close().get()
            throw ForwardingError("syslog at \(host):\(port) failed: \(error)")
        }
    }
}

// MARK: Webhook

/// Events as JSON `{"events": […]}` POSTed to an HTTPS endpoint, signed with HMAC-SHA256:
/// `X-Vigil-Signature: t=<unix seconds>,v1=<hex HMAC of "<t>.<body>">`. The receiver recomputes
/// it with the shared secret and refuses stale timestamps, so a captured request cannot be
/// replayed later.
public struct WebhookForwarder: EventForwarder {
    public let name = "webhook"
    public let url: URL
    let secret: [UInt8]
    let session: URLSession

    public init(url: URL, secret: String) {
        self.url = url
        self.secret = Array(secret.utf8)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 15
        configuration.httpCookieStorage = nil
        session = URLSession(configuration: configuration)
    }

    /// The signature header's value for `body` at `timestamp`.
    public static func signature(body: [UInt8], timestamp: Int64, secret: [UInt8]) -> String {
        let signed = Array("\(timestamp).".utf8) + body
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: secret))
        return "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    struct Body: Encodable {
        let events: [ForwardedEvent]
    }

    public func send(_ events: [ForwardedEvent]) async throws(ForwardingError) {
        guard !events.isEmpty else { return }
        let body: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            body = try encoder.encode(Body(events: events))
        } catch {
            throw ForwardingError("cannot encode events: \(error)")
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(
            Self.signature(body: Array(body), timestamp: Int64(Date().timeIntervalSince1970), secret: secret),
            forHTTPHeaderField: "X-Vigil-Signature")
        do {
            let (_, response) = try await session.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard (200..<300).contains(status) else {
                throw ForwardingError("webhook \(url.host ?? "") answered \(status)")
            }
        } catch let error as ForwardingError {
            throw error
        } catch {
            throw ForwardingError("cannot reach the webhook at \(url.host ?? ""): \(error.localizedDescription)")
        }
    }
}
