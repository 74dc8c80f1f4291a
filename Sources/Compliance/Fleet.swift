/// What an order asks an appliance to do.
public enum OrderType: String, Codable, CaseIterable, Sendable {
    /// Run checks now (parameter `check`: one check ID, else all).
    case runChecks = "run_checks"
    /// Run a runbook from the catalogue (parameter `runbook`, required).
    case runRunbook = "run_runbook"
    /// Fetch the current rule set now rather than at the next check-in.
    case syncRules = "sync_rules"
    /// Collect diagnostics and upload them as evidence.
    case collectDiagnostics = "collect_diagnostics"
    /// Change the appliance's tunable settings (`ConfigurationOverrides.keys`), kept across
    /// restarts until changed again.
    case updateConfiguration = "update_configuration"
    /// Replace the appliance's Ed25519 key at the end of its uploaded chain (ADR 0012).
    case rotateKey = "rotate_key"
}

/// Where an order stands. The appliance reports `rejected` (bad signature, wrong appliance,
/// reused nonce) and `expired` as well as the outcome of running it.
public enum OrderStatus: String, Codable, CaseIterable, Sendable {
    case pending, acknowledged, completed, failed, rejected, expired

    /// Whether the order has reached an end (the appliance reported a final state).
    public var isFinal: Bool { ![.pending, .acknowledged].contains(self) }
}

/// An order to one appliance, signed by Central Command when created. The signed bytes are kept
/// exactly as signed and handed out unchanged at every check-in until the appliance answers.
public struct Order: Equatable, Sendable {
    public typealias ID = Identifier<Order>
    public var id: ID
    public var applianceID: Appliance.ID
    public var siteID: Site.ID
    public var type: OrderType
    public var parameters: [String: String]
    public var nonce: String
    public var issuedAt: Timestamp
    public var expiresAt: Timestamp
    /// `user:<id>` or `key:<id>`.
    public var createdBy: String
    /// The canonical JSON the signature covers (base64), and the signature (base64).
    public var signedPayload: String
    public var signature: String
    public var status: OrderStatus
    public var updatedAt: Timestamp
    /// What the appliance said when it finished (or refused) the order.
    public var resultDetail: String?

    public init(
        id: ID, applianceID: Appliance.ID, siteID: Site.ID, type: OrderType, parameters: [String: String],
        nonce: String, issuedAt: Timestamp, expiresAt: Timestamp, createdBy: String, signedPayload: String,
        signature: String, status: OrderStatus = .pending, updatedAt: Timestamp, resultDetail: String? = nil
    ) {
        self.id = id
        self.applianceID = applianceID
        self.siteID = siteID
        self.type = type
        self.parameters = parameters
        self.nonce = nonce
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.createdBy = createdBy
        self.signedPayload = signedPayload
        self.signature = signature
        self.status = status
        self.updatedAt = updatedAt
        self.resultDetail = resultDetail
    }

    /// The status to show at `now`: an unanswered order past its expiry is `expired`.
    public func status(at now: Timestamp) -> OrderStatus {
        !status.isFinal && expiresAt <= now ? .expired : status
    }

    /// The one rule for order states: forward only, final states final. Returns false when
    /// `next` is the state the order is in already (a retried report changes nothing).
    public static func checkTransition(from current: OrderStatus, to next: OrderStatus) throws(StoreError) -> Bool {
        if current == next { return false }
        guard next != .pending, !current.isFinal else {
            throw .conflict("order is \(current.rawValue); it cannot become \(next.rawValue)")
        }
        return true
    }

    /// Checks an order's parameters: at most 32, keys `[a-z0-9_]{1,64}`, values up to 1,024
    /// characters without control characters; `run_runbook` needs `runbook`.
    public static func checkParameters(_ parameters: [String: String], for type: OrderType) throws(StoreError) {
        guard parameters.count <= 32 else { throw .invalid("an order takes at most 32 parameters") }
        for (key, value) in parameters {
            guard (1...64).contains(key.utf8.count),
                key.utf8.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 95 })
            else { throw .invalid("parameter name \(String(reflecting: key)) must be 1–64 of a–z 0–9 _") }
            guard value.count <= 1024,
                !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else { throw .invalid("parameter \(key) must be at most 1024 characters without control characters") }
        }
        if type == .runRunbook, parameters["runbook"]?.isEmpty ?? true {
            throw .invalid("run_runbook needs the parameter runbook")
        }
        if type == .updateConfiguration {
            guard !parameters.isEmpty else { throw .invalid("update_configuration needs at least one setting") }
            for (key, value) in parameters.sorted(by: { $0.key < $1.key }) {
                if let problem = ConfigurationOverrides.check(key, value) { throw .invalid(problem) }
            }
        }
    }
}

