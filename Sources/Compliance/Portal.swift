/// A practice contact (an office manager, say) who reads the client portal. Contacts have no
/// password: they log in with a magic link sent to `email`, which is unique within the client
/// (one address may be a contact of several practices; each link opens one).
public struct PortalContact: Hashable, Sendable, Identifiable {
    public typealias ID = Identifier<PortalContact>
    public var id: ID
    public var clientID: Client.ID
    /// Normalised as operators' addresses are (`User.normalizedEmail`).
    public var email: String
    public var name: String
    public var createdAt: Timestamp
    public var disabledAt: Timestamp?

    public init(
        id: ID, clientID: Client.ID, email: String, name: String, createdAt: Timestamp, disabledAt: Timestamp? = nil
    ) {
        self.id = id
        self.clientID = clientID
        self.email = email
        self.name = name
        self.createdAt = createdAt
        self.disabledAt = disabledAt
    }

    /// The rules every store applies before writing a contact.
    public func checkStorable() throws(StoreError) {
        guard try User.normalizedEmail(email) == email else {
            throw .invalid("email must be stored normalised (trimmed, lower-case)")
        }
        try TextRules.checkName(name, field: "contact name")
    }
}

/// A one-time login link. The e-mail carries a random token; the store keeps its SHA-256 only,
/// and redeeming it marks it used in the same statement, so it opens one session at most.
public struct MagicLink: Equatable, Sendable {
    public var tokenHash: HexDigest
    public var contactID: PortalContact.ID
    public var createdAt: Timestamp
    public var expiresAt: Timestamp

    public init(tokenHash: HexDigest, contactID: PortalContact.ID, createdAt: Timestamp, expiresAt: Timestamp) {
        self.tokenHash = tokenHash
        self.contactID = contactID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// A client-portal session, kept server-side like an operator's (`Session`), by token hash.
public struct PortalSession: Equatable, Sendable {
    public var tokenHash: HexDigest
    public var contactID: PortalContact.ID
    public var createdAt: Timestamp
    public var expiresAt: Timestamp
    public var lastSeenAt: Timestamp

    public init(
        tokenHash: HexDigest, contactID: PortalContact.ID, createdAt: Timestamp, expiresAt: Timestamp,
        lastSeenAt: Timestamp
    ) {
        self.tokenHash = tokenHash
        self.contactID = contactID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastSeenAt = lastSeenAt
    }
}

/// The port for the client portal's contacts, magic links and sessions.
public protocol PortalStore: Sendable {
    /// Creates a contact; `.notFound` without the client, `.conflict` when the client has a
    /// contact with that e-mail address already.
    func create(_ contact: PortalContact) async throws(StoreError)
    func contact(_ id: PortalContact.ID) async throws(StoreError) -> PortalContact?
    /// The contacts with this (normalised) address, in every client, oldest first.
    func contacts(email: String) async throws(StoreError) -> [PortalContact]
    /// The client's contacts, ordered by e-mail.
    func contacts(of client: Client.ID) async throws(StoreError) -> [PortalContact]
    /// Disables a contact and ends its sessions; `.notFound` when there is none.
    func disable(_ contact: PortalContact.ID, at: Timestamp) async throws(StoreError)

    func create(_ link: MagicLink) async throws(StoreError)
    /// How many links were made for `contact` at or after `since` (to limit e-mails sent).
    func linkCount(of contact: PortalContact.ID, since: Timestamp) async throws(StoreError) -> Int
    /// Marks the link used and returns its contact, when it exists, is unused and has not
    /// expired at `at`; nil otherwise. Atomic: of two concurrent redemptions one wins.
    func redeem(_ tokenHash: HexDigest, at: Timestamp) async throws(StoreError) -> PortalContact.ID?

    func create(_ session: PortalSession) async throws(StoreError)
    func portalSession(_ tokenHash: HexDigest) async throws(StoreError) -> PortalSession?
    func touchPortalSession(_ tokenHash: HexDigest, at: Timestamp) async throws(StoreError)
    func deletePortalSession(_ tokenHash: HexDigest) async throws(StoreError)
}

/// How a partner's pages and its clients' portal look: the name shown, an accent colour and a
/// logo (PNG, at most 64 KiB — PNG only, so no logo can carry script).
public struct PartnerBranding: Equatable, Sendable {
    public var partnerID: Partner.ID
    /// The name shown in the page header; the partner's name when nil.
    public var displayName: String?
    /// `#rrggbb`.
    public var accentColour: String?
    public var logoPNG: [UInt8]?

    public static let maximumLogoBytes = 64 * 1024

    public init(partnerID: Partner.ID, displayName: String? = nil, accentColour: String? = nil, logoPNG: [UInt8]? = nil)
    {
        self.partnerID = partnerID
        self.displayName = displayName
        self.accentColour = accentColour
        self.logoPNG = logoPNG
    }

    /// The rules every store applies before writing branding.
    public func checkStorable() throws(StoreError) {
        if let displayName { try TextRules.checkName(displayName, field: "display name") }
        if let accentColour, !Self.isColour(accentColour) {
            throw .invalid("accent colour \(String(reflecting: accentColour)) is not of the form #rrggbb")
        }
        if let logoPNG {
            guard logoPNG.count <= Self.maximumLogoBytes else {
                throw .invalid("the logo is \(logoPNG.count) bytes; at most \(Self.maximumLogoBytes) are accepted")
            }
            guard logoPNG.starts(with: Self.pngSignature) else { throw .invalid("the logo is not a PNG image") }
        }
    }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// `#` and six lower- or upper-case hexadecimal digits.
    public static func isColour(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 7 && bytes[0] == UInt8(ascii: "#")
            && bytes.dropFirst().allSatisfy { $0.isHexDigit }
    }
}

/// The port for partner branding.
public protocol BrandingStore: Sendable {
    /// The partner's branding, or nil when it has none.
    func branding(of partner: Partner.ID) async throws(StoreError) -> PartnerBranding?
    /// Replaces the partner's branding; `.notFound` without the partner.
    func save(_ branding: PartnerBranding) async throws(StoreError)
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (48...57).contains(self) || (65...70).contains(self) || (97...102).contains(self)
    }
}
