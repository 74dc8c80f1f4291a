import EvidenceCrypto
import Foundation
import Testing

@Suite struct CanonicalJSONTests {
    /// RFC 8785 §3.2.2 / Appendix: the "values" example.
    @Test func canonicalisesTheRFCValuesExample() throws {
        let input = #"""
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """#
        let output = try CanonicalJSON.canonicalize(Array(input.utf8))
        let expected =
            #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        #expect(String(decoding: output, as: UTF8.self) == expected)
    }

    /// RFC 8785 §3.2.3: members sorted by UTF-16 code units, not by code points or UTF-8.
    @Test func sortsMembersByUTF16CodeUnits() throws {
        let input = #"""
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """#
        let output = String(decoding: try CanonicalJSON.canonicalize(Array(input.utf8)), as: UTF8.self)
        let expected =
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"דּ\":\"Hebrew Letter Dalet With Dagesh\"}"
        #expect(output == expected)
    }

    /// RFC 8785 Appendix B: IEEE-754 doubles and their ECMAScript spelling.
    @Test(arguments: [
        ("0000000000000000", "0"), ("8000000000000000", "0"), ("0000000000000001", "5e-324"),
        ("8000000000000001", "-5e-324"), ("7fefffffffffffff", "1.7976931348623157e+308"),
        ("ffefffffffffffff", "-1.7976931348623157e+308"), ("4340000000000000", "9007199254740992"),
        ("c340000000000000", "-9007199254740992"), ("4430000000000000", "295147905179352830000"),
        ("44b52d02c7e14af5", "9.999999999999997e+22"), ("44b52d02c7e14af6", "1e+23"),
        ("44b52d02c7e14af7", "1.0000000000000001e+23"), ("444b1ae4d6e2ef4e", "999999999999999700000"),
        ("444b1ae4d6e2ef4f", "999999999999999900000"), ("444b1ae4d6e2ef50", "1e+21"),
        ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"), ("3eb0c6f7a0b5ed8d", "0.000001"),
        ("41b3de4355555553", "333333333.3333332"), ("41b3de4355555554", "333333333.33333325"),
        ("41b3de4355555555", "333333333.3333333"), ("41b3de4355555556", "333333333.3333334"),
        ("41b3de4355555557", "333333333.33333343"), ("becbf647612f3696", "-0.0000033333333333333333"),
        ("43143ff3c1cb0959", "1424953923781206.2"),
    ])
    func formatsNumbersAsECMAScript(bits: String, expected: String) throws {
        let value = Double(bitPattern: try #require(UInt64(bits, radix: 16)))
        #expect(ECMAScriptNumber.format(value) == expected)
    }

    @Test func refusesNaNAndInfinity() {
        #expect(ECMAScriptNumber.format(.nan) == nil)
        #expect(ECMAScriptNumber.format(.infinity) == nil)
        #expect(throws: CanonicalJSON.Failure.nonFiniteNumber) { try CanonicalJSON.serialize(.number(.infinity)) }
    }

    @Test func escapesOnlyWhatECMAScriptEscapes() throws {
        let text = "quote\" backslash\\ slash/ tab\t nul\u{0} unit\u{1F} del\u{7F} line\u{2028}"
        let output = String(decoding: try CanonicalJSON.serialize(.string(text)), as: UTF8.self)
        #expect(output == "\"quote\\\" backslash\\\\ slash/ tab\\t nul\\u0000 unit\\u001f del\u{7F} line\u{2028}\"")
    }

    @Test func canonicalisationIsIdempotent() throws {
        let input = #"{"b":[1.50,{"z":true,"a":null}],"a":"x","c":-0.0,"d":1e2}"#
        let once = try CanonicalJSON.canonicalize(Array(input.utf8))
        #expect(try CanonicalJSON.canonicalize(once) == once)
        #expect(String(decoding: once, as: UTF8.self) == #"{"a":"x","b":[1.5,{"a":null,"z":true}],"c":0,"d":100}"#)
    }

    @Test func encodesCodableValuesCanonically() throws {
        struct Sample: Encodable {
            var zeta = 1
            var alpha = "a/b"
            var nested = ["y": 2.50, "x": 1]
        }
        let output = String(decoding: try CanonicalJSON.encode(Sample()), as: UTF8.self)
        #expect(output == #"{"alpha":"a/b","nested":{"x":1,"y":2.5},"zeta":1}"#)
    }
}

@Suite struct CanonicalFormTests {
    let form = CanonicalForm(capturing: ["sequence", "prev_hash"])

    func validate(_ text: String) throws(JSONError) -> [Range<Int>?] { try form.validate(Array(text.utf8)) }

    func reason(_ text: String) -> JSONError.Reason? {
        do throws(JSONError) {
            _ = try validate(text)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func acceptsWhatTheSerialiserProduces() throws {
        let value = try JSONParser().parse(
            #"{"sequence": 42, "prev_hash": "ab", "n": [0, -1, 1.5, 1e21, 1e-7, 123456789012345678], "s": "é\n\u0001😀", "\u00e9": {}}"#
        )
        let canonical = try CanonicalJSON.serialize(value)
        let ranges = try form.validate(canonical)
        let sequence = try #require(ranges[0])
        #expect(String(decoding: canonical[sequence], as: UTF8.self) == "42")
        let previous = try #require(ranges[1])
        #expect(String(decoding: canonical[previous], as: UTF8.self) == "\"ab\"")
    }

    @Test func capturesOnlyTopLevelMembers() throws {
        let ranges = try validate(#"{"a":{"sequence":1},"z":2}"#)
        #expect(ranges[0] == nil)
    }

    @Test(arguments: [
        (#"{"a": 1}"#, "white space"),
        (#" {"a":1}"#, "leading white space"),
        (#"{"b":1,"a":2}"#, "unsorted members"),
        (#"{"a":1.0}"#, "1.0"),
        (#"{"a":1e2}"#, "exponent"),
        (#"{"a":-0}"#, "negative zero"),
        (#"{"a":"\/"}"#, "escaped solidus"),
        (#"{"a":"\u0041"}"#, "needless unicode escape"),
        (#"{"a":"\u000A"}"#, "unicode escape with short form"),
        (#"{"a":"\u001F"}"#, "uppercase hex"),
        (#"{"a":9007199254740993}"#, "integer beyond double precision"),
    ])
    func refusesNonCanonicalSpellings(input: String, what: String) {
        switch reason(input) {
        case .notCanonical: break
        case let other: Issue.record("\(what): expected notCanonical, got \(String(describing: other))")
        }
    }

    @Test func refusesDuplicateMembers() {
        #expect(reason(#"{"a":1,"a":1}"#) == .duplicateKey("a"))
        #expect(reason(#"{"é":1,"é":2}"#) == .duplicateKey("é"))
    }

    @Test func refusesLeadingZeros() {
        #expect(reason(#"{"a":01}"#) != nil)
    }

    @Test func refusesBrokenInput() {
        #expect(reason("") == .unexpectedEnd)
        #expect(reason(#"{"a":"#) == .unexpectedEnd)
        #expect(reason(#"{"a":1}x"#) == .trailingData)
        #expect(reason(#"[1]"#) == .notAnObject)
        #expect(reason("{\"a\":\"\u{01}\"}") == .controlCharacterInString)
        #expect(reason(#"{"a":tru}"#) != nil)
        #expect(reason(#"{"a":1,}"#) != nil)
    }

    @Test func refusesInvalidUTF8() throws {
        for bad: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], [0x80]] {
            let bytes = Array(#"{"a":""#.utf8) + bad + Array(#""}"#.utf8)
            #expect(throws: JSONError.self) { try form.validate(bytes) }
        }
    }

    /// The validator skips plain ASCII eight bytes at a time; a special byte at any offset
    /// within a word must still be seen.
    @Test func findsSpecialBytesAtEveryOffsetOfALongString() throws {
        for offset in 0..<24 {
            let prefix = String(repeating: "a", count: offset)
            let suffix = String(repeating: "b", count: 24 - offset)
            let escaped = Array(#"{"k":""#.utf8) + Array((prefix + "\\n" + suffix).utf8) + Array(#""}"#.utf8)
            #expect(throws: Never.self) { try form.validate(escaped) }
            let unicode = Array(#"{"k":""#.utf8) + Array((prefix + "é" + suffix).utf8) + Array(#""}"#.utf8)
            #expect(throws: Never.self) { try form.validate(unicode) }
            let control = Array(#"{"k":""#.utf8) + Array(prefix.utf8) + [0x1F] + Array(suffix.utf8) + Array(#""}"#.utf8)
            #expect(throws: JSONError.self) { try form.validate(control) }
            let invalid = Array(#"{"k":""#.utf8) + Array(prefix.utf8) + [0xFF] + Array(suffix.utf8) + Array(#""}"#.utf8)
            #expect(throws: JSONError.self) { try form.validate(invalid) }
            let early = Array(#"{"k":""#.utf8) + Array(prefix.utf8) + Array(#"","l":1}"#.utf8)
            #expect(try form.validate(early).count == 2)
            let unterminated = Array(#"{"k":""#.utf8) + Array((prefix + suffix).utf8)
            #expect(throws: JSONError.self) { try form.validate(unterminated) }
        }
    }

    @Test func refusesDeepNesting() {
        let deep = "{\"a\":" + String(repeating: "[", count: 500) + String(repeating: "]", count: 500) + "}"
        #expect(reason(deep) == .tooDeep(limit: 64))
    }

    @Test func reportsLineAndColumn() {
        do throws(JSONError) {
            _ = try JSONParser().parse("{\"a\":1,\n\"a\":2}")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 2)
            #expect(error.description.contains("line 2"))
        }
    }
}

@Suite struct JSONParserTests {
    @Test func parsesNestedValues() throws {
        let value = try JSONParser().parse(#" {"a": [true, false, null, -1.5e3, "x\u00e9\ud83d\ude00"]} "#)
        #expect(value["a"] == .array([.bool(true), .bool(false), .null, .number(-1500), .string("xé😀")]))
    }

    @Test func refusesDuplicateKeys() {
        #expect(throws: JSONError.self) { try JSONParser().parse(#"{"a":1,"b":{"c":1,"c":2}}"#) }
    }

    @Test func refusesLoneSurrogates() {
        #expect(throws: JSONError.self) { try JSONParser().parse(#"["\ud800"]"#) }
        #expect(throws: JSONError.self) { try JSONParser().parse(#"["\udc00x"]"#) }
    }

    @Test func refusesNumbersOutsideTheDoubleRange() {
        #expect(throws: JSONError.self) { try JSONParser().parse("[1e400]") }
    }

    @Test func refusesMalformedNumbers() {
        for bad in ["[01]", "[1.]", "[.5]", "[+1]", "[1e]", "[-]", "[0x10]", "[NaN]", "[Infinity]"] {
            #expect(throws: JSONError.self, "\(bad)") { try JSONParser().parse(bad) }
        }
    }

    @Test func refusesTruncatedInput() {
        #expect(throws: JSONError.self) { try JSONParser().parse(#"{"a":[1,2"#) }
    }

    @Test func refusesDocumentsOverTheSizeLimit() {
        let parser = JSONParser(maximumDepth: 10, maximumSize: 8)
        #expect(throws: JSONError.self) { try parser.parse("[1,2,3,4,5]") }
    }
}
