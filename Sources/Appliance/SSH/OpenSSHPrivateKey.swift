import Crypto
import Foundation
public import NIOSSH

/// Why a private key could not be read.
public struct SSHKeyError: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Reads OpenSSH private keys (`-----BEGIN OPENSSH PRIVATE KEY-----`, the `openssh-key-v1`
/// format `ssh-keygen` writes) for Ed25519 and ECDSA P-256 / P-384 / P-521, the key types
/// swift-nio-ssh supports. Passphrase-protected keys are refused with a clear message: the
/// credential is sealed at rest by Central Command and held only in memory on the appliance.
public enum OpenSSHPrivateKey {
    static let begin = "-----BEGIN OPENSSH PRIVATE KEY-----"
    static let end = "-----END OPENSSH PRIVATE KEY-----"
    static let magic = Array("openssh-key-v1\0".utf8)

    public static func parse(_ text: String) throws(SSHKeyError) -> NIOSSHPrivateKey {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("-----BEGIN RSA PRIVATE KEY-----") {
            throw SSHKeyError("RSA keys are not supported; use an Ed25519 or ECDSA key")
        }
        guard trimmed.hasPrefix(begin), trimmed.hasSuffix(end) else {
            throw SSHKeyError("not an OpenSSH private key (expected \(begin) … \(end))")
        }
        let body = trimmed.dropFirst(begin.count).dropLast(end.count).filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: String(body)) else {
            throw SSHKeyError("the key's base64 body is malformed")
        }
        var reader = SSHWireReader(Array(data))
        guard try reader.bytes(magic.count) == magic else { throw SSHKeyError("not an openssh-key-v1 key") }
        let cipher = try reader.text()
        let kdf = try reader.text()
        _ = try reader.string()
        guard cipher == "none", kdf == "none" else {
            throw SSHKeyError("the key is passphrase-protected (\(cipher)); store an unencrypted key")
        }
        guard try reader.uint32() == 1 else { throw SSHKeyError("the file must hold exactly one key") }
        _ = try reader.string()
        var secret = SSHWireReader(try reader.string())
        guard try secret.uint32() == secret.uint32() else { throw SSHKeyError("the key's check bytes differ") }
        let type = try secret.text()
        do {
            switch type {
            case "ssh-ed25519":
                _ = try secret.string()
                let pair = try secret.string()
                guard pair.count == 64 else { throw SSHKeyError("an Ed25519 private key has 64 bytes") }
                return NIOSSHPrivateKey(
                    ed25519Key: try Curve25519.Signing.PrivateKey(rawRepresentation: pair.prefix(32)))
            case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
                _ = try secret.string()
                _ = try secret.string()
                let scalar = Array(try secret.string().drop(while: { $0 == 0 }))
                switch type {
                case "ecdsa-sha2-nistp256":
                    return NIOSSHPrivateKey(p256Key: try P256.Signing.PrivateKey(rawRepresentation: padded(scalar, 32)))
                case "ecdsa-sha2-nistp384":
                    return NIOSSHPrivateKey(p384Key: try P384.Signing.PrivateKey(rawRepresentation: padded(scalar, 48)))
                default:
                    return NIOSSHPrivateKey(p521Key: try P521.Signing.PrivateKey(rawRepresentation: padded(scalar, 66)))
                }
            case "ssh-rsa":
                throw SSHKeyError("RSA keys are not supported; use an Ed25519 or ECDSA key")
            default:
                throw SSHKeyError("unsupported key type \(String(reflecting: type))")
            }
        } catch let error as SSHKeyError {
            throw error
        } catch {
            throw SSHKeyError("the \(type) key is malformed: \(error)")
        }
    }

    static func padded(_ scalar: [UInt8], _ length: Int) throws(SSHKeyError) -> [UInt8] {
        guard scalar.count <= length else { throw SSHKeyError("the ECDSA private scalar is too long") }
        return [UInt8](repeating: 0, count: length - scalar.count) + scalar
    }
}

/// Reads the SSH wire encoding (RFC 4251 §5): big-endian uint32 and length-prefixed strings,
/// refusing to read past the end.
struct SSHWireReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func bytes(_ count: Int) throws(SSHKeyError) -> [UInt8] {
        guard count >= 0, count <= bytes.count - offset else { throw SSHKeyError("the key is truncated") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func uint32() throws(SSHKeyError) -> UInt32 {
        try bytes(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func string() throws(SSHKeyError) -> [UInt8] {
        try bytes(Int(try uint32()))
    }

    mutating func text() throws(SSHKeyError) -> String {
        String(decoding: try string(), as: UTF8.self)
    }
}

extension NIOSSHPublicKey {
    /// The key as `authorized_keys` / `known_hosts` write it (`ssh-ed25519 AAAA…`).
    public var openSSHString: String { String(openSSHPublicKey: self) }

    /// The fingerprint `ssh-keygen -l` prints: `SHA256:` and the unpadded base64 of the SHA-256
    /// of the key blob.
    public var fingerprint: String {
        let parts = openSSHString.split(separator: " ")
        guard parts.count >= 2, let blob = Data(base64Encoded: String(parts[1])) else { return "unknown" }
        let digest = Data(SHA256.hash(data: blob)).base64EncodedString()
        return "SHA256:" + digest.replacingOccurrences(of: "=", with: "")
    }
}
