public import Compliance
import EvidenceCrypto
import Foundation

/// Limits for operator accounts; the defaults suit production and `docs/CONFIGURATION.md` lists them.
public struct AccountPolicy: Sendable {
    /// bcrypt's log2 work factor (4–31). 12 costs about a quarter of a second here.
    public var bcryptCost: UInt8 = 12
    /// Failed logins in a row that lock an account…
    public var lockThreshold = 5
    /// …for this long.
    public var lockSeconds: Int64 = 15 * 60
    /// A session ends this long after login, whatever the activity…
    public var sessionSeconds: Int64 = 12 * 3600
    /// …or after this long without a request.
    public var idleSeconds: Int64 = 30 * 60
    /// Marks the session cookie `Secure` (sent over HTTPS only). Turn off only for plain-HTTP
    /// set-ups on loopback.
    public var secureCookies = true

    public init() {}
}

/// What went wrong with an account operation; the HTTP edge maps each case to one status.
public enum AccountError: Error, Equatable, CustomStringConvertible {
    /// Wrong e-mail, wrong password, locked or disabled account: one answer for all, so the
    /// response does not reveal which accounts exist or are locked.
    case loginFailed
    /// The password was right; the account has TOTP and the code is missing or wrong.
    case totpRequired
    case unauthenticated
    case forbidden(String)
    case invalid(String)
    case storage(StoreError)

    public var description: String {
        switch self {
        case .loginFailed: "e-mail or password is wrong, or the account is locked or disabled"
        case .totpRequired: "a valid one-time code from the authenticator app is required"
        case .unauthenticated: "log in first"
        case .forbidden(let why): why
        case .invalid(let why): why
        case .storage(let error): error.description
        }
    }
}

/// A new login: the cookie token (shown to the browser only) and the CSRF token that state-
/// changing requests must echo in `X-CSRF-Token`.
public struct LoginSession: Sendable {
    public var token: String
    public var csrfToken: String
    public var session: Session
    public var user: User
}

/// Operator accounts: login with bcrypt passwords, lockout, optional TOTP, server-side sessions
/// in the database (so they survive restarts and are shared by every instance), and user
/// management within a principal's tenant. Every decision lands in the audit log.
public struct AccountService: Sendable {
    let store: any AccountStore
    let audit: any AuditLog
    let secrets: SecretBox
    let policy: AccountPolicy
    let clock: @Sendable () -> Timestamp

    public init(
        store: any AccountStore, audit: any AuditLog, secrets: SecretBox, policy: AccountPolicy,
        clock: @escaping @Sendable () -> Timestamp
    ) {
        self.store = store
        self.audit = audit
        self.secrets = secrets
        self.policy = policy
        self.clock = clock
    }

    // MARK: Login and sessions

    public func login(email: String, password: String, totpCode: String?) async throws(AccountError) -> LoginSession {
        let now = clock()
        let normalized = (try? User.normalizedEmail(email)) ?? email.lowercased()
        guard password.utf8.count <= 1024 else { throw .loginFailed }
        guard let user = try await storage({ () async throws(StoreError) in try await store.user(email: normalized) })
        else {
            // Spend the time a real check would take, then answer as for a wrong password.
            _ = try? await Passwords.verify(password, hash: try await Passwords.decoyHash(cost: policy.bcryptCost))
            await log(
                now, actor: "anonymous", action: "auth.login_failed", target: "email:\(normalized)", "no such user")
            throw .loginFailed
        }
        let actor = "user:\(user.id)"
        // The password is checked first, whatever the account's state, so the answer's timing
        // does not tell a locked or disabled account from a wrong password.
        let passwordMatches = (try? await Passwords.verify(password, hash: user.passwordHash)) ?? false
        if let locked = user.lockedUntil, locked > now {
            await log(
                now, actor: actor, action: "auth.login_refused", target: actor, "locked until \(locked)",
                partner: user.partnerID)
            throw .loginFailed
        }
        if user.disabledAt != nil {
            await log(
                now, actor: actor, action: "auth.login_refused", target: actor, "account disabled",
                partner: user.partnerID)
            throw .loginFailed
        }
        guard passwordMatches else {
            try await recordFailure(of: user, at: now, action: "auth.login_failed", "wrong password")
            throw .loginFailed
        }
        if user.totpEnabledAt != nil {
            guard let totpCode else { throw .totpRequired }
            guard try await acceptTOTP(totpCode, for: user, at: now) else {
                // A wrong code counts like a wrong password: with the password known, six digits
                // would otherwise fall to guessing.
                try await recordFailure(of: user, at: now, action: "auth.totp_failed", "wrong or reused one-time code")
                throw .totpRequired
            }
        }
        try await storage { () async throws(StoreError) in try await store.recordSuccessfulLogin(user.id) }
        let token = SessionTokens.generate()
        let session = Session(
            tokenHash: SessionTokens.hash(token), userID: user.id, createdAt: now,
            expiresAt: now.adding(milliseconds: policy.sessionSeconds * 1000), lastSeenAt: now)
        try await storage { () async throws(StoreError) in try await store.create(session) }
        await log(now, actor: actor, action: "auth.login", target: actor, "session started", partner: user.partnerID)
        return LoginSession(token: token, csrfToken: SessionTokens.csrf(for: token), session: session, user: user)
    }

