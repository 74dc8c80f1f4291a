import Appliance
import Compliance
import Foundation
import TestSupport
import Testing

/// The appliance's disk-space check on the real file system, compared with `df`.
@Suite struct DiskSpaceCheckTests {
    /// `df`'s available and size columns (1K blocks) for `path`.
    func df(_ path: String) throws -> Double {
        let result = try Shell.execute("/bin/df", ["--output=avail,size", "-k", path])
        let numbers = result.stdout.split(whereSeparator: \.isNewline).last?.split(separator: " ").compactMap {
            Double($0)
        }
        guard let numbers, numbers.count == 2, numbers[1] > 0 else { throw POSIXError(.EIO) }
        return numbers[0] / numbers[1] * 100
    }

    @Test func agreesWithDfAndAppliesTheThreshold() throws {
        let directory = try TemporaryDirectory()
        let free = try df(directory.path)
        let result = try DiskSpaceCheck(path: directory.path, minimumFreePercent: 0).run()
        #expect(result.status == .pass)
        #expect(result.checkID.rawValue == "appliance.disk.free_space" && !result.controls.isEmpty)
        let observed = try #require(result.observed)
        let reported = try #require(Double(observed.prefix { $0 != "%" }))
        #expect(abs(reported - free) < 1, "check says \(observed), df says \(free)%")
        let full = try DiskSpaceCheck(path: directory.path, minimumFreePercent: 100.01).run()
        #expect(full.status == .fail)
        #expect(full.message?.contains("nearly full") == true)
        #expect(full.expected == "\u{2265} 100.0% free")
    }

    @Test func aMissingPathIsAnErrorNotAPass() throws {
        let result = try DiskSpaceCheck(path: "/nonexistent/vigil/\(UUID().uuidString)").run()
        #expect(result.status == .error)
        #expect(result.message?.contains("No such file or directory") == true)
        #expect(result.observed == nil)
    }
}
