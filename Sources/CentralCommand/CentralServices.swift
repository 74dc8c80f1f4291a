public import Compliance
import Foundation

/// Everything Central Command's routes need, injected by the composition root (`vigil central`
/// or a test): the stores, the signing identity, the clock and a readiness probe.
public struct CentralServices: Sendable {
    public var tenancy: any TenancyStore
    public var evidence: any EvidenceStore
    public var events: any SecurityEventSink
    public var nonces: any NonceStore
    public var enrolment: any EnrolmentStore
    public var apiKeys: any APIKeyStore
    public var identity: ServerIdentity
    public var clock: @Sendable () -> Timestamp
    /// Whether the database answers, and its name for `/readyz`.
    public var readiness: @Sendable () async -> (ready: Bool, database: String)

    public init(
        tenancy: any TenancyStore, evidence: any EvidenceStore, events: any SecurityEventSink, nonces: any NonceStore,
        enrolment: any EnrolmentStore, apiKeys: any APIKeyStore, identity: ServerIdentity,
        clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() },
        readiness: @escaping @Sendable () async -> (ready: Bool, database: String)
    ) {
        self.tenancy = tenancy
        self.evidence = evidence
        self.events = events
        self.nonces = nonces
        self.enrolment = enrolment
        self.apiKeys = apiKeys
        self.identity = identity
        self.clock = clock
        self.readiness = readiness
    }
}
