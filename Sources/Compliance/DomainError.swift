/// Errors raised when domain values are built from untrusted text.
public enum DomainError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidIdentifier(String)
    case invalidCheckID(String)
    case invalidControlReference(String)
    case invalidDigest(String)
    case invalidTimestamp(String)
    case invalidValue(field: String, reason: String)

    public var description: String {
        switch self {
        case .invalidIdentifier(let text):
            "invalid identifier \(String(reflecting: text)): use 1–128 characters from A–Z a–z 0–9 . _ : -"
        case .invalidCheckID(let text):
            "invalid check ID \(String(reflecting: text)): expected platform.family.name, e.g. linux.ssh.permit_root_login"
        case .invalidControlReference(let text):
            "invalid control reference \(String(reflecting: text)): expected framework:control, e.g. hipaa:164.312(b)"
        case .invalidDigest(let text):
            "invalid SHA-256 digest \(String(reflecting: text)): expected 64 lowercase hex characters"
        case .invalidTimestamp(let text):
            "invalid timestamp \(String(reflecting: text)): expected RFC 3339 UTC, e.g. 2026-11-22T03:00:00Z"
        case .invalidValue(let field, let reason):
            "invalid \(field): \(reason)"
        }
    }
}
