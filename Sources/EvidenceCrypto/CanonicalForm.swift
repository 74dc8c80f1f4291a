/// A single-pass check that bytes are already RFC 8785 canonical JSON, without building a value.
///
/// Verification reads every bundle, so this is on the hot path: it validates grammar, UTF-8,
/// string escaping, number spelling and member order (strictly increasing names, which also rules
/// out duplicate names) in one scan, and hands back where chosen top-level members' values lie so
/// the caller can read the chain fields without a second parse.
public struct CanonicalForm: Sendable {
    /// Top-level member names whose value ranges `validate` reports, in this order.
    public let capturedKeys: [[UInt8]]
    public let maximumDepth: Int

    public init(capturing keys: [String], maximumDepth: Int = 64) {
        self.capturedKeys = keys.map { Array($0.utf8) }
        self.maximumDepth = maximumDepth
    }

    /// Validates that `bytes` are one canonical JSON object and returns, for each captured key,
    /// the byte range of its value (nil where the member is absent).
    public func validate(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> [Range<Int>?] {
        var scanner = Scanner(bytes: bytes, form: self)
        do throws(JSONError) {
            guard bytes.count > 0 else { throw JSONError(.unexpectedEnd, at: 0) }
            guard bytes[0] == UInt8(ascii: "{") else {
                if bytes[0] == 0x20 || bytes[0] == 0x0A || bytes[0] == 0x09 || bytes[0] == 0x0D {
                    throw JSONError(.notCanonical("white space outside strings"), at: 0)
                }
                throw JSONError(.notAnObject, at: 0)
            }
            try scanner.scanObject(depth: 0)
            guard scanner.position == bytes.count else {
                throw JSONError(.trailingData, at: scanner.position)
            }
        } catch {
            throw error.located(in: bytes)
        }
        return scanner.captures
    }

    /// Validates canonical form of a byte array.
    public func validate(_ bytes: [UInt8]) throws(JSONError) -> [Range<Int>?] {
        let result: Result<[Range<Int>?], JSONError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONError) in try validate(buffer) }
        }
        return try result.get()
    }

    struct Scanner {
        let bytes: UnsafeRawBufferPointer
        let form: CanonicalForm
        var position = 0
        var captures: [Range<Int>?]

        init(bytes: UnsafeRawBufferPointer, form: CanonicalForm) {
            self.bytes = bytes
            self.form = form
            self.captures = Array(repeating: nil, count: form.capturedKeys.count)
        }

        @inline(__always)
        func byte() throws(JSONError) -> UInt8 {
            guard position < bytes.count else { throw JSONError(.unexpectedEnd, at: position) }
            return bytes[position]
        }

        func unexpected() -> JSONError {
            guard position < bytes.count else { return JSONError(.unexpectedEnd, at: position) }
            let found = bytes[position]
            if found == 0x20 || found == 0x0A || found == 0x09 || found == 0x0D {
                return JSONError(.notCanonical("white space outside strings"), at: position)
            }
            return JSONError(.unexpectedByte(found), at: position)
        }

        mutating func scanValue(depth: Int) throws(JSONError) {
            switch try byte() {
            case UInt8(ascii: "{"): try scanObject(depth: depth + 1)
            case UInt8(ascii: "["): try scanArray(depth: depth + 1)
            case UInt8(ascii: "\""): _ = try scanString()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try scanNumber()
            default: throw unexpected()
            }
        }

        mutating func literal(_ text: StaticString) throws(JSONError) {
            for index in 0..<text.utf8CodeUnitCount {
                guard try byte() == text.utf8Start[index] else { throw unexpected() }
                position += 1
            }
        }

        mutating func scanObject(depth: Int) throws(JSONError) {
            guard depth < form.maximumDepth else {
                throw JSONError(.tooDeep(limit: form.maximumDepth), at: position)
            }
            position += 1
            if try byte() == UInt8(ascii: "}") {
                position += 1
                return
            }
            var previousKey: Range<Int>? = nil
            var previousKeySimple = true
            while true {
                guard try byte() == UInt8(ascii: "\"") else { throw unexpected() }
                let keyStart = position
                let simple = try scanString()
                let key = (keyStart + 1)..<(position - 1)
                if let previousKey {
                    try checkOrder(previousKey, previousKeySimple, key, simple, at: keyStart)
                }
                previousKey = key
                previousKeySimple = simple
                guard try byte() == UInt8(ascii: ":") else { throw unexpected() }
                position += 1
                let valueStart = position
                try scanValue(depth: depth)
                if depth == 0 { capture(key: key, value: valueStart..<position) }
                let next = try byte()
                position += 1
                if next == UInt8(ascii: "}") { return }
                guard next == UInt8(ascii: ",") else {
                    position -= 1
                    throw unexpected()
                }
            }
        }

        mutating func capture(key: Range<Int>, value: Range<Int>) {
            for (index, wanted) in form.capturedKeys.enumerated() where wanted.count == key.count {
                var equal = true
                for offset in 0..<wanted.count where bytes[key.lowerBound + offset] != wanted[offset] {
                    equal = false
                    break
                }
                if equal { captures[index] = value }
            }
        }

        /// Member names must strictly increase by UTF-16 code units. For plain ASCII names, byte
        /// order is that order; anything else is decoded and compared exactly.
        func checkOrder(
            _ previous: Range<Int>, _ previousSimple: Bool, _ current: Range<Int>, _ currentSimple: Bool,
            at offset: Int
        ) throws(JSONError) {
            let ordered: Bool
            if previousSimple && currentSimple {
                let lhs = UnsafeRawBufferPointer(rebasing: bytes[previous])
                let rhs = UnsafeRawBufferPointer(rebasing: bytes[current])
                ordered = lhs.lexicographicallyPrecedes(rhs)
                if !ordered && lhs.elementsEqual(rhs) {
                    throw JSONError(.duplicateKey(decode(current)), at: offset)
                }
            } else {
                let lhs = decode(previous)
                let rhs = decode(current)
                if lhs == rhs { throw JSONError(.duplicateKey(rhs), at: offset) }
                ordered = lhs.utf16.lexicographicallyPrecedes(rhs.utf16)
            }
            guard ordered else {
                throw JSONError(
                    .notCanonical("member \(String(reflecting: decode(current))) is out of order"), at: offset)
            }
        }

        func decode(_ range: Range<Int>) -> String {
            // The range was validated as a string body; the strict parser decodes its escapes.
            let quoted = [UInt8(ascii: "\"")] + Array(bytes[range]) + [UInt8(ascii: "\"")]
            return (try? JSONParser().parse(quoted))?.stringValue ?? ""
        }

        mutating func scanArray(depth: Int) throws(JSONError) {
            guard depth < form.maximumDepth else {
                throw JSONError(.tooDeep(limit: form.maximumDepth), at: position)
            }
            position += 1
            if try byte() == UInt8(ascii: "]") {
                position += 1
                return
            }
            while true {
                try scanValue(depth: depth)
                let next = try byte()
                position += 1
                if next == UInt8(ascii: "]") { return }
                guard next == UInt8(ascii: ",") else {
                    position -= 1
                    throw unexpected()
                }
            }
        }

        /// Scans a canonical string; returns whether it was plain ASCII without escapes.
        mutating func scanString() throws(JSONError) -> Bool {
            position += 1
            var simple = true
            while true {
                // Tight loop over plain ASCII (0x20–0x7F but '"' and '\\'), on locals so the
                // compiler keeps the index in a register; everything else is decided below.
                var index = position
                let count = bytes.count
                while index < count {
                    let byte = bytes[index]
                    if byte &- 0x20 >= 0x60 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { break }
                    index &+= 1
                }
                position = index
                guard position < bytes.count else { throw JSONError(.unexpectedEnd, at: position) }
                let current = bytes[position]
                if current >= 0x20 && current < 0x80 {
                    if current == UInt8(ascii: "\"") {
                        position += 1
                        return simple
                    }
                    if current == UInt8(ascii: "\\") {
                        simple = false
                        try scanEscape()
                        continue
                    }
                    position += 1
                    continue
                }
                if current < 0x20 { throw JSONError(.controlCharacterInString, at: position) }
                simple = false
                try scanUTF8Sequence()
            }
        }

        mutating func scanEscape() throws(JSONError) {
            let start = position
            position += 1
            let kind = try byte()
            position += 1
            switch kind {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                return
            case UInt8(ascii: "u"):
                guard position + 4 <= bytes.count else { throw JSONError(.unexpectedEnd, at: position) }
                let digits = (bytes[position], bytes[position + 1], bytes[position + 2], bytes[position + 3])
                position += 4
                func lowerHex(_ b: UInt8) -> UInt8? {
                    switch b {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
                    case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
                    default: nil
                    }
                }
                guard digits.0 == UInt8(ascii: "0"), digits.1 == UInt8(ascii: "0"),
                    let high = lowerHex(digits.2), let low = lowerHex(digits.3), high <= 1
                else {
                    throw JSONError(.notCanonical("\\u escape for a character that is written literally"), at: start)
                }
                let value = high << 4 | low
                if value == 0x08 || value == 0x09 || value == 0x0A || value == 0x0C || value == 0x0D {
                    throw JSONError(.notCanonical("\\u escape where a short escape exists"), at: start)
                }
            case UInt8(ascii: "/"):
                throw JSONError(.notCanonical("escaped solidus"), at: start)
            default:
                throw JSONError(.invalidEscape, at: start)
            }
        }

        /// Validates one multi-byte UTF-8 sequence: no overlongs, no surrogates, ≤ U+10FFFF.
        mutating func scanUTF8Sequence() throws(JSONError) {
            let lead = bytes[position]
            let length: Int
            var lowerBound: UInt8 = 0x80
            var upperBound: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                lowerBound = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                upperBound = 0x9F
            case 0xF0:
                length = 4
                lowerBound = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                upperBound = 0x8F
            default: throw JSONError(.invalidUTF8, at: position)
            }
            guard position + length <= bytes.count else { throw JSONError(.invalidUTF8, at: position) }
            let second = bytes[position + 1]
            guard second >= lowerBound && second <= upperBound else {
                throw JSONError(.invalidUTF8, at: position)
            }
            var index = 2
            while index < length {
                guard bytes[position + index] & 0xC0 == 0x80 else {
                    throw JSONError(.invalidUTF8, at: position)
                }
                index += 1
            }
            position += length
        }

        mutating func scanNumber() throws(JSONError) {
            let start = position
            var simpleInteger = true
            var digitCount = 0
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            let firstDigit = position
            while position < bytes.count {
                let current = bytes[position]
                if current >= UInt8(ascii: "0") && current <= UInt8(ascii: "9") {
                    digitCount += 1
                } else if current == UInt8(ascii: ".") || current == UInt8(ascii: "e")
                    || current == UInt8(ascii: "E") || current == UInt8(ascii: "+")
                    || current == UInt8(ascii: "-")
                {
                    simpleInteger = false
                } else {
                    break
                }
                position += 1
            }
            // Fast path: integers of up to 15 digits are exact doubles whose ECMAScript form is
            // their plain decimal digits; only leading zeros and "-0" can make them non-canonical.
            if simpleInteger && digitCount >= 1 && digitCount <= 15 && position > firstDigit {
                let leadingZero = bytes[firstDigit] == UInt8(ascii: "0")
                if !leadingZero { return }
                if digitCount == 1 && firstDigit == start { return }  // "0"
            }
            let token = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            guard let value = try? JSONParser().parse(token).numberValue else {
                throw JSONError(.invalidNumber(token), at: start)
            }
            guard ECMAScriptNumber.format(value) == token else {
                throw JSONError(.notCanonical("number \(token) is not in ECMAScript form"), at: start)
            }
        }
    }
}
