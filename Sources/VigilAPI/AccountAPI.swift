public import Compliance

/// Requests and responses for operator login, sessions and user management.
public struct LoginRequest: Codable, Equatable, Sendable {
    public var email: String
    public var password: String
    /// The 6-digit code from the authenticator app, when the account has TOTP.
    public var totpCode: String?

    public init(email: String, password: String, totpCode: String? = nil) {
        self.email = email
        self.password = password
        self.totpCode = totpCode
    }

    enum CodingKeys: String, CodingKey {
        case email, password
        case totpCode = "totp_code"
    }
}

/// A user as the API shows it: never the password hash or TOTP secret.
public struct UserInfo: Codable, Equatable, Sendable {
    public var id: String
    public var partnerID: String?
    public var email: String
    public var displayName: String
    public var role: String
    public var totpEnabled: Bool
    public var disabled: Bool

    public init(
        id: String, partnerID: String?, email: String, displayName: String, role: String, totpEnabled: Bool,
        disabled: Bool
    ) {
        self.id = id
        self.partnerID = partnerID
        self.email = email
        self.displayName = displayName
        self.role = role
        self.totpEnabled = totpEnabled
        self.disabled = disabled
    }

    enum CodingKeys: String, CodingKey {
        case id, email, role, disabled
        case partnerID = "partner_id"
        case displayName = "display_name"
        case totpEnabled = "totp_enabled"
    }
}

/// The answer to a login (the session token itself travels only in the `vigil_session` cookie).
public struct SessionInfo: Codable, Equatable, Sendable {
    public var user: UserInfo
    /// Send this in `X-CSRF-Token` with every state-changing request made with the session cookie.
    public var csrfToken: String
    public var expiresAt: String

    public init(user: UserInfo, csrfToken: String, expiresAt: String) {
        self.user = user
        self.csrfToken = csrfToken
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case user
        case csrfToken = "csrf_token"
        case expiresAt = "expires_at"
    }
}

public struct CreateUser: Codable, Equatable, Sendable {
    public var email: String
    public var displayName: String
    /// `admin`, `technician` or `viewer`.
    public var role: String
    /// The partner the user belongs to; absent for a platform operator.
    public var partnerID: String?

    public init(email: String, displayName: String, role: String, partnerID: String? = nil) {
        self.email = email
        self.displayName = displayName
        self.role = role
        self.partnerID = partnerID
    }

    enum CodingKeys: String, CodingKey {
        case email, role
        case displayName = "display_name"
        case partnerID = "partner_id"
    }
}

/// A new user and their first password, shown once.
public struct UserCreated: Codable, Equatable, Sendable {
    public var user: UserInfo
    public var password: String

    public init(user: UserInfo, password: String) {
        self.user = user
        self.password = password
    }
}

public struct ChangePassword: Codable, Equatable, Sendable {
    public var currentPassword: String
    public var newPassword: String

    public init(currentPassword: String, newPassword: String) {
        self.currentPassword = currentPassword
        self.newPassword = newPassword
    }

    enum CodingKeys: String, CodingKey {
        case currentPassword = "current_password"
        case newPassword = "new_password"
    }
}

/// TOTP set-up: the secret (base32) and the `otpauth://` URI for a QR code.
public struct TOTPSetup: Codable, Equatable, Sendable {
    public var secret: String
    public var otpauthURI: String

    public init(secret: String, otpauthURI: String) {
        self.secret = secret
        self.otpauthURI = otpauthURI
    }

    enum CodingKeys: String, CodingKey {
        case secret
        case otpauthURI = "otpauth_uri"
    }
}

public struct TOTPConfirm: Codable, Equatable, Sendable {
    public var code: String
    public init(code: String) { self.code = code }
}

/// An API key in a key list: never the token.
public struct APIKeyInfo: Codable, Equatable, Sendable {
    public var id: String
    public var partnerID: String?
    public var name: String
    public var createdAt: String
    public var lastUsedAt: String?
    public var revokedAt: String?

    public init(
        id: String, partnerID: String?, name: String, createdAt: String, lastUsedAt: String?, revokedAt: String?
    ) {
        self.id = id
        self.partnerID = partnerID
        self.name = name
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case partnerID = "partner_id"
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case revokedAt = "revoked_at"
    }
}

extension UserInfo {
    /// The API's view of `user`.
    public init(_ user: User) {
        self.init(
            id: user.id.rawValue, partnerID: user.partnerID?.rawValue, email: user.email,
            displayName: user.displayName, role: user.role.rawValue, totpEnabled: user.totpEnabledAt != nil,
            disabled: user.disabledAt != nil)
    }
}

/// One audit-log entry as the API shows it.
public struct AuditEntryInfo: Codable, Equatable, Sendable {
    public var id: Int64
    public var at: String
    public var actor: String
    public var action: String
    public var target: String
    public var detail: String
    public var partnerID: String?

    public init(_ numbered: NumberedAuditEntry) {
        self.id = numbered.id
        self.at = numbered.entry.at.description
        self.actor = numbered.entry.actor
        self.action = numbered.entry.action
        self.target = numbered.entry.target
        self.detail = numbered.entry.detail
        self.partnerID = numbered.entry.partnerID?.rawValue
    }

    enum CodingKeys: String, CodingKey {
        case id, at, actor, action, target, detail
        case partnerID = "partner_id"
    }
}
