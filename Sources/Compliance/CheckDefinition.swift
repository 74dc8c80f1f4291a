/// What one check is: its ID, what it verifies, how bad failing is, what passing means, and the
/// framework controls it supports.
public struct CheckDefinition: Hashable, Sendable {
    public let id: CheckID
    public let title: String
    public let severity: Severity
    /// What a passing observation looks like, in words and as the `expected` value of results.
    public let expected: String
    public let controls: [ControlReference]

    public init(
        id: CheckID, title: String, severity: Severity, expected: String,
        controls: [ControlReference]
    ) {
        self.id = id
        self.title = title
        self.severity = severity
        self.expected = expected
        self.controls = controls
    }
}
