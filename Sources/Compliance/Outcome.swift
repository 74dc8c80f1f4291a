/// What became of one unit of work recorded in an evidence bundle (PRODUCT.md §6).
public enum Outcome: String, Codable, Sendable, CaseIterable {
    /// The work completed and every check or verification it ran passed.
    case success
    /// The work ran and failed; nothing was rolled back or there was nothing to roll back.
    case failed
    /// A remediation's verify step failed and its rollback restored the pre-state.
    case reverted
    /// Disruptive work waits for the maintenance window.
    case deferred
    /// Something needs attention: failing checks, a bad clock, unreachable egress.
    case alert
    /// An order or input was refused: bad signature, replayed nonce, wrong scope.
    case rejected
    /// An order arrived after its expiry.
    case expired
    /// A planned action waits for a human to approve it.
    case pendingApproval = "pending_approval"
}
