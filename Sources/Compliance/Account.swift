import Foundation

/// What an operator may do within the tenant their principal covers.
public enum Role: String, Codable, CaseIterable, Comparable, Sendable {
    /// Reads everything in scope; changes nothing.
    case viewer
    /// Runs the fleet: claim codes, sites, orders, incidents. Does not manage users or API keys.
    case technician
    /// Everything in scope, including users and API keys.
    case admin

    /// Whether this role includes everything `other` may do.
    public func includes(_ other: Role) -> Bool { self >= other }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .technician: 1
        case .admin: 2
        }
    }
}

/// An operator account: a person who logs in to Central Command with a password and, when set
/// up, a TOTP code. `partnerID` nil means a platform operator.
public struct User: Equatable, Sendable {
    public typealias ID = Identifier<User>
    public var id: ID
    public var partnerID: Partner.ID?
    /// Lower-cased; unique across the platform.
    public var email: String
    public var displayName: String
    public var role: Role
    /// A bcrypt hash (`$2b$…`); the password itself is never stored.
    public var passwordHash: String
    /// The TOTP secret sealed with the server's secret key (never in clear in the database).
    public var sealedTOTPSecret: String?
    /// When TOTP was confirmed; from then on login asks for a code.
    public var totpEnabledAt: Timestamp?
    /// The last TOTP time step accepted, so a code cannot be used twice.
    public var totpLastStep: Int64?
    public var failedLogins: Int
    public var lockedUntil: Timestamp?
    public var createdAt: Timestamp
    public var disabledAt: Timestamp?

    public init(
        id: ID, partnerID: Partner.ID?, email: String, displayName: String, role: Role, passwordHash: String,
        createdAt: Timestamp, sealedTOTPSecret: String? = nil, totpEnabledAt: Timestamp? = nil,
        totpLastStep: Int64? = nil, failedLogins: Int = 0, lockedUntil: Timestamp? = nil, disabledAt: Timestamp? = nil
    ) {
        self.id = id
        self.partnerID = partnerID
        self.email = email
        self.displayName = displayName
        self.role = role
        self.passwordHash = passwordHash
        self.createdAt = createdAt
        self.sealedTOTPSecret = sealedTOTPSecret
        self.totpEnabledAt = totpEnabledAt
        self.totpLastStep = totpLastStep
        self.failedLogins = failedLogins
        self.lockedUntil = lockedUntil
        self.disabledAt = disabledAt
    }

    public var principal: Principal { partnerID.map(Principal.partner) ?? .platform }

    /// The rules every store applies before writing a user.
    public func checkStorable() throws(StoreError) {
        guard try Self.normalizedEmail(email) == email else {
            throw .invalid("email must be stored normalised (trimmed, lower-case)")
        }
        try TextRules.checkName(displayName, field: "display name")
        guard passwordHash.hasPrefix("$2"), passwordHash.utf8.count == 60 else {
            throw .invalid("password hash is not a bcrypt hash")
        }
    }

    /// An e-mail address as accounts store it: trimmed, lower-cased, 3–254 characters with one
    /// `@` that is neither first nor last, no spaces or control characters.
    public static func normalizedEmail(_ text: String) throws(StoreError) -> String {
        let email = text.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard (3...254).contains(email.utf8.count), parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
            !email.unicodeScalars.contains(where: {
                $0.properties.isWhitespace || $0.properties.generalCategory == .control
            })
        else {
            throw .invalid("email \(String(reflecting: text)) is not an e-mail address")
        }
        return email
    }
}

/// A server-side login session. The browser holds a random token in a cookie; the database holds
/// only the token's SHA-256, so a copy of the database logs nobody in.
public struct Session: Equatable, Sendable {
    public var tokenHash: HexDigest
    public var userID: User.ID
    public var createdAt: Timestamp
    /// The absolute end of the session, whatever the activity.
    public var expiresAt: Timestamp
    /// Updated on use (at most once a minute); the idle timeout counts from here.
    public var lastSeenAt: Timestamp

    public init(
        tokenHash: HexDigest, userID: User.ID, createdAt: Timestamp, expiresAt: Timestamp, lastSeenAt: Timestamp
    ) {
        self.tokenHash = tokenHash
        self.userID = userID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastSeenAt = lastSeenAt
    }
}

/// The port for operator accounts and their sessions. Counters that several instances may change
/// at once (failed logins, the last TOTP step) change atomically in the store.
public protocol AccountStore: Sendable {
    /// Creates a user; `.conflict` when the e-mail address is taken.
    func create(_ user: User) async throws(StoreError)
    func user(_ id: User.ID) async throws(StoreError) -> User?
    func user(email: String) async throws(StoreError) -> User?
    /// The users of `partner`, or the platform operators when nil, ordered by e-mail.
    func users(of partner: Partner.ID?) async throws(StoreError) -> [User]
    /// Whether any platform administrator exists (first-run detection).
    func hasPlatformAdmin() async throws(StoreError) -> Bool
    /// Replaces the changeable fields: display name, role, password hash, TOTP secret and
    /// enablement, disabled-at.
    func update(_ user: User) async throws(StoreError)
    /// Counts a failed login and locks the account until `lockUntil` when the count reaches
    /// `threshold`; returns the new count.
    func recordFailedLogin(_ id: User.ID, threshold: Int, lockUntil: Timestamp) async throws(StoreError) -> Int
    /// Clears the failure count and lock after a successful login.
    func recordSuccessfulLogin(_ id: User.ID) async throws(StoreError)
    /// Accepts TOTP step `step` only when it is later than every step accepted before.
    func claimTOTPStep(_ id: User.ID, step: Int64) async throws(StoreError) -> Bool

    func create(_ session: Session) async throws(StoreError)
    func session(_ tokenHash: HexDigest) async throws(StoreError) -> Session?
    func touch(_ tokenHash: HexDigest, at: Timestamp) async throws(StoreError)
    func deleteSession(_ tokenHash: HexDigest) async throws(StoreError)
    /// Ends every session of `user` (password change, disabling, TOTP change).
    func deleteSessions(of user: User.ID) async throws(StoreError)
}
