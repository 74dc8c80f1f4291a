public import Compliance
import SQLKit

/// `AccountStore` on SQL: operator accounts and their server-side sessions, shared by every
/// instance that uses the same database.
public struct SQLAccountStore: AccountStore {
    let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    public func create(_ user: User) async throws(StoreError) {
        try user.checkStorable()
        try await database.transaction { sql in
            if let partner = user.partnerID {
                try await SQLTenancyStore.requirePresent(
                    sql, table: "partners", id: partner.rawValue, what: "partner \(partner)")
            }
            try await SQLTenancyStore.requireAbsent(sql, table: "users", id: user.id.rawValue, what: "user \(user.id)")
            let taken = try await sql.raw("SELECT 1 AS present FROM users WHERE email = \(bind: user.email)").first()
            guard taken == nil else { throw StoreError.conflict("a user with email \(user.email) exists already") }
            try await sql.raw(
                """
                INSERT INTO users (id, partner_id, email, display_name, role, password_hash, totp_secret, totp_enabled_at,
                                   totp_last_step, failed_logins, locked_until, created_at, disabled_at)
                VALUES (\(bind: user.id.rawValue), \(bind: user.partnerID?.rawValue), \(bind: user.email),
                        \(bind: user.displayName), \(bind: user.role.rawValue), \(bind: user.passwordHash),
                        \(bind: user.sealedTOTPSecret), \(bind: user.totpEnabledAt?.millisecondsSinceEpoch),
                        \(bind: user.totpLastStep), \(bind: Int64(user.failedLogins)),
                        \(bind: user.lockedUntil?.millisecondsSinceEpoch), \(bind: user.createdAt.millisecondsSinceEpoch),
                        \(bind: user.disabledAt?.millisecondsSinceEpoch))
                """
            ).run()
        }
    }

    public func user(_ id: User.ID) async throws(StoreError) -> User? {
        try await database.read { sql in
            try await sql.raw("SELECT * FROM users WHERE id = \(bind: id.rawValue)").first().map(Self.user)
        }
    }

    public func user(email: String) async throws(StoreError) -> User? {
        try await database.read { sql in
            try await sql.raw("SELECT * FROM users WHERE email = \(bind: email.lowercased())").first().map(Self.user)
        }
    }

    public func users(of partner: Partner.ID?) async throws(StoreError) -> [User] {
        try await database.read { sql in
            if let partner {
                return try await sql.raw(
                    "SELECT * FROM users WHERE partner_id = \(bind: partner.rawValue) ORDER BY email"
                ).all().map(Self.user)
            }
            return try await sql.raw("SELECT * FROM users WHERE partner_id IS NULL ORDER BY email").all().map(Self.user)
        }
    }

    public func hasPlatformAdmin() async throws(StoreError) -> Bool {
        try await database.read { sql in
            try await sql.raw(
                """
                SELECT 1 AS present FROM users
                WHERE partner_id IS NULL AND role = \(bind: Role.admin.rawValue) AND disabled_at IS NULL
                """
            ).first() != nil
        }
    }

    public func update(_ user: User) async throws(StoreError) {
        try user.checkStorable()
        try await database.transaction { sql in
            try await SQLTenancyStore.requirePresent(sql, table: "users", id: user.id.rawValue, what: "user \(user.id)")
            try await sql.raw(
                """
                UPDATE users SET display_name = \(bind: user.displayName), role = \(bind: user.role.rawValue),
                    password_hash = \(bind: user.passwordHash), totp_secret = \(bind: user.sealedTOTPSecret),
                    totp_enabled_at = \(bind: user.totpEnabledAt?.millisecondsSinceEpoch),
                    disabled_at = \(bind: user.disabledAt?.millisecondsSinceEpoch)
                WHERE id = \(bind: user.id.rawValue)
                """
            ).run()
        }
    }

    public func recordFailedLogin(_ id: User.ID, threshold: Int, lockUntil: Timestamp) async throws(StoreError) -> Int {
        try await database.transaction { sql in
            guard
                let row = try await sql.raw(
                    """
                    UPDATE users SET failed_logins = failed_logins + 1 WHERE id = \(bind: id.rawValue)
                    RETURNING failed_logins
                    """
                ).first()
            else { throw StoreError.notFound("user \(id)") }
            let count = Int(try row.decode(column: "failed_logins", as: Int64.self))
            if count >= threshold {
                try await sql.raw(
                    """
                    UPDATE users SET locked_until = \(bind: lockUntil.millisecondsSinceEpoch), failed_logins = 0
                    WHERE id = \(bind: id.rawValue)
                    """
                ).run()
            }
            return count
        }
    }

