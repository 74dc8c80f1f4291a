import Foundation
import Testing
import VigilAPI

/// When a maintenance window is open: listed days, local time in the window's zone, windows
/// that run past midnight, and malformed windows that are never open.
@Suite struct MaintenanceWindowTests {
    /// `text` (`yyyy-MM-dd HH:mm`) in `zone`.
    func date(_ text: String, _ zone: String = "UTC") throws -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: zone)
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return try #require(formatter.date(from: text))
    }

    @Test func aSameDayWindowIsOpenFromStartUntilJustBeforeEnd() throws {
        // 2026-11-30 is a Monday.
        let window = MaintenanceWindow(days: ["mon", "wed"], start: "01:00", end: "03:30", timeZone: "UTC")
        #expect(window.contains(try date("2026-11-30 01:00")))
        #expect(window.contains(try date("2026-11-30 03:29")))
        #expect(!window.contains(try date("2026-11-30 03:30")))
        #expect(!window.contains(try date("2026-11-30 00:59")))
        #expect(!window.contains(try date("2026-12-01 02:00")))  // Tuesday
        #expect(window.contains(try date("2026-12-02 02:00")))  // Wednesday
    }

    @Test func aWindowPastMidnightBelongsToTheDayItStarts() throws {
        let window = MaintenanceWindow(days: ["sat"], start: "22:00", end: "04:00", timeZone: "UTC")
        #expect(window.contains(try date("2026-12-05 23:00")))  // Saturday night
        #expect(window.contains(try date("2026-12-06 03:59")))  // early Sunday
        #expect(!window.contains(try date("2026-12-06 22:30")))  // Sunday night is not listed
        #expect(!window.contains(try date("2026-12-05 03:00")))  // early Saturday belongs to Friday
    }

    @Test func localTimeInTheWindowsZoneDecides() throws {
        let window = MaintenanceWindow(days: ["tue"], start: "20:00", end: "23:00", timeZone: "America/New_York")
        // 21:00 in New York on Tuesday is 02:00 UTC on Wednesday.
        #expect(window.contains(try date("2026-12-02 02:00")))
        #expect(!window.contains(try date("2026-12-01 21:00")))
    }

    @Test func malformedWindowsAreNeverOpen() throws {
        let now = try date("2026-11-30 02:00")
        for window in [
            MaintenanceWindow(days: [], start: "00:00", end: "23:59", timeZone: "UTC"),
            MaintenanceWindow(days: ["mon"], start: "25:00", end: "03:00", timeZone: "UTC"),
            MaintenanceWindow(days: ["mon"], start: "01:00", end: "03:00", timeZone: "Mars/Olympus"),
            MaintenanceWindow(days: ["monday"], start: "01:00", end: "03:00", timeZone: "UTC"),
            MaintenanceWindow(days: ["mon"], start: "02:00", end: "02:00", timeZone: "UTC"),
        ] {
            #expect(window.problem != nil)
            #expect(!window.contains(now))
        }
    }
}
