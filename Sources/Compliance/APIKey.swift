/// Who is calling the operator and partner API.
public enum Principal: Equatable, Sendable {
    /// The platform operator: every tenant.
    case platform
    /// One partner (MSP): its own clients, sites and appliances only.
    case partner(Partner.ID)

    /// Whether this principal may see and change objects of `partner`.
    public func mayAccess(_ partner: Partner.ID) -> Bool {
        switch self {
        case .platform: true
        case .partner(let own): own == partner
        }
    }
}

/// An API key as stored: only the SHA-256 of its secret is kept; the secret is shown once.
public struct APIKey: Equatable, Sendable {
    public typealias ID = Identifier<APIKey>
    public var id: ID
    /// nil for a platform key.
    public var partnerID: Partner.ID?
    public var name: String
    public var secretHash: HexDigest
    public var createdAt: Timestamp
    public var revokedAt: Timestamp?
    public var lastUsedAt: Timestamp?

    public init(
        id: ID, partnerID: Partner.ID?, name: String, secretHash: HexDigest, createdAt: Timestamp,
        revokedAt: Timestamp? = nil, lastUsedAt: Timestamp? = nil
    ) {
        self.id = id
        self.partnerID = partnerID
        self.name = name
        self.secretHash = secretHash
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
    }

    public var principal: Principal { partnerID.map(Principal.partner) ?? .platform }
}

/// The port for API keys.
public protocol APIKeyStore: Sendable {
    func create(_ key: APIKey) async throws(StoreError)
    func apiKey(_ id: APIKey.ID) async throws(StoreError) -> APIKey?
    /// The keys of `partner`, or the platform keys when nil, newest first.
    func apiKeys(of partner: Partner.ID?) async throws(StoreError) -> [APIKey]
    /// Records a use (for "last used" in the key list).
    func touch(_ id: APIKey.ID, at: Timestamp) async throws(StoreError)
    func revoke(_ id: APIKey.ID, at: Timestamp) async throws(StoreError)
}
