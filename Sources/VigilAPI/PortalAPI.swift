/// `POST /api/v1/clients/{client}/contacts`: a practice contact who may log in to the client
/// portal by e-mail link.
public struct CreatePortalContact: Codable, Equatable, Sendable {
    public var email: String
    public var name: String

    public init(email: String, name: String) {
        self.email = email
        self.name = name
    }
}

/// A practice contact as the API shows it.
public struct PortalContactInfo: Codable, Equatable, Sendable {
    public var id: String
    public var clientID: String
    public var email: String
    public var name: String
    public var createdAt: String
    public var disabledAt: String?

    public init(id: String, clientID: String, email: String, name: String, createdAt: String, disabledAt: String?) {
        self.id = id
        self.clientID = clientID
        self.email = email
        self.name = name
        self.createdAt = createdAt
        self.disabledAt = disabledAt
    }

    enum CodingKeys: String, CodingKey {
        case id, email, name
        case clientID = "client_id"
        case createdAt = "created_at"
        case disabledAt = "disabled_at"
    }
}

/// `GET/PUT /api/v1/partners/{partner}/branding`: the name, accent colour and logo shown on the
/// partner's pages and its clients' portal. The logo is a base64 PNG of at most 64 KiB.
public struct PartnerBrandingBody: Codable, Equatable, Sendable {
    public var displayName: String?
    /// `#rrggbb`.
    public var accentColour: String?
    public var logoPNGBase64: String?

    public init(displayName: String? = nil, accentColour: String? = nil, logoPNGBase64: String? = nil) {
        self.displayName = displayName
        self.accentColour = accentColour
        self.logoPNGBase64 = logoPNGBase64
    }

    enum CodingKeys: String, CodingKey {
        case displayName = "display_name"
        case accentColour = "accent_colour"
        case logoPNGBase64 = "logo_png_base64"
    }
}