/// What an appliance reports at each check-in.
public struct ApplianceHealth: Equatable, Sendable {
    public var softwareVersion: String
    public var uptimeSeconds: Int64
    /// Evidence bundles waiting in the outbox.
    public var queueDepth: Int64
    /// The appliance's measured clock offset, when it has one.
    public var clockOffsetMilliseconds: Int64?
    public var checkedInAt: Timestamp

    public init(
        softwareVersion: String, uptimeSeconds: Int64, queueDepth: Int64, clockOffsetMilliseconds: Int64?,
        checkedInAt: Timestamp
    ) {
        self.softwareVersion = softwareVersion
        self.uptimeSeconds = uptimeSeconds
        self.queueDepth = queueDepth
        self.clockOffsetMilliseconds = clockOffsetMilliseconds
        self.checkedInAt = checkedInAt
    }
}

/// How the appliance logs in to a target host. The secret is stored only sealed.
public struct StoredCredential: Equatable, Sendable {
    public enum Kind: String, Codable, CaseIterable, Sendable {
        case password
        case sshPrivateKey = "ssh_private_key"
    }

    public var hostID: ManagedHost.ID
    public var kind: Kind
    public var username: String
    /// The secret sealed with the server's secret key (`SecretBox`), bound to the host.
    public var sealedSecret: String
    public var updatedAt: Timestamp

    public init(hostID: ManagedHost.ID, kind: Kind, username: String, sealedSecret: String, updatedAt: Timestamp) {
        self.hostID = hostID
        self.kind = kind
        self.username = username
        self.sealedSecret = sealedSecret
        self.updatedAt = updatedAt
    }
}

/// Per-site settings handed to the appliance at check-in.
public struct SiteSettings: Equatable, Sendable {
    /// The rule-set version the site runs.
    public var ruleSetVersion: String
    /// Runbook IDs enabled for automatic healing at this site.
    public var enabledRunbooks: [String]
    /// The maintenance window as a JSON document (`MaintenanceWindow` in the wire types), or nil.
    public var maintenanceWindowJSON: String?

    public init(ruleSetVersion: String, enabledRunbooks: [String], maintenanceWindowJSON: String?) {
        self.ruleSetVersion = ruleSetVersion
        self.enabledRunbooks = enabledRunbooks
        self.maintenanceWindowJSON = maintenanceWindowJSON
    }

    /// The rules every store applies before writing settings.
    public func checkStorable() throws(StoreError) {
        try TextRules.checkName(ruleSetVersion, field: "rule set version")
        guard enabledRunbooks.count <= 500 else { throw .invalid("at most 500 runbooks may be enabled") }
        for runbook in enabledRunbooks where !Identifier<SiteSettings>.isValid(runbook) {
            throw .invalid("runbook ID \(String(reflecting: runbook)) must be 1–128 of A–Z a–z 0–9 . _ : -")
        }
        if let window = maintenanceWindowJSON, window.utf8.count > 4096 {
            throw .invalid("maintenance window must be at most 4096 bytes")
        }
    }

    public static let defaults = SiteSettings(
        ruleSetVersion: "builtin-1", enabledRunbooks: [], maintenanceWindowJSON: nil)
}

/// What a site's appliances receive at check-in besides their orders: settings, hosts and the
/// sealed credentials of those hosts.
public struct SiteSnapshot: Equatable, Sendable {
    /// Grows with every change to the site's settings, hosts or credentials, in the same
    /// transaction as the change: a cached snapshot with the current revision is exact.
    public var revision: Int64
    public var settings: SiteSettings
    public var hosts: [ManagedHost]
    public var credentials: [StoredCredential]

