public import Compliance
import Foundation

/// A time source the appliance asks (`host`, UDP `port`).
public struct TimeSource: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int = 123) {
        self.host = host
        self.port = port
    }

    public var description: String { "\(host):\(port)" }
}

/// `appliance.time.ntp_offset`: asks every configured source at once and judges the answers by
/// PRODUCT.md §4 — at least `minimumSources` usable answers, the median offset within
/// `maximumOffsetSeconds` of our clock, and the answers within `maximumSpreadSeconds` of each other.
/// A failing clock must block disruptive actions (`ClockVerdict.trustworthy`).
public struct ClockCheck: Sendable {
    public static let checkID = "appliance.time.ntp_offset"

    public var sources: [TimeSource]
    public var minimumSources = 3
    public var maximumOffsetSeconds = 5.0
    public var maximumSpreadSeconds = 5.0
    public var client: SNTPClient

    public init(sources: [TimeSource], client: SNTPClient = SNTPClient()) {
        self.sources = sources
        self.client = client
    }

    /// Queries all sources concurrently and judges the answers.
    public func run(catalog: CheckCatalog = .builtin) async throws(DomainError) -> ClockVerdict {
        let answers = await withTaskGroup(of: (Int, Result<TimeSample, SNTPError>).self) { group in
            for (index, source) in sources.enumerated() {
                group.addTask { (index, await client.query(host: source.host, port: source.port)) }
            }
            var answers: [(Int, Result<TimeSample, SNTPError>)] = []
            for await answer in group { answers.append(answer) }
            return answers.sorted { $0.0 < $1.0 }.map(\.1)
        }
        return try judge(answers, catalog: catalog)
    }

    /// The verdict on `answers` (one per source, in `sources` order).
    public func judge(_ answers: [Result<TimeSample, SNTPError>], catalog: CheckCatalog = .builtin)
        throws(DomainError) -> ClockVerdict
    {
        let definition = try catalog.definition(Self.checkID)
        let id = definition.id
        var samples: [TimeSample] = []
        var problems: [String] = []
        for (source, answer) in zip(sources, answers) {
            switch answer {
            case .success(let sample): samples.append(sample)
            case .failure(let error): problems.append("\(source): \(error.description)")
            }
        }
        let offsets = samples.map(\.offsetSeconds).sorted()
        let median: Double? =
            offsets.isEmpty
            ? nil
            : offsets.count % 2 == 1
                ? offsets[offsets.count / 2] : (offsets[offsets.count / 2 - 1] + offsets[offsets.count / 2]) / 2
        let spread = (offsets.last ?? 0) - (offsets.first ?? 0)
        var failures: [String] = []
        if samples.count < minimumSources {
            failures.append("\(samples.count) of \(sources.count) sources answered; \(minimumSources) are needed")
        }
        if let median, abs(median) > maximumOffsetSeconds {
            failures.append(
                "clock is \(Self.seconds(-median)) from the sources' median (limit ±\(Self.seconds(maximumOffsetSeconds)))"
            )
        }
        if samples.count >= 2, spread > maximumSpreadSeconds {
            failures.append(
                "sources disagree by \(Self.seconds(spread)) (limit \(Self.seconds(maximumSpreadSeconds)))")
        }
        let observed =
            median.map {
                "\(samples.count) sources, median offset \(Self.seconds($0)), spread \(Self.seconds(spread))"
            } ?? "no source answered"
        let message = (failures + problems).isEmpty ? nil : (failures + problems).joined(separator: "; ")
        let result = CheckResult(
            checkID: id, status: failures.isEmpty ? .pass : .fail, severity: definition.severity, observed: observed,
            expected: definition.expected, message: message, controls: definition.controls)
        return ClockVerdict(result: result, samples: samples, medianOffsetSeconds: median)
    }

    /// `+0.004 s`, `-12.500 s`.
    static func seconds(_ value: Double) -> String {
        (value < 0 ? "-" : "+") + String(format: "%.3f s", abs(value))
    }
}

/// The clock check's outcome: its result for the evidence, the samples behind it, and whether
/// the clock may be trusted for anything disruptive.
public struct ClockVerdict: Equatable, Sendable {
    public var result: CheckResult
    public var samples: [TimeSample]
    public var medianOffsetSeconds: Double?

    /// Disruptive actions run only while this holds (the clock gate of PRODUCT.md §4).
    public var trustworthy: Bool { result.status == .pass }
}
