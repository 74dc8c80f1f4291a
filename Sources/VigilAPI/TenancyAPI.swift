/// Requests and responses of the operator and partner API (`/api/v1`, API key in
/// `Authorization: Bearer vigil_…`). Tenancy objects themselves travel as the domain's Codable
/// types (`Partner`, `Client`, `Site`, `Appliance`).
public struct CreatePartner: Codable, Equatable, Sendable {
    public var name: String
    public init(name: String) { self.name = name }
}

public struct CreateClient: Codable, Equatable, Sendable {
    public var name: String
    public init(name: String) { self.name = name }
}

public struct CreateSite: Codable, Equatable, Sendable {
    public var name: String
    /// IANA time zone, e.g. `America/Chicago`.
    public var timeZone: String

    public init(name: String, timeZone: String) {
        self.name = name
        self.timeZone = timeZone
    }

    enum CodingKeys: String, CodingKey {
        case name
        case timeZone = "time_zone"
    }
}

public struct CreateClaimCode: Codable, Equatable, Sendable {
    /// How long the code stays valid; default 7 days, at most 30.
    public var validForSeconds: Int64?
    public init(validForSeconds: Int64? = nil) { self.validForSeconds = validForSeconds }

    enum CodingKeys: String, CodingKey {
        case validForSeconds = "valid_for_seconds"
    }
}

/// A new claim code: shown once, never stored in clear.
public struct ClaimCodeCreated: Codable, Equatable, Sendable {
    public var code: String
    public var siteID: String
    public var expiresAt: String

    public init(code: String, siteID: String, expiresAt: String) {
        self.code = code
        self.siteID = siteID
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case code
        case siteID = "site_id"
        case expiresAt = "expires_at"
    }
}

public struct CreateAPIKey: Codable, Equatable, Sendable {
    public var name: String
    public init(name: String) { self.name = name }
}

/// A new API key: the token is shown once; only its hash is stored.
public struct APIKeyCreated: Codable, Equatable, Sendable {
    public var id: String
    public var partnerID: String?
    public var name: String
    public var token: String

    public init(id: String, partnerID: String?, name: String, token: String) {
        self.id = id
        self.partnerID = partnerID
        self.name = name
        self.token = token
    }

    enum CodingKeys: String, CodingKey {
        case id, name, token
        case partnerID = "partner_id"
    }
}

/// One stored bundle in an evidence listing (the bytes are fetched separately).
public struct EvidenceSummary: Codable, Equatable, Sendable {
    public var bundleID: String
    public var applianceID: String
    public var sequence: Int64
    public var hostID: String
    public var observedAt: String
    public var hash: String

    public init(
        bundleID: String, applianceID: String, sequence: Int64, hostID: String, observedAt: String, hash: String
    ) {
        self.bundleID = bundleID
        self.applianceID = applianceID
        self.sequence = sequence
        self.hostID = hostID
        self.observedAt = observedAt
        self.hash = hash
    }

    enum CodingKeys: String, CodingKey {
        case sequence, hash
        case bundleID = "bundle_id"
        case applianceID = "appliance_id"
        case hostID = "host_id"
        case observedAt = "observed_at"
    }
}
