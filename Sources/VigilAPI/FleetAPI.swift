public import Compliance
public import Foundation

/// `POST /api/v1/appliance/check-in`: the appliance's health, every 60 s ± 10 %.
public struct CheckInRequest: Codable, Equatable, Sendable {
    public var softwareVersion: String
    public var uptimeSeconds: Int64
    /// Evidence bundles waiting in the outbox.
    public var queueDepth: Int64
    /// The appliance's measured clock offset against its time sources, when it has one.
    public var clockOffsetMilliseconds: Int64?

    public init(softwareVersion: String, uptimeSeconds: Int64, queueDepth: Int64, clockOffsetMilliseconds: Int64?) {
        self.softwareVersion = softwareVersion
        self.uptimeSeconds = uptimeSeconds
        self.queueDepth = queueDepth
        self.clockOffsetMilliseconds = clockOffsetMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case softwareVersion = "software_version"
        case uptimeSeconds = "uptime_seconds"
        case queueDepth = "queue_depth"
        case clockOffsetMilliseconds = "clock_offset_ms"
    }
}

/// What a check-in answers with. Credentials are for this site's hosts only; the appliance keeps
/// them in memory and forgets any that a later check-in no longer lists.
public struct CheckInResponse: Codable, Equatable, Sendable {
    public var serverTime: String
    public var ruleSetVersion: String
    public var enabledRunbooks: [String]
    public var maintenanceWindow: MaintenanceWindow?
    public var orders: [SignedOrder]
    public var targets: [CheckInTarget]
    public var nextCheckInSeconds: Int

    public init(
        serverTime: String, ruleSetVersion: String, enabledRunbooks: [String], maintenanceWindow: MaintenanceWindow?,
        orders: [SignedOrder], targets: [CheckInTarget], nextCheckInSeconds: Int
    ) {
        self.serverTime = serverTime
        self.ruleSetVersion = ruleSetVersion
        self.enabledRunbooks = enabledRunbooks
        self.maintenanceWindow = maintenanceWindow
        self.orders = orders
        self.targets = targets
        self.nextCheckInSeconds = nextCheckInSeconds
    }

    enum CodingKeys: String, CodingKey {
        case orders, targets
        case serverTime = "server_time"
        case ruleSetVersion = "rule_set_version"
        case enabledRunbooks = "enabled_runbooks"
        case maintenanceWindow = "maintenance_window"
        case nextCheckInSeconds = "next_check_in_seconds"
    }
}

/// When disruptive actions may run: on `days` from `start` to `end` (24-hour `HH:MM`) in
/// `timeZone`. An `end` before `start` crosses midnight into the next day.
public struct MaintenanceWindow: Codable, Equatable, Sendable {
    public static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    public var days: [String]
    public var start: String
    public var end: String
    public var timeZone: String

    public init(days: [String], start: String, end: String, timeZone: String) {
        self.days = days
        self.start = start
        self.end = end
        self.timeZone = timeZone
    }

    enum CodingKeys: String, CodingKey {
        case days, start, end
        case timeZone = "time_zone"
    }

    /// What is wrong with this window, or nil when it is well-formed.
    public var problem: String? {
        if days.isEmpty || days.contains(where: { !Self.dayNames.contains($0) }) || Set(days).count != days.count {
            return "days must name each day at most once from mon, tue, wed, thu, fri, sat, sun"
        }
        guard let from = Self.minutes(start), let to = Self.minutes(end) else {
            return "start and end must be 24-hour times HH:MM"
        }
        if from == to { return "start and end must differ" }
        if TimeZone(identifier: timeZone) == nil { return "time_zone must be an IANA time zone" }
        return nil
    }

    /// Whether `date` falls inside the window (false for a malformed window). A window whose end
    /// is before its start begins on a listed day and runs past midnight into the next.
    public func contains(_ date: Date) -> Bool {
        guard problem == nil, let zone = TimeZone(identifier: timeZone), let from = Self.minutes(start),
            let to = Self.minutes(end)
        else { return false }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        guard let weekday = parts.weekday, let hour = parts.hour, let minute = parts.minute else { return false }
        // Calendar weekdays run 1 = Sunday … 7 = Saturday; `dayNames` starts on Monday.
        let today = Self.dayNames[(weekday + 5) % 7]
        let yesterday = Self.dayNames[(weekday + 4) % 7]
        let now = hour * 60 + minute
        if from < to { return days.contains(today) && now >= from && now < to }
        return (days.contains(today) && now >= from) || (days.contains(yesterday) && now < to)
    }

