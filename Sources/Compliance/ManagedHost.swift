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
