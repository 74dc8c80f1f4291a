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
