/// Errors every storage port reports, whatever the backend; the HTTP edge maps them to status
/// codes (conflict → 409, notFound → 404, invalid → 422, unavailable → 503).
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The object exists already, or the write would break a uniqueness or ordering rule.
    case conflict(String)
    /// A referenced object does not exist (or is not visible to the caller).
    case notFound(String)
    /// The value cannot be stored as given.
    case invalid(String)
    /// The database could not be reached or failed.
    case unavailable(String)

    public var description: String {
        switch self {
        case .conflict(let what): "conflict: \(what)"
        case .notFound(let what): "not found: \(what)"
        case .invalid(let what): "invalid: \(what)"
        case .unavailable(let what): "storage unavailable: \(what)"
        }
    }
}
