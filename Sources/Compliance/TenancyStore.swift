/// The port for the tenancy tree: partners, clients, sites, appliances, hosts. Every child is
/// created under an existing parent, and every listing is scoped to one parent.
public protocol TenancyStore: Sendable {
    func create(_ partner: Partner) async throws(StoreError)
    func partner(_ id: Partner.ID) async throws(StoreError) -> Partner?
    func partners() async throws(StoreError) -> [Partner]

    func create(_ client: Client) async throws(StoreError)
    func client(_ id: Client.ID) async throws(StoreError) -> Client?
    func clients(of partner: Partner.ID) async throws(StoreError) -> [Client]

    func create(_ site: Site) async throws(StoreError)
    func site(_ id: Site.ID) async throws(StoreError) -> Site?
    func sites(of client: Client.ID) async throws(StoreError) -> [Site]

    func create(_ appliance: Appliance) async throws(StoreError)
    func appliance(_ id: Appliance.ID) async throws(StoreError) -> Appliance?
    func appliances(at site: Site.ID) async throws(StoreError) -> [Appliance]
    /// The appliance's key rotations, oldest first (none: it still has its enrolment key).
    func keyRotations(of appliance: Appliance.ID) async throws(StoreError) -> [ApplianceKeyRotation]
    /// Records a rotation and makes `newKey` the appliance's key, atomically. `.conflict` unless
    /// the appliance's key is `oldKey`, its stored chain ends at `fromSequence − 1`, and `newKey`
    /// has never been any appliance's key.
    func record(_ rotation: ApplianceKeyRotation) async throws(StoreError)

    func create(_ host: ManagedHost) async throws(StoreError)
    func host(_ id: ManagedHost.ID) async throws(StoreError) -> ManagedHost?
    func hosts(at site: Site.ID) async throws(StoreError) -> [ManagedHost]
}