    /// The user and session behind a cookie token; `.unauthenticated` when unknown, expired,
    /// idle too long or the user is disabled.
    public func authenticate(token: String) async throws(AccountError) -> (user: User, session: Session) {
        guard SessionTokens.isWellFormed(token) else { throw .unauthenticated }
        let now = clock()
        let hash = SessionTokens.hash(token)
        guard let session = try await storage({ () async throws(StoreError) in try await store.session(hash) }) else {
            throw .unauthenticated
        }
        let idleDeadline = session.lastSeenAt.adding(milliseconds: policy.idleSeconds * 1000)
        guard session.expiresAt > now, idleDeadline > now else {
            try? await store.deleteSession(hash)
            throw .unauthenticated
        }
        guard let user = try await storage({ () async throws(StoreError) in try await store.user(session.userID) }),
            user.disabledAt == nil
        else { throw .unauthenticated }
        // Activity needs minute precision, not a write per request.
        if now.millisecondsSinceEpoch - session.lastSeenAt.millisecondsSinceEpoch > 60_000 {
            try? await store.touch(hash, at: now)
        }
        return (user, session)
    }

    public func logout(token: String) async throws(AccountError) {
        guard SessionTokens.isWellFormed(token) else { return }
        let hash = SessionTokens.hash(token)
        if let session = try await storage({ () async throws(StoreError) in try await store.session(hash) }) {
            try await storage { () async throws(StoreError) in try await store.deleteSession(hash) }
            await log(
                clock(), actor: "user:\(session.userID)", action: "auth.logout", target: "user:\(session.userID)", "")
        }
    }

    /// Counts a failed login (locking the account at the threshold) and audits it.
    private func recordFailure(of user: User, at now: Timestamp, action: String, _ why: String)
        async throws(AccountError)
    {
        let lockUntil = now.adding(milliseconds: policy.lockSeconds * 1000)
        let count = try await storage { () async throws(StoreError) in
            try await store.recordFailedLogin(user.id, threshold: policy.lockThreshold, lockUntil: lockUntil)
        }
        let actor = "user:\(user.id)"
        await log(
            now, actor: actor, action: action, target: actor, "\(why) (\(count) in a row)",
            partner: user.partnerID)
        if count >= policy.lockThreshold {
            await log(
                now, actor: "system", action: "auth.locked", target: actor, "locked until \(lockUntil)",
                partner: user.partnerID)
        }
    }

    // MARK: Users

    /// Creates a user with a random password, returned once. Partner principals create users of
    /// their own partner only; only the platform creates platform users.
    public func createUser(
        by principal: Principal, actor: String, email: String, displayName: String, role: Role, partner: Partner.ID?
    ) async throws(AccountError) -> (user: User, password: String) {
        if let partner {
            guard principal.mayAccess(partner) else { throw .forbidden("not your partner") }
        } else {
            guard principal == .platform else { throw .forbidden("only the platform operator creates platform users") }
        }
        let normalized: String
        do {
            normalized = try User.normalizedEmail(email)
        } catch {
            throw .invalid(error.description)
        }
        let password = Passwords.generate()
        let hash = try await hash(password)
        let now = clock()
        let user = User(
            id: .random(prefix: "user"), partnerID: partner, email: normalized, displayName: displayName, role: role,
            passwordHash: hash, createdAt: now)
        try await storage { () async throws(StoreError) in try await store.create(user) }
        await log(
            now, actor: actor, action: "user.created", target: "user:\(user.id)", "role \(role.rawValue)",
            partner: user.partnerID)
        return (user, password)
    }

