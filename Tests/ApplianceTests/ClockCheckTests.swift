import Appliance
import Compliance
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback SNTP server that speaks the real packet format and misbehaves on purpose (stands in
/// for NTP servers whose clocks are wrong or that lie; real ones are the chrony tests below).
final class LoopbackTimeServer: Sendable {
    enum Behaviour: Sendable {
        case offset(Double)
        case spoofedOriginate
        case kissOfDeath(String)
        case short
        case clientMode
        case unsynchronised
        case silent
    }

    let fd: Int32
    let port: Int

    init(_ behaviour: Behaviour) throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard fd >= 0, bound == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { Self.serve(fd: fd, behaviour: behaviour) }
    }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    static func ntp(_ unix: Double) -> [UInt8] {
        let since1900 = unix + 2_208_988_800
        let value = (UInt64(since1900) << 32) | UInt64((since1900 - floor(since1900)) * 4_294_967_296)
        return (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }

    static func serve(fd: Int32, behaviour: Behaviour) {
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            var peer = sockaddr_storage()
            var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = withUnsafeMutablePointer(to: &peer) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    buffer.withUnsafeMutableBytes { recvfrom(fd, $0.baseAddress, 512, 0, address, &peerLength) }
                }
            }
            guard count >= 48 else { return }
            let now = Date().timeIntervalSince1970
            var reply = [UInt8](repeating: 0, count: 48)
            reply[0] = (4 << 3) | 4
            reply[1] = 2
            var shift = 0.0
            switch behaviour {
            case .offset(let seconds): shift = seconds
            case .spoofedOriginate: buffer[40] ^= 0xFF
            case .kissOfDeath(let code):
                reply[1] = 0
                for (index, byte) in code.utf8.prefix(4).enumerated() { reply[12 + index] = byte }
            case .short: reply = Array(reply.prefix(20))
            case .clientMode: reply[0] = (4 << 3) | 3
            case .unsynchronised: reply[0] |= 3 << 6
            case .silent: continue
            }
            if reply.count == 48 {
                reply.replaceSubrange(24..<32, with: buffer[40..<48])
                reply.replaceSubrange(32..<40, with: ntp(now + shift))
                reply.replaceSubrange(40..<48, with: ntp(now + shift + 0.0001))
            }
            _ = withUnsafePointer(to: &peer) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    reply.withUnsafeBytes { sendto(fd, $0.baseAddress, reply.count, 0, address, peerLength) }
                }
            }
        }
    }
}