    public func recordSuccessfulLogin(_ id: User.ID) async throws(StoreError) {
        try await database.transaction { sql in
            try await sql.raw(
                "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = \(bind: id.rawValue)"
            ).run()
        }
    }

    public func claimTOTPStep(_ id: User.ID, step: Int64) async throws(StoreError) -> Bool {
        try await database.transaction { sql in
            try await sql.raw(
                """
                UPDATE users SET totp_last_step = \(bind: step)
                WHERE id = \(bind: id.rawValue) AND (totp_last_step IS NULL OR totp_last_step < \(bind: step))
                RETURNING id
                """
            ).first() != nil
        }
    }

    public func create(_ session: Session) async throws(StoreError) {
        try await database.transaction { sql in
            try await SQLTenancyStore.requirePresent(
                sql, table: "users", id: session.userID.rawValue, what: "user \(session.userID)")
            try await sql.raw(
                """
                INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at)
                VALUES (\(bind: session.tokenHash.hex), \(bind: session.userID.rawValue),
                        \(bind: session.createdAt.millisecondsSinceEpoch), \(bind: session.expiresAt.millisecondsSinceEpoch),
                        \(bind: session.lastSeenAt.millisecondsSinceEpoch))
                """
            ).run()
        }
    }

    public func session(_ tokenHash: HexDigest) async throws(StoreError) -> Session? {
        try await database.read { sql in
            guard
                let row = try await sql.raw("SELECT * FROM sessions WHERE token_hash = \(bind: tokenHash.hex)").first()
            else { return nil }
            return Session(
                tokenHash: try HexDigest(hex: row.decode(column: "token_hash", as: String.self)),
                userID: try User.ID(row.decode(column: "user_id", as: String.self)),
                createdAt: Timestamp(millisecondsSinceEpoch: try row.decode(column: "created_at", as: Int64.self)),
                expiresAt: Timestamp(millisecondsSinceEpoch: try row.decode(column: "expires_at", as: Int64.self)),
                lastSeenAt: Timestamp(millisecondsSinceEpoch: try row.decode(column: "last_seen_at", as: Int64.self)))
        }
    }

    public func touch(_ tokenHash: HexDigest, at: Timestamp) async throws(StoreError) {
        try await database.transaction { sql in
            try await sql.raw(
                """
                UPDATE sessions SET last_seen_at = \(bind: at.millisecondsSinceEpoch)
                WHERE token_hash = \(bind: tokenHash.hex)
                """
            ).run()
        }
    }

    public func deleteSession(_ tokenHash: HexDigest) async throws(StoreError) {
        try await database.transaction { sql in
            try await sql.raw("DELETE FROM sessions WHERE token_hash = \(bind: tokenHash.hex)").run()
        }
    }

    public func deleteSessions(of user: User.ID) async throws(StoreError) {
        try await database.transaction { sql in
            try await sql.raw("DELETE FROM sessions WHERE user_id = \(bind: user.rawValue)").run()
        }
    }

    static func user(_ row: any SQLRow) throws -> User {
        func time(_ column: String) throws -> Timestamp? {
            try row.decode(column: column, as: Int64?.self).map(Timestamp.init(millisecondsSinceEpoch:))
        }
        let roleText = try row.decode(column: "role", as: String.self)
        guard let role = Role(rawValue: roleText) else { throw StoreError.invalid("unknown role \(roleText)") }
        return User(
            id: try User.ID(row.decode(column: "id", as: String.self)),
            partnerID: try row.decode(column: "partner_id", as: String?.self).map { try Partner.ID($0) },
            email: try row.decode(column: "email", as: String.self),
            displayName: try row.decode(column: "display_name", as: String.self),
            role: role,
            passwordHash: try row.decode(column: "password_hash", as: String.self),
            createdAt: Timestamp(millisecondsSinceEpoch: try row.decode(column: "created_at", as: Int64.self)),
            sealedTOTPSecret: try row.decode(column: "totp_secret", as: String?.self),
            totpEnabledAt: try time("totp_enabled_at"),
            totpLastStep: try row.decode(column: "totp_last_step", as: Int64?.self),
            failedLogins: Int(try row.decode(column: "failed_logins", as: Int64.self)),
            lockedUntil: try time("locked_until"),
            disabledAt: try time("disabled_at"))
    }
}
