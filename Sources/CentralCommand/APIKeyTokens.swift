public import Compliance
import EvidenceCrypto

/// API key tokens: `vigil_<key id>_<64 hex secret>`. The secret has 256 random bits; only its
/// SHA-256 is stored, and comparison does not stop at the first differing byte.
public enum APIKeyTokens {
    /// A new key for `partner` (nil: platform) and the token to show once.
    public static func generate(partner: Partner.ID?, name: String, at: Timestamp) -> (token: String, key: APIKey) {
        let secretHex = RandomHex.make(bytes: 32)
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
        RandomSecrets.constantTimeEqual(hash(secret).hex, key.secretHash.hex)
    }
}
