import Compliance
import Foundation
public import Logging
import Synchronization

/// Structured logs: one JSON object per line on standard error, with time, level, label,
/// message and metadata as string fields — what journald, Loki or any log shipper reads.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let level = event.level
        let message = event.message
        let explicit = event.metadata
        var fields: [String: String] = [:]
        for (key, value) in metadata { fields[key] = "\(value)" }
        for (key, value) in metadataProvider?.get() ?? [:] { fields[key] = "\(value)" }
        for (key, value) in explicit ?? [:] { fields[key] = "\(value)" }
        fields["time"] = Self.timestamp()
        fields["level"] = level.rawValue
        fields["label"] = label
        fields["message"] = "\(message)"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(fields) else { return }
        line.append(UInt8(ascii: "\n"))
        Self.output.withLock { _ in FileHandle.standardError.write(line) }
    }

    private static let output = Mutex(())

    static func timestamp() -> String {
        let now = Date()
        let milliseconds = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        return Compliance.Timestamp(millisecondsSinceEpoch: milliseconds).description
    }
}
