/// One step of a remediation as recorded in evidence: what ran, how it ended, and a hash of its
/// full output so the scrubbed excerpt can be tied to the original.
public struct ActionStep: Hashable, Codable, Sendable {
    /// The runbook step: `detect`, `capture`, `remediate`, `verify`, `rollback`.
    public var step: String
    public var runbookID: String?
    public var exitCode: Int32
    public var durationMilliseconds: Int64
    public var outputHash: HexDigest
    /// A short, PHI-scrubbed excerpt of the output.
    public var excerpt: String?

    public init(
        step: String, runbookID: String? = nil, exitCode: Int32, durationMilliseconds: Int64,
        outputHash: HexDigest, excerpt: String? = nil
    ) {
        self.step = step
        self.runbookID = runbookID
        self.exitCode = exitCode
        self.durationMilliseconds = durationMilliseconds
        self.outputHash = outputHash
        self.excerpt = excerpt
    }

    enum CodingKeys: String, CodingKey {
        case step, excerpt
        case runbookID = "runbook_id"
        case exitCode = "exit_code"
        case durationMilliseconds = "duration_ms"
        case outputHash = "output_hash"
    }
}