    /// Minutes after midnight of `HH:MM`, or nil.
    public static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hours = Int(parts[0]),
            let minutes = Int(parts[1]), (0..<24).contains(hours), (0..<60).contains(minutes)
        else { return nil }
        return hours * 60 + minutes
    }
}

/// The signed content of an order (`vigil.order/v1`). Central Command signs the RFC 8785
/// canonical bytes of this object; the appliance verifies those bytes before decoding them.
public struct OrderPayload: Codable, Equatable, Sendable {
    public static let schemaName = "vigil.order/v1"
    public var schema: String
    public var orderID: String
    public var applianceID: String
    public var siteID: String
    public var type: String
    public var parameters: [String: String]
    public var nonce: String
    public var issuedAt: String
    public var expiresAt: String
    /// Fingerprint of the key that signed (`sha256:<hex>`).
    public var signer: String

    public init(
        orderID: String, applianceID: String, siteID: String, type: String, parameters: [String: String],
        nonce: String, issuedAt: String, expiresAt: String, signer: String
    ) {
        self.schema = Self.schemaName
        self.orderID = orderID
        self.applianceID = applianceID
        self.siteID = siteID
        self.type = type
        self.parameters = parameters
        self.nonce = nonce
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.signer = signer
    }

    enum CodingKeys: String, CodingKey {
        case schema, type, parameters, nonce, signer
        case orderID = "order_id"
        case applianceID = "appliance_id"
        case siteID = "site_id"
        case issuedAt = "issued_at"
        case expiresAt = "expires_at"
    }
}

/// An order as handed to the appliance: the canonical payload bytes and their Ed25519 signature,
/// both base64.
public struct SignedOrder: Codable, Equatable, Sendable {
    public var payload: String
    public var signature: String

    public init(payload: String, signature: String) {
        self.payload = payload
        self.signature = signature
    }
}

/// A host the appliance checks, with the credential it uses when the site has one for it.
public struct CheckInTarget: Codable, Equatable, Sendable {
    public var hostID: String
    public var name: String
    public var platform: String
    public var address: String?
    public var credential: TargetCredential?

    public init(hostID: String, name: String, platform: String, address: String?, credential: TargetCredential?) {
        self.hostID = hostID
        self.name = name
        self.platform = platform
        self.address = address
        self.credential = credential
    }

    enum CodingKeys: String, CodingKey {
        case name, platform, address, credential
        case hostID = "host_id"
    }
}

/// A credential in clear: only ever in a check-in answer to the site's own appliance, and in the
/// operator's request that sets it.
public struct TargetCredential: Codable, Equatable, Sendable {
    /// `password` or `ssh_private_key`.
    public var kind: String
    public var username: String
    public var secret: String

    public init(kind: String, username: String, secret: String) {
        self.kind = kind
        self.username = username
        self.secret = secret
    }
}

/// `POST /api/v1/appliance/orders/{order}/status`: the appliance's report on an order.
public struct OrderReport: Codable, Equatable, Sendable {
    /// `acknowledged`, `completed`, `failed`, `rejected` or `expired`.
    public var status: String
    public var detail: String?

    public init(status: String, detail: String? = nil) {
        self.status = status
        self.detail = detail
    }
}

public struct CreateOrder: Codable, Equatable, Sendable {
    public var applianceID: String
    public var type: String
    public var parameters: [String: String]?
    /// Default 900; 60 to 86,400.
    public var ttlSeconds: Int64?

    public init(applianceID: String, type: String, parameters: [String: String]? = nil, ttlSeconds: Int64? = nil) {
        self.applianceID = applianceID
        self.type = type
        self.parameters = parameters
        self.ttlSeconds = ttlSeconds
    }

    enum CodingKeys: String, CodingKey {
        case type, parameters
        case applianceID = "appliance_id"
        case ttlSeconds = "ttl_seconds"
    }
}

/// An order as operators see it.
public struct OrderInfo: Codable, Equatable, Sendable {
    public var id: String
    public var applianceID: String
    public var siteID: String
    public var type: String
    public var parameters: [String: String]
    public var status: String
    public var issuedAt: String
    public var expiresAt: String
    public var createdBy: String
    public var updatedAt: String
    public var resultDetail: String?

    public init(
        id: String, applianceID: String, siteID: String, type: String, parameters: [String: String], status: String,
        issuedAt: String, expiresAt: String, createdBy: String, updatedAt: String, resultDetail: String?
    ) {
        self.id = id
        self.applianceID = applianceID
        self.siteID = siteID
        self.type = type
        self.parameters = parameters
        self.status = status
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.createdBy = createdBy
        self.updatedAt = updatedAt
        self.resultDetail = resultDetail
    }

