import Synchronization

/// A revision number that moves whenever something an operator's page shows changes (evidence
/// arrived, an incident opened or moved). Pages listening on `/events` refresh when it moves.
/// Per process: with several instances a page hears of changes made through its own instance
/// only, and is still complete on reload.
public final class ChangeFeed: Sendable {
    private let counter = Atomic<UInt64>(0)

    public init() {}

    public var revision: UInt64 { counter.load(ordering: .acquiring) }

    /// Something changed.
    public func bump() { counter.add(1, ordering: .releasing) }
}
