/// Why bytes were refused as JSON or as canonical JSON. `offset` is the byte offset of the
/// problem; `description` gives line and column where they are known.
public struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        case unexpectedEnd
        case unexpectedByte(UInt8)
        case invalidUTF8
        case loneSurrogate
        case controlCharacterInString
        case invalidEscape
        case invalidNumber(String)
        case numberOutOfRange(String)
        case duplicateKey(String)
        case trailingData
        case tooDeep(limit: Int)
        case tooLarge(limit: Int)
        case notAnObject
        /// Valid JSON, but not the RFC 8785 canonical spelling of it.
        case notCanonical(String)
    }

    public let reason: Reason
    public let offset: Int
    /// 1-based line and column, when computed.
    public var line: Int?
    public var column: Int?

    public init(_ reason: Reason, at offset: Int, line: Int? = nil, column: Int? = nil) {
        self.reason = reason
        self.offset = offset
        self.line = line
        self.column = column
    }

    public var description: String {
        let place =
            if let line, let column { "line \(line), column \(column)" } else { "byte \(offset)" }
        return "\(reasonText) at \(place)"
    }

    var reasonText: String {
        switch reason {
        case .unexpectedEnd: "unexpected end of input (truncated?)"
        case .unexpectedByte(let byte):
            if byte >= 0x20 && byte < 0x7F {
                "unexpected character '\(Character(Unicode.Scalar(byte)))'"
            } else {
                "unexpected byte 0x\(String(byte, radix: 16))"
            }
        case .invalidUTF8: "invalid UTF-8"
        case .loneSurrogate: "lone UTF-16 surrogate in \\u escape"
        case .controlCharacterInString: "unescaped control character in string"
        case .invalidEscape: "invalid escape sequence"
        case .invalidNumber(let text): "invalid number \(text)"
        case .numberOutOfRange(let text): "number \(text) is outside the IEEE-754 double range"
        case .duplicateKey(let key): "duplicate key \(String(reflecting: key))"
        case .trailingData: "data after the end of the JSON value"
        case .tooDeep(let limit): "nesting deeper than \(limit) levels"
        case .tooLarge(let limit): "document larger than \(limit) bytes"
        case .notAnObject: "top-level value is not an object"
        case .notCanonical(let why): "not RFC 8785 canonical JSON: \(why)"
        }
    }

    /// Adds line and column computed from `bytes`.
    func located(in bytes: UnsafeRawBufferPointer) -> JSONError {
        var line = 1
        var column = 1
        for index in 0..<min(offset, bytes.count) {
            if bytes[index] == 0x0A {
                line += 1
                column = 1
            } else if bytes[index] & 0xC0 != 0x80 {
                column += 1
            }
        }
        return JSONError(reason, at: offset, line: line, column: column)
    }
}
