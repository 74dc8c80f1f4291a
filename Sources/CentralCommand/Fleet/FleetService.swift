public import Compliance
import EvidenceCrypto
import Foundation
import Hummingbird
public import VigilAPI

/// What went wrong running the fleet; the HTTP edge maps each case to one status.
public enum FleetError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    case storage(StoreError)
    /// A sealed credential does not open with this server's secret key.
    case sealing(String)

    public var description: String {
        switch self {
        case .invalid(let why): why
        case .storage(let error): error.description
        case .sealing(let why): why
        }
    }
}

/// Check-ins, orders and target credentials.
///
/// Orders are signed once, when created: Ed25519 over the RFC 8785 bytes of `vigil.order/v1`
/// with a fresh 128-bit nonce and an expiry (default 900 s). The bytes are stored as signed and
/// handed out unchanged at every check-in until the appliance reports a final state.
public struct FleetService: Sendable {
    public static let defaultOrderTTL: Int64 = 900
    public static let checkInSeconds = 60

    let store: any FleetStore
    let identity: ServerIdentity
    let secrets: SecretBox
    let clock: @Sendable () -> Timestamp
    /// Opened site snapshots, each used only while its revision is the site's current one.
    private let snapshots: RevisionCache<Site.ID, OpenedSnapshot>

    /// A site snapshot with its credentials already opened.
    struct OpenedSnapshot: Sendable {
        var settings: SiteSettings
        var window: MaintenanceWindow?
        var targets: [CheckInTarget]
        /// The answer's JSON for this snapshot, with holes for the time and the orders.
        var template: CheckInAnswer.Template?

        func answer(at now: Timestamp, orders: [SignedOrder]) -> CheckInResponse {
            CheckInResponse(
                serverTime: now.description, ruleSetVersion: settings.ruleSetVersion,
                enabledRunbooks: settings.enabledRunbooks, maintenanceWindow: window, orders: orders,
                targets: targets, nextCheckInSeconds: FleetService.checkInSeconds)
        }
    }

    public init(
        store: any FleetStore, identity: ServerIdentity, secrets: SecretBox,
        clock: @escaping @Sendable () -> Timestamp
    ) {
        self.store = store
        self.identity = identity
        self.secrets = secrets
        self.clock = clock
        self.snapshots = RevisionCache()
    }

    // MARK: Orders

