import Foundation

/// Runs programs for tests: the built `vigil` binary, openssl, jq, bash snippets from the docs.
public enum Shell {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs `command` with `bash -euo pipefail -c` in `directory`.
    @discardableResult
    public static func run(_ command: String, in directory: String? = nil, environment: [String: String] = [:]) throws
        -> Result
    {
        try execute("/bin/bash", ["-euo", "pipefail", "-c", command], in: directory, environment: environment)
    }

    /// Runs `executable` with `arguments` and collects its output.
    public static func execute(
        _ executable: String, _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let outPipe = Pipe()
        let errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes before waiting so a chatty child cannot block on a full pipe.
        let errData = Locked(Data())
        let errRead = DispatchGroup()
        errRead.enter()
        Thread {
            errData.set(errPipe.fileHandleForReading.readDataToEndOfFile())
            errRead.leave()
        }.start()
        let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        errRead.wait()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData.value, as: UTF8.self))
    }

    /// The `vigil` executable built next to the test bundle.
    public static var vigilBinary: String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        if directory.lastPathComponent.hasSuffix(".xctest") { directory = directory.deletingLastPathComponent() }
        return directory.appendingPathComponent("vigil").path
    }

    /// Runs the built `vigil` with `arguments`.
    public static func vigil(_ arguments: [String], in directory: String? = nil) throws -> Result {
        try execute(vigilBinary, arguments, in: directory)
    }

    /// The package's root directory (for reading docs in tests).
    public static func packageRoot(file: StaticString = #filePath) -> String {
        var url = URL(fileURLWithPath: "\(file)")
        while url.path != "/" {
            url = url.deletingLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url.path
            }
        }
        return FileManager.default.currentDirectoryPath
    }
}

/// A value set once by one thread and read by another.
final class Locked<Value: Sendable>: @unchecked Sendable {
    // Safe: every access to `storage` happens while holding `lock`.
    private let lock = NSLock()
    private var storage: Value

    init(_ value: Value) { storage = value }

    func set(_ value: Value) {
        lock.lock()
        storage = value
        lock.unlock()
    }

    var value: Value {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}
