import Testing

@testable import CentralCommand

/// The check-in's snapshot cache: keeps the newest revision, never lets an older one replace it,
/// and stays within its capacity.
@Suite struct RevisionCacheTests {
    @Test func keepsTheNewestRevisionAndStaysBounded() async {
        let cache = RevisionCache<String, String>(capacity: 3)
        await cache.store("v2", revision: 2, for: "site")
        await cache.store("v1", revision: 1, for: "site")
        #expect(await cache.entry("site")?.value == "v2")
        await cache.store("v3", revision: 3, for: "site")
        #expect(await cache.entry("site")?.revision == 3)
        for index in 0..<10 { await cache.store("x", revision: 0, for: "other-\(index)") }
        #expect(await cache.count == 3)
        #expect(await cache.entry("other-9")?.value == "x")
    }
}