    enum CodingKeys: String, CodingKey {
        case id, type, parameters, status
        case applianceID = "appliance_id"
        case siteID = "site_id"
        case issuedAt = "issued_at"
        case expiresAt = "expires_at"
        case createdBy = "created_by"
        case updatedAt = "updated_at"
        case resultDetail = "result_detail"
    }
}

public struct CreateHost: Codable, Equatable, Sendable {
    public var name: String
    /// `linux` or `windows`.
    public var platform: String
    public var address: String?

    public init(name: String, platform: String, address: String?) {
        self.name = name
        self.platform = platform
        self.address = address
    }
}

/// A host's credential as operators see it after setting it: never the secret.
public struct CredentialInfo: Codable, Equatable, Sendable {
    public var hostID: String
    public var kind: String
    public var username: String
    public var updatedAt: String

    public init(hostID: String, kind: String, username: String, updatedAt: String) {
        self.hostID = hostID
        self.kind = kind
        self.username = username
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case kind, username
        case hostID = "host_id"
        case updatedAt = "updated_at"
    }
}

/// A site's settings for its appliance.
public struct SiteSettingsBody: Codable, Equatable, Sendable {
    public var ruleSetVersion: String
    public var enabledRunbooks: [String]
    public var maintenanceWindow: MaintenanceWindow?

    public init(ruleSetVersion: String, enabledRunbooks: [String], maintenanceWindow: MaintenanceWindow?) {
        self.ruleSetVersion = ruleSetVersion
        self.enabledRunbooks = enabledRunbooks
        self.maintenanceWindow = maintenanceWindow
    }

    enum CodingKeys: String, CodingKey {
        case ruleSetVersion = "rule_set_version"
        case enabledRunbooks = "enabled_runbooks"
        case maintenanceWindow = "maintenance_window"
    }
}

/// An appliance as operators see it: identity, and when it last checked in and how it was.
public struct ApplianceInfo: Codable, Equatable, Sendable {
    /// `online` (checked in within 3 minutes), `stale` (within 30), `offline`, or `never`.
    public var status: String
    public var id: String
    public var siteID: String
    public var publicKey: String
    public var softwareRevision: String?
    public var deploymentMode: String
    public var lastCheckInAt: String?
    public var softwareVersion: String?
    public var queueDepth: Int64?
    public var clockOffsetMilliseconds: Int64?
    /// Every replacement of the appliance's key, oldest first (`public_key` is the newest key).
    public var keyRotations: [KeyRotationRecord]

    public init(
        status: String, id: String, siteID: String, publicKey: String, softwareRevision: String?,
        deploymentMode: String, lastCheckInAt: String?, softwareVersion: String?, queueDepth: Int64?,
        clockOffsetMilliseconds: Int64?, keyRotations: [KeyRotationRecord] = []
    ) {
        self.keyRotations = keyRotations
        self.status = status
        self.id = id
        self.siteID = siteID
        self.publicKey = publicKey
        self.softwareRevision = softwareRevision
        self.deploymentMode = deploymentMode
        self.lastCheckInAt = lastCheckInAt
        self.softwareVersion = softwareVersion
        self.queueDepth = queueDepth
        self.clockOffsetMilliseconds = clockOffsetMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case status, id
        case siteID = "site_id"
        case publicKey = "public_key"
        case softwareRevision = "software_revision"
        case deploymentMode = "deployment_mode"
        case lastCheckInAt = "last_check_in_at"
        case softwareVersion = "software_version"
        case queueDepth = "queue_depth"
        case clockOffsetMilliseconds = "clock_offset_ms"
        case keyRotations = "key_rotations"
    }
}

extension SiteSettingsBody {
    /// The wire form of stored settings (the window is kept as JSON in storage).
    public init(_ settings: SiteSettings) {
        self.init(
            ruleSetVersion: settings.ruleSetVersion, enabledRunbooks: settings.enabledRunbooks,
            maintenanceWindow: settings.maintenanceWindowJSON.flatMap {
                try? JSONDecoder().decode(MaintenanceWindow.self, from: Data($0.utf8))
            })
    }

    /// The settings to store; the window encoded with sorted keys so equal windows store equally.
    public var settings: SiteSettings {
        get throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return SiteSettings(
                ruleSetVersion: ruleSetVersion, enabledRunbooks: enabledRunbooks,
                maintenanceWindowJSON: try maintenanceWindow.map {
                    String(decoding: try encoder.encode($0), as: UTF8.self)
                })
        }
    }
}
