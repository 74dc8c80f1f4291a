import Foundation
import LabHosts

#if canImport(Glibc)
    import Glibc
#endif

/// One HTTP answer of a `LoopbackReceiver`.
public struct LoopbackReply: Sendable {
    public var status: Int
    public var body: [UInt8]
    public var delaySeconds: Double
    /// A Content-Length larger than the body: the answer ends early (truncated).
    public var declaredLength: Int?

    public init(status: Int, body: [UInt8] = [], delaySeconds: Double = 0, declaredLength: Int? = nil) {
        self.status = status
        self.body = body
        self.delaySeconds = delaySeconds
        self.declaredLength = declaredLength
    }
}

/// A TCP listener on 127.0.0.1 that keeps what every connection sent: a real peer for protocol
/// tests (syslog over TCP, webhooks over HTTP/1.1). With `httpStatus` set it reads one HTTP
/// request per connection and answers it with that status.
public final class LoopbackReceiver: Sendable {
    public let port: Int
    private let listener: Int32
    private let received = Locked<[[UInt8]]>([])
    private let running = Locked(true)

    public convenience init(httpStatus: Int? = nil) throws {
        var reply: (@Sendable ([UInt8]) -> LoopbackReply)?
        if let httpStatus { reply = { _ in LoopbackReply(status: httpStatus) } }
        try self.init(reply: reply)
    }

    /// An HTTP/1.1 peer whose answer to each request `reply` decides (status, body, delay, a
    /// declared length longer than the body to cut the answer short).
    public init(reply: (@Sendable ([UInt8]) -> LoopbackReply)?) throws {
        let (fd, port) = try ServerPorts.listen(backlog: 16)
        listener = fd
        self.port = port
        let received = received
        let running = running
        Thread {
            while running.value {
                let client = accept(fd, nil, nil)
                guard client >= 0 else { break }
                var bytes: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 65_536)
                while true {
                    let count = read(client, &buffer, buffer.count)
                    if count <= 0 { break }
                    bytes.append(contentsOf: buffer[0..<count])
                    if let reply, Self.completeHTTPRequest(bytes) {
                        let answer = reply(bytes)
                        if answer.delaySeconds > 0 { usleep(UInt32(answer.delaySeconds * 1_000_000)) }
                        let head =
                            "HTTP/1.1 \(answer.status) \(answer.status < 400 ? "OK" : "Error")\r\n"
                            + "Content-Type: application/json\r\n"
                            + "Content-Length: \(answer.declaredLength ?? answer.body.count)\r\nConnection: close\r\n\r\n"
                        let out = Array(head.utf8) + answer.body
                        _ = out.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                        break
                    }
                }
                close(client)
                received.set(received.value + [bytes])
            }
        }.start()
    }

    /// A port nothing listens on now (bound, then released).
    public static func freePort() throws -> Int { try ServerPorts.free() }

    /// Everything each finished connection sent, in order.
    public var connections: [[UInt8]] { received.value }

    /// Waits until `count` connections have finished (at most `seconds`).
    public func waitForConnections(_ count: Int, seconds: Double = 10) -> [[UInt8]] {
        let deadline = Date().addingTimeInterval(seconds)
        while received.value.count < count, Date() < deadline { usleep(20_000) }
        return received.value
    }

    public func stop() {
        running.set(false)
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// Whether `bytes` hold a whole HTTP/1.1 request (headers and a Content-Length body).
    static func completeHTTPRequest(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return false }
        let headers = text[..<end.lowerBound].lowercased()
        let length =
            headers.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        return text.utf8.count - text[..<end.upperBound].utf8.count >= length
    }

    /// Splits an HTTP request into its header lines and body.
    public static func httpRequest(_ bytes: [UInt8]) -> (headers: [String: String], body: [UInt8])? {
        guard let index = bytes.firstRange(of: Array("\r\n\r\n".utf8)) else { return nil }
        let head = String(decoding: bytes[..<index.lowerBound], as: UTF8.self).split(separator: "\r\n")
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        return (headers, Array(bytes[index.upperBound...]))
    }
}
