public import Compliance
public import VigilAPI

/// Users and API keys of the administrator's tenant (`GET /access`), with the forms that create
/// and disable them. A new password or key is shown once, on the page the creating form answers
/// with, and never again.
public struct AccessPage: Sendable, Equatable {
    /// What was just created and is shown this once.
    public struct Secret: Sendable, Equatable {
        public var what: String
        public var value: String

        public init(what: String, value: String) {
            self.what = what
            self.value = value
        }
    }

    public var layout: Layout
    public var users: [UserInfo]
    public var keys: [APIKeyInfo]
    /// The signed-in user, who cannot disable their own account.
    public var currentUserID: String
    public var secret: Secret?
    public var notice: String?

    public init(
        layout: Layout, users: [UserInfo], keys: [APIKeyInfo], currentUserID: String, secret: Secret? = nil,
        notice: String? = nil
    ) {
        self.layout = layout
        self.users = users
        self.keys = keys
        self.currentUserID = currentUserID
        self.secret = secret
        self.notice = notice
    }
}

/// A new appliance claim code (`POST /sites/{site}/claim-codes`): the code, when it expires, and
/// a QR code of `vigil-enrol:?server=…&code=…` for a phone at the install site. Shown once.
public struct ClaimCodePage: Sendable, Equatable {
    public var layout: Layout
    public var siteID: String
    public var siteName: String
    public var code: String
    public var expiresAt: Timestamp
    /// What the QR code holds.
    public var enrolment: String

    public init(
        layout: Layout, siteID: String, siteName: String, code: String, expiresAt: Timestamp, enrolment: String
    ) {
        self.layout = layout
        self.siteID = siteID
        self.siteName = siteName
        self.code = code
        self.expiresAt = expiresAt
        self.enrolment = enrolment
    }
}

/// A site's signed orders, newest first (`GET /sites/{site}/orders`).
public struct OrdersPage: Sendable, Equatable {
    public var layout: Layout
    public var siteID: String
    public var siteName: String
    public var orders: [OrderInfo]

    public init(layout: Layout, siteID: String, siteName: String, orders: [OrderInfo]) {
        self.layout = layout
        self.siteID = siteID
        self.siteName = siteName
        self.orders = orders
    }
}

/// A partner's settings (`GET /settings`): its branding and its practices' portal contacts.
public struct SettingsPage: Sendable, Equatable {
    public struct Practice: Sendable, Equatable {
        public var id: String
        public var name: String
        public var contacts: [PortalContactInfo]

        public init(id: String, name: String, contacts: [PortalContactInfo]) {
            self.id = id
            self.name = name
            self.contacts = contacts
        }
    }

    public var layout: Layout
    /// The partner shown, and (for the platform operator) every partner to choose from.
    public var partnerID: String
    public var partnerName: String
    public var partners: [Partner]
    /// The name and colour; the logo is not shown here, only whether there is one.
    public var branding: PartnerBrandingBody
    public var hasLogo: Bool
    public var practices: [Practice]
    public var notice: String?

    public init(
        layout: Layout, partnerID: String, partnerName: String, partners: [Partner],
        branding: PartnerBrandingBody, hasLogo: Bool = false, practices: [Practice], notice: String? = nil
    ) {
        self.hasLogo = hasLogo
        self.layout = layout
        self.partnerID = partnerID
        self.partnerName = partnerName
        self.partners = partners
        self.branding = branding
        self.practices = practices
        self.notice = notice
    }
}
