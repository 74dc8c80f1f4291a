public import Compliance
import EvidenceCrypto
import Foundation
public import VigilAPI

/// Why an enrolment was refused.
public enum EnrolmentError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case badProof(String)
    case refused(StoreError)

    public var description: String {
        switch self {
        case .malformed(let why): why
        case .badProof(let why): why
        case .refused(let error): error.description
        }
    }
}

/// One-time claim codes: 20 characters of Crockford base32 (100 random bits) in groups of four,
/// e.g. `7KQ2-M9XD-…`. Input is normalised (case, dashes, spaces, O→0, I/L→1) before hashing, so a
/// code read aloud or typed from a QR label still matches; only the SHA-256 is stored.
public enum ClaimCode {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// A fresh random code, grouped for reading.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<20).map { _ in alphabet[Int(generator.next() % 32)] }
        return stride(from: 0, to: 20, by: 4).map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
    }

    /// The canonical form of a typed code, or nil when it cannot be one.
    public static func normalize(_ text: String) -> String? {
        var out: [Character] = []
        for character in text.uppercased() {
            switch character {
            case "-", " ": continue
            case "O": out.append("0")
            case "I", "L": out.append("1")
            default:
                guard alphabet.contains(character) else { return nil }
                out.append(character)
            }
        }
        return out.count == 20 ? String(out) : nil
    }

    /// The stored form: SHA-256 of the normalised code.
    public static func hash(normalized: String) -> HexDigest { .sha256(normalized) }
}

/// Creates claim codes and enrols appliances with them.
public struct EnrolmentService: Sendable {
    let store: any EnrolmentStore
    let identity: ServerIdentity
    let clock: @Sendable () -> Timestamp

    public init(store: any EnrolmentStore, identity: ServerIdentity, clock: @escaping @Sendable () -> Timestamp) {
        self.store = store
        self.identity = identity
        self.clock = clock
    }

    /// A new claim code for `site`, valid for `validFor` seconds (default 7 days). The code itself
    /// is returned once and never stored.
    public func createClaimCode(site: Site.ID, validFor seconds: Int64 = 7 * 86_400) async throws(StoreError)
        -> (code: String, expiresAt: Timestamp)
    {
        let code = ClaimCode.generate()
        let now = clock()
        let expires = now.adding(milliseconds: seconds * 1000)
        guard let normalized = ClaimCode.normalize(code) else { throw .invalid("generated claim code is malformed") }
        try await store.createClaimCode(
            hash: ClaimCode.hash(normalized: normalized), site: site, expiresAt: expires, createdAt: now)
        return (code, expires)
    }

    public func enrol(_ request: EnrolmentRequest) async throws(EnrolmentError) -> EnrolmentResponse {
        guard let normalized = ClaimCode.normalize(request.claimCode) else {
            throw .malformed("claim_code must be 20 characters of the claim-code alphabet (dashes and spaces allowed)")
        }
        guard let raw = Base64.decode(request.publicKey), raw.count == 32,
            let key = try? VerifyingKey(rawRepresentation: raw)
        else {
            throw .malformed("public_key must be base64 of a 32-byte Ed25519 public key")
        }
        do {
            try TextRules.checkName(request.softwareRevision, field: "software_revision")
        } catch {
            throw .malformed(error.description)
        }
        let now = clock()
        let skew = request.timestamp - now.millisecondsSinceEpoch / 1000
        guard abs(skew) <= ApplianceRequestSigning.maximumSkewSeconds else {
            throw .badProof("timestamp is \(skew) s from the server's clock; check the appliance's time")
        }
        let message = EnrolmentRequest.proofMessage(
            claimCode: request.claimCode, publicKey: request.publicKey, timestamp: request.timestamp)
        guard let proof = Base64.decode(request.proof), key.isValidSignature(proof, for: message) else {
            throw .badProof("proof does not verify with the public key being enrolled")
        }
        // The site comes from the claim code; the store fills it in inside its transaction.
        let appliance = Appliance(
            id: .random(prefix: "appliance"), siteID: .random(prefix: "unassigned"),
            publicKey: request.publicKey, softwareRevision: request.softwareRevision, deploymentMode: .direct)
        let enrolled: Appliance
        do {
            enrolled = try await store.enrol(
                claimCodeHash: ClaimCode.hash(normalized: normalized), appliance: appliance, at: now)
        } catch {
            throw .refused(error)
        }
        return EnrolmentResponse(
            applianceID: enrolled.id.rawValue, siteID: enrolled.siteID.rawValue,
            serverPublicKey: Base64.encode(identity.key.verifyingKey.rawRepresentation), serverKeyName: identity.name)
    }
}
