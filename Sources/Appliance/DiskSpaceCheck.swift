public import Compliance
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `appliance.disk.free_space`: the share of the file system holding the appliance's data that
/// is still free for unprivileged writes (what `df` calls available), against a threshold
/// (default 15 %, the catalogue's expectation).
public struct DiskSpaceCheck: Sendable {
    public static let checkID = "appliance.disk.free_space"

    public var path: String
    public var minimumFreePercent: Double

    public init(path: String, minimumFreePercent: Double = 15) {
        self.path = path
        self.minimumFreePercent = minimumFreePercent
    }

    public func run(catalog: CheckCatalog = .builtin) throws(DomainError) -> CheckResult {
        let definition = try catalog.definition(Self.checkID)
        let id = definition.id
        let expected = "\u{2265} \(Self.percent(minimumFreePercent)) free"
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else {
            return CheckResult(
                checkID: id, status: .error, severity: definition.severity, expected: expected,
                message: "cannot read the file system of \(path): \(String(cString: strerror(errno)))",
                controls: definition.controls)
        }
        let blockSize = Double(stats.f_frsize)
        let total = Double(stats.f_blocks) * blockSize
        let available = Double(stats.f_bavail) * blockSize
        guard total > 0 else {
            return CheckResult(
                checkID: id, status: .error, severity: definition.severity, expected: expected,
                message: "the file system of \(path) reports no size", controls: definition.controls)
        }
        let freePercent = available / total * 100
        let observed = "\(Self.percent(freePercent)) free (\(Self.gibibytes(available)) of \(Self.gibibytes(total)))"
        let passing = freePercent >= minimumFreePercent
        return CheckResult(
            checkID: id, status: passing ? .pass : .fail, severity: definition.severity, observed: observed,
            expected: expected,
            message: passing ? nil : "the appliance's disk at \(path) is nearly full: evidence may stop being kept",
            controls: definition.controls)
    }

    static func percent(_ value: Double) -> String { String(format: "%.1f%%", value) }
    static func gibibytes(_ bytes: Double) -> String { String(format: "%.1f GiB", bytes / 1_073_741_824) }
}
