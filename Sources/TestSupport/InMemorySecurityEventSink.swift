public import Compliance

/// The audit log in memory for tests: keeps security events as given and every entry as written.
public actor InMemorySecurityEventSink: AuditLog {
    public private(set) var events: [SecurityEvent] = []
    public private(set) var entries: [AuditEntry] = []

    public init() {}

    public func record(_ events: [SecurityEvent]) {
        self.events.append(contentsOf: events)
        entries.append(contentsOf: events.map(\.auditEntry))
    }

    public func append(_ entries: [AuditEntry]) {
        self.entries.append(contentsOf: entries)
    }

    /// Security events carry no partner here (the SQL log derives it from the appliance's site).
    public func entries(partner: Partner.ID?, before: Int64?, limit: Int) -> [NumberedAuditEntry] {
        let numbered = entries.enumerated().map { NumberedAuditEntry(id: Int64($0.offset + 1), entry: $0.element) }
        let visible = numbered.filter {
            (partner == nil || $0.entry.partnerID == partner) && $0.id < (before ?? Int64.max)
        }
        return Array(visible.reversed().prefix(max(0, min(limit, 10_000))))
    }
}
