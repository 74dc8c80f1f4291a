import Appliance
import Compliance
import Foundation
import Testing
import VigilAPI

/// Disruptive work runs only in the window with a trustworthy clock; other work always runs.
@Suite struct ActionGateTests {
    let always = MaintenanceWindow(days: MaintenanceWindow.dayNames, start: "00:00", end: "23:59", timeZone: "UTC")
    let never = MaintenanceWindow(days: ["mon"], start: "00:00", end: "00:01", timeZone: "UTC")
    // A Tuesday at noon (UTC).
    let noon = Date(timeIntervalSince1970: 1_796_126_400)

    @Test func disruptiveWorkNeedsTheWindowAndATrustworthyClock() {
        #expect(ActionGate.decide(disruptive: true, clockTrusted: true, window: always, at: noon) == .run)
        guard
            case .deferred(let outside) = ActionGate.decide(
                disruptive: true, clockTrusted: true, window: never, at: noon)
        else {
            Issue.record("outside the window must defer")
            return
        }
        #expect(outside.contains("outside the maintenance window"))
        guard
            case .deferred(let clock) = ActionGate.decide(
                disruptive: true, clockTrusted: false, window: always, at: noon)
        else {
            Issue.record("a bad clock must defer")
            return
        }
        #expect(clock.contains("clock gate"))
        guard case .deferred(let none) = ActionGate.decide(disruptive: true, clockTrusted: true, window: nil, at: noon)
        else {
            Issue.record("no window must defer")
            return
        }
        #expect(none.contains("no maintenance window"))
    }

    @Test func ordinaryWorkRunsWhateverTheWindowOrClock() {
        #expect(ActionGate.decide(disruptive: false, clockTrusted: false, window: never, at: noon) == .run)
        #expect(OrderType.runRunbook.isDisruptive)
        #expect(!OrderType.runChecks.isDisruptive && !OrderType.collectDiagnostics.isDisruptive)
    }
}
