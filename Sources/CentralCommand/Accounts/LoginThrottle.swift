public import Compliance
import Synchronization

/// Throttles failed logins per client address, in front of the per-account lockout: after
/// `failures` failed attempts from one address within `windowSeconds`, that address gets 429 with
/// `Retry-After` until the window ends, without a password check. It stops one address from
/// guessing across many accounts (which the per-account lockout cannot see) and from locking
/// every account out. Kept in memory per instance; a success from the address clears it.
public final class LoginThrottle: Sendable {
    public struct Policy: Sendable {
        public var failures: Int
        public var windowSeconds: Int64

        public init(failures: Int = 20, windowSeconds: Int64 = 300) {
            self.failures = failures
            self.windowSeconds = windowSeconds
        }
    }

    private struct Window {
        var started: Int64
        var failures: Int
    }

    let policy: Policy
    private let capacity: Int
    private let windows = Mutex<[String: Window]>([:])

    public init(policy: Policy = Policy(), capacity: Int = 100_000) {
        self.policy = policy
        self.capacity = max(1, capacity)
    }

    /// Seconds until `address` may try again, or nil when it may try now.
    public func retryAfter(_ address: String, at now: Timestamp) -> Int64? {
        windows.withLock { windows in
            guard let window = windows[address] else { return nil }
            let ends = window.started + policy.windowSeconds * 1000
            guard now.millisecondsSinceEpoch < ends else {
                windows[address] = nil
                return nil
            }
            guard window.failures >= policy.failures else { return nil }
            return max(1, (ends - now.millisecondsSinceEpoch + 999) / 1000)
        }
    }

    public func recordFailure(_ address: String, at now: Timestamp) {
        let time = now.millisecondsSinceEpoch
        let windowMilliseconds = policy.windowSeconds * 1000
        windows.withLock { windows in
            if var window = windows[address], time < window.started + windowMilliseconds {
                window.failures += 1
                windows[address] = window
                return
            }
            if windows.count >= capacity {
                // Forget the windows that have ended; if all are live, the oldest half.
                windows = windows.filter { time < $0.value.started + windowMilliseconds }
                if windows.count >= capacity {
                    let kept = windows.sorted { $0.value.started > $1.value.started }.prefix(capacity / 2)
                    windows = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
                }
            }
            windows[address] = Window(started: time, failures: 1)
        }
    }

    public func recordSuccess(_ address: String) {
        windows.withLock { _ = $0.removeValue(forKey: address) }
    }
}
