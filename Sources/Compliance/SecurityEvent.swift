/// Something that must not happen in honest operation: forged or tampered evidence, a forked
/// chain, a reused bundle ID. Recorded for the operators, never silently dropped.
public struct SecurityEvent: Equatable, Sendable {
    public var at: Timestamp
    public var applianceID: Appliance.ID
    /// A stable code, e.g. `bad_signature`, `fork`.
    public var kind: String
    public var detail: String

    public init(at: Timestamp, applianceID: Appliance.ID, kind: String, detail: String) {
        self.at = at
        self.applianceID = applianceID
        self.kind = kind
        self.detail = detail
    }
}

/// Where security events go. The SQL implementation writes the audit log.
public protocol SecurityEventSink: Sendable {
    func record(_ events: [SecurityEvent]) async throws(StoreError)
}

/// One line of the audit log: who did what to which object, and when.
public struct AuditEntry: Equatable, Sendable {
    public var at: Timestamp
    /// `user:<id>`, `key:<id>`, `appliance:<id>` or `system`.
    public var actor: String
    /// A stable dotted code, e.g. `auth.login`, `security.fork`.
    public var action: String
    public var target: String
    public var detail: String
    /// The partner whose audit log shows the entry (nil: the platform's only). For appliance
    /// entries the store fills it in from the appliance's site.
    public var partnerID: Partner.ID?

    public init(
        at: Timestamp, actor: String, action: String, target: String, detail: String, partnerID: Partner.ID? = nil
    ) {
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.detail = detail
        self.partnerID = partnerID
    }
}

/// An audit entry with its position in the log (increasing; for paging).
public struct NumberedAuditEntry: Equatable, Sendable {
    public var id: Int64
    public var entry: AuditEntry

    public init(id: Int64, entry: AuditEntry) {
        self.id = id
        self.entry = entry
    }
}

/// The append-only audit log. Security events are entries `security.<kind>` by their appliance.
public protocol AuditLog: SecurityEventSink {
    func append(_ entries: [AuditEntry]) async throws(StoreError)
    /// Entries newest first, older than `before` when given, at most `limit`; only those of
    /// `partner` when given, every entry when nil (the platform's view).
    func entries(partner: Partner.ID?, before: Int64?, limit: Int) async throws(StoreError) -> [NumberedAuditEntry]
}

extension SecurityEvent {
    /// This event as an audit-log line.
    public var auditEntry: AuditEntry {
        AuditEntry(
            at: at, actor: "appliance:\(applianceID)", action: "security.\(kind)", target: "appliance:\(applianceID)",
            detail: detail)
    }
}

extension AuditLog {
    public func record(_ events: [SecurityEvent]) async throws(StoreError) {
        try await append(events.map(\.auditEntry))
    }
}
