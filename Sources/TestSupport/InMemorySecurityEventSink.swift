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
}
