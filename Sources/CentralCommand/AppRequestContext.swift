public import Compliance
public import Hummingbird

/// The per-request context of Central Command: Hummingbird's core storage plus who is calling.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `ApplianceAuthenticator` once the request's signature has been verified.
    public var applianceID: Appliance.ID?
    /// Set by `OperatorAuthenticator` for operator and partner API calls.
    public var principal: Principal?

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }

    /// Evidence uploads of 500 bundles fit comfortably; anything larger is refused with 413.
    public var maxUploadSize: Int { 16 << 20 }
}
