public import Compliance

/// Collects security events in memory for tests.
public actor InMemorySecurityEventSink: SecurityEventSink {
    public private(set) var events: [SecurityEvent] = []

    public init() {}

    public func record(_ events: [SecurityEvent]) {
        self.events.append(contentsOf: events)
    }
}