    /// Changes a password after checking the current one; ends every session of the user.
    public func changePassword(of user: User, current: String, new: String) async throws(AccountError) {
        let matches = (try? await Passwords.verify(current, hash: user.passwordHash)) ?? false
        guard matches else { throw .forbidden("the current password is wrong") }
        if let violation = Passwords.policyViolation(new) { throw .invalid(violation) }
        var changed = user
        changed.passwordHash = try await hash(new)
        try await storage { () async throws(StoreError) in try await store.update(changed) }
        try await storage { () async throws(StoreError) in try await store.deleteSessions(of: user.id) }
        await log(
            clock(), actor: "user:\(user.id)", action: "auth.password_changed", target: "user:\(user.id)", "",
            partner: user.partnerID)
    }

    /// Disables a user and ends their sessions.
    public func disable(_ user: User, actor: String) async throws(AccountError) {
        var changed = user
        changed.disabledAt = clock()
        try await storage { () async throws(StoreError) in try await store.update(changed) }
        try await storage { () async throws(StoreError) in try await store.deleteSessions(of: user.id) }
        await log(
            clock(), actor: actor, action: "user.disabled", target: "user:\(user.id)", "", partner: user.partnerID)
    }

    // MARK: TOTP

    /// Starts TOTP set-up: a new secret (sealed in the database) that takes effect once a code
    /// from it is confirmed.
    public func beginTOTP(for user: User) async throws(AccountError) -> (secret: String, uri: String) {
        let secret = TOTP.randomSecret()
        var changed = user
        do {
            changed.sealedTOTPSecret = try secrets.seal(secret, purpose: Self.totpPurpose(user.id))
        } catch {
            throw .invalid(error.description)
        }
        changed.totpEnabledAt = nil
        try await storage { () async throws(StoreError) in try await store.update(changed) }
        let totp = TOTP(secret: secret)
        return (Base32.encode(secret), totp.provisioningURI(account: user.email, issuer: "Vigil"))
    }

    /// Confirms TOTP set-up with a code from the new secret; from then on login asks for a code.
    public func confirmTOTP(for user: User, code: String) async throws(AccountError) {
        guard user.sealedTOTPSecret != nil else { throw .invalid("start TOTP set-up first") }
        guard try await acceptTOTP(code, for: user, at: clock()) else {
            throw .invalid("the one-time code does not match")
        }
        var changed = user
        changed.totpEnabledAt = clock()
        try await storage { () async throws(StoreError) in try await store.update(changed) }
        await log(
            clock(), actor: "user:\(user.id)", action: "auth.totp_enabled", target: "user:\(user.id)", "",
            partner: user.partnerID)
    }

    static func totpPurpose(_ user: User.ID) -> String { "vigil-totp-v1:\(user)" }

    private func acceptTOTP(_ code: String, for user: User, at now: Timestamp) async throws(AccountError) -> Bool {
        guard let sealed = user.sealedTOTPSecret else { return false }
        let secret: [UInt8]
        do {
            secret = try secrets.open(sealed, purpose: Self.totpPurpose(user.id))
        } catch {
            throw .invalid(error.description)
        }
        guard let step = TOTP(secret: secret).matchingStep(code, at: now.millisecondsSinceEpoch / 1000) else {
            return false
        }
        // A code works once, even within its 30 seconds.
        return try await storage { () async throws(StoreError) in try await store.claimTOTPStep(user.id, step: step) }
    }

    // MARK: Helpers

    private func hash(_ password: String) async throws(AccountError) -> String {
        do {
            return try await Passwords.hash(password, cost: policy.bcryptCost)
        } catch {
            throw .storage(.unavailable("password hashing pool is shut down"))
        }
    }

    private func storage<T>(_ body: () async throws(StoreError) -> T) async throws(AccountError) -> T {
        do {
            return try await body()
        } catch {
            throw .storage(error)
        }
    }

    /// Audit entries are best effort here: a failing audit write must not lock people out, and
    /// storage failures surface through the operation itself.
    private func log(
        _ at: Timestamp, actor: String, action: String, target: String, _ detail: String, partner: Partner.ID? = nil
    ) async {
        try? await audit.append([
            AuditEntry(at: at, actor: actor, action: action, target: target, detail: detail, partnerID: partner)
        ])
    }
}

/// Session tokens: 256 random bits as 64 hex characters. The database keeps their SHA-256; the
/// CSRF token is derived from the session token, so it needs no storage and is useless without it.
public enum SessionTokens {
    public static let cookieName = "vigil_session"

    static func generate() -> String { RandomHex.make(bytes: 32) }

    static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 64 && token.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    static func hash(_ token: String) -> HexDigest { .sha256(token) }

    public static func csrf(for token: String) -> String { HexDigest.sha256("vigil-csrf-v1:" + token).hex }
}
