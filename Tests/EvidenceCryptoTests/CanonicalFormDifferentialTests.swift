import Compliance
import EvidenceCrypto
import Testing

/// The fast canonical-form validator guards the verifier's hot path, so it is checked against an
/// independent oracle — strict parse, then canonical serialise, then compare bytes — on thousands
/// of random documents and random mutations of them. Any disagreement is a bug in one of the two.
@Suite struct CanonicalFormDifferentialTests {
    struct Random {
        var generator: SplitMix64
        init(state: UInt64) { generator = SplitMix64(seed: state) }
        mutating func next() -> UInt64 { generator.next() }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    static let alphabet: [Unicode.Scalar] = [
        "a", "b", "z", "A", "0", "9", " ", "\"", "\\", "/", "\n", "\t", "\u{00}", "\u{1F}", "\u{7F}", "é", "€",
        "\u{FB33}",
        "\u{FFFF}", "\u{E000}", "😀", "\u{10FFFF}", "\u{2028}",
    ]

    static func string(_ random: inout Random) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<random.below(6) { scalars.append(alphabet[random.below(alphabet.count)]) }
        return String(scalars)
    }

    static func number(_ random: inout Random) -> Double {
        switch random.below(4) {
        case 0: return Double(Int64(random.below(2_000_000)) - 1_000_000)
        case 1: return Double(bitPattern: random.next())
        case 2: return Double(random.below(1000)) / 8
        default: return Double(random.below(10)) * 1e21
        }
    }

    static func value(_ random: inout Random, depth: Int) -> JSONValue {
        switch random.below(depth > 3 ? 4 : 6) {
        case 0: return .null
        case 1: return .bool(random.below(2) == 0)
        case 2:
            let number = number(&random)
            return number.isFinite ? .number(number) : .number(0)
        case 3: return .string(string(&random))
        case 4: return .array((0..<random.below(4)).map { _ in value(&random, depth: depth + 1) })
        default: return object(&random, depth: depth + 1)
        }
    }

    static func object(_ random: inout Random, depth: Int) -> JSONValue {
        var members: [String: JSONValue] = [:]
        for _ in 0..<random.below(5) { members[string(&random)] = value(&random, depth: depth) }
        return .object(members)
    }

    /// The oracle: canonical means "parses strictly, is an object, and re-serialises to itself".
    static func isCanonical(_ bytes: [UInt8]) -> Bool {
        guard let value = try? JSONParser(maximumDepth: 64).parse(bytes), case .object = value else { return false }
        return (try? CanonicalJSON.serialize(value)) == bytes
    }

    static let interesting: [UInt8] = [
        0x20, 0x2C, 0x22, 0x5C, 0x30, 0x2E, 0x65, 0x2D, 0x7D, 0x5D, 0x3A, 0x80, 0xC3, 0xED, 0xF4, 0x1F, 0x75, 0x61,
    ]

    @Test func agreesWithTheOracleOnRandomDocumentsAndMutations() throws {
        let form = CanonicalForm(capturing: [])
        var random = Random(state: 0x5EED)
        var mutationsAccepted = 0
        for _ in 0..<1500 {
            let canonical = try CanonicalJSON.serialize(Self.object(&random, depth: 0))
            #expect(throws: Never.self) { try form.validate(canonical) }
            for _ in 0..<20 {
                var mutated = canonical
                switch random.below(4) {
                case 0 where !mutated.isEmpty:
                    mutated[random.below(mutated.count)] = Self.interesting[random.below(Self.interesting.count)]
                case 1:
                    mutated.insert(
                        Self.interesting[random.below(Self.interesting.count)], at: random.below(mutated.count + 1))
                case 2 where !mutated.isEmpty:
                    mutated.remove(at: random.below(mutated.count))
                default:
                    let start = random.below(mutated.count)
                    let end = min(mutated.count, start + random.below(8))
                    mutated.insert(contentsOf: mutated[start..<end], at: random.below(mutated.count + 1))
                }
                let expected = Self.isCanonical(mutated)
                let actual = (try? form.validate(mutated)) != nil
                if expected { mutationsAccepted += 1 }
                #expect(
                    actual == expected,
                    "validator \(actual) oracle \(expected): \(String(decoding: mutated, as: UTF8.self).debugDescription)"
                )
            }
        }
        // The mutations must also produce canonical documents now and then, or the test only
        // exercises rejection.
        #expect(mutationsAccepted > 100)
    }
}
