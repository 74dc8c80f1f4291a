public import Compliance
public import EvidenceCrypto
public import Foundation
public import VigilAPI

/// The appliance's side of the API: every request signed with the appliance's Ed25519 key over
/// method, path, time, a fresh nonce and the body's SHA-256 (`ApplianceRequestSigning`).
public struct ApplianceClient: Sendable {
    public let connection: CentralConnection
    public let applianceID: Appliance.ID
    let key: SigningKey
    let clock: @Sendable () -> Timestamp

    public init(
        connection: CentralConnection, applianceID: Appliance.ID, key: SigningKey,
        clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }
    ) {
        self.connection = connection
        self.applianceID = applianceID
        self.key = key
        self.clock = clock
    }

    /// Enrols `key` at the site a claim code belongs to (the one unsigned appliance request; the
    /// proof of possession stands in for the signature).
    public static func enrol(
        connection: CentralConnection, claimCode: String, key: SigningKey, softwareRevision: String,
        at now: Timestamp = Timestamp.now()
    ) async throws(CentralClientError) -> EnrolmentResponse {
        let publicKey = Base64.encode(key.verifyingKey.rawRepresentation)
        let seconds = now.millisecondsSinceEpoch / 1000
        let proof = key.signature(
            for: EnrolmentRequest.proofMessage(claimCode: claimCode, publicKey: publicKey, timestamp: seconds))
        let request = EnrolmentRequest(
            claimCode: claimCode, publicKey: publicKey, softwareRevision: softwareRevision, timestamp: seconds,
            proof: Base64.encode(proof))
        let answer = try await connection.send(
            "POST", "/api/v1/appliance/enrol", body: try CentralConnection.encode(request), headers: [:])
        return try CentralConnection.decode(EnrolmentResponse.self, answer)
    }

    public func checkIn(_ request: CheckInRequest) async throws(CentralClientError) -> CheckInResponse {
        try CentralConnection.decode(CheckInResponse.self, try await post("/api/v1/appliance/check-in", request))
    }

    public func upload(_ upload: EvidenceUpload) async throws(CentralClientError) -> EvidenceUploadResult {
        try CentralConnection.decode(EvidenceUploadResult.self, try await post("/api/v1/appliance/evidence", upload))
    }

    /// Asks Central Command to witness a checkpoint the appliance signed; answers with its
    /// cosignature added.
    public func submit(checkpoint note: String) async throws(CentralClientError) -> CosignedCheckpoint {
        try CentralConnection.decode(
            CosignedCheckpoint.self, try await post("/api/v1/appliance/checkpoints", CheckpointSubmission(note: note)))
    }

    /// Replaces the appliance's key with `request.newKey` (ADR 0012); signed with the current key.
    public func rotateKey(_ request: KeyRotationRequest) async throws(CentralClientError) -> KeyRotationRecord {
        try CentralConnection.decode(KeyRotationRecord.self, try await post("/api/v1/appliance/key", request))
    }

    /// Escalates a failing check the appliance could not heal (L3).
    public func escalate(_ request: EscalationRequest) async throws(CentralClientError) -> IncidentInfo {
        try CentralConnection.decode(IncidentInfo.self, try await post("/api/v1/appliance/incidents", request))
    }

    /// Reports one real remediation run to the learning flywheel.
    public func report(resolution: ResolutionReport) async throws(CentralClientError) {
        try CentralConnection.check(try await post("/api/v1/appliance/resolutions", resolution))
    }

    /// The signed set of promoted L1 rules.
    public func fetchRules() async throws(CentralClientError) -> SignedRuleSet {
        let path = "/api/v1/appliance/rules"
        let answer = try await connection.send("GET", path, body: nil, headers: signedHeaders("GET", path, []))
        return try CentralConnection.decode(SignedRuleSet.self, answer)
    }

    /// The same client signing with `key` (after a rotation).
    public func rekeyed(_ key: SigningKey) -> ApplianceClient {
        ApplianceClient(connection: connection, applianceID: applianceID, key: key, clock: clock)
    }

    public func report(_ report: OrderReport, order: String) async throws(CentralClientError) -> OrderInfo {
        try CentralConnection.decode(OrderInfo.self, try await post("/api/v1/appliance/orders/\(order)/status", report))
    }

    /// Signs and sends `body` to `path`; the raw answer (for callers that inspect statuses).
    public func post(_ path: String, _ body: some Encodable) async throws(CentralClientError) -> (
        status: Int, body: Data
    ) {
        let bytes = try CentralConnection.encode(body)
        return try await connection.send("POST", path, body: bytes, headers: signedHeaders("POST", path, Array(bytes)))
    }

    /// The four signature headers for one request.
    public func signedHeaders(_ method: String, _ path: String, _ body: [UInt8]) -> [String: String] {
        let timestamp = clock().millisecondsSinceEpoch / 1000
        let nonce = ApplianceRequestSigning.newNonce()
        let message = ApplianceRequestSigning.message(
            method: method, path: path, timestamp: timestamp, nonce: nonce, bodySHA256Hex: Hash32.sha256(body).hex)
        return [
            ApplianceRequestSigning.applianceHeader: applianceID.rawValue,
            ApplianceRequestSigning.timestampHeader: String(timestamp),
            ApplianceRequestSigning.nonceHeader: nonce,
            ApplianceRequestSigning.signatureHeader: Base64.encode(key.signature(for: message)),
        ]
    }
}
