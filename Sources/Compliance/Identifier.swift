import Foundation

/// A typed identifier: `Identifier<Site>` and `Identifier<Host>` cannot be mixed up.
///
/// Identifiers are opaque strings of 1–128 characters drawn from `[A-Za-z0-9._:-]`, so they are
/// safe in file names, URLs, log lines and shell arguments without further escaping.
public struct Identifier<Entity>: Hashable, Sendable, Codable, CustomStringConvertible,
    Comparable
{
    /// The identifier's text.
    public let rawValue: String

    /// Creates an identifier, or throws when `rawValue` is empty, too long or has characters
    /// outside `[A-Za-z0-9._:-]`.
    public init(_ rawValue: String) throws(DomainError) {
        guard Self.isValid(rawValue) else {
            throw DomainError.invalidIdentifier(rawValue)
        }
        self.rawValue = rawValue
    }

    /// Whether `text` is a well-formed identifier.
    public static func isValid(_ text: String) -> Bool {
        let utf8 = text.utf8
        guard (1...128).contains(utf8.count) else { return false }
        return utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: ":"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }

    /// A fresh random identifier with a readable prefix, such as `site-3f9c…`.
    public static func random(prefix: String) -> Self {
        let suffix = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        // A prefix is chosen by code, not by input, and the suffix is hex: always valid.
        return Self(unchecked: "\(prefix)-\(suffix.prefix(20))")
    }

    /// Creates an identifier from text already known to be valid.
    init(unchecked rawValue: String) {
        self.rawValue = rawValue
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard Self.isValid(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "invalid identifier \(String(reflecting: text))")
        }
        self.rawValue = text
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