/// A real chronyd serving its local clock on a loopback port (`-x`: it never touches the clock).
final class ChronyServer: Sendable {
    let process: Process
    let port: Int
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory("vigil-chrony")
        port = Int.random(in: 20_000..<60_000)
        let configuration = """
            port \(port)
            bindaddress 127.0.0.1
            allow 127.0.0.1
            local stratum 8
            cmdport 0
            pidfile \(directory.path)/chronyd.pid
            driftfile \(directory.path)/drift

            """
        try configuration.write(toFile: directory.appending("chrony.conf"), atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/chronyd")
        process.arguments = ["-d", "-x", "-f", directory.appending("chrony.conf")]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// SIGKILL: the test runner's blocked signal mask is inherited, so chronyd would never see a
    /// SIGTERM; it has nothing to save.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

@Suite struct ClockCheckTests {
    static let chronyInstalled = FileManager.default.isExecutableFile(atPath: "/usr/sbin/chronyd")

    /// Waits until every source answers (chronyd needs a moment to bind).
    func settled(_ check: ClockCheck) async throws -> ClockVerdict {
        var verdict = try await check.run()
        for _ in 0..<50 where verdict.samples.count < check.sources.count {
            try await Task.sleep(for: .milliseconds(100))
            verdict = try await check.run()
        }
        return verdict
    }

    @Test(.enabled(if: chronyInstalled, "needs chrony (apt-get install chrony; .ci/run installs it)"))
    func threeRealNTPServersAgreeWithOurClock() async throws {
        let servers = try (0..<3).map { _ in try ChronyServer() }
        defer { servers.forEach { $0.stop() } }
        let check = ClockCheck(sources: servers.map { TimeSource(host: "127.0.0.1", port: $0.port) })
        let verdict = try await settled(check)
        #expect(verdict.result.status == .pass, "\(verdict.result.message ?? "")")
        #expect(verdict.trustworthy)
        #expect(verdict.samples.count == 3)
        for sample in verdict.samples {
            #expect(abs(sample.offsetSeconds) < 0.5)
            #expect(sample.stratum == 8)
            #expect(sample.delaySeconds >= 0 && sample.delaySeconds < 1)
        }
        #expect(verdict.result.observed?.hasPrefix("3 sources, median offset") == true)
        #expect(verdict.result.checkID.rawValue == "appliance.time.ntp_offset")
        #expect(!verdict.result.controls.isEmpty)
    }

    @Test(.enabled(if: chronyInstalled, "needs chrony (apt-get install chrony; .ci/run installs it)"))
    func aClockTenSecondsOffALoopbackSNTPResponderFailsAndIsNotTrusted() async throws {
        // Three sources agreeing on a time 10 s ahead of ours: our clock is the one that is off.
        let liars = try (0..<3).map { _ in try LoopbackTimeServer(.offset(10)) }
        defer { liars.forEach { $0.stop() } }
        let verdict = try await ClockCheck(sources: liars.map { TimeSource(host: "127.0.0.1", port: $0.port) }).run()
        #expect(verdict.result.status == .fail)
        #expect(!verdict.trustworthy)
        let median = try #require(verdict.medianOffsetSeconds)
        #expect(abs(median - 10) < 0.5)
        #expect(verdict.result.message?.contains("clock is -10.0") == true, "\(verdict.result.message ?? "")")

        // Two honest chrony servers and one liar: the sources disagree by 10 s.
        let honest = try (0..<2).map { _ in try ChronyServer() }
        defer { honest.forEach { $0.stop() } }
        let mixed = ClockCheck(
            sources: honest.map { TimeSource(host: "127.0.0.1", port: $0.port) } + [
                TimeSource(host: "127.0.0.1", port: liars[0].port)
            ])
        let disagreement = try await settled(mixed)
        #expect(disagreement.result.status == .fail)
        #expect(disagreement.result.message?.contains("sources disagree by") == true)
    }

    @Test func brokenAndHostileAnswersFromALoopbackSNTPResponderAreRefusedWithTheirReason() async throws {
        let cases: [(LoopbackTimeServer.Behaviour, String)] = [
            (.spoofedOriginate, "originate timestamp"), (.kissOfDeath("RATE"), "kiss-o'-death RATE"),
            (.short, "20 bytes"), (.clientMode, "mode 3"), (.unsynchronised, "leap indicator 3"),
            (.silent, "no answer in time"),
        ]
        let servers = try cases.map { try LoopbackTimeServer($0.0) }
        defer { servers.forEach { $0.stop() } }
        var check = ClockCheck(
            sources: servers.map { TimeSource(host: "127.0.0.1", port: $0.port) } + [
                TimeSource(host: "no-such-host.invalid", port: 123)
            ])
        check.client = SNTPClient(timeoutSeconds: 0.5)
        let verdict = try await check.run()
        #expect(verdict.samples.isEmpty)
        #expect(verdict.result.status == .fail)
        #expect(verdict.result.observed == "no source answered")
        let message = verdict.result.message ?? ""
        for (_, reason) in cases { #expect(message.contains(reason), "missing \(reason) in \(message)") }
        #expect(message.contains("no-such-host.invalid:123: cannot resolve"))
        #expect(message.contains("0 of 7 sources answered; 3 are needed"))
    }

    @Test func judgingFollowsTheProductRules() throws {
        let check = ClockCheck(sources: (1...4).map { TimeSource(host: "s\($0)") })
        func verdict(_ offsets: [Double?]) throws -> ClockVerdict {
            try check.judge(
                offsets.enumerated().map { index, offset in
                    offset.map {
                        .success(TimeSample(source: "s\(index)", offsetSeconds: $0, delaySeconds: 0.01, stratum: 2))
                    } ?? .failure(.timeout)
                })
        }
        #expect(try verdict([0.1, -0.2, 0.05, nil]).trustworthy)
        #expect(try verdict([4.9, 4.8, 4.95, 4.9]).trustworthy)
        #expect(try !verdict([5.2, 5.1, 5.3, nil]).trustworthy)
        #expect(try !verdict([0.1, 0.2, nil, nil]).trustworthy)
        #expect(try !verdict([0, 0, 0, 5.5]).trustworthy)
        #expect(try verdict([0, 0, 0, 4.5]).trustworthy)
    }
}
