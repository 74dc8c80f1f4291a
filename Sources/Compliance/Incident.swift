/// An L3 escalation (PRODUCT.md §5.3): a failing check on a host that the appliance could not
/// heal on its own, kept by Central Command with its context and SLA clock until a person
/// resolves it. One unresolved incident per appliance, host and check: a repeated escalation
/// counts another occurrence and refreshes the context.
public struct Incident: Equatable, Sendable {
    public typealias ID = Identifier<Incident>

    public enum Status: String, Codable, Sendable, CaseIterable {
        case open, acknowledged, resolved
    }

    /// P1 (critical) to P4 (low and info), with the SLA that follows from it.
    public enum Priority: String, Codable, Sendable, CaseIterable, Comparable {
        case p1, p2, p3, p4

        public init(severity: Severity) {
            switch severity {
            case .critical: self = .p1
            case .high: self = .p2
            case .medium: self = .p3
            case .low, .info: self = .p4
            }
        }

        /// Seconds to acknowledge and to resolve.
        public var sla: (acknowledge: Int64, resolve: Int64) {
            switch self {
            case .p1: (15 * 60, 4 * 3600)
            case .p2: (3600, 24 * 3600)
            case .p3: (4 * 3600, 72 * 3600)
            case .p4: (24 * 3600, 7 * 86_400)
            }
        }

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// A fix a person may approve: it becomes a signed `run_runbook` order.
    public struct PendingAction: Codable, Equatable, Sendable {
        public var runbook: String
        public var parameters: [String: String]
        /// Why it was proposed (an L2 planner's reasoning), scrubbed.
        public var reasoning: String
        public var confidence: Double?
        /// The order created when it was approved.
        public var orderID: String?

        public init(
            runbook: String, parameters: [String: String], reasoning: String, confidence: Double?,
            orderID: String? = nil
        ) {
            self.runbook = runbook
            self.parameters = parameters
            self.reasoning = reasoning
            self.confidence = confidence
            self.orderID = orderID
        }

        enum CodingKeys: String, CodingKey {
            case runbook, parameters, reasoning, confidence
            case orderID = "order_id"
        }
    }

    public var id: ID
    public var siteID: Site.ID
    public var applianceID: Appliance.ID
    public var hostID: ManagedHost.ID
    public var checkID: CheckID
    public var severity: Severity
    public var priority: Priority
    public var status: Status
    public var title: String
    /// What the appliance saw and tried, in plain words (scrubbed).
    public var context: String
    public var observed: String?
    /// Healing attempts before this escalation.
    public var attempts: Int
    public var pendingAction: PendingAction?
    public var occurrences: Int
    public var openedAt: Timestamp
    public var lastSeenAt: Timestamp
    public var acknowledgedAt: Timestamp?
    public var acknowledgedBy: String?
    public var resolvedAt: Timestamp?
    public var resolvedBy: String?
    public var resolutionNote: String?

    public init(
        id: ID, siteID: Site.ID, applianceID: Appliance.ID, hostID: ManagedHost.ID, checkID: CheckID,
        severity: Severity, title: String, context: String, observed: String?, attempts: Int,
        pendingAction: PendingAction?, at now: Timestamp
    ) {
        self.id = id
        self.siteID = siteID
        self.applianceID = applianceID
        self.hostID = hostID
        self.checkID = checkID
        self.severity = severity
        self.priority = Priority(severity: severity)
        self.status = .open
        self.title = title
        self.context = context
        self.observed = observed
        self.attempts = attempts
        self.pendingAction = pendingAction
        self.occurrences = 1
        self.openedAt = now
        self.lastSeenAt = now
    }

    /// The incident's SLA clocks.
    public var sla: SLAClock {
        SLAClock(priority: priority, openedAt: openedAt, acknowledgedAt: acknowledgedAt, resolvedAt: resolvedAt)
    }

    /// When it must be acknowledged and resolved.
    public var acknowledgeDue: Timestamp { sla.acknowledgeDue }
    public var resolveDue: Timestamp { sla.resolveDue }

    /// Whether an SLA was missed by `now` (an acknowledgement or resolution after its due time
    /// counts as missed too).
    public func breached(at now: Timestamp) -> Bool { sla.breached(at: now) }
}

/// An incident's SLA clocks from its priority and times: the one rule pages, the API and
/// overviews (which read only these columns) share.
public struct SLAClock: Hashable, Sendable {
    public var priority: Incident.Priority
    public var openedAt: Timestamp
    public var acknowledgedAt: Timestamp?
    public var resolvedAt: Timestamp?

