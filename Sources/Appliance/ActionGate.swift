public import Compliance
public import Foundation
public import VigilAPI

/// Whether work may run now.
public enum ActionDecision: Equatable, Sendable {
    case run
    /// Not now: outcome `deferred`, tried again at every turn.
    case deferred(String)
}

/// The gate in front of disruptive work (PRODUCT.md §4): it runs only inside the site's
/// maintenance window and only while the clock is trustworthy. No window set means no time is
/// agreed for disruption, so disruptive work waits until one is. Other work always runs.
public enum ActionGate {
    public static func decide(
        disruptive: Bool, clockTrusted: Bool, window: MaintenanceWindow?, at date: Date
    ) -> ActionDecision {
        guard disruptive else { return .run }
        guard clockTrusted else {
            return .deferred("the clock gate is closed: the appliance's clock is not trustworthy")
        }
        guard let window else { return .deferred("no maintenance window is set for this site") }
        guard window.contains(date) else {
            return .deferred(
                "outside the maintenance window (\(window.days.joined(separator: ",")) \(window.start)–\(window.end) \(window.timeZone))"
            )
        }
        return .run
    }
}

extension OrderType {
    /// Work that changes a host or the appliance in a way users may notice: it waits for the
    /// maintenance window and a trustworthy clock.
    public var isDisruptive: Bool { self == .runRunbook }
}
