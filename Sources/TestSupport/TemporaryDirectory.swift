import Foundation

/// A fresh directory under the system temporary directory, removed when released.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init(_ label: String = "vigil-test") throws {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// `path/relative`.
    public func appending(_ relative: String) -> String { "\(path)/\(relative)" }

    deinit {
        // Tests only remove permissions from files, and deleting a file needs rights on its
        // directory alone, so a plain recursive removal always works.
        try? FileManager.default.removeItem(atPath: path)
    }
}
