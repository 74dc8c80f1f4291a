import Compliance
import EvidenceCrypto

extension HexDigest {
    /// The domain digest of a crypto-layer hash. A `Hash32` always has 32 bytes, so this cannot
    /// fail; the two layers keep separate types so the domain stays free of Crypto.
    init(_ hash: Hash32) {
        // 32 bytes always make a valid digest; `.zero` is unreachable.
        self = (try? HexDigest(bytes: hash.bytes)) ?? .zero
    }

    /// SHA-256 of `text`'s UTF-8 bytes.
    static func sha256(_ text: String) -> HexDigest { HexDigest(Hash32.sha256(Array(text.utf8))) }
}
