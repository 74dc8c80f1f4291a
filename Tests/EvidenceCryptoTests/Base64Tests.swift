import EvidenceCrypto
import Testing

@Suite struct Base64Tests {
    @Test func roundTripsEveryLength() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
    }

    @Test(arguments: ["AB==", "AAB=", "A", "AA", "AAA", "AA A", "AA\nA=", "AA=A", "====", "AA==AA==", "@@@@", "QUJD\n"])
    func refusesNonCanonicalOrMalformedText(text: String) {
        #expect(Base64.decode(text) == nil)
    }
}
