/// A strict RFC 8259 parser that also enforces I-JSON (RFC 7493): unique member names, no lone
/// surrogates, numbers within the double range. Input from files and the network goes through
/// here; nothing lenient sits in front of evidence.
public struct JSONParser: Sendable {
    /// Deepest nesting accepted; deeper input is refused rather than risking the stack.
    public var maximumDepth: Int
    /// Largest document accepted, in bytes.
    public var maximumSize: Int

    public init(maximumDepth: Int = 128, maximumSize: Int = 64 << 20) {
        self.maximumDepth = maximumDepth
        self.maximumSize = maximumSize
    }

    /// Parses one JSON value that fills `bytes` (surrounding white space allowed).
    public func parse(_ bytes: some Collection<UInt8>) throws(JSONError) -> JSONValue {
        let array = Array(bytes)
        let result: Result<JSONValue, JSONError> = array.withUnsafeBytes { buffer in
            var cursor = Cursor(bytes: buffer, maximumDepth: maximumDepth)
            do throws(JSONError) {
                guard buffer.count <= maximumSize else {
                    throw JSONError(.tooLarge(limit: maximumSize), at: maximumSize)
                }
                cursor.skipWhitespace()
                let value = try cursor.parseValue(depth: 0)
                cursor.skipWhitespace()
                guard cursor.position == buffer.count else {
                    throw JSONError(.trailingData, at: cursor.position)
                }
                return .success(value)
            } catch {
                return .failure(error.located(in: buffer))
            }
        }
        return try result.get()
    }

