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
