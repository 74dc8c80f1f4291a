import EvidenceCrypto

/// The strict parser of EvidenceCrypto, for request bodies.
enum EvidenceCryptoJSON {
    static func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        try JSONParser(maximumDepth: 64, maximumSize: 16 << 20).parse(bytes)
    }
}
