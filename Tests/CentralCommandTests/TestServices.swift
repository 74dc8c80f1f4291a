import CentralCommand
import Compliance
import TestSupport

extension CentralServices {
    /// Central Command's services over one in-memory store, with a fixed clock and the cheapest
    /// bcrypt cost (the cost changes time, not behaviour).
    static func memory(
        _ store: InMemoryStore, events: InMemorySecurityEventSink = InMemorySecurityEventSink(),
        identity: ServerIdentity = ServerIdentity(name: "vigil.central/test", key: EvidenceIngestorTests.serverKey),
        clock: @escaping @Sendable () -> Timestamp = { CentralHTTPTests.now }, ready: Bool = true
    ) -> CentralServices {
        var policy = AccountPolicy()
        policy.bcryptCost = 4
        var services = CentralServices(
            tenancy: store, evidence: store, events: events, nonces: store, enrolment: store, apiKeys: store,
            accounts: store, fleet: store, checkpoints: store, incidents: store, learning: store, overview: store,
            portal: store, branding: store, secrets: testSecrets,
            accountPolicy: policy,
            identity: identity,
            clock: clock,
            readiness: { (ready, "memory") })
        services.cacheSeconds = 0
        return services
    }

    static let testSecrets: SecretBox = {
        do {
            return try SecretBox(key: Array(repeating: 7, count: 32))
        } catch {
            preconditionFailure("a 32-byte key is valid")
        }
    }()
}
