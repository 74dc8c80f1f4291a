import Crypto
public import Foundation

/// Errors from loading, saving and using Ed25519 keys.
public enum KeyError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)
    case exists(path: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read key \(path): \(reason)"
        case .malformed(let path, let reason): "\(path) is not an Ed25519 key: \(reason)"
        case .exists(let path): "\(path) already exists; refusing to overwrite a key"
        case .cannotWrite(let path, let reason): "cannot write key \(path): \(reason)"
        }
    }
}

/// An Ed25519 public key (RFC 8032), the identity of an appliance or a witness.
public struct VerifyingKey: Hashable, Sendable {
    /// The 32-byte RFC 8032 encoding.
    public let rawRepresentation: [UInt8]
    private let key: Curve25519.Signing.PublicKey

    public init(rawRepresentation: some Collection<UInt8>) throws(KeyError) {
        let raw = Array(rawRepresentation)
        guard raw.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            throw .malformed(path: "(raw key)", reason: "expected 32 bytes, got \(raw.count)")
        }
        self.rawRepresentation = raw
        self.key = key
    }

    /// Whether `signature` is a valid Ed25519 signature of `message` by this key.
    public func isValidSignature(_ signature: some DataProtocol, for message: some DataProtocol) -> Bool {
        signature.count == 64 && key.isValidSignature(signature, for: message)
    }

    /// Fingerprint: `sha256:` and the hex SHA-256 of the 32 raw key bytes.
    public var fingerprint: String { "sha256:" + Hash32.sha256(rawRepresentation).hex }

    /// The key as a PEM SubjectPublicKeyInfo (RFC 8410), as OpenSSL reads it.
    public var pem: String { PEM.encode(label: "PUBLIC KEY", der: PEM.ed25519SPKIPrefix + rawRepresentation) }

    /// Reads a public key from PEM (SubjectPublicKeyInfo), or from base64 of the 32 raw bytes.
    public init(contentsOf path: String) throws(KeyError) {
        let text = try KeyFiles.read(path)
        do {
            try self.init(text: text)
        } catch {
            throw .malformed(path: path, reason: error.reason)
        }
    }

    /// Parses PEM SubjectPublicKeyInfo or base64 of 32 raw bytes.
    public init(text: String) throws(KeyError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("-----BEGIN") {
            guard let der = PEM.decode(trimmed, label: "PUBLIC KEY") else {
                throw .malformed(path: "", reason: "not a PEM PUBLIC KEY block")
            }
            guard der.count == 44, Array(der.prefix(12)) == PEM.ed25519SPKIPrefix else {
                throw .malformed(path: "", reason: "not an Ed25519 SubjectPublicKeyInfo")
            }
            try self.init(rawRepresentation: der.suffix(32))
        } else if let raw = Base64.decode(trimmed), raw.count == 32 {
            try self.init(rawRepresentation: raw)
        } else {
            throw .malformed(path: "", reason: "expected a PEM public key or base64 of 32 bytes")
        }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawRepresentation == rhs.rawRepresentation }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawRepresentation) }
}

/// An Ed25519 private key. Its file is written with mode 0600 and never logged.
public struct SigningKey: Sendable {
    private let key: Curve25519.Signing.PrivateKey

    /// A fresh random key.
    public init() { key = Curve25519.Signing.PrivateKey() }