    public func createOrder(
        for appliance: Appliance, type typeText: String, parameters: [String: String], ttlSeconds: Int64?,
        createdBy: String
    ) async throws(FleetError) -> Order {
        guard let type = OrderType(rawValue: typeText) else {
            throw .invalid(
                "type must be one of \(OrderType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let ttl = ttlSeconds ?? Self.defaultOrderTTL
        guard (60...86_400).contains(ttl) else { throw .invalid("ttl_seconds must be 60–86400") }
        do {
            try Order.checkParameters(parameters, for: type)
        } catch {
            throw .invalid(error.description)
        }
        let now = clock()
        let id = Order.ID.random(prefix: "order")
        let nonce = RandomHex.make(bytes: 16)
        let expiresAt = now.adding(milliseconds: ttl * 1000)
        let payload = OrderPayload(
            orderID: id.rawValue, applianceID: appliance.id.rawValue, siteID: appliance.siteID.rawValue,
            type: type.rawValue, parameters: parameters, nonce: nonce, issuedAt: now.description,
            expiresAt: expiresAt.description, signer: identity.key.verifyingKey.fingerprint)
        let signed: SignedOrder
        do {
            signed = try identity.sign(payload)
        } catch {
            throw .invalid("order cannot be put in canonical form: \(error)")
        }
        let order = Order(
            id: id, applianceID: appliance.id, siteID: appliance.siteID, type: type, parameters: parameters,
            nonce: nonce, issuedAt: now, expiresAt: expiresAt, createdBy: createdBy, signedPayload: signed.payload,
            signature: signed.signature, updatedAt: now)
        try await storage { () async throws(StoreError) in try await store.create(order) }
        return order
    }

    /// The appliance's report on one of its orders.
    public func report(_ report: OrderReport, order id: Order.ID, from appliance: Appliance.ID) async throws(FleetError)
        -> Order
    {
        guard let status = OrderStatus(rawValue: report.status), status != .pending else {
            throw .invalid("status must be one of acknowledged, completed, failed, rejected, expired")
        }
        return try await storage { () async throws(StoreError) in
            try await store.updateOrder(id, appliance: appliance, status: status, detail: report.detail, at: clock())
        }
    }

    // MARK: Check-in

    /// Records the health and answers with the open orders and the site's snapshot. Both are
    /// read from the database at every check-in; the snapshot's opened form is kept in memory and
    /// reused while the site's revision has not moved, so a change made through any instance
    /// reaches the very next check-in.
    func checkIn(_ appliance: Appliance, request: CheckInRequest) async throws(FleetError) -> CheckInAnswer {
        guard request.uptimeSeconds >= 0, request.queueDepth >= 0 else {
            throw .invalid("uptime_seconds and queue_depth must not be negative")
        }
        let now = clock()
        let health = ApplianceHealth(
            softwareVersion: request.softwareVersion, uptimeSeconds: request.uptimeSeconds,
            queueDepth: request.queueDepth, clockOffsetMilliseconds: request.clockOffsetMilliseconds, checkedInAt: now)
        let cached = await snapshots.entry(appliance.siteID)
        // The health write and the reads are independent: run them at once and answer only
        // when both have finished (the health is durable before the appliance hears back).
        async let recorded = outcome { () async throws(StoreError) in
            try await store.recordHealth(health, of: appliance.id)
        }
        let read = await outcome { () async throws(StoreError) in
            try await store.checkInView(for: appliance, at: now, knownRevision: cached?.revision)
        }
        try await recorded.get()
        let view = try read.get()
        let snapshot: OpenedSnapshot
        if let fresh = view.snapshot {
            snapshot = try open(fresh)
            await snapshots.store(snapshot, revision: fresh.revision, for: appliance.siteID)
        } else if let cached, cached.revision == view.siteRevision {
            snapshot = cached.value
        } else {
            throw .storage(.unavailable("check-in read returned no site snapshot"))
        }
        let orders = view.orders.map { SignedOrder(payload: $0.signedPayload, signature: $0.signature) }
        return CheckInAnswer(response: snapshot.answer(at: now, orders: orders), template: snapshot.template)
    }

    /// The snapshot with its credentials opened.
    private func open(_ snapshot: SiteSnapshot) throws(FleetError) -> OpenedSnapshot {
        let credentials = Dictionary(
            snapshot.credentials.map { ($0.hostID, $0) }, uniquingKeysWith: { first, _ in first })
        var targets: [CheckInTarget] = []
        targets.reserveCapacity(snapshot.hosts.count)
        for host in snapshot.hosts {
            var credential: TargetCredential?
            if let stored = credentials[host.id] {
                let secret: [UInt8]
                do {
                    secret = try secrets.open(stored.sealedSecret, purpose: Self.credentialPurpose(host.id))
                } catch {
                    throw .sealing("credential of host \(host.id): \(error.description)")
                }
                credential = TargetCredential(
                    kind: stored.kind.rawValue, username: stored.username,
                    secret: String(decoding: secret, as: UTF8.self))
            }
            targets.append(
                CheckInTarget(
                    hostID: host.id.rawValue, name: host.name, platform: host.platform.rawValue, address: host.address,
                    credential: credential))
        }
        let window = SiteSettingsBody(snapshot.settings).maintenanceWindow
        var opened = OpenedSnapshot(settings: snapshot.settings, window: window, targets: targets, template: nil)
        opened.template = CheckInAnswer.Template(opened.answer(at: clock(), orders: []))
        return opened
    }

    // MARK: Credentials

    /// Seals and stores the credential for `host`; the secret is never stored or logged in clear.
    public func setCredential(_ credential: TargetCredential, for host: ManagedHost.ID) async throws(FleetError)
        -> StoredCredential
    {
        guard let kind = StoredCredential.Kind(rawValue: credential.kind) else {
            throw .invalid("kind must be password or ssh_private_key")
        }
        guard !credential.secret.isEmpty, credential.secret.utf8.count <= 16_384 else {
            throw .invalid("secret must be 1–16384 bytes")
        }
        let sealed: String
        do {
            sealed = try secrets.seal(Array(credential.secret.utf8), purpose: Self.credentialPurpose(host))
        } catch {
            throw .sealing(error.description)
        }
        let stored = StoredCredential(
            hostID: host, kind: kind, username: credential.username, sealedSecret: sealed, updatedAt: clock())
        try await storage { () async throws(StoreError) in try await store.setCredential(stored) }
        return stored
    }

    static func credentialPurpose(_ host: ManagedHost.ID) -> String { "vigil-credential-v1:\(host)" }

    /// The result of `body`, with a storage failure as a fleet error.
    private func outcome<T>(_ body: () async throws(StoreError) -> T) async -> Result<T, FleetError> {
        do {
            return .success(try await body())
        } catch {
            return .failure(.storage(error))
        }
    }

    private func storage<T>(_ body: () async throws(StoreError) -> T) async throws(FleetError) -> T {
        try await outcome(body).get()
    }
}

extension OrderInfo {
    /// The operator's view of `order` at `now` (an unanswered order past its expiry shows `expired`).
    public init(_ order: Order, at now: Timestamp) {
        self.init(
            id: order.id.rawValue, applianceID: order.applianceID.rawValue, siteID: order.siteID.rawValue,
            type: order.type.rawValue, parameters: order.parameters, status: order.status(at: now).rawValue,
            issuedAt: order.issuedAt.description, expiresAt: order.expiresAt.description, createdBy: order.createdBy,
            updatedAt: order.updatedAt.description, resultDetail: order.resultDetail)
    }
}

extension CredentialInfo {
    /// The operator's view of a stored credential: never the secret.
    public init(_ stored: StoredCredential) {
        self.init(
            hostID: stored.hostID.rawValue, kind: stored.kind.rawValue, username: stored.username,
            updatedAt: stored.updatedAt.description)
    }
}

extension FleetError {
    var httpError: HTTPError {
        switch self {
        case .invalid(let why): HTTPError(.badRequest, message: why)
        case .storage(let error): error.httpError
        case .sealing:
            HTTPError(
                .serviceUnavailable,
                message:
                    "a stored credential cannot be opened with this server's secret key; instances sharing a database must share secret.key or VIGIL_SECRET_KEY"
            )
        }
    }
}