    /// Parses `text` as JSON.
    public func parse(_ text: String) throws(JSONError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

extension JSONParser {
    struct Cursor {
        let bytes: UnsafeRawBufferPointer
        let maximumDepth: Int
        var position = 0

        init(bytes: UnsafeRawBufferPointer, maximumDepth: Int) {
            self.bytes = bytes
            self.maximumDepth = maximumDepth
        }

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        func peek() throws(JSONError) -> UInt8 {
            guard position < bytes.count else { throw JSONError(.unexpectedEnd, at: position) }
            return bytes[position]
        }

        mutating func expect(_ literal: StaticString) throws(JSONError) {
            let count = literal.utf8CodeUnitCount
            for index in 0..<count {
                let byte = try peek()
                guard byte == literal.utf8Start[index] else {
                    throw JSONError(.unexpectedByte(byte), at: position)
                }
                position += 1
            }
        }

        mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
            guard depth < maximumDepth else { throw JSONError(.tooDeep(limit: maximumDepth), at: position) }
            let byte = try peek()
            switch byte {
            case UInt8(ascii: "{"): return try parseObject(depth: depth)
            case UInt8(ascii: "["): return try parseArray(depth: depth)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"):
                try expect("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try expect("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try expect("null")
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return .number(try parseNumber())
            default:
                throw JSONError(.unexpectedByte(byte), at: position)
            }
        }

        mutating func parseObject(depth: Int) throws(JSONError) -> JSONValue {
            position += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if try peek() == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                let keyOffset = position
                guard try peek() == UInt8(ascii: "\"") else {
                    throw JSONError(.unexpectedByte(bytes[position]), at: position)
                }
                let key = try parseString()
                skipWhitespace()
                guard try peek() == UInt8(ascii: ":") else {
                    throw JSONError(.unexpectedByte(bytes[position]), at: position)
                }
                position += 1
                skipWhitespace()
                let value = try parseValue(depth: depth + 1)
                guard members.updateValue(value, forKey: key) == nil else {
                    throw JSONError(.duplicateKey(key), at: keyOffset)
                }
                skipWhitespace()
                let next = try peek()
                position += 1
                if next == UInt8(ascii: "}") { return .object(members) }
                guard next == UInt8(ascii: ",") else {
                    throw JSONError(.unexpectedByte(next), at: position - 1)
                }
            }
        }

        mutating func parseArray(depth: Int) throws(JSONError) -> JSONValue {
            position += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if try peek() == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                let next = try peek()
                position += 1
                if next == UInt8(ascii: "]") { return .array(elements) }
                guard next == UInt8(ascii: ",") else {
                    throw JSONError(.unexpectedByte(next), at: position - 1)
                }
            }
        }

        mutating func parseNumber() throws(JSONError) -> Double {
            let start = position
            func digit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
            func at(_ index: Int) -> UInt8? { index < bytes.count ? bytes[index] : nil }
            var index = position
            if at(index) == UInt8(ascii: "-") { index += 1 }
            guard let first = at(index), digit(first) else {
                throw JSONError(.invalidNumber(text(start, index + 1)), at: start)
            }
            index += 1
            if first != UInt8(ascii: "0") {
                while let byte = at(index), digit(byte) { index += 1 }
            }
            if at(index) == UInt8(ascii: ".") {
                index += 1
                guard let byte = at(index), digit(byte) else {
                    throw JSONError(.invalidNumber(text(start, index)), at: start)
                }
                while let byte = at(index), digit(byte) { index += 1 }
            }
            if let byte = at(index), byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                index += 1
                if let sign = at(index), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                    index += 1
                }
                guard let byte = at(index), digit(byte) else {
                    throw JSONError(.invalidNumber(text(start, index)), at: start)
                }
                while let byte = at(index), digit(byte) { index += 1 }
            }
            position = index
            let literal = text(start, index)
            guard let value = Double(literal) else {
                throw JSONError(.invalidNumber(literal), at: start)
            }
            guard value.isFinite else { throw JSONError(.numberOutOfRange(literal), at: start) }
            return value
        }

        func text(_ start: Int, _ end: Int) -> String {
            String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<min(end, bytes.count)]), as: UTF8.self)
        }

        mutating func parseString() throws(JSONError) -> String {
            position += 1
            let start = position
            // Fast path: no escapes, so the string is exactly its bytes (validated once as UTF-8).
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    let run = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
                    guard let text = String(validating: run, as: UTF8.self) else {
                        throw JSONError(.invalidUTF8, at: start)
                    }
                    position += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw JSONError(.controlCharacterInString, at: position) }
                position += 1
            }
            // Slow path: decode escapes into UTF-8 bytes, then validate the whole string once.
            var utf8 = Array(bytes[start..<position])
            func appendScalar(_ scalar: Unicode.Scalar) {
                utf8.append(contentsOf: UTF8.encode(scalar).map { Array($0) } ?? [])
            }
            while true {
                guard position < bytes.count else { throw JSONError(.unexpectedEnd, at: position) }
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    position += 1
                    guard let text = String(validating: utf8, as: UTF8.self) else {
                        throw JSONError(.invalidUTF8, at: start)
                    }
                    return text
                }
                if byte < 0x20 { throw JSONError(.controlCharacterInString, at: position) }
                if byte != UInt8(ascii: "\\") {
                    utf8.append(byte)
                    position += 1
                    continue
                }
                let escapeStart = position
                position += 1
                let kind = try peek()
                position += 1
                switch kind {
                case UInt8(ascii: "\""): utf8.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): utf8.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): utf8.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    let unit = try hex4(at: escapeStart)
                    if (0xD800...0xDBFF).contains(unit) {
                        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                            bytes[position + 1] == UInt8(ascii: "u")
                        else { throw JSONError(.loneSurrogate, at: escapeStart) }
                        position += 2
                        let low = try hex4(at: escapeStart)
                        guard (0xDC00...0xDFFF).contains(low),
                            let scalar = Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                        else { throw JSONError(.loneSurrogate, at: escapeStart) }
                        appendScalar(scalar)
                    } else {
                        guard let scalar = Unicode.Scalar(unit) else {
                            throw JSONError(.loneSurrogate, at: escapeStart)
                        }
                        appendScalar(scalar)
                    }
                default:
                    throw JSONError(.invalidEscape, at: escapeStart)
                }
            }
        }

        mutating func hex4(at escapeStart: Int) throws(JSONError) -> UInt32 {
            guard position + 4 <= bytes.count else { throw JSONError(.unexpectedEnd, at: position) }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw JSONError(.invalidEscape, at: escapeStart)
                }
                value = value << 4 | UInt32(digit)
                position += 1
            }
            return value
        }
    }
}
