public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A real headless Chromium driven over the Chrome DevTools Protocol on a pipe
/// (`--remote-debugging-pipe`: NUL-separated JSON on descriptors 3 and 4), for end-to-end tests
/// of the web pages. No WebSocket, no port: the browser is reachable only by this process.
public final class HeadlessBrowser: Sendable {
    public static let executable = "/usr/bin/chromium"
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    /// One message from the browser that answers no command.
    public struct Event: Sendable {
        public var method: String
        public var session: String?
        /// The event's `params` object, as JSON.
        public var params: Data

        /// `params` decoded (JSONSerialization: dictionaries, arrays, strings, numbers).
        public var object: [String: Any] {
            ((try? JSONSerialization.jsonObject(with: params)) as? [String: Any]) ?? [:]
        }
    }

    public struct BrowserError: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    struct State {
        var nextID = 1
        var responses: [Int: Data] = [:]
        var events: [Event] = []
        var closed = false
    }

    /// The state the reader thread and the callers share.
    final class Shared: Sendable {
        let mutex = Mutex(State())
    }

    private let shared = Shared()
    private let commands: Int32
    private let pid: pid_t

    /// Starts Chromium with its profile in `profile` (created) and its log in `profile/chromium.log`.
    public init(profile: String, width: Int = 1280, height: Int = 860) throws {
        try FileManager.default.createDirectory(atPath: profile, withIntermediateDirectories: true)
        var toBrowser: [Int32] = [0, 0]
        var fromBrowser: [Int32] = [0, 0]
        guard pipe(&toBrowser) == 0, pipe(&fromBrowser) == 0 else { throw BrowserError("pipe failed") }
        // High numbers, so that placing them on 3 and 4 in the child cannot clobber each other.
        let childReads = fcntl(toBrowser[0], F_DUPFD, 200)
        let childWrites = fcntl(fromBrowser[1], F_DUPFD, 200)
        close(toBrowser[0])
        close(fromBrowser[1])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, profile + "/chromium.log", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_adddup2(&actions, childReads, 3)
        posix_spawn_file_actions_adddup2(&actions, childWrites, 4)
        // bash closes what else it inherited (this process's pipes are not close-on-exec) and
        // becomes Chromium.
        let script =
            #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 4 ] && eval "exec $n>&-"; done 2>/dev/null; exec "$0" "$@""#
        let arguments = [
            "/bin/bash", "-c", script, Self.executable, "--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--metrics-recording-only",
            "--remote-debugging-pipe", "--user-data-dir=\(profile)", "--window-size=\(width),\(height)", "about:blank",
        ]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, &argv, environ)
        close(childReads)
        close(childWrites)
        guard spawned == 0 else {
            close(toBrowser[1])
            close(fromBrowser[0])
            throw BrowserError("cannot start chromium: \(String(cString: strerror(spawned)))")
        }
        self.pid = pid
        self.commands = toBrowser[1]
        let replies = fromBrowser[0]
        let shared = self.shared
        // One thread reads the browser's messages for the browser's whole life.
        Thread.detachNewThread {
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(replies, $0.baseAddress, $0.count) }
                guard count > 0 else { break }
                pending.append(contentsOf: buffer[0..<count])
                while let end = pending.firstIndex(of: 0) {
                    let message = Data(pending[..<end])
                    pending.removeSubrange(...end)
                    Self.deliver(message, to: shared)
                }
            }
            close(replies)
            shared.mutex.withLock { $0.closed = true }
        }
    }

    static func deliver(_ message: Data, to shared: Shared) {
        guard let object = (try? JSONSerialization.jsonObject(with: message)) as? [String: Any] else { return }
        if let id = object["id"] as? Int {
            shared.mutex.withLock { $0.responses[id] = message }
        } else if let method = object["method"] as? String {
            let params = (try? JSONSerialization.data(withJSONObject: object["params"] ?? [:])) ?? Data("{}".utf8)
            shared.mutex.withLock {
                $0.events.append(Event(method: method, session: object["sessionId"] as? String, params: params))
            }
        }
    }

    /// Sends a command and returns its `result` object; a protocol error or no answer within
    /// `timeout` seconds throws.
    @discardableResult
    public func send(_ method: String, _ params: [String: Any] = [:], session: String? = nil, timeout: Double = 30)
        async throws -> [String: Any]
    {
        let id = shared.mutex.withLock { state -> Int in
            defer { state.nextID += 1 }
            return state.nextID
        }
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if let session { message["sessionId"] = session }
        var bytes = [UInt8](try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        let written = bytes.withUnsafeBytes { write(commands, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw BrowserError("cannot write to chromium (\(method))") }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let (answer, closed) = shared.mutex.withLock { ($0.responses.removeValue(forKey: id), $0.closed) }
            if let answer {
                let object = (try? JSONSerialization.jsonObject(with: answer)) as? [String: Any] ?? [:]
                if let error = object["error"] as? [String: Any] {
                    throw BrowserError("\(method): \(error["message"] as? String ?? "error")")
                }
                return object["result"] as? [String: Any] ?? [:]
            }
            if closed { throw BrowserError("chromium closed its pipe during \(method)") }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw BrowserError("no answer to \(method) within \(Int(timeout)) s")
    }

    /// Every event so far.
    public var events: [Event] { shared.mutex.withLock { $0.events } }

    /// Waits for event `method` (of `session`) after the first `index` events.
    @discardableResult
    public func waitFor(_ method: String, session: String?, after index: Int, timeout: Double = 30) async throws
        -> Event
    {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let found = shared.mutex.withLock { state in
                state.events.dropFirst(index).first { $0.method == method && (session == nil || $0.session == session) }
            }
            if let found { return found }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw BrowserError("no \(method) within \(Int(timeout)) s")
    }

    /// Ends the browser (SIGKILL: a test browser has nothing to save) and reaps it.
    public func stop() {
        close(commands)
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}
