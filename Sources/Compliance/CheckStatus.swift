/// The result of one check on one host.
///
/// `unknown` means there is no usable observation; it never counts as passing.
public enum CheckStatus: String, Codable, Sendable, CaseIterable {
    case pass
    case fail
    case warn
    case error
    case unknown

    /// A failure to act on: the check failed, or could not run where it should have. The one
    /// rule scores, bundle outcomes and forwarded events share.
    public var isFailing: Bool { self == .fail || self == .error }
}
