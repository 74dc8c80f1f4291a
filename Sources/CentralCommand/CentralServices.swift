public import Compliance
import Foundation
public import Healing
public import Logging

/// Everything Central Command's routes need, injected by the composition root (`vigil central`
/// or a test): the stores, the signing identity, the clock and a readiness probe.
public struct CentralServices: Sendable {
    public var tenancy: any TenancyStore
    public var evidence: any EvidenceStore
    public var events: any AuditLog
    public var nonces: any NonceStore
    public var enrolment: any EnrolmentStore
    public var apiKeys: any APIKeyStore
    public var accounts: any AccountStore
    public var fleet: any FleetStore
    public var checkpoints: any CheckpointStore
    public var incidents: any IncidentStore
    public var learning: any LearningStore
    /// The fleet overview's read model.
    public var overview: any FleetOverviewStore
    /// Practice contacts, magic links and portal sessions.
    public var portal: any PortalStore
    public var branding: any BrandingStore
    /// Sends the portal's login links: SMTP in production, the log in demo mode; unset, the
    /// portal answers that e-mail is not configured.
    public var mailer: any Mailer = UnconfiguredMailer()
    /// The address people reach this server at (`public-url`), for links in e-mail. Never taken
    /// from a request's Host header, which a caller controls.
    public var publicURL = "http://127.0.0.1:8080"
    public var portalPolicy = PortalPolicy()
    /// Link requests and failed redemptions per client address: 60 per 15 minutes. Mailboxes are
    /// protected by the per-contact limit (`PortalPolicy.linksPerWindow`) and links cannot be
    /// guessed (256 bits); this only slows address spraying, so it leaves room for a practice's
    /// whole office behind one NAT.
    public var portalThrottle = LoginThrottle(policy: .init(failures: 60, windowSeconds: 900))
    /// Where background work (e-mail sending) reports failures.
    public var logger = Logger(label: "vigil.central")
    /// The runbook catalogue proposed fixes are checked against (the built-in one; a build whose
    /// catalogue does not load fails its tests, so empty here means no proposal is accepted).
    public var runbooks: RunbookCatalogue = (try? RunbookCatalogue.builtin()) ?? RunbookCatalogue([])
    /// Seals secrets that must be read back (TOTP secrets, target credentials).
    public var secrets: SecretBox
    public var accountPolicy: AccountPolicy
    /// How long appliance records may be served from memory when authenticating appliance
    /// requests; a change made on any instance is seen by all within this time. 0 turns it off.
    public var cacheSeconds: Int64 = 5
    /// Failed logins per client address (per instance), in front of the per-account lockout.
    public var loginThrottle = LoginThrottle()
    /// Counters and histograms served at `/metrics`.
    public var metrics = Metrics()
    /// Moves when pages should refresh (`/events`).
    public var changes = ChangeFeed()
    /// How long one `/events` stream lasts before the browser must reconnect (and so show its
    /// session again).
    public var eventStreamSeconds = 600
    /// Whether `/metrics` answers without credentials (Prometheus scrapes usually have none);
    /// when false it needs a platform API key or session.
    public var metricsPublic = true
    public var identity: ServerIdentity
    public var clock: @Sendable () -> Timestamp
    /// Whether the database answers, and its name for `/readyz`.
    public var readiness: @Sendable () async -> (ready: Bool, database: String)

    /// The name a partner shows: its branding's display name, else its own name. `known` is the
    /// partner's branding when the caller has read it already.
    func shownName(of partner: Partner.ID, known: PartnerBranding? = nil) async throws(StoreError) -> String? {
        let displayName: String?
        if let known {
            displayName = known.displayName
        } else {
            displayName = try await branding.branding(of: partner)?.displayName
        }
        if let displayName { return displayName }
        return try await tenancy.partner(partner)?.name
    }

    /// The account service over these stores.
    public var accountService: AccountService {
        AccountService(store: accounts, audit: events, secrets: secrets, policy: accountPolicy, clock: clock)
    }

    public init(
        tenancy: any TenancyStore, evidence: any EvidenceStore, events: any AuditLog, nonces: any NonceStore,
        enrolment: any EnrolmentStore, apiKeys: any APIKeyStore, accounts: any AccountStore, fleet: any FleetStore,
        checkpoints: any CheckpointStore, incidents: any IncidentStore, learning: any LearningStore,
        overview: any FleetOverviewStore, portal: any PortalStore, branding: any BrandingStore, secrets: SecretBox,
        accountPolicy: AccountPolicy = AccountPolicy(), identity: ServerIdentity,
        clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() },
        readiness: @escaping @Sendable () async -> (ready: Bool, database: String)
    ) {
        self.tenancy = tenancy
        self.evidence = evidence
        self.events = events
        self.nonces = nonces
        self.enrolment = enrolment
        self.apiKeys = apiKeys
        self.accounts = accounts
        self.fleet = fleet
        self.checkpoints = checkpoints
        self.incidents = incidents
        self.learning = learning
        self.overview = overview
        self.portal = portal
        self.branding = branding
        self.secrets = secrets
        self.accountPolicy = accountPolicy
        self.identity = identity
        self.clock = clock
        self.readiness = readiness
    }
}
