import Crypto

/// A 32-byte SHA-256 value held inline (no heap allocation), used for bundle hashes and Merkle
/// nodes on the verification hot path.
public struct Hash32: Hashable, Sendable, CustomStringConvertible {
    // Stored as four native-order words loaded from the digest's bytes; `withBytes` hands the
    // same 32 bytes back in their original order.
    private var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// Creates a hash from exactly 32 bytes.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        let array = Array(bytes)
        (w0, w1, w2, w3) = array.withUnsafeBytes { raw in
            (
                raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            )
        }
    }

    init(_ digest: SHA256.Digest) {
        (w0, w1, w2, w3) = digest.withUnsafeBytes { raw in
            (
                raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            )
        }
    }

    /// Parses 64 hex digits (either case).
    public init?(hex: some StringProtocol) {
        self.init(hex: Array(hex.utf8))
    }

    /// Parses 64 hex digits (either case) given as ASCII bytes.
    public init?(hex utf8: some Collection<UInt8>) {
        let utf8 = Array(utf8)
        guard utf8.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = Self.nibble(utf8[index]), let low = Self.nibble(utf8[index + 1]) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        self.init(bytes: bytes)
    }

    /// The 32 zero bytes: the previous-hash of an appliance's first bundle.
    public static let zero = Hash32(bytes: [UInt8](repeating: 0, count: 32)).unsafelyUnwrapped

    /// SHA-256 of `bytes`.
    public static func sha256(_ bytes: UnsafeRawBufferPointer) -> Hash32 {
        Hash32(SHA256.hash(data: bytes))
    }

    /// SHA-256 of `bytes`.
    public static func sha256(_ bytes: some Collection<UInt8>) -> Hash32 {
        Array(bytes).withUnsafeBytes { sha256($0) }
    }

    /// Calls `body` with the 32 bytes.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(of: (w0, w1, w2, w3)) { try body($0) }
    }

    public var bytes: [UInt8] { withBytes { Array($0) } }

    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        withBytes { raw in
            for byte in raw {
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var base64: String { Base64.encode(bytes) }

    public var description: String { hex }

    static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
