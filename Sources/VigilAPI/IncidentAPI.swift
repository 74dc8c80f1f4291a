public import Compliance

/// `POST /api/v1/appliance/incidents`: the appliance escalates a failing check it could not heal
/// (L3). Central Command takes the severity from the check catalogue, not from the appliance.
public struct EscalationRequest: Codable, Equatable, Sendable {
    public var hostID: String
    public var checkID: String
    public var observed: String?
    /// What the appliance saw and tried, scrubbed, in plain words.
    public var context: String
    public var attempts: Int
    /// A fix proposed for a person to approve (from the L2 planner).
    public var pendingAction: Incident.PendingAction?

    public init(
        hostID: String, checkID: String, observed: String?, context: String, attempts: Int,
        pendingAction: Incident.PendingAction? = nil
    ) {
        self.hostID = hostID
        self.checkID = checkID
        self.observed = observed
        self.context = context
        self.attempts = attempts
        self.pendingAction = pendingAction
    }

    enum CodingKeys: String, CodingKey {
        case observed, context, attempts
        case hostID = "host_id"
        case checkID = "check_id"
        case pendingAction = "pending_action"
    }
}

/// An incident as the API shows it, with its SLA clock.
public struct IncidentInfo: Codable, Equatable, Sendable {
    public var id: String
    public var siteID: String
    public var applianceID: String
    public var hostID: String
    public var checkID: String
    public var severity: String
    public var priority: String
    public var status: String
    public var title: String
    public var context: String
    public var observed: String?
    public var attempts: Int
    public var pendingAction: Incident.PendingAction?
    public var occurrences: Int
    public var openedAt: String
    public var lastSeenAt: String
    public var acknowledgeDue: String
    public var resolveDue: String
    /// Whether an SLA was missed (as of the answer).
    public var breached: Bool
    public var acknowledgedAt: String?
    public var acknowledgedBy: String?
    public var resolvedAt: String?
    public var resolvedBy: String?
    public var resolutionNote: String?

    public init(_ incident: Incident, at now: Timestamp) {
        id = incident.id.rawValue
        siteID = incident.siteID.rawValue
        applianceID = incident.applianceID.rawValue
        hostID = incident.hostID.rawValue
        checkID = incident.checkID.rawValue
        severity = incident.severity.rawValue
        priority = incident.priority.rawValue
        status = incident.status.rawValue
        title = incident.title
        context = incident.context
        observed = incident.observed
        attempts = incident.attempts
        pendingAction = incident.pendingAction
        occurrences = incident.occurrences
        openedAt = incident.openedAt.description
        lastSeenAt = incident.lastSeenAt.description
        acknowledgeDue = incident.acknowledgeDue.description
        resolveDue = incident.resolveDue.description
        breached = incident.breached(at: now)
        acknowledgedAt = incident.acknowledgedAt?.description
        acknowledgedBy = incident.acknowledgedBy
        resolvedAt = incident.resolvedAt?.description
        resolvedBy = incident.resolvedBy
        resolutionNote = incident.resolutionNote
    }

    enum CodingKeys: String, CodingKey {
        case id, severity, priority, status, title, context, observed, attempts, occurrences, breached
        case siteID = "site_id"
        case applianceID = "appliance_id"
        case hostID = "host_id"
        case checkID = "check_id"
        case pendingAction = "pending_action"
        case openedAt = "opened_at"
        case lastSeenAt = "last_seen_at"
        case acknowledgeDue = "acknowledge_due"
        case resolveDue = "resolve_due"
        case acknowledgedAt = "acknowledged_at"
        case acknowledgedBy = "acknowledged_by"
        case resolvedAt = "resolved_at"
        case resolvedBy = "resolved_by"
        case resolutionNote = "resolution_note"
    }
}

/// `POST /api/v1/incidents/{incident}/resolve`.
public struct ResolveIncident: Codable, Equatable, Sendable {
    public var note: String

    public init(note: String) { self.note = note }
}
