import Compliance
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One answer from a time source, with the offset already corrected for the round trip.
public struct TimeSample: Equatable, Sendable {
    public var source: String
    /// How far the source's clock is ahead of ours, in seconds: ((T2 − T1) + (T3 − T4)) / 2.
    public var offsetSeconds: Double
    /// The round trip minus the server's own processing time: (T4 − T1) − (T3 − T2).
    public var delaySeconds: Double
    public var stratum: Int

    public init(source: String, offsetSeconds: Double, delaySeconds: Double, stratum: Int) {
        self.source = source
        self.offsetSeconds = offsetSeconds
        self.delaySeconds = delaySeconds
        self.stratum = stratum
    }
}

/// Why a time source gave no usable answer.
public enum SNTPError: Error, Equatable, CustomStringConvertible {
    case resolve(String)
    case network(String)
    case timeout
    /// The answer is not a valid server reply for our request (say which rule it broke).
    case badAnswer(String)

    public var description: String {
        switch self {
        case .resolve(let why): "cannot resolve: \(why)"
        case .network(let why): "network error: \(why)"
        case .timeout: "no answer in time"
        case .badAnswer(let why): "answer refused: \(why)"
        }
    }
}

/// A simple SNTP client (RFC 4330 over NTPv4's packet format, RFC 5905): one request, one reply,
/// the offset compensated for the round trip. A reply must be a server-mode answer to *this*
/// request (its originate timestamp is the random transmit timestamp we sent, so a spoofed or
/// stale packet is refused), from a synchronised source (leap indicator ≠ 3, stratum 1–15; a
/// stratum-0 kiss-o'-death is refused with its code), with plausible timestamps.
public struct SNTPClient: Sendable {
    public var timeoutSeconds: Double

    public init(timeoutSeconds: Double = 2) {
        self.timeoutSeconds = timeoutSeconds
    }

    /// Asks `host`:`port` for the time. Blocking socket work runs off the cooperative pool.
    public func query(host: String, port: Int = 123) async -> Result<TimeSample, SNTPError> {
        let timeout = timeoutSeconds
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Self.exchange(host: host, port: port, timeout: timeout))
            }
        }
    }

    /// Seconds from the NTP era (1900) to the Unix epoch.
    static let eraOffset: Double = 2_208_988_800

    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// A 64-bit NTP timestamp (seconds since 1900, 32.32 fixed point) for Unix time `seconds`.
    static func ntp(_ seconds: Double) -> UInt64 {
        let since1900 = seconds + eraOffset
        let whole = UInt64(since1900)
        let fraction = UInt64((since1900 - Double(whole)) * 4_294_967_296)
        return (whole << 32) | (fraction & 0xFFFF_FFFF)
    }

    /// Unix seconds for NTP timestamp `value` (era 0, valid until 2036).
    static func unix(_ value: UInt64) -> Double {
        Double(value >> 32) + Double(value & 0xFFFF_FFFF) / 4_294_967_296 - eraOffset
    }

    static func read64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        bytes[offset..<offset + 8].reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
    }

    /// The request: LI 0, version 4, mode 3 (client), and `transmit` as the transmit timestamp.
    static func request(transmit: UInt64) -> [UInt8] {
        var packet = [UInt8](repeating: 0, count: 48)
        packet[0] = (0 << 6) | (4 << 3) | 3
        for index in 0..<8 { packet[40 + index] = UInt8(truncatingIfNeeded: transmit >> (56 - 8 * index)) }
        return packet
    }

    /// Checks `reply` against the request that carried `sent` and computes the sample.
    static func sample(
        reply: [UInt8], sent: UInt64, sentAt t1: Double, receivedAt t4: Double, source: String
    ) -> Result<TimeSample, SNTPError> {
        guard reply.count >= 48 else { return .failure(.badAnswer("\(reply.count) bytes, an NTP reply has 48")) }
        let leap = reply[0] >> 6
        let version = (reply[0] >> 3) & 0x7
        let mode = reply[0] & 0x7
        let stratum = Int(reply[1])
        guard mode == 4 else { return .failure(.badAnswer("mode \(mode), not a server reply (4)")) }
        guard (3...4).contains(version) else { return .failure(.badAnswer("NTP version \(version)")) }
        guard stratum != 0 else {
            let code = String(decoding: reply[12..<16].filter { (0x20..<0x7F).contains($0) }, as: UTF8.self)
            return .failure(.badAnswer("kiss-o'-death \(code.isEmpty ? "(no code)" : code)"))
        }
        guard stratum <= 15 else { return .failure(.badAnswer("stratum \(stratum): unsynchronised")) }
        guard leap != 3 else { return .failure(.badAnswer("leap indicator 3: the source's clock is not synchronised")) }
        guard read64(reply, at: 24) == sent else {
            return .failure(.badAnswer("originate timestamp does not echo our request (spoofed or stale)"))
        }
        let received = read64(reply, at: 32)
        let transmitted = read64(reply, at: 40)
        guard received != 0, transmitted != 0 else { return .failure(.badAnswer("zero server timestamps")) }
        let t2 = unix(received)
        let t3 = unix(transmitted)
        guard t3 >= t2 else { return .failure(.badAnswer("server transmitted before it received")) }
        let delay = (t4 - t1) - (t3 - t2)
        guard delay >= -0.001, delay < 10 else {
            return .failure(.badAnswer("round trip of \(delay) s is impossible"))
        }
        return .success(
            TimeSample(
                source: source, offsetSeconds: ((t2 - t1) + (t3 - t4)) / 2, delaySeconds: max(0, delay),
                stratum: stratum))
    }

    static func exchange(host: String, port: Int, timeout: Double) -> Result<TimeSample, SNTPError> {
        let source = "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let first = list else {
            return .failure(.resolve("\(host): \(String(cString: gai_strerror(resolved)))"))
        }
        defer { freeaddrinfo(list) }
        let socketFD = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard socketFD >= 0 else { return .failure(.network("socket: \(String(cString: strerror(errno)))")) }
        defer { close(socketFD) }
        guard connect(socketFD, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            return .failure(.network("connect: \(String(cString: strerror(errno)))"))
        }
        // A random transmit timestamp: the reply must echo it, and it reveals nothing about our clock.
        let sent = UInt64.random(in: 1...UInt64.max)
        let packet = request(transmit: sent)
        let t1 = now()
        guard packet.withUnsafeBytes({ send(socketFD, $0.baseAddress, 48, 0) }) == 48 else {
            return .failure(.network("send: \(String(cString: strerror(errno)))"))
        }
        let deadline = t1 + timeout
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let remaining = deadline - now()
            guard remaining > 0 else { return .failure(.timeout) }
            var poller = pollfd(fd: socketFD, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(remaining * 1000) + 1)
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { return .failure(.timeout) }
            let count = buffer.withUnsafeMutableBytes { recv(socketFD, $0.baseAddress, 512, 0) }
            let t4 = now()
            guard count >= 0 else {
                return .failure(.network("receive: \(String(cString: strerror(errno)))"))
            }
            return sample(reply: Array(buffer[0..<count]), sent: sent, sentAt: t1, receivedAt: t4, source: source)
        }
    }
}
