/// The operator login form (`GET /login`), and the same form again with a reason after a
/// failed attempt.
public struct LoginPage: Sendable, Equatable {
    /// Why the last attempt failed, in words the operator can act on.
    public var problem: String?
    /// The email typed last time (never the password).
    public var email: String
    /// Whether the account asked for its TOTP code.
    public var askTOTP: Bool
    /// Where to go after logging in: a local path only (checked by the route).
    public var next: String

    public init(problem: String? = nil, email: String = "", askTOTP: Bool = false, next: String = "/") {
        self.problem = problem
        self.email = email
        self.askTOTP = askTOTP
        self.next = next
    }
}
