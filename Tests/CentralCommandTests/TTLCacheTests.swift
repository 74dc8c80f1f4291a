import Compliance
import Synchronization
import Testing

@testable import CentralCommand

/// The read cache of the check-in path: serves within its TTL, reloads after, caches nothing
/// with a TTL of zero and never caches a miss.
@Suite struct TTLCacheTests {
    static let start = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)

    @Test func servesWithinTheTTLAndReloadsAfterIt() async throws {
        let loads = Mutex(0)
        let cache = TTLCache<String, Int>(ttlSeconds: 5)
        func read(at offset: Int64) async throws -> Int? {
            try await cache.value("k", now: Self.start.adding(milliseconds: offset)) {
                () async throws(StoreError) -> Int? in
                loads.withLock { $0 += 1 }
                return loads.withLock { $0 }
            }
        }
        #expect(try await read(at: 0) == 1)
        #expect(try await read(at: 4_999) == 1)
        #expect(try await read(at: 5_000) == 2)
        #expect(loads.withLock { $0 } == 2)
    }

    @Test func zeroTTLAndMissesAreNeverCached() async throws {
        let loads = Mutex(0)
        let off = TTLCache<String, Int>(ttlSeconds: 0)
        let on = TTLCache<String, Int>(ttlSeconds: 60)
        for _ in 0..<3 {
            _ = try await off.value("k", now: Self.start) { () async throws(StoreError) -> Int? in
                loads.withLock { $0 += 1 }
                return 1
            }
            _ = try await on.value("missing", now: Self.start) { () async throws(StoreError) -> Int? in
                loads.withLock { $0 += 1 }
                return nil
            }
        }
        #expect(loads.withLock { $0 } == 6)
        #expect(await off.peek("k", now: Self.start) == nil)
    }
}
