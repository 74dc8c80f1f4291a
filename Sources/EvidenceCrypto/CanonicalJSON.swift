import Foundation

/// RFC 8785 JSON Canonicalization Scheme: the one spelling of a JSON value that Vigil hashes and
/// signs. Members sorted by the UTF-16 code units of their names, no white space, ECMAScript
/// number formatting, minimal string escaping.
public enum CanonicalJSON {
    /// Why a value cannot be canonicalised.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case nonFiniteNumber
        case encoding(String)
        case json(JSONError)

        public var description: String {
            switch self {
            case .nonFiniteNumber: "NaN and infinities have no JSON form"
            case .encoding(let why): "cannot encode value: \(why)"
            case .json(let error): error.description
            }
        }
    }

    /// The canonical bytes of `value`.
    public static func serialize(_ value: JSONValue) throws(Failure) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        try write(value, into: &out)
        return out
    }

    /// Parses `bytes` strictly and returns their canonical form.
    public static func canonicalize(_ bytes: some Collection<UInt8>) throws(Failure) -> [UInt8] {
        let value: JSONValue
        do {
            value = try JSONParser().parse(bytes)
        } catch {
            throw .json(error)
        }
        return try serialize(value)
    }

    /// The canonical bytes of an `Encodable` value (encoded with Foundation, then canonicalised).
    public static func encode(_ value: some Encodable) throws(Failure) -> [UInt8] {
        let data: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            data = try encoder.encode(value)
        } catch {
            throw .encoding(String(describing: error))
        }
        return try canonicalize(data)
    }

    static func write(_ value: JSONValue, into out: inout [UInt8]) throws(Failure) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number):
            guard let text = ECMAScriptNumber.format(number) else { throw .nonFiniteNumber }
            out.append(contentsOf: text.utf8)
        case .string(let text): writeString(text, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                try write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let keys = members.keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
            for (index, key) in keys.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                // The key came from `members`, so the lookup cannot miss.
                try write(members[key] ?? .null, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ text: String, into out: inout [UInt8]) {
        let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x00..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
