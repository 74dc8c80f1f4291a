/// What one check is: its ID, what it verifies, how bad failing is, what passing means, and the
/// framework controls it supports.
public struct CheckDefinition: Hashable, Sendable {
    public let id: CheckID
    public let title: String
    public let severity: Severity
    /// What a passing observation looks like, in words and as the `expected` value of results.
    public let expected: String
    public let controls: [ControlReference]
    /// Why the check matters, in plain English for a practice's office manager (the client
    /// portal shows it next to the state).
    public let rationale: String

    public init(
        id: CheckID, title: String, severity: Severity, expected: String,
        controls: [ControlReference], rationale: String = ""
    ) {
        self.id = id
        self.title = title
        self.severity = severity
        self.expected = expected
        self.controls = controls
        self.rationale = rationale
    }
}
