/// The observation of one check on one host, as recorded in evidence.
public struct CheckResult: Hashable, Codable, Sendable {
    public var checkID: CheckID
    public var status: CheckStatus
    public var severity: Severity
    /// What was found, as text (`"yes"`, `"0640"`, `"3 packages"`); nil when nothing could be read.
    public var observed: String?
    /// What passing requires, as text.
    public var expected: String?
    /// One sentence for people; scrubbed of PHI before it is recorded.
    public var message: String?
    /// The framework controls this check supports.
    public var controls: [ControlReference]

    public init(
        checkID: CheckID, status: CheckStatus, severity: Severity, observed: String? = nil,
        expected: String? = nil, message: String? = nil, controls: [ControlReference] = []
    ) {
        self.checkID = checkID
        self.status = status
        self.severity = severity
        self.observed = observed
        self.expected = expected
        self.message = message
        self.controls = controls
    }

    enum CodingKeys: String, CodingKey {
        case status, severity, observed, expected, message, controls
        case checkID = "check_id"
    }
}
