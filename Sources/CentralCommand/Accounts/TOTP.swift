import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP) as authenticator apps use them:
/// HMAC-SHA-1, 30-second steps, 6 digits, a 160-bit secret shown to the user in base32.
public struct TOTP: Sendable {
    public static let stepSeconds: Int64 = 30
    public let secret: [UInt8]
    public let digits: Int

    public init(secret: [UInt8], digits: Int = 6) {
        self.secret = secret
        self.digits = digits
    }

    /// A fresh random 160-bit secret (RFC 4226 §4 recommends 160 bits).
    public static func randomSecret() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<20).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// The time step that contains `unixSeconds`.
    public static func step(at unixSeconds: Int64) -> Int64 { unixSeconds / stepSeconds }

    /// The code for time step `step`, zero-padded to `digits`.
    public func code(step: Int64) -> String {
        var counter = UInt64(bitPattern: step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Array($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary =
            (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8)
            | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let text = String(binary % modulus)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// The step whose code `code` is, within one step either side of `unixSeconds` (clock drift
    /// between phone and server), or nil. Comparison does not stop at the first differing digit.
    public func matchingStep(_ code: String, at unixSeconds: Int64) -> Int64? {
        let given = code.filter { !$0.isWhitespace }
        let now = Self.step(at: unixSeconds)
        var found: Int64?
        for step in [now - 1, now, now + 1] where RandomSecrets.constantTimeEqual(self.code(step: step), given) {
            if found == nil { found = step }
        }
        return found
    }

    /// The `otpauth://` URI authenticator apps read (from a QR code or pasted).
    public func provisioningURI(account: String, issuer: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~@")
        let label =
            "\(issuer):\(account)".addingPercentEncoding(withAllowedCharacters: allowed.union(.init(charactersIn: ":")))
            ?? ""
        let issuerParameter = issuer.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
        return
            "otpauth://totp/\(label)?secret=\(Base32.encode(secret))&issuer=\(issuerParameter)&algorithm=SHA1&digits=\(digits)&period=\(Self.stepSeconds)"
    }
}

/// RFC 4648 base32 without padding, the alphabet authenticator apps expect for secrets.
public enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes base32 (case-insensitive, padding and spaces ignored); nil on any other character.
    public static func decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for character in text.uppercased().utf8 where character != UInt8(ascii: "=") && character != UInt8(ascii: " ") {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = (buffer << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                output.append(UInt8((buffer >> UInt32(bits - 8)) & 0xFF))
                bits -= 8
            }
        }
        return output
    }
}
