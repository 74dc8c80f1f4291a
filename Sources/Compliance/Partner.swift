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
