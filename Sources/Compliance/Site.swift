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
