/// `POST /api/v1/appliance/enrol`: an appliance redeems a claim code with its new public key.
///
/// `proof` shows the appliance holds the private key: base64 Ed25519, by that key, over
/// `EnrolmentRequest.proofMessage(...)`. `timestamp` is Unix seconds, within ±300 s.
public struct EnrolmentRequest: Codable, Equatable, Sendable {
    public var claimCode: String
    /// The appliance's Ed25519 public key: base64 of the 32 raw bytes.
    public var publicKey: String
    public var softwareRevision: String
    public var timestamp: Int64
    public var proof: String

    public init(claimCode: String, publicKey: String, softwareRevision: String, timestamp: Int64, proof: String) {
        self.claimCode = claimCode
        self.publicKey = publicKey
        self.softwareRevision = softwareRevision
        self.timestamp = timestamp
        self.proof = proof
    }

    /// `vigil-enrol-v1\n<claim code>\n<public key>\n<timestamp>\n`.
    public static func proofMessage(claimCode: String, publicKey: String, timestamp: Int64) -> [UInt8] {
        Array("vigil-enrol-v1\n\(claimCode)\n\(publicKey)\n\(timestamp)\n".utf8)
    }

    enum CodingKeys: String, CodingKey {
        case timestamp, proof
        case claimCode = "claim_code"
        case publicKey = "public_key"
        case softwareRevision = "software_revision"
    }
}

/// The answer to a successful enrolment.
public struct EnrolmentResponse: Codable, Equatable, Sendable {
    public var applianceID: String
    public var siteID: String
    /// Central Command's Ed25519 public key (base64 raw), which signs receipts and orders.
    public var serverPublicKey: String
    public var serverKeyName: String

    public init(applianceID: String, siteID: String, serverPublicKey: String, serverKeyName: String) {
        self.applianceID = applianceID
        self.siteID = siteID
        self.serverPublicKey = serverPublicKey
        self.serverKeyName = serverKeyName
    }

    enum CodingKeys: String, CodingKey {
        case applianceID = "appliance_id"
        case siteID = "site_id"
        case serverPublicKey = "server_public_key"
        case serverKeyName = "server_key_name"
    }
}
