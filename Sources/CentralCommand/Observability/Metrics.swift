import Foundation
import Synchronization

/// Central Command's metrics in the Prometheus text format (version 0.0.4): counters and
/// latency histograms with labels, kept in memory per instance and served at `/metrics`.
public final class Metrics: Sendable {
    /// Upper bounds of the latency histogram buckets, in seconds.
    static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    struct Histogram {
        var counts: [UInt64]
        var sum: Double = 0
        var count: UInt64 = 0
    }

    struct State {
        var counters: [String: [String: UInt64]] = [:]
        var histograms: [String: [String: Histogram]] = [:]
    }

    /// Help texts of the metrics this build emits; a metric must be listed here to be recorded.
    static let help: [String: (type: String, text: String)] = [
        "vigil_http_requests_total": ("counter", "HTTP requests answered, by method, route and status."),
        "vigil_http_request_duration_seconds": ("histogram", "HTTP request latency, by route."),
        "vigil_evidence_bundles_accepted_total": ("counter", "Evidence bundles with a receipt (new or already held)."),
        "vigil_evidence_bundles_rejected_total": ("counter", "Evidence bundles refused, by reason."),
        "vigil_check_ins_total": ("counter", "Appliance check-ins answered."),
        "vigil_logins_total": ("counter", "Operator logins, by result."),
    ]

    private let state = Mutex(State())

    public init() {}

    /// Adds `amount` to counter `name` with `labels`.
    public func increment(_ name: String, _ labels: [(String, String)] = [], by amount: UInt64 = 1) {
        guard amount > 0 else { return }
        let key = Self.labelText(labels)
        state.withLock { $0.counters[name, default: [:]][key, default: 0] += amount }
    }

    /// Records one observation of `seconds` in histogram `name`.
    public func observe(_ name: String, _ labels: [(String, String)] = [], seconds: Double) {
        let key = Self.labelText(labels)
        state.withLock { state in
            var histogram =
                state.histograms[name]?[key] ?? Histogram(counts: Array(repeating: 0, count: Self.buckets.count))
            for (index, bound) in Self.buckets.enumerated() where seconds <= bound { histogram.counts[index] += 1 }
            histogram.sum += seconds
            histogram.count += 1
            state.histograms[name, default: [:]][key] = histogram
        }
    }

    /// The exposition text.
    public func render() -> String {
        let snapshot = state.withLock { $0 }
        var lines: [String] = []
        let names = Set(snapshot.counters.keys).union(snapshot.histograms.keys).sorted()
        for name in names {
            if let help = Self.help[name] {
                lines.append("# HELP \(name) \(help.text)")
                lines.append("# TYPE \(name) \(help.type)")
            }
            for (labels, value) in (snapshot.counters[name] ?? [:]).sorted(by: { $0.key < $1.key }) {
                lines.append("\(name)\(labels.isEmpty ? "" : "{\(labels)}") \(value)")
            }
            for (labels, histogram) in (snapshot.histograms[name] ?? [:]).sorted(by: { $0.key < $1.key }) {
                let prefix = labels.isEmpty ? "" : "\(labels),"
                for (index, bound) in Self.buckets.enumerated() {
                    lines.append("\(name)_bucket{\(prefix)le=\"\(bound)\"} \(histogram.counts[index])")
                }
                lines.append("\(name)_bucket{\(prefix)le=\"+Inf\"} \(histogram.count)")
                let braces = labels.isEmpty ? "" : "{\(labels)}"
                lines.append("\(name)_sum\(braces) \(histogram.sum)")
                lines.append("\(name)_count\(braces) \(histogram.count)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `a="x",b="y"` with values escaped as the text format requires.
    static func labelText(_ labels: [(String, String)]) -> String {
        var text = ""
        for (index, (name, value)) in labels.enumerated() {
            if index > 0 { text += "," }
            text += name
            text += "=\""
            // Most values need no escaping and skip the three replacements.
            if value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == 10 }) {
                text += value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                    of: "\"", with: "\\\""
                ).replacingOccurrences(of: "\n", with: "\\n")
            } else {
                text += value
            }
            text += "\""
        }
        return text
    }
}
