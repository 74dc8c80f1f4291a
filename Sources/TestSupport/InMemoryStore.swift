public import Compliance

/// The in-memory implementation of the storage ports: the same rules as the SQL stores, checked
/// by the same contract tests, for tests of code above storage.
public actor InMemoryStore: TenancyStore, EvidenceStore, NonceStore, EnrolmentStore, APIKeyStore,
    AccountStore, FleetStore, CheckpointStore, FleetOverviewStore, PortalStore, BrandingStore
{
    var partnersByID: [Partner.ID: Partner] = [:]
    var clientsByID: [Client.ID: Client] = [:]
    var sitesByID: [Site.ID: Site] = [:]
    var appliancesByID: [Appliance.ID: Appliance] = [:]
    var hostsByID: [ManagedHost.ID: ManagedHost] = [:]
    var chains: [Appliance.ID: [StoredBundle]] = [:]
    var rotations: [Appliance.ID: [ApplianceKeyRotation]] = [:]
    var incidentsByID: [Incident.ID: Incident] = [:]
    var patternsByKey: [String: ResolutionPattern] = [:]
    var learned: [LearnedRule] = []
    var learningRevision: Int64 = 0
    var bundleIDs: Set<Identifier<EvidenceBundle>> = []
    /// Current check states by host and check (`CheckState`).
    var states: [String: CheckState] = [:]
    var nonces: Set<String> = []
    var apiKeys: [APIKey.ID: APIKey] = [:]
    var usersByID: [User.ID: User] = [:]
    var sessions: [HexDigest: Session] = [:]
    public var sessionCount: Int { sessions.count }
    var healthByAppliance: [Appliance.ID: ApplianceHealth] = [:]
    var ordersByID: [Order.ID: Order] = [:]
    var credentialsByHost: [ManagedHost.ID: StoredCredential] = [:]
    var settingsBySite: [Site.ID: SiteSettings] = [:]
    var snapshotRevisionBySite: [Site.ID: Int64] = [:]
    var checkpoints: [Appliance.ID: [Int64: StoredCheckpoint]] = [:]
    var claimCodes: [HexDigest: (site: Site.ID, expiresAt: Timestamp, used: Bool)] = [:]

    var contactsByID: [PortalContact.ID: PortalContact] = [:]
    var magicLinks: [HexDigest: (link: MagicLink, used: Bool)] = [:]
    var portalSessions: [HexDigest: PortalSession] = [:]
    var brandings: [Partner.ID: PartnerBranding] = [:]

    public init() {}

    public func create(_ partner: Partner) throws(StoreError) {
        try TextRules.checkName(partner.name, field: "partner name")
        guard partnersByID[partner.id] == nil else { throw .conflict("partner \(partner.id) exists already") }
        partnersByID[partner.id] = partner
    }

    public func partner(_ id: Partner.ID) -> Partner? { partnersByID[id] }
    public func partners() -> [Partner] { partnersByID.values.sorted { $0.id < $1.id } }

    public func create(_ client: Client) throws(StoreError) {
        try TextRules.checkName(client.name, field: "client name")
        guard partnersByID[client.partnerID] != nil else { throw .notFound("partner \(client.partnerID)") }
        guard clientsByID[client.id] == nil else { throw .conflict("client \(client.id) exists already") }
        clientsByID[client.id] = client
    }

    public func client(_ id: Client.ID) -> Client? { clientsByID[id] }
    public func clients(of partner: Partner.ID) -> [Client] {
        clientsByID.values.filter { $0.partnerID == partner }.sorted { $0.id < $1.id }
    }

    public func create(_ site: Site) throws(StoreError) {
        try TextRules.checkName(site.name, field: "site name")
        try TextRules.checkName(site.timeZone, field: "time zone")
        guard clientsByID[site.clientID] != nil else { throw .notFound("client \(site.clientID)") }
        guard sitesByID[site.id] == nil else { throw .conflict("site \(site.id) exists already") }
        sitesByID[site.id] = site
    }

    public func site(_ id: Site.ID) -> Site? { sitesByID[id] }
    public func sites(of client: Client.ID) -> [Site] {
        sitesByID.values.filter { $0.clientID == client }.sorted { $0.id < $1.id }
    }

    public func create(_ appliance: Appliance) throws(StoreError) {
        try TextRules.checkName(appliance.publicKey, field: "public key")
        try TextRules.checkOptionalName(appliance.softwareRevision, field: "software revision")
        guard sitesByID[appliance.siteID] != nil else { throw .notFound("site \(appliance.siteID)") }
        guard appliancesByID[appliance.id] == nil else { throw .conflict("appliance \(appliance.id) exists already") }
        guard !appliancesByID.values.contains(where: { $0.publicKey == appliance.publicKey }) else {
            throw .conflict("another appliance has this public key")
        }
        appliancesByID[appliance.id] = appliance
    }

    public func appliance(_ id: Appliance.ID) -> Appliance? { appliancesByID[id] }
    public func appliances(at site: Site.ID) -> [Appliance] {
        appliancesByID.values.filter { $0.siteID == site }.sorted { $0.id < $1.id }
    }

    public func keyRotations(of appliance: Appliance.ID) -> [ApplianceKeyRotation] {
        rotations[appliance] ?? []
    }

    public func record(_ rotation: ApplianceKeyRotation) throws(StoreError) {
        guard var appliance = appliancesByID[rotation.applianceID] else {
            throw .notFound("appliance \(rotation.applianceID)")
        }
        guard appliance.publicKey == rotation.oldKey else {
            throw .conflict("the appliance's key is no longer the key this rotation starts from")
        }
        let head = chains[rotation.applianceID]?.last?.sequence ?? 0
        guard head == rotation.fromSequence - 1 else {
            throw .conflict("Central Command holds bundles 1–\(head); a new key may start only at \(head + 1)")
        }
        let used =
            appliancesByID.values.contains { $0.publicKey == rotation.newKey }
            || rotations.values.joined().contains { $0.oldKey == rotation.newKey }
        guard !used else { throw .conflict("that key has been an appliance key before") }
        rotations[rotation.applianceID, default: []].append(rotation)
        appliance.publicKey = rotation.newKey
        appliancesByID[rotation.applianceID] = appliance
    }

    public func create(_ host: ManagedHost) throws(StoreError) {
        try TextRules.checkName(host.name, field: "host name")
        try TextRules.checkOptionalName(host.address, field: "host address")
        guard sitesByID[host.siteID] != nil else { throw .notFound("site \(host.siteID)") }
        guard hostsByID[host.id] == nil else { throw .conflict("host \(host.id) exists already") }
        hostsByID[host.id] = host
        snapshotRevisionBySite[host.siteID, default: 0] += 1
    }

    public func host(_ id: ManagedHost.ID) -> ManagedHost? { hostsByID[id] }
    public func hosts(at site: Site.ID) -> [ManagedHost] {
        hostsByID.values.filter { $0.siteID == site }.sorted { $0.id < $1.id }
    }

    public func head(of appliance: Appliance.ID) -> (sequence: Int64, hash: HexDigest)? {
        chains[appliance]?.last.map { ($0.sequence, $0.hash) }
    }

    public func append(_ bundles: [StoredBundle], signedWith key: String?, states given: [CheckState]?)
        throws(StoreError)
    {
        guard let first = bundles.first else { return }
        guard let appliance = appliancesByID[first.applianceID] else {
            throw .notFound("appliance \(first.applianceID)")
        }
        if let key, appliance.publicKey != key {
            throw .conflict("appliance \(first.applianceID)'s key changed while its upload was checked; upload again")
        }
        var previous = chains[first.applianceID]?.last
        var seen: Set<Identifier<EvidenceBundle>> = []
        for bundle in bundles {
            guard bundle.applianceID == first.applianceID else {
                throw .invalid("a batch holds bundles of one appliance only")
            }
            guard sitesByID[bundle.siteID] != nil else { throw .notFound("site \(bundle.siteID)") }
            let expected = (previous?.sequence ?? 0) + 1
            guard bundle.sequence == expected else {
                if bundle.sequence != first.sequence {
                    throw .invalid("batch sequences must be consecutive: found \(bundle.sequence)")
                }
                throw .conflict(
                    "appliance \(first.applianceID) is at sequence \(expected - 1); bundle \(bundle.sequence) cannot follow it"
                )
            }
            guard bundle.previousHash == (previous?.hash ?? .zero) else {
                throw .conflict("bundle \(bundle.sequence) does not link to bundle \(bundle.sequence - 1)")
            }
            guard !bundleIDs.contains(bundle.bundleID), seen.insert(bundle.bundleID).inserted else {
                throw .conflict("bundle ID \(bundle.bundleID) exists already")
            }
            previous = bundle
        }
        chains[first.applianceID, default: []].append(contentsOf: bundles)
        bundleIDs.formUnion(seen)
        for state in CheckState.newest(given ?? bundles.flatMap { $0.checkStates() }) {
            let key = state.hostID.rawValue + "\u{0}" + state.checkID.rawValue
            if let old = states[key], !state.supersedes(old) { continue }
            states[key] = state
        }
    }

    public func bundle(_ id: Identifier<EvidenceBundle>) -> StoredBundle? {
        chains.values.lazy.flatMap { $0 }.first { $0.bundleID == id }
    }

    public func createClaimCode(hash: HexDigest, site: Site.ID, expiresAt: Timestamp, createdAt: Timestamp)
        throws(StoreError)
    {
        guard sitesByID[site] != nil else { throw .notFound("site \(site)") }
        guard claimCodes[hash] == nil else { throw .conflict("claim code exists already") }
        claimCodes[hash] = (site, expiresAt, false)
    }

    public func enrol(claimCodeHash hash: HexDigest, appliance: Appliance, at: Timestamp) throws(StoreError)
        -> Appliance
    {
        try TextRules.checkName(appliance.publicKey, field: "public key")
        try TextRules.checkOptionalName(appliance.softwareRevision, field: "software revision")
        guard let code = claimCodes[hash] else { throw .notFound("claim code") }
        guard !code.used else { throw .conflict("claim code was used already") }
        guard code.expiresAt > at else { throw .invalid("claim code has expired") }
        var enrolled = appliance
        enrolled.siteID = code.site
        try create(enrolled)
        claimCodes[hash]?.used = true
        return enrolled
    }

    public func create(_ key: APIKey) throws(StoreError) {
        try TextRules.checkName(key.name, field: "API key name")
        if let partner = key.partnerID, partnersByID[partner] == nil { throw .notFound("partner \(partner)") }
        guard apiKeys[key.id] == nil else { throw .conflict("API key \(key.id) exists already") }
        apiKeys[key.id] = key
    }

    public func apiKey(_ id: APIKey.ID) -> APIKey? { apiKeys[id] }

    public func apiKeys(of partner: Partner.ID?) -> [APIKey] {
        apiKeys.values.filter { $0.partnerID == partner }.sorted {
            ($0.createdAt, $1.id.rawValue) > ($1.createdAt, $0.id.rawValue)
        }
    }

    public func touch(_ id: APIKey.ID, at: Timestamp) { apiKeys[id]?.lastUsedAt = at }

    public func revoke(_ id: APIKey.ID, at: Timestamp) throws(StoreError) {
        guard let key = apiKeys[id] else { throw .notFound("API key \(id)") }
        if key.revokedAt == nil { apiKeys[id]?.revokedAt = at }
    }

    public func claim(_ nonce: String, appliance: Appliance.ID, at: Timestamp) -> Bool {
        nonces.insert("\(appliance)\u{0}\(nonce)").inserted
    }

    public func existingBundleIDs(_ ids: [Identifier<EvidenceBundle>]) -> Set<Identifier<EvidenceBundle>> {
        Set(ids.filter { bundleIDs.contains($0) })
    }

    public func bundle(appliance: Appliance.ID, sequence: Int64) -> StoredBundle? {
        chains[appliance]?.first { $0.sequence == sequence }
    }

    public func bundles(appliance: Appliance.ID, after sequence: Int64, limit: Int) -> [StoredBundle] {
        Array((chains[appliance] ?? []).filter { $0.sequence > sequence }.prefix(max(0, min(limit, 10_000))))
    }

    public func bundles(site: Site.ID, from: Timestamp, to: Timestamp, limit: Int) -> [StoredBundle] {
        let matching = chains.values.flatMap { $0 }.filter {
            $0.siteID == site && $0.observedAt >= from && $0.observedAt < to
        }
        let sorted = matching.sorted {
            ($0.observedAt, $0.applianceID.rawValue, $0.sequence) < (
                $1.observedAt, $1.applianceID.rawValue, $1.sequence
            )
        }
        return Array(sorted.prefix(max(0, min(limit, 10_000))))
    }

    public func create(_ user: User) throws(StoreError) {
        try user.checkStorable()
        if let partner = user.partnerID, partnersByID[partner] == nil { throw .notFound("partner \(partner)") }
        guard usersByID[user.id] == nil else { throw .conflict("user \(user.id) exists already") }
        guard !usersByID.values.contains(where: { $0.email == user.email }) else {
            throw .conflict("a user with email \(user.email) exists already")
        }
        usersByID[user.id] = user
    }

    public func user(_ id: User.ID) -> User? { usersByID[id] }
    public func user(email: String) -> User? { usersByID.values.first { $0.email == email.lowercased() } }
    public func users(of partner: Partner.ID?) -> [User] {
        usersByID.values.filter { $0.partnerID == partner }.sorted { $0.email < $1.email }
    }

    public func hasPlatformAdmin() -> Bool {
        usersByID.values.contains { $0.partnerID == nil && $0.role == .admin && $0.disabledAt == nil }
    }

    public func update(_ user: User) throws(StoreError) {
        try user.checkStorable()
        guard var stored = usersByID[user.id] else { throw .notFound("user \(user.id)") }
        stored.displayName = user.displayName
        stored.role = user.role
        stored.passwordHash = user.passwordHash
        stored.sealedTOTPSecret = user.sealedTOTPSecret
        stored.totpEnabledAt = user.totpEnabledAt
        stored.disabledAt = user.disabledAt
        usersByID[user.id] = stored
    }

    public func recordFailedLogin(_ id: User.ID, threshold: Int, lockUntil: Timestamp) throws(StoreError) -> Int {
        guard var user = usersByID[id] else { throw .notFound("user \(id)") }
        user.failedLogins += 1
        let count = user.failedLogins
        if count >= threshold {
            user.lockedUntil = lockUntil
            user.failedLogins = 0
        }
        usersByID[id] = user
        return count
    }

    public func recordSuccessfulLogin(_ id: User.ID) {
        usersByID[id]?.failedLogins = 0
        usersByID[id]?.lockedUntil = nil
    }

    public func claimTOTPStep(_ id: User.ID, step: Int64) -> Bool {
        guard let user = usersByID[id], (user.totpLastStep ?? Int64.min) < step else { return false }
        usersByID[id]?.totpLastStep = step
        return true
    }

    public func create(_ session: Session) throws(StoreError) {
        guard usersByID[session.userID] != nil else { throw .notFound("user \(session.userID)") }
        sessions[session.tokenHash] = session
    }

    public func session(_ tokenHash: HexDigest) -> Session? { sessions[tokenHash] }
    public func touch(_ tokenHash: HexDigest, at: Timestamp) { sessions[tokenHash]?.lastSeenAt = at }
    public func deleteSession(_ tokenHash: HexDigest) { sessions[tokenHash] = nil }
    public func deleteSessions(of user: User.ID) { sessions = sessions.filter { $0.value.userID != user } }

    public func bundles(
        site: Site.ID, host: ManagedHost.ID, atOrBefore time: Timestamp, offset: Int, limit: Int
    ) -> [StoredBundle] {
        let matching = chains.values.flatMap { $0 }.filter {
            $0.siteID == site && $0.hostID == host && $0.observedAt <= time
        }
        let sorted = matching.sorted {
            ($0.observedAt, $0.applianceID.rawValue, $0.sequence) > (
                $1.observedAt, $1.applianceID.rawValue, $1.sequence
            )
        }
        return Array(sorted.dropFirst(max(0, offset)).prefix(max(0, min(limit, 10_000))))
    }

    public func checkStates(site: Site.ID) -> [CheckState] {
        states.values.filter { $0.siteID == site }.sorted {
            ($0.hostID.rawValue, $0.checkID.rawValue) < ($1.hostID.rawValue, $1.checkID.rawValue)
        }
    }

    public func siteOverviews(partner: Partner.ID?) -> [SiteOverview] {
        sitesByID.values.sorted { ($0.name, $0.id.rawValue) < ($1.name, $1.id.rawValue) }.compactMap { site in
            guard let client = clientsByID[site.clientID], let owner = partnersByID[client.partnerID],
                partner == nil || partner == owner.id
            else { return nil }
            var counts: [CheckStateCount] = []
            let grouped = Dictionary(grouping: states.values.filter { $0.siteID == site.id }) {
                "\($0.checkID.rawValue) \($0.status.rawValue)"
            }
            for group in grouped.values {
                guard let first = group.first else { continue }
                counts.append(
                    CheckStateCount(siteID: site.id, checkID: first.checkID, status: first.status, hosts: group.count))
            }
            return SiteOverview(
                site: site, client: client, partner: owner,
                hosts: Dictionary(grouping: hosts(at: site.id), by: \.platform).mapValues(\.count),
                applianceCheckIns: appliances(at: site.id).map { healthByAppliance[$0.id]?.checkedInAt },
                incidents: incidentsByID.values.filter { $0.siteID == site.id && $0.status != .resolved }.map(\.sla),
                checkStates: counts.sorted { ($0.checkID, $0.status.rawValue) < ($1.checkID, $1.status.rawValue) })
        }
    }

    public func hostsWithEvidence(site: Site.ID) -> [ManagedHost.ID] {
        Set(chains.values.flatMap { $0 }.filter { $0.siteID == site }.map(\.hostID)).sorted()
    }

    public func recordHealth(_ health: ApplianceHealth, of appliance: Appliance.ID) throws(StoreError) {
        try TextRules.checkName(health.softwareVersion, field: "software version")
        guard appliancesByID[appliance] != nil else { throw .notFound("appliance \(appliance)") }
        healthByAppliance[appliance] = health
    }

    func openOrders(for appliance: Appliance.ID, at now: Timestamp) -> [Order] {
        let open = ordersByID.values.filter { $0.applianceID == appliance && !$0.status.isFinal && $0.expiresAt > now }
        return Array(open.sorted { ($0.issuedAt, $0.id) < ($1.issuedAt, $1.id) }.prefix(50))
    }

    public func checkInView(for appliance: Appliance, at now: Timestamp, knownRevision: Int64?) -> CheckInView {
        let revision = snapshotRevisionBySite[appliance.siteID] ?? 0
        return CheckInView(
            orders: openOrders(for: appliance.id, at: now), siteRevision: revision,
            snapshot: knownRevision == revision ? nil : snapshot(of: appliance.siteID))
    }

    func snapshot(of site: Site.ID) -> SiteSnapshot {
        let hosts = hosts(at: site)
        let hostIDs = Set(hosts.map(\.id))
        return SiteSnapshot(
            revision: snapshotRevisionBySite[site] ?? 0, settings: settingsBySite[site] ?? .defaults, hosts: hosts,
            credentials: credentialsByHost.values.filter { hostIDs.contains($0.hostID) }.sorted {
                $0.hostID < $1.hostID
            })
    }

    public func health(of appliance: Appliance.ID) -> ApplianceHealth? { healthByAppliance[appliance] }

    public func create(_ order: Order) throws(StoreError) {
        try Order.checkParameters(order.parameters, for: order.type)
        guard let appliance = appliancesByID[order.applianceID] else {
            throw .notFound("appliance \(order.applianceID)")
        }
        guard appliance.siteID == order.siteID else {
            throw .invalid("appliance \(order.applianceID) is not at site \(order.siteID)")
        }
        guard ordersByID[order.id] == nil else { throw .conflict("order \(order.id) exists already") }
        guard !ordersByID.values.contains(where: { $0.nonce == order.nonce }) else {
            throw .conflict("order nonce was used before")
        }
        ordersByID[order.id] = order
    }

    public func order(_ id: Order.ID) -> Order? { ordersByID[id] }

    public func orders(site: Site.ID, limit: Int) -> [Order] {
        let sorted = ordersByID.values.filter { $0.siteID == site }.sorted {
            ($0.issuedAt, $1.id) > ($1.issuedAt, $0.id)
        }
        return Array(sorted.prefix(max(0, min(limit, 10_000))))
    }

    public func updateOrder(
        _ id: Order.ID, appliance: Appliance.ID, status: OrderStatus, detail: String?, at: Timestamp
    ) throws(StoreError) -> Order {
        if let detail { try TextRules.checkLongText(detail, field: "order result detail") }
        guard var order = ordersByID[id], order.applianceID == appliance else { throw .notFound("order \(id)") }
        guard try Order.checkTransition(from: order.status, to: status) else { return order }
        order.status = status
        order.updatedAt = at
        order.resultDetail = detail ?? order.resultDetail
        ordersByID[id] = order
        return order
    }

    public func setCredential(_ credential: StoredCredential) throws(StoreError) {
        try TextRules.checkName(credential.username, field: "username")
        guard let host = hostsByID[credential.hostID] else { throw .notFound("host \(credential.hostID)") }
        credentialsByHost[credential.hostID] = credential
        snapshotRevisionBySite[host.siteID, default: 0] += 1
    }

    public func credential(of host: ManagedHost.ID) -> StoredCredential? { credentialsByHost[host] }
    public func deleteCredential(of host: ManagedHost.ID) {
        guard credentialsByHost.removeValue(forKey: host) != nil, let site = hostsByID[host]?.siteID else { return }
        snapshotRevisionBySite[site, default: 0] += 1
    }

    public func settings(of site: Site.ID) -> SiteSettings { settingsBySite[site] ?? .defaults }

    public func setSettings(_ settings: SiteSettings, of site: Site.ID) throws(StoreError) {
        try settings.checkStorable()
        guard sitesByID[site] != nil else { throw .notFound("site \(site)") }
        settingsBySite[site] = settings
        snapshotRevisionBySite[site, default: 0] += 1
    }

    public func store(_ checkpoint: StoredCheckpoint) throws(StoreError) {
        guard appliancesByID[checkpoint.applianceID] != nil else {
            throw .notFound("appliance \(checkpoint.applianceID)")
        }
        if let existing = checkpoints[checkpoint.applianceID]?[checkpoint.treeSize] {
            guard existing.rootHash == checkpoint.rootHash else {
                throw .conflict("a checkpoint of size \(checkpoint.treeSize) with another root exists")
            }
            return
        }
        checkpoints[checkpoint.applianceID, default: [:]][checkpoint.treeSize] = checkpoint
    }

    public func checkpoint(of appliance: Appliance.ID, treeSize: Int64) -> StoredCheckpoint? {
        checkpoints[appliance]?[treeSize]
    }

    public func latestCheckpoint(of appliance: Appliance.ID) -> StoredCheckpoint? {
        checkpoints[appliance]?.max { $0.key < $1.key }?.value
    }

    public func bundleHashes(of appliance: Appliance.ID, through treeSize: Int64) throws(StoreError) -> [HexDigest] {
        let chain = chains[appliance] ?? []
        guard treeSize >= 0, Int64(chain.count) >= treeSize else {
            throw .notFound("bundles 1–\(treeSize) of appliance \(appliance)")
        }
        return chain.prefix(Int(treeSize)).map(\.hash)
    }
}

