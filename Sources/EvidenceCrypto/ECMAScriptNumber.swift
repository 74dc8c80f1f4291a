/// Formats doubles as ECMAScript's `Number.prototype.toString` does (ECMA-262 §7.1.12.1), which
/// RFC 8785 §3.2.2.3 adopts for canonical JSON numbers.
public enum ECMAScriptNumber {
    /// The ECMAScript spelling of `value`; nil for NaN and infinities, which JSON cannot carry.
    public static func format(_ value: Double) -> String? {
        guard value.isFinite else { return nil }
        if value == 0 { return "0" }  // Both +0 and -0.
        let (digits, pointPosition) = shortestDigits(of: value.magnitude)
        let sign = value < 0 ? "-" : ""
        let k = digits.count
        let n = pointPosition
        var out = sign
        if k <= n && n <= 21 {
            out += String(decoding: digits, as: UTF8.self)
            out += String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            out += String(decoding: digits[0..<n], as: UTF8.self)
            out += "."
            out += String(decoding: digits[n...], as: UTF8.self)
        } else if -6 < n && n <= 0 {
            out += "0."
            out += String(repeating: "0", count: -n)
            out += String(decoding: digits, as: UTF8.self)
        } else {
            let exponent = n - 1
            out += String(decoding: digits[0..<1], as: UTF8.self)
            if k > 1 {
                out += "."
                out += String(decoding: digits[1...], as: UTF8.self)
            }
            out += exponent < 0 ? "e-" : "e+"
            out += String(exponent.magnitude)
        }
        return out
    }

    /// The shortest round-tripping decimal digits of a positive finite double, without leading or
    /// trailing zeros, and n such that value = 0.d₁d₂… × 10ⁿ.
    ///
    /// Swift's `description` already produces the shortest digits that round-trip and, among
    /// those, the one closest to the exact value — the same digits ECMAScript requires — so only
    /// the layout differs.
    static func shortestDigits(of value: Double) -> ([UInt8], Int) {
        let text = Array(value.description.utf8)
        var digits: [UInt8] = []
        digits.reserveCapacity(17)
        var digitsBeforePoint = 0
        var seenPoint = false
        var exponent = 0
        var index = 0
        while index < text.count {
            let byte = text[index]
            if byte == UInt8(ascii: ".") {
                seenPoint = true
            } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                exponent = Int(String(decoding: text[(index + 1)...], as: UTF8.self)) ?? 0
                break
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits.append(byte)
                if !seenPoint { digitsBeforePoint += 1 }
            }
            index += 1
        }
        var leadingZeros = 0
        while leadingZeros < digits.count - 1 && digits[leadingZeros] == UInt8(ascii: "0") {
            leadingZeros += 1
        }
        digits.removeFirst(leadingZeros)
        while digits.count > 1 && digits.last == UInt8(ascii: "0") { digits.removeLast() }
        return (digits, digitsBeforePoint - leadingZeros + exponent)
    }
}
