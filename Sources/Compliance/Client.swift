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