extension InMemoryStore: IncidentStore {
    public func raise(_ incident: Incident) throws(StoreError) -> (incident: Incident, created: Bool) {
        try incident.checkStorable()
        if var existing = incidentsByID.values.first(where: { $0.status != .resolved && $0.openKey == incident.openKey }
        ) {
            existing.recordOccurrence(incident)
            incidentsByID[existing.id] = existing
            return (existing, false)
        }
        guard sitesByID[incident.siteID] != nil else { throw .notFound("site \(incident.siteID)") }
        incidentsByID[incident.id] = incident
        return (incident, true)
    }

    public func incident(_ id: Incident.ID) -> Incident? { incidentsByID[id] }

    public func incidents(site: Site.ID, status: Incident.Status?, limit: Int) -> [Incident] {
        Array(
            incidentsByID.values.filter { $0.siteID == site && (status == nil || $0.status == status) }
                .sorted { ($0.openedAt, $1.id) > ($1.openedAt, $0.id) }.prefix(limit))
    }

    public func acknowledge(_ id: Incident.ID, by actor: String, at: Timestamp) throws(StoreError) -> Incident {
        try changeIncident(id) { incident throws(StoreError) in try incident.acknowledge(by: actor, at: at) }
    }

    public func resolve(_ id: Incident.ID, by actor: String, note: String, at: Timestamp) throws(StoreError) -> Incident
    {
        try changeIncident(id) { incident throws(StoreError) in try incident.resolve(by: actor, note: note, at: at) }
    }

