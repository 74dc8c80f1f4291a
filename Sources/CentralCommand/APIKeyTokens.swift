public import Compliance
import EvidenceCrypto

/// API key tokens: `vigil_<key id>_<64 hex secret>`. The secret has 256 random bits; only its
/// SHA-256 is stored, and comparison does not stop at the first differing byte.
public enum APIKeyTokens {
    /// A new key for `partner` (nil: platform) and the token to show once.
    public static func generate(partner: Partner.ID?, name: String, at: Timestamp) -> (token: String, key: APIKey) {
        var generator = SystemRandomNumberGenerator()
        let secretHex = (0..<32).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(byte >> 4, radix: 16) + String(byte & 0x0F, radix: 16)
        }.joined()
        let id = APIKey.ID.random(prefix: "key")
        let key = APIKey(id: id, partnerID: partner, name: name, secretHash: hash(secretHex), createdAt: at)
        return ("vigil_\(id.rawValue)_\(secretHex)", key)
    }

    /// Splits a token into key ID and secret; nil when it is not a Vigil token.
    public static func parse(_ token: String) -> (id: APIKey.ID, secret: String)? {
        guard token.hasPrefix("vigil_"), token.utf8.count < 512, let separator = token.lastIndex(of: "_") else {
            return nil
        }
        let idStart = token.index(token.startIndex, offsetBy: 6)
        guard idStart < separator else { return nil }
        let idText = String(token[idStart..<separator])
        let secret = String(token[token.index(after: separator)...])
        guard secret.utf8.count == 64, let id = try? APIKey.ID(idText) else { return nil }
        return (id, secret)
    }

    static func hash(_ secret: String) -> HexDigest { .sha256(secret) }

    /// Whether `secret` matches `key`, comparing every byte.
    public static func matches(_ secret: String, _ key: APIKey) -> Bool {
        let computed = Array(hash(secret).hex.utf8)
        let stored = Array(key.secretHash.hex.utf8)
        guard computed.count == stored.count else { return false }
        var difference: UInt8 = 0
        for index in computed.indices { difference |= computed[index] ^ stored[index] }
        return difference == 0
    }
}
