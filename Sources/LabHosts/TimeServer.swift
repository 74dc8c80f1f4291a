import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Free TCP ports on loopback.
public enum ServerPorts {
    /// Whether a listener could bind `port` on 127.0.0.1 now.
    public static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = loopback(port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// 127.0.0.1:`port` as a socket address.
    static func loopback(_ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    public static func free() throws -> Int {
        let (fd, port) = try listen(backlog: 0)
        close(fd)
        return port
    }

    /// A TCP socket bound to 127.0.0.1 on a port the kernel picks, listening with `backlog`
    /// (0: bound only); the caller owns the descriptor.
    public static func listen(backlog: Int32) throws -> (descriptor: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw DemoError("cannot open a socket") }
        var address = loopback(0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && (backlog == 0 || Glibc.listen(fd, backlog) == 0)
                    && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw DemoError("cannot bind a loopback port")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}

/// chronyd serving this machine's clock on a loopback port (it never sets the clock), so the
/// demo's clock check has three real NTP sources without the Internet.
public final class DemoTimeServer: Sendable {
    public static let chronyd = "/usr/sbin/chronyd"
    public let port: Int
    let process: Process

    public static var available: Bool { FileManager.default.isExecutableFile(atPath: chronyd) && getuid() == 0 }

    public init(directory: String) throws {
        port = try ServerPorts.free()
        let own = directory + "/\(port)"
        try FileManager.default.createDirectory(atPath: own, withIntermediateDirectories: true)
        let configuration = """
            port \(port)
            bindaddress 127.0.0.1
            allow 127.0.0.1
            local stratum 8
            cmdport 0
            pidfile \(own)/chronyd.pid
            driftfile \(own)/drift

            """
        try configuration.write(toFile: own + "/chrony.conf", atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.chronyd)
        process.arguments = ["-d", "-x", "-f", own + "/chrony.conf"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
    }

    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
