public import Compliance
public import EvidenceCrypto
import Foundation
public import VigilAPI

/// Why a key rotation was refused.
public enum KeyRotationError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case badSignature(String)
    /// Central Command's chain does not end where the rotation starts, or the key was used before.
    case conflict(String)
    case storage(StoreError)

    public var description: String {
        switch self {
        case .malformed(let why), .badSignature(let why), .conflict(let why): why
        case .storage(let error): error.description
        }
    }
}

/// Replaces an appliance's key at an agreed point of its chain (ADR 0012). The request is signed
/// with the current key (the authenticator checked that); the statement must carry both keys'
/// signatures, and Central Command must hold exactly the bundles before `from_sequence`.
public struct KeyRotationService: Sendable {
    let tenancy: any TenancyStore
    let events: any SecurityEventSink
    let clock: @Sendable () -> Timestamp

    public init(
        tenancy: any TenancyStore, events: any SecurityEventSink, clock: @escaping @Sendable () -> Timestamp
    ) {
        self.tenancy = tenancy
        self.events = events
        self.clock = clock
    }

    public func rotate(_ request: KeyRotationRequest, for appliance: Appliance) async throws(KeyRotationError)
        -> KeyRotationRecord
    {
        guard let newKey = try? VerifyingKey(text: request.newKey), Base64.decode(request.newKey)?.count == 32 else {
            throw .malformed("new_key must be base64 of a 32-byte Ed25519 public key")
        }
        guard request.fromSequence >= 2 else {
            throw .malformed("from_sequence must be at least 2: the enrolment key signs bundle 1")
        }
        guard request.newKey != appliance.publicKey else {
            throw .conflict("new_key is the appliance's current key")
        }
        guard let oldKey = try? VerifyingKey(text: appliance.publicKey) else {
            throw .storage(.invalid("appliance \(appliance.id) has no usable public key"))
        }
        let message = KeyRotationStatement.message(
            applianceID: appliance.id.rawValue, oldKey: appliance.publicKey, newKey: request.newKey,
            fromSequence: request.fromSequence)
        guard let endorsement = Base64.decode(request.endorsement), endorsement.count == 64,
            let proof = Base64.decode(request.proof), proof.count == 64
        else {
            throw .malformed("endorsement and proof must be base64 of 64-byte Ed25519 signatures")
        }
        guard oldKey.isValidSignature(endorsement, for: message) else {
            throw .badSignature("the endorsement is not the current key's signature over the rotation statement")
        }
        guard newKey.isValidSignature(proof, for: message) else {
            throw .badSignature("the proof is not new_key's signature over the rotation statement")
        }
        let rotation = ApplianceKeyRotation(
            applianceID: appliance.id, oldKey: appliance.publicKey, newKey: request.newKey,
            fromSequence: request.fromSequence, endorsement: request.endorsement, proof: request.proof,
            rotatedAt: clock())
        do {
            try await tenancy.record(rotation)
        } catch .conflict(let why) {
            throw .conflict(why)
        } catch {
            throw .storage(error)
        }
        try? await events.record([
            SecurityEvent(
                at: rotation.rotatedAt, applianceID: appliance.id, kind: "appliance_key_rotated",
                detail: "new key \(newKey.fingerprint) signs from bundle \(request.fromSequence)")
        ])
        return KeyRotationRecord(rotation)
    }
}

extension TenancyStore {
    /// `appliance`'s key history (ADR 0012): which key signs which sequences.
    func keyHistory(of appliance: Appliance) async throws(StoreError) -> KeyHistory<String> {
        try KeyHistory.from(current: appliance.publicKey, rotations: try await keyRotations(of: appliance.id))
    }

    /// `appliance`'s key history as verifying keys.
    func verifyingKeys(of appliance: Appliance) async throws(StoreError) -> KeyHistory<VerifyingKey> {
        try await keyHistory(of: appliance).map { (text: String) throws(StoreError) -> VerifyingKey in
            do {
                return try VerifyingKey(text: text)
            } catch {
                throw .invalid("appliance \(appliance.id) has an unusable public key in its history")
            }
        }
    }
}
