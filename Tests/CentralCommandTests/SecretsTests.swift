import CentralCommand
import Foundation
import TestSupport
import Testing

/// TOTP and base32 against their RFCs' test vectors, and the secret box that seals what the
/// server must read back.
@Suite struct SecretsTests {
    /// RFC 6238 Appendix B, SHA-1, 8 digits, secret "12345678901234567890".
    @Test(arguments: [
        (Int64(59), "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"), (2_000_000_000, "69279037"), (20_000_000_000, "65353130"),
    ])
    func totpMatchesRFC6238(time: Int64, code: String) {
        let totp = TOTP(secret: Array("12345678901234567890".utf8), digits: 8)
        #expect(totp.code(step: TOTP.step(at: time)) == code)
        #expect(totp.matchingStep(code, at: time) == TOTP.step(at: time))
        #expect(totp.matchingStep(code, at: time + 30) == TOTP.step(at: time))
        #expect(totp.matchingStep(code, at: time + 95) == nil)
    }

    @Test func totpRefusesMalformedCodes() {
        let totp = TOTP(secret: Array("12345678901234567890".utf8))
        for code in ["", "28708", "2870820", "abcdef", "287 082x", String(repeating: "9", count: 10_000)] {
            #expect(totp.matchingStep(code, at: 59) == nil, "\(code.prefix(12))")
        }
        #expect(totp.matchingStep("287 082", at: 59) == 1)
    }

    /// RFC 4648 §10.
    @Test func base32MatchesRFC4648() {
        let vectors = [
            ("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ]
        for (plain, encoded) in vectors {
            #expect(Base32.encode(Array(plain.utf8)) == encoded)
            #expect(Base32.decode(encoded) == Array(plain.utf8))
            #expect(Base32.decode(encoded.lowercased() + "===") == Array(plain.utf8))
        }
        #expect(Base32.decode("MZ1W") == nil)
        #expect(Base32.decode("MZ\u{0}W") == nil)
    }

    @Test func secretBoxOpensOnlyWithTheSameKeyAndPurpose() throws {
        let box = try SecretBox(key: Array(repeating: 1, count: 32))
        let sealed = try box.seal(Array("hunter2".utf8), purpose: "target:host-1")
        #expect(sealed.hasPrefix("v1:"))
        #expect(!sealed.contains("hunter2"))
        #expect(try box.open(sealed, purpose: "target:host-1") == Array("hunter2".utf8))
        #expect(try box.seal(Array("hunter2".utf8), purpose: "target:host-1") != sealed)
        #expect(throws: SecretBoxError.cannotOpen) { try box.open(sealed, purpose: "target:host-2") }
        let other = try SecretBox(key: Array(repeating: 2, count: 32))
        #expect(throws: SecretBoxError.cannotOpen) { try other.open(sealed, purpose: "target:host-1") }
        var bytes = Array(sealed.utf8)
        bytes[10] = bytes[10] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        for broken in [String(decoding: bytes, as: UTF8.self), "v1:", "v2:" + sealed.dropFirst(3), "v1:!!!", ""] {
            #expect(throws: SecretBoxError.cannotOpen) { try box.open(broken, purpose: "target:host-1") }
        }
        #expect(throws: SecretBoxError.self) { try SecretBox(key: Array(repeating: 1, count: 16)) }
    }

    @Test func secretKeyIsCreatedOnceWithMode0600OrTakenFromTheEnvironment() throws {
        let directory = try TemporaryDirectory("vigil-secret")
        let path = directory.appending("secret.key")
        let first = try SecretBox.load(path: path, environment: [:])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        let again = try SecretBox.load(path: path, environment: [:])
        #expect(first.fingerprint == again.fingerprint)
        let sealed = try first.seal([1, 2, 3], purpose: "p")
        #expect(try again.open(sealed, purpose: "p") == [1, 2, 3])

        let environmentKey = Data(Array(repeating: UInt8(9), count: 32)).base64EncodedString()
        let fromEnvironment = try SecretBox.load(path: path, environment: ["VIGIL_SECRET_KEY": environmentKey])
        #expect(fromEnvironment.fingerprint != first.fingerprint)
        #expect(throws: SecretBoxError.self) {
            try SecretBox.load(path: path, environment: ["VIGIL_SECRET_KEY": "not base64!"])
        }
        #expect(throws: SecretBoxError.self) {
            try SecretBox.load(path: path, environment: ["VIGIL_SECRET_KEY": "AAAA"])
        }
        try "garbage\n".write(toFile: directory.appending("bad.key"), atomically: true, encoding: .utf8)
        #expect(throws: SecretBoxError.self) {
            try SecretBox.load(path: directory.appending("bad.key"), environment: [:])
        }
    }
}