    public init(revision: Int64, settings: SiteSettings, hosts: [ManagedHost], credentials: [StoredCredential]) {
        self.revision = revision
        self.settings = settings
        self.hosts = hosts
        self.credentials = credentials
    }
}

/// What a check-in reads: the appliance's open orders, and its site's snapshot unless the
/// caller already holds the current revision.
public struct CheckInView: Equatable, Sendable {
    /// Unanswered, unexpired orders, oldest first, at most 50.
    public var orders: [Order]
    /// The site's current snapshot revision.
    public var siteRevision: Int64
    /// The snapshot at `siteRevision`; nil when the caller's known revision is current.
    public var snapshot: SiteSnapshot?

    public init(orders: [Order], siteRevision: Int64, snapshot: SiteSnapshot?) {
        self.orders = orders
        self.siteRevision = siteRevision
        self.snapshot = snapshot
    }
}

/// The port for running the fleet: check-ins, orders, target credentials and site settings.
public protocol FleetStore: Sendable {
    /// Records the health an appliance reported at check-in (durably, before returning).
    func recordHealth(_ health: ApplianceHealth, of appliance: Appliance.ID) async throws(StoreError)
    /// What a check-in reads, in one go: the appliance's unanswered orders that have not expired
    /// at `now` (oldest first, at most 50), its site's snapshot revision and, unless
    /// `knownRevision` is that revision, the site's settings, hosts and sealed credentials.
    func checkInView(for appliance: Appliance, at now: Timestamp, knownRevision: Int64?) async throws(StoreError)
        -> CheckInView
    func health(of appliance: Appliance.ID) async throws(StoreError) -> ApplianceHealth?

    func create(_ order: Order) async throws(StoreError)
    func order(_ id: Order.ID) async throws(StoreError) -> Order?
    /// The site's orders, newest first.
    func orders(site: Site.ID, limit: Int) async throws(StoreError) -> [Order]
    /// Moves an order of `appliance` to `status`. Final states are final: a later report is
    /// `.conflict`; an order of another appliance is `.notFound`.
    func updateOrder(
        _ id: Order.ID, appliance: Appliance.ID, status: OrderStatus, detail: String?, at: Timestamp
    ) async throws(StoreError) -> Order

    func setCredential(_ credential: StoredCredential) async throws(StoreError)
    func credential(of host: ManagedHost.ID) async throws(StoreError) -> StoredCredential?
    func deleteCredential(of host: ManagedHost.ID) async throws(StoreError)

    func settings(of site: Site.ID) async throws(StoreError) -> SiteSettings
    func setSettings(_ settings: SiteSettings, of site: Site.ID) async throws(StoreError)
}

/// Whether an appliance is checking in: the one rule dashboards, the API and alerts share.
public enum ApplianceStatus: String, Codable, Sendable {
    case online, stale, offline, never

    /// Online within 3 missed check-ins (3 minutes), stale within 30 minutes, offline after.
    public init(lastCheckIn: Timestamp?, now: Timestamp) {
        guard let lastCheckIn else {
            self = .never
            return
        }
        let age = now.millisecondsSinceEpoch - lastCheckIn.millisecondsSinceEpoch
        self = age <= 180_000 ? .online : age <= 1_800_000 ? .stale : .offline
    }
}

/// The settings Central Command may change on an appliance by order (`update_configuration`),
/// with their bounds: the one list both sides check.
public enum ConfigurationOverrides {
    public static let keys: Set<String> = ["scan_interval", "patch_interval", "scan_concurrency", "allowed_ports"]

    /// The checked value of `key`, or why it is refused.
    public static func check(_ key: String, _ value: String) -> String? {
        switch key {
        case "scan_interval", "patch_interval":
            guard let seconds = Int(value), (10...604_800).contains(seconds) else {
                return "\(key) must be 10–604800 seconds"
            }
        case "scan_concurrency":
            guard let count = Int(value), (1...256).contains(count) else { return "scan_concurrency must be 1–256" }
        case "allowed_ports":
            let ports = value.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !ports.isEmpty, ports.allSatisfy({ $0.map { (1...65535).contains($0) } ?? false }) else {
                return "allowed_ports must be comma-separated ports 1–65535"
            }
        default:
            return "update_configuration cannot set \(key); it sets \(keys.sorted().joined(separator: ", "))"
        }
        return nil
    }
}
