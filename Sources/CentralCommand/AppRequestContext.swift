public import Compliance
public import Hummingbird

/// The per-request context of Central Command: Hummingbird's core storage plus who is calling.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `ApplianceAuthenticator` once the request's signature has been verified.
    public var applianceID: Appliance.ID?
    /// The enrolled appliance behind `applianceID`.
    public var appliance: Appliance?
    /// Set by `OperatorAuthenticator` for operator and partner API calls.
    public var principal: Principal?
    /// What the caller may do within the principal's tenant (API keys act as admins of it).
    public var role: Role?
    /// Who the audit log names: `user:<id>` or `key:<id>`.
    public var actor: String?
    /// The logged-in user, for requests made with a session cookie.
    public var user: User?

    /// The session token, for web pages (their forms carry its CSRF token).
    var sessionToken: String?
    /// A web form's fields, read (and its CSRF token checked) by `WebSession`.
    var form: WebForm?
    /// The practice contact behind a client-portal session (`PortalGate`).
    var portalContact: PortalContact?

    /// The client's IP address as the socket shows it (a reverse proxy's, behind one).
    public var remoteAddress: String?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Evidence uploads of 500 bundles fit comfortably; anything larger is refused with 413.
    public var maxUploadSize: Int { 16 << 20 }
}
