public import Compliance

extension InMemoryStore {
    public func create(_ contact: PortalContact) throws(StoreError) {
        try contact.checkStorable()
        guard clientsByID[contact.clientID] != nil else { throw .notFound("client \(contact.clientID)") }
        guard contactsByID[contact.id] == nil else { throw .conflict("contact \(contact.id) exists already") }
        guard !contactsByID.values.contains(where: { $0.clientID == contact.clientID && $0.email == contact.email })
        else { throw .conflict("client \(contact.clientID) has a contact \(contact.email) already") }
        contactsByID[contact.id] = contact
    }

    public func contact(_ id: PortalContact.ID) -> PortalContact? { contactsByID[id] }

    public func contacts(email: String) -> [PortalContact] {
        let normalized = (try? User.normalizedEmail(email)) ?? email
        return contactsByID.values.filter { $0.email == normalized }.sorted {
            ($0.createdAt, $0.id) < ($1.createdAt, $1.id)
        }
    }

    public func contacts(of client: Client.ID) -> [PortalContact] {
        contactsByID.values.filter { $0.clientID == client }.sorted { ($0.email, $0.id) < ($1.email, $1.id) }
    }

    public func disable(_ contact: PortalContact.ID, at: Timestamp) throws(StoreError) {
        guard var stored = contactsByID[contact] else { throw .notFound("contact \(contact)") }
        if stored.disabledAt == nil { stored.disabledAt = at }
        contactsByID[contact] = stored
        portalSessions = portalSessions.filter { $0.value.contactID != contact }
    }

    public func create(_ link: MagicLink) throws(StoreError) {
        guard contactsByID[link.contactID] != nil else { throw .notFound("contact \(link.contactID)") }
        guard magicLinks[link.tokenHash] == nil else { throw .conflict("that link exists already") }
        magicLinks[link.tokenHash] = (link, false)
    }

    public func linkCount(of contact: PortalContact.ID, since: Timestamp) -> Int {
        magicLinks.values.filter { $0.link.contactID == contact && $0.link.createdAt >= since }.count
    }

    public func redeem(_ tokenHash: HexDigest, at: Timestamp) -> PortalContact.ID? {
        guard let entry = magicLinks[tokenHash], !entry.used, entry.link.expiresAt > at else { return nil }
        magicLinks[tokenHash] = (entry.link, true)
        return entry.link.contactID
    }

    public func create(_ session: PortalSession) { portalSessions[session.tokenHash] = session }

    public func portalSession(_ tokenHash: HexDigest) -> PortalSession? { portalSessions[tokenHash] }

    public func touchPortalSession(_ tokenHash: HexDigest, at: Timestamp) {
        portalSessions[tokenHash]?.lastSeenAt = at
    }

    public func deletePortalSession(_ tokenHash: HexDigest) { portalSessions[tokenHash] = nil }

    public func branding(of partner: Partner.ID) -> PartnerBranding? { brandings[partner] }

    public func save(_ branding: PartnerBranding) throws(StoreError) {
        try branding.checkStorable()
        guard partnersByID[branding.partnerID] != nil else { throw .notFound("partner \(branding.partnerID)") }
        brandings[branding.partnerID] = branding
    }
}
