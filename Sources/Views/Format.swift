public import Compliance

/// How pages write times, durations and percentages: one place, so every page says it alike.
public enum Format {
    /// `2026-11-30 15:04 UTC`.
    public static func time(_ timestamp: Timestamp) -> String {
        let iso = timestamp.description
        guard iso.count >= 16 else { return iso }
        return iso.prefix(10) + " " + iso.dropFirst(11).prefix(5) + " UTC"
    }

    /// `in 12 min`, `3 h ago`, `now`: `then` seen from `now`.
    public static func relative(_ then: Timestamp, from now: Timestamp) -> String {
        let milliseconds = then.millisecondsSinceEpoch - now.millisecondsSinceEpoch
        let span = duration(abs(milliseconds))
        if span == "0 min" { return "now" }
        return milliseconds > 0 ? "in \(span)" : "\(span) ago"
    }

    /// `45 min`, `3 h 10 min`, `2 d 4 h`.
    public static func duration(_ milliseconds: Int64) -> String {
        let minutes = milliseconds / 60_000
        if minutes < 60 { return "\(minutes) min" }
        let hours = minutes / 60
        if hours < 48 { return minutes % 60 == 0 ? "\(hours) h" : "\(hours) h \(minutes % 60) min" }
        let days = hours / 24
        return hours % 24 == 0 ? "\(days) d" : "\(days) d \(hours % 24) h"
    }
}
