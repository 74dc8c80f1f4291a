import ArgumentParser
import EvidenceCrypto
import Foundation

/// A user-facing error: printed as `Error: …` with exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum Output {
    /// Prints `value` as pretty, key-sorted JSON on standard output.
    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        print(String(decoding: data, as: UTF8.self))
    }

    static func ensureDirectory(_ path: String, mode: Int) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw CLIError("\(path) exists and is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
        } catch {
            throw CLIError("cannot create \(path): \(FileErrorText.describe(error))")
        }
    }

    static func writeFile(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting)
    }
}

/// Progress on standard error for long work, only when a person is watching (a terminal).
final class Progress: Sendable {
    let label: String
    let total: Int?
    let enabled: Bool

    init(label: String, total: Int?, enabled: Bool) {
        self.label = label
        self.total = total
        self.enabled = enabled && isatty(STDERR_FILENO) == 1
    }

    func update(_ done: Int, total: Int? = nil) {
        guard enabled else { return }
        let of = (total ?? self.total).map { " / \($0)" } ?? ""
        FileHandle.standardError.write(Data("\r\(label): \(done)\(of)".utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