    /// A key from its 32-byte RFC 8032 seed.
    public init(seed: some Collection<UInt8>) throws(KeyError) {
        guard seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: Array(seed)) else {
            throw .malformed(path: "(seed)", reason: "expected 32 bytes")
        }
        self.key = key
    }

    public var verifyingKey: VerifyingKey {
        // A valid private key always has a valid 32-byte public key.
        (try? VerifyingKey(rawRepresentation: key.publicKey.rawRepresentation)).unsafelyUnwrapped
    }

    /// The RFC 8032 signature (64 bytes) of `message`.
    public func signature(for message: some DataProtocol) -> [UInt8] {
        // Signing with a valid in-memory key only fails if the platform's RNG or BoringSSL fails,
        // which the Curve25519 API reports as an error we cannot recover from here.
        guard let signature = try? key.signature(for: message) else {
            preconditionFailure("Ed25519 signing failed inside the crypto library")
        }
        return Array(signature)
    }

    /// The key as PEM PKCS#8 (RFC 8410), as OpenSSL reads it.
    public var pem: String {
        PEM.encode(label: "PRIVATE KEY", der: PEM.ed25519PKCS8Prefix + Array(key.rawRepresentation))
    }

    /// Reads a PEM PKCS#8 Ed25519 private key.
    public init(contentsOf path: String) throws(KeyError) {
        let text = try KeyFiles.read(path)
        guard let der = PEM.decode(text, label: "PRIVATE KEY") else {
            throw .malformed(path: path, reason: "not a PEM PRIVATE KEY block")
        }
        guard der.count == 48, Array(der.prefix(16)) == PEM.ed25519PKCS8Prefix else {
            throw .malformed(path: path, reason: "not an Ed25519 PKCS#8 key")
        }
        try self.init(seed: der.suffix(32))
    }

    /// Writes the private key to `path` with mode 0600, refusing to replace an existing file.
    public func write(to path: String) throws(KeyError) {
        try KeyFiles.writeExclusive(path: path, contents: pem, mode: 0o600)
    }
}

extension KeyError {
    public var reason: String {
        switch self {
        case .unreadable(_, let reason), .malformed(_, let reason), .cannotWrite(_, let reason): reason
        case .exists: "exists"
        }
    }
}

/// Fixed DER framing for Ed25519 keys (RFC 8410): the 32 key bytes follow these prefixes.
enum PEM {
    static let ed25519SPKIPrefix: [UInt8] = [
        0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00,
    ]
    static let ed25519PKCS8Prefix: [UInt8] = [
        0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]

    static func encode(label: String, der: [UInt8]) -> String {
        let body = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(body)\n-----END \(label)-----\n"
    }

    static func decode(_ text: String, label: String) -> [UInt8]? {
        let begin = "-----BEGIN \(label)-----"
        let end = "-----END \(label)-----"
        guard let start = text.range(of: begin), let stop = text.range(of: end),
            start.upperBound <= stop.lowerBound
        else { return nil }
        let body = text[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
        return Base64.decode(body)
    }
}

/// Small, careful file helpers for key material (signing keys, the server's secret key).
public enum KeyFiles {
    static let maximumKeyFileSize = 64 * 1024

    public static func read(_ path: String) throws(KeyError) -> String {
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let size = attributes[.size] as? NSNumber, size.intValue > maximumKeyFileSize {
                throw KeyError.malformed(path: path, reason: "file is \(size.intValue) bytes; a key is under 1 KiB")
            }
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch let error as KeyError {
            throw error
        } catch {
            throw .unreadable(path: path, reason: FileErrorText.describe(error))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .malformed(path: path, reason: "not text")
        }
        return text
    }

    /// Creates `path` with `mode` atomically (O_CREAT|O_EXCL), so the file is never readable by
    /// others, not even between creation and a later chmod.
    public static func writeExclusive(path: String, contents: String, mode: mode_t) throws(KeyError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            let code = errno
            if code == EEXIST { throw .exists(path: path) }
            throw .cannotWrite(path: path, reason: String(cString: strerror(code)))
        }
        defer { close(descriptor) }
        // The umask may have narrowed the mode further; never widened. Make it exact.
        fchmod(descriptor, mode)
        let bytes = Array(contents.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard result > 0 else {
                throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
            }
            written += result
        }
        guard fsync(descriptor) == 0 else {
            throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
    }
}

/// Turns Foundation file errors into short, human text ("permission denied", "no such file").
public enum FileErrorText {
    public static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
            underlying.domain == NSPOSIXErrorDomain
        {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        switch nsError.code {
        case NSFileReadNoSuchFileError, NSFileNoSuchFileError: return "no such file"
        case NSFileReadNoPermissionError, NSFileWriteNoPermissionError: return "permission denied"
        default: return nsError.localizedDescription
        }
    }
}