    public func approve(_ id: Incident.ID, order: String, by actor: String, at: Timestamp) throws(StoreError)
        -> Incident
    {
        try changeIncident(id) { incident throws(StoreError) in try incident.approve(order: order, by: actor, at: at) }
    }

    func changeIncident(_ id: Incident.ID, _ body: (inout Incident) throws(StoreError) -> Void) throws(StoreError)
        -> Incident
    {
        guard var incident = incidentsByID[id] else { throw .notFound("incident \(id)") }
        try body(&incident)
        incidentsByID[id] = incident
        return incident
    }
}

extension InMemoryStore: LearningStore {
    public func record(_ resolution: Resolution) {
        let key = Flywheel.key(
            check: resolution.checkID, runbook: resolution.runbook, parameters: resolution.parameters)
        let rule: LearnedRule? =
            if case .promotedRule(let id) = resolution.source {
                learned.first { $0.id == id }
            } else {
                learned.first { $0.patternKey == key }
            }
        let change = Flywheel.apply(
            resolution, pattern: patternsByKey[key], rule: rule,
            newRuleID: Identifier<LearnedRuleTag>.random(prefix: "rule").rawValue)
        if let pattern = change.pattern { patternsByKey[pattern.key] = pattern }
        if let updated = change.rule {
            learned.removeAll { $0.id == updated.id }
            learned.append(updated)
        }
        if change.activeChanged { learningRevision += 1 }
    }

    public func patterns() -> [ResolutionPattern] { patternsByKey.values.sorted { $0.lastSeen > $1.lastSeen } }
    public func learnedRules() -> [LearnedRule] { learned.sorted { $0.proposedAt > $1.proposedAt } }

    public func decide(rule id: String, approve: Bool, by actor: String, at: Timestamp) throws(StoreError)
        -> LearnedRule
    {
        guard let index = learned.firstIndex(where: { $0.id == id }) else { throw .notFound("rule \(id)") }
        try Flywheel.decide(&learned[index], approve: approve, by: actor, at: at)
        if approve { learningRevision += 1 }
        return learned[index]
    }

    public func activeRules() -> (revision: Int64, rules: [LearnedRule]) {
        (learningRevision, learned.filter { $0.status == .active }.sorted { $0.id < $1.id })
    }
}
