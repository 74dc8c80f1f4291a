/// The result of one check on one host.
///
/// `unknown` means there is no usable observation; it never counts as passing.
public enum CheckStatus: String, Codable, Sendable, CaseIterable {
    case pass
    case fail
    case warn
    case error
    case unknown
}