    public init(priority: Incident.Priority, openedAt: Timestamp, acknowledgedAt: Timestamp?, resolvedAt: Timestamp?) {
        self.priority = priority
        self.openedAt = openedAt
        self.acknowledgedAt = acknowledgedAt
        self.resolvedAt = resolvedAt
    }

    public var acknowledgeDue: Timestamp { openedAt.adding(milliseconds: priority.sla.acknowledge * 1000) }
    public var resolveDue: Timestamp { openedAt.adding(milliseconds: priority.sla.resolve * 1000) }

    /// The clock that runs now: acknowledge until acknowledged, then resolve; none once resolved.
    public var runningDue: Timestamp? {
        if resolvedAt != nil { return nil }
        return acknowledgedAt == nil ? acknowledgeDue : resolveDue
    }

    public func breached(at now: Timestamp) -> Bool {
        let acknowledged = acknowledgedAt ?? resolvedAt
        if (acknowledged ?? now) > acknowledgeDue { return true }
        return (resolvedAt ?? now) > resolveDue
    }
}

/// The one set of rules for how an incident changes, shared by every store.
extension Incident {
    /// The key of "one unresolved incident per appliance, host and check".
    public var openKey: String { "\(applianceID)|\(hostID)|\(checkID)" }

    /// Another escalation of the same problem: counted, with the newer context. A new proposal
    /// replaces one not yet approved; an approved one stays on record.
    public mutating func recordOccurrence(_ newer: Incident) {
        occurrences += 1
        lastSeenAt = newer.lastSeenAt
        context = newer.context
        observed = newer.observed
        attempts = newer.attempts
        if let action = newer.pendingAction, pendingAction?.orderID == nil { pendingAction = action }
    }

    public mutating func acknowledge(by actor: String, at time: Timestamp) throws(StoreError) {
        guard status != .resolved else { throw .conflict("incident \(id) is resolved") }
        guard status == .open else { return }
        status = .acknowledged
        acknowledgedAt = time
        acknowledgedBy = actor
    }

    public mutating func resolve(by actor: String, note: String, at time: Timestamp) throws(StoreError) {
        try TextRules.checkLongText(note, field: "resolution note")
        guard note.contains(where: { !$0.isWhitespace }) else {
            throw .invalid("a resolution needs a note saying what was done")
        }
        guard status != .resolved else { throw .conflict("incident \(id) is resolved already") }
        status = .resolved
        resolvedAt = time
        resolvedBy = actor
        resolutionNote = note
    }

    public mutating func approve(order: String, by actor: String, at time: Timestamp) throws(StoreError) {
        guard status != .resolved else { throw .conflict("incident \(id) is resolved") }
        guard var action = pendingAction else { throw .conflict("incident \(id) has no action waiting for approval") }
        guard action.orderID == nil else { throw .conflict("the action of incident \(id) was approved already") }
        action.orderID = order
        pendingAction = action
        try acknowledge(by: actor, at: time)
    }

    /// What storage refuses.
    public func checkStorable() throws(StoreError) {
        try TextRules.checkName(title, field: "incident title")
        try TextRules.checkLongText(context, field: "incident context")
        if let observed { try TextRules.checkLongText(observed, field: "observed") }
        if let action = pendingAction {
            try TextRules.checkName(action.runbook, field: "runbook")
            try TextRules.checkLongText(action.reasoning, field: "reasoning")
        }
    }
}

/// The port for incidents.
public protocol IncidentStore: Sendable {
    /// Opens `incident`, or — when one of the same appliance, host and check is not resolved —
    /// counts another occurrence on it with the new context, observation, attempts and pending
    /// action (if any). Returns the stored incident and whether it is new.
    func raise(_ incident: Incident) async throws(StoreError) -> (incident: Incident, created: Bool)
    func incident(_ id: Incident.ID) async throws(StoreError) -> Incident?
    /// The site's incidents, newest first, optionally of one status.
    func incidents(site: Site.ID, status: Incident.Status?, limit: Int) async throws(StoreError) -> [Incident]
    /// `.conflict` when the incident is resolved already.
    func acknowledge(_ id: Incident.ID, by actor: String, at: Timestamp) async throws(StoreError) -> Incident
    /// `.conflict` when the incident is resolved already.
    func resolve(_ id: Incident.ID, by actor: String, note: String, at: Timestamp) async throws(StoreError) -> Incident
    /// Records the order an approved pending action became; `.conflict` if there is no pending
    /// action, it was approved already, or the incident is resolved.
    func approve(_ id: Incident.ID, order: String, by actor: String, at: Timestamp) async throws(StoreError) -> Incident
}
