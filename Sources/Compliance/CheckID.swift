/// A platform-scoped check identifier such as `linux.ssh.permit_root_login`.
///
/// The first segment is the platform, the second the family (ssh, firewall, backup…), the rest
/// names the check. Segments are lowercase ASCII letters, digits and underscores.
public struct CheckID: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public let rawValue: String
    /// The platform named by the first segment.
    public let platform: Platform

    public init(_ rawValue: String) throws(DomainError) {
        let segments = rawValue.split(separator: ".", omittingEmptySubsequences: false)
        guard rawValue.utf8.count <= 128, segments.count >= 3,
            let platform = Platform(rawValue: String(segments[0])),
            segments.allSatisfy({ Self.isValidSegment($0) })
        else {
            throw DomainError.invalidCheckID(rawValue)
        }
        self.rawValue = rawValue
        self.platform = platform
    }

    /// The check family, the second segment (`ssh` in `linux.ssh.permit_root_login`).
    public var family: String {
        String(rawValue.split(separator: ".")[1])
    }

    private static func isValidSegment(_ segment: Substring) -> Bool {
        !segment.isEmpty
            && segment.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "_")
            }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
