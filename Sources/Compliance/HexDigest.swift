/// A SHA-256 digest as 64 lowercase hex characters: the form used in evidence and by `sha256sum`.
public struct HexDigest: Hashable, Sendable, Codable, CustomStringConvertible {
    public let hex: String

    /// The digest of nothing before the first bundle: 64 zeros, the chain's genesis link.
    public static let zero = HexDigest(uncheckedHex: String(repeating: "0", count: 64))

    public init(hex: String) throws(DomainError) {
        guard Self.isValid(hex) else { throw DomainError.invalidDigest(hex) }
        self.hex = hex
    }

    /// Creates a digest from 32 raw bytes.
    public init(bytes: some Sequence<UInt8>) throws(DomainError) {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        guard text.count == 64 else {
            throw DomainError.invalidDigest("\(text.count / 2) bytes")
        }
        self.hex = String(decoding: text, as: UTF8.self)
    }

    init(uncheckedHex: String) {
        self.hex = uncheckedHex
    }

    /// The 32 raw bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        var high: UInt8 = 0
        for (index, char) in hex.utf8.enumerated() {
            let value = char <= UInt8(ascii: "9") ? char - UInt8(ascii: "0") : char - UInt8(ascii: "a") + 10
            if index % 2 == 0 { high = value } else { out.append(high << 4 | value) }
        }
        return out
    }

    public static func isValid(_ hex: String) -> Bool {
        hex.utf8.count == 64
            && hex.utf8.allSatisfy {
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
            }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard Self.isValid(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: DomainError.invalidDigest(text).description)
        }
        self.hex = text
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }

    public var description: String { hex }
}
