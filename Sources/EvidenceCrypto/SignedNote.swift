import Foundation

/// Why a signed note or checkpoint was refused.
public struct NoteError: Error, Equatable, Sendable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A C2SP signed note (c2sp.org/signed-note): UTF-8 text ending in a newline, a blank line, and
/// one or more lines `— <key name> base64(key ID || signature)`.
public struct SignedNote: Equatable, Sendable {
    /// The signed text, including its final newline.
    public var text: String
    public var signatures: [NoteSignature]

    /// The most signatures accepted on one note; the spec asks for at least 16.
    public static let maximumSignatures = 64
    public static let maximumSize = 1 << 20

    public init(text: String, signatures: [NoteSignature]) {
        self.text = text
        self.signatures = signatures
    }

    /// Parses a signed note, refusing anything the spec does not allow.
    public init(parsing note: String) throws(NoteError) {
        guard note.utf8.count <= Self.maximumSize else { throw NoteError("note larger than 1 MiB") }
        guard note.unicodeScalars.allSatisfy({ $0 == "\n" || $0.value >= 0x20 }) else {
            throw NoteError("note contains control characters")
        }
        guard note.hasSuffix("\n") else { throw NoteError("note does not end with a newline (truncated?)") }
        guard let separator = note.range(of: "\n\n", options: .backwards) else {
            throw NoteError("note has no blank line before its signatures")
        }
        let text = String(note[..<separator.lowerBound]) + "\n"
        let signatureBlock = note[separator.upperBound...]
        var signatures: [NoteSignature] = []
        for line in signatureBlock.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            signatures.append(try NoteSignature(line: line))
        }
        guard !signatures.isEmpty else { throw NoteError("note has no signature lines") }
        guard signatures.count <= Self.maximumSignatures else {
            throw NoteError("note has more than \(Self.maximumSignatures) signatures")
        }
        self.text = text
        self.signatures = signatures
    }

    /// The note as text: the body, a blank line, the signature lines.
    public var serialized: String {
        text + "\n" + signatures.map { $0.line + "\n" }.joined()
    }
}

/// One signature line of a signed note.
public struct NoteSignature: Equatable, Sendable {
    public var keyName: String
    /// The 4-byte key ID, big-endian.
    public var keyID: UInt32
    /// What follows the key ID: the signature (and, for cosignatures, the timestamp before it).
    public var payload: [UInt8]

    public init(keyName: String, keyID: UInt32, payload: [UInt8]) {
        self.keyName = keyName
        self.keyID = keyID
        self.payload = payload
    }

    init(line: Substring) throws(NoteError) {
        guard line.hasPrefix("\u{2014} ") else {
            throw NoteError("signature line does not start with an em dash and a space")
        }
        let parts = line.dropFirst(2).split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else {
            throw NoteError("signature line is not '— name signature'")
        }
        guard let blob = Base64.decode(parts[1]), blob.count > 4 else {
            throw NoteError("signature of \(parts[0]) is not valid base64 of a key ID and signature")
        }
        self.keyName = String(parts[0])
        self.keyID = blob.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
        self.payload = Array(blob.dropFirst(4))
    }

    var line: String {
        let id: [UInt8] = [
            UInt8(keyID >> 24), UInt8(keyID >> 16 & 0xFF), UInt8(keyID >> 8 & 0xFF), UInt8(keyID & 0xFF),
        ]
        return "\u{2014} \(keyName) \(Base64.encode(id + payload))"
    }
}

/// The kinds of note signature Vigil makes and checks.
public enum NoteSignatureType: UInt8, Sendable {
    /// Ed25519 over the note text (signed-note).
    case ed25519 = 0x01
    /// Timestamped Ed25519 witness cosignature (c2sp.org/tlog-cosignature, cosignature/v1).
    case cosignatureV1 = 0x04
}

/// A named public key that verifies note signatures of one type.
public struct NoteVerifier: Sendable {
    public let name: String
    public let key: VerifyingKey
    public let type: NoteSignatureType

    public init(name: String, key: VerifyingKey, type: NoteSignatureType) throws(NoteError) {
        guard NoteVerifier.isValidKeyName(name) else { throw NoteError("invalid key name \(String(reflecting: name))") }
        self.name = name
        self.key = key
        self.type = type
    }

    /// key ID = SHA-256(name || 0x0A || type || public key)[:4].
    public var keyID: UInt32 {
        let digest = Hash32.sha256(Array(name.utf8) + [0x0A, type.rawValue] + key.rawRepresentation).bytes
        return digest.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func isValidKeyName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { $0.value > 0x20 && $0 != "+" && $0.value != 0x7F }
    }

    /// The outcome of checking a note against this key.
    public enum Verdict: Equatable, Sendable {
        /// No signature line carries this key's name and ID.
        case absent
        case valid(timestamp: UInt64?)
        case invalid
    }

    /// Checks the signature line(s) made by this key on `note`.
    public func verify(_ note: SignedNote) -> Verdict {
        let id = keyID
        var verdict = Verdict.absent
        for signature in note.signatures where signature.keyName == name && signature.keyID == id {
            switch type {
            case .ed25519:
                guard key.isValidSignature(signature.payload, for: Array(note.text.utf8)) else { return .invalid }
                verdict = .valid(timestamp: nil)
            case .cosignatureV1:
                guard signature.payload.count == 72 else { return .invalid }
                let timestamp = signature.payload.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                guard timestamp < 1 << 63 else { return .invalid }
                let message = NoteSigner.cosignedMessage(text: note.text, timestamp: timestamp)
                guard key.isValidSignature(signature.payload.suffix(64), for: message) else { return .invalid }
                verdict = .valid(timestamp: timestamp)
            }
        }
        return verdict
    }
}

/// A named private key that signs notes: an appliance signing its checkpoints, or a witness
/// cosigning them.
public struct NoteSigner: Sendable {
    public let name: String
    public let key: SigningKey
    public let type: NoteSignatureType

    public init(name: String, key: SigningKey, type: NoteSignatureType) throws(NoteError) {
        guard NoteVerifier.isValidKeyName(name) else { throw NoteError("invalid key name \(String(reflecting: name))") }
        self.name = name
        self.key = key
        self.type = type
    }

    public var verifier: NoteVerifier {
        // Same name, already validated.
        (try? NoteVerifier(name: name, key: key.verifyingKey, type: type)).unsafelyUnwrapped
    }

    /// Signs `text` (which must end in a newline). `time` is the cosignature timestamp in POSIX
    /// seconds; it is ignored for plain Ed25519 signatures.
    public func sign(text: String, time: UInt64 = 0) -> NoteSignature {
        let keyID = verifier.keyID
        switch type {
        case .ed25519:
            return NoteSignature(keyName: name, keyID: keyID, payload: key.signature(for: Array(text.utf8)))
        case .cosignatureV1:
            let signature = key.signature(for: Self.cosignedMessage(text: text, timestamp: time))
            let stamp = (0..<8).map { UInt8(time >> (56 - 8 * UInt64($0)) & 0xFF) }
            return NoteSignature(keyName: name, keyID: keyID, payload: stamp + signature)
        }
    }

    static func cosignedMessage(text: String, timestamp: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n".utf8) + Array(text.utf8)
    }
}
