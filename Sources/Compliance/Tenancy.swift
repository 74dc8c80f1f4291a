import Foundation

/// The tenancy tree: platform → partner → client (practice) → site → appliance → host.
/// Every entity names its parent, so a query can always be scoped to one tenant.

/// An MSP or reseller: the top tenant below the platform.
public struct Partner: Hashable, Codable, Sendable, Identifiable {
    public typealias ID = Identifier<Partner>
    public var id: ID
    public var name: String

    public init(id: ID, name: String) {
        self.id = id
        self.name = name
    }
}

/// A practice (dental office, clinic…) that a partner looks after.
public struct Client: Hashable, Codable, Sendable, Identifiable {
    public typealias ID = Identifier<Client>
    public var id: ID
    public var partnerID: Partner.ID
    public var name: String

    public init(id: ID, partnerID: Partner.ID, name: String) {
        self.id = id
        self.partnerID = partnerID
        self.name = name
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case partnerID = "partner_id"
    }
}

/// One physical location of a practice, served by one appliance.
public struct Site: Hashable, Codable, Sendable, Identifiable {
    public typealias ID = Identifier<Site>
    public var id: ID
    public var clientID: Client.ID
    public var name: String
    /// IANA time zone name used for maintenance windows, e.g. `America/Chicago`.
    public var timeZone: String

    public init(id: ID, clientID: Client.ID, name: String, timeZone: String) {
        self.id = id
        self.clientID = clientID
        self.name = name
        self.timeZone = timeZone
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case clientID = "client_id"
        case timeZone = "time_zone"
    }
}

/// The on-site appliance. Its Ed25519 public key identifies it for good.
public struct Appliance: Hashable, Codable, Sendable, Identifiable {
    public typealias ID = Identifier<Appliance>
    public var id: ID
    public var siteID: Site.ID
    /// The appliance's Ed25519 public key, 32 bytes, base64.
    public var publicKey: String
    public var softwareRevision: String?
    public var deploymentMode: DeploymentMode

    public init(
        id: ID, siteID: Site.ID, publicKey: String, softwareRevision: String?,
        deploymentMode: DeploymentMode
    ) {
        self.id = id
        self.siteID = siteID
        self.publicKey = publicKey
        self.softwareRevision = softwareRevision
        self.deploymentMode = deploymentMode
    }

    enum CodingKeys: String, CodingKey {
        case id
        case siteID = "site_id"
        case publicKey = "public_key"
        case softwareRevision = "software_revision"
        case deploymentMode = "deployment_mode"
    }
}

/// A machine the appliance checks: a Linux or Windows host, or the appliance itself.
public struct ManagedHost: Hashable, Codable, Sendable, Identifiable {
    public typealias ID = Identifier<ManagedHost>
    public var id: ID
    public var siteID: Site.ID
    public var name: String
    public var platform: Platform
    /// Network address (name or IP) the appliance reaches the host at; nil for the appliance.
    public var address: String?

    public init(id: ID, siteID: Site.ID, name: String, platform: Platform, address: String?) {
        self.id = id
        self.siteID = siteID
        self.name = name
        self.platform = platform
        self.address = address
    }

    enum CodingKeys: String, CodingKey {
        case id, name, platform, address
        case siteID = "site_id"
    }
}

/// How an appliance is deployed: directly by Vigil's partner, or through a reseller whose
/// syslog and webhook also receive every event.
public enum DeploymentMode: String, Codable, Sendable, CaseIterable {
    case direct
    case reseller
}
