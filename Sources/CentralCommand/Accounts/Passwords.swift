import HummingbirdBcrypt
import NIOPosix
import Synchronization

/// Operator passwords: bcrypt with a configurable cost, run on NIO's blocking pool so a login
/// never stalls the request executor.
///
/// Policy: 12–72 bytes of UTF-8 (bcrypt reads no further than 72 bytes; longer passwords are
/// refused rather than silently truncated), no control characters.
public enum Passwords {
    public static let minimumLength = 12
    public static let maximumBytes = 72

    /// Why `password` breaks the policy, or nil when it meets it.
    public static func policyViolation(_ password: String) -> String? {
        if password.count < minimumLength { return "a password needs at least \(minimumLength) characters" }
        if password.utf8.count > maximumBytes { return "a password may be at most \(maximumBytes) bytes of UTF-8" }
        if password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "a password must not contain control characters"
        }
        return nil
    }

    public static func hash(_ password: String, cost: UInt8) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public static func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// A random password to show once: 20 characters from an alphabet without look-alikes
    /// (about 112 bits).
    public static func generate() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
        return String(characters)
    }

    /// A hash of a random password at `cost`, computed once per cost, to spend the same time on
    /// logins for unknown e-mail addresses as on real ones.
    static func decoyHash(cost: UInt8) async throws -> String {
        if let known = decoys.withLock({ $0[cost] }) { return known }
        let made = try await hash(generate(), cost: cost)
        decoys.withLock { $0[cost] = made }
        return made
    }

    private static let decoys = Mutex<[UInt8: String]>([:])
}
