import Foundation
import TestSupport
import Testing

@testable import Views

/// The QR encoder against a real decoder (zbar's `zbarimg`): every version from 1 to 10 (one
/// and several Reed–Solomon blocks, with and without version information), read back exactly.
@Suite struct QRCodeTests {
    static let zbar = "/usr/bin/zbarimg"

    /// The symbol as a plain PBM image, 4 pixels per module with the 4-module quiet zone.
    static func pbm(_ code: QRCode) -> String {
        let scale = 4
        let side = (code.size + 8) * scale
        var lines = ["P1", "\(side) \(side)"]
        for y in 0..<side {
            let row = (y / scale) - 4
            var line = ""
            for x in 0..<side {
                let column = (x / scale) - 4
                let dark = (0..<code.size).contains(row) && (0..<code.size).contains(column) && code[row, column]
                line += dark ? "1 " : "0 "
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: zbar), "needs zbarimg (apt-get install zbar-tools)"),
        arguments: [1, 10, 20, 40, 60, 80, 100, 120, 150, 180, 213])
    func zbarReadsBackWhatWasEncoded(length: Int) throws {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789:/?&=.-_ ")
        var generator = SystemRandomNumberGenerator()
        let text =
            "vigil-enrol:"
            + String((0..<max(0, length - 12)).map { _ in alphabet.randomElement(using: &generator) ?? "a" })
        let payload = String(text.prefix(length))
        let code = try QRCode(payload)
        #expect(code.size == 17 + 4 * code.version)
        let directory = try TemporaryDirectory("vigil-qr")
        let file = directory.appending("code.pbm")
        try Self.pbm(code).write(toFile: file, atomically: true, encoding: .utf8)
        let result = try Shell.execute(Self.zbar, ["--raw", "-q", "--oneshot", "-Sdisable", "-Sqrcode.enable", file])
        #expect(result.status == 0, "zbarimg: \(result.stderr)")
        #expect(result.stdout.trimmingCharacters(in: .newlines) == payload, "version \(code.version)")
    }

    @Test func theSmallestVersionIsChosenAndTooLongTextIsRefused() throws {
        #expect(try QRCode("hello").version == 1)
        #expect(try QRCode(String(repeating: "a", count: 14)).version == 1)
        #expect(try QRCode(String(repeating: "a", count: 15)).version == 2)
        #expect(try QRCode(String(repeating: "a", count: 213)).version == 10)
        #expect(throws: QRCode.Failure.tooLong(214)) { try QRCode(String(repeating: "a", count: 214)) }
    }

    @Test func theSVGHasTheQuietZoneAndATitleAndNoScript() throws {
        let svg = try QRCode("code <1>").svg(label: "Claim code <b>").text
        #expect(svg.hasPrefix("<svg class=\"qr\" width=\"116\" height=\"116\" viewBox=\"0 0 29 29\""))
        #expect(svg.contains("<title>Claim code &lt;b&gt;</title>"))
        #expect(!svg.contains("<script") && !svg.contains("style="))
    }

    @Test func reedSolomonMatchesTheStandardsWorkedExample() {
        // ISO/IEC 18004 Annex I: "01234567" at 1-M gives these 10 correction codewords.
        let data: [UInt8] = [
            0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11,
        ]
        let correction = ReedSolomon.remainder(data, generator: ReedSolomon.generator(degree: 10))
        #expect(correction == [0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55])
    }
}
