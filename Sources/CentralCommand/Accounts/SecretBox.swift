import Crypto
import EvidenceCrypto
import Foundation

/// Encrypts secrets that Central Command must be able to read back (TOTP secrets, target
/// credentials) with AES-256-GCM under a key kept outside the database: a copy of the database
/// alone reveals none of them. Each ciphertext is bound to its purpose and row (the associated
/// data), so a sealed value cannot be moved to another user or target.
///
/// Sealed form: `v1:` + base64(12-byte nonce ‖ ciphertext ‖ 16-byte tag).
public struct SecretBox: Sendable {
    let key: SymmetricKey

    /// The key's identifier for logs: the SHA-256 of the key, never the key.
    public let fingerprint: String

    public init(key: [UInt8]) throws(SecretBoxError) {
        guard key.count == 32 else { throw .badKey("a secret key is 32 bytes; got \(key.count)") }
        self.key = SymmetricKey(data: key)
        self.fingerprint = "sha256:" + SHA256.hash(data: key).map { String(format: "%02x", $0) }.joined()
    }

    /// A new random key.
    public static func generateKey() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    /// Reads the key from `VIGIL_SECRET_KEY` (base64) when set, or else from `path` (base64, mode
    /// 0600), creating that file with a new key when it does not exist.
    public static func load(path: String, environment: [String: String]) throws(SecretBoxError) -> SecretBox {
        if let encoded = environment["VIGIL_SECRET_KEY"] {
            guard let key = Base64.decode(encoded.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw .badKey("VIGIL_SECRET_KEY is not base64")
            }
            return try SecretBox(key: key)
        }
        if FileManager.default.fileExists(atPath: path) {
            let text: String
            do {
                text = try KeyFiles.read(path)
            } catch {
                throw .badKey("\(path): \(error.reason)")
            }
            guard let key = Base64.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw .badKey("\(path) does not hold a base64 key")
            }
            return try SecretBox(key: key)
        }
        let key = generateKey()
        do {
            try KeyFiles.writeExclusive(path: path, contents: Base64.encode(key) + "\n", mode: 0o600)
        } catch {
            throw .badKey("cannot create \(path): \(error.reason)")
        }
        return try SecretBox(key: key)
    }

    /// Seals `plaintext` for `purpose` (for example `totp:user-1`).
    public func seal(_ plaintext: [UInt8], purpose: String) throws(SecretBoxError) -> String {
        do {
            let box = try AES.GCM.seal(plaintext, using: key, authenticating: Array(purpose.utf8))
            guard let combined = box.combined else { throw SecretBoxError.cannotOpen }
            return "v1:" + Base64.encode(Array(combined))
        } catch {
            throw .cannotOpen
        }
    }

    /// Opens a value sealed for `purpose`; `.cannotOpen` when the key, purpose or bytes differ.
    public func open(_ sealed: String, purpose: String) throws(SecretBoxError) -> [UInt8] {
        guard sealed.hasPrefix("v1:"), let combined = Base64.decode(String(sealed.dropFirst(3))) else {
            throw .cannotOpen
        }
        do {
            let box = try AES.GCM.SealedBox(combined: combined)
            return Array(try AES.GCM.open(box, using: key, authenticating: Array(purpose.utf8)))
        } catch {
            throw .cannotOpen
        }
    }
}

public enum SecretBoxError: Error, Equatable, CustomStringConvertible {
    case badKey(String)
    /// Wrong key, wrong purpose or damaged ciphertext; deliberately not more specific.
    case cannotOpen

    public var description: String {
        switch self {
        case .badKey(let why): "secret key: \(why)"
        case .cannotOpen: "a sealed secret cannot be opened with this server's secret key"
        }
    }
}
