import Compliance
import Foundation
import SQLStorage
import TestSupport
import Testing

/// The flywheel's thresholds on every backend: a proposal at five real resolutions with at least
/// 90 % verified, an operator's decision, and a promoted rule disabled past 20 % failures over at
/// least three runs; the active set's revision moves with every change to it.
@Suite struct LearningContractTests {
    static let now = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)

    func learning(_ stores: Stores) throws -> any LearningStore {
        if let database = stores.database { return SQLLearningStore(database: database) }
        return try #require(stores.tenancy as? InMemoryStore)
    }

    func resolution(_ source: ResolutionSource, verified: Bool = true, check: String = "linux.ssh.permit_root_login")
        throws -> Resolution
    {
        Resolution(
            checkID: try CheckID(check), runbook: "RB-LIN-SSH-001", parameters: ["value": "no"], source: source,
            verified: verified, at: Self.now)
    }

    @Test(arguments: Backend.available)
    func proposesAtFiveVerifiedThenDisablesAfterFailures(backend: Backend) async throws {
        try await withStores(backend) { stores in
            let store = try learning(stores)
            // Four successes and one failure: 80 %, no proposal.
            for verified in [true, true, false, true, true] {
                try await store.record(try resolution(.l2, verified: verified))
            }
            #expect(try await store.learnedRules().isEmpty)
            #expect(try await store.patterns().first?.occurrences == 5)
            // Five more successes: 9 of 10 = 90 % → proposed.
            for _ in 0..<5 { try await store.record(try resolution(.human)) }
            let proposal = try #require(try await store.learnedRules().first)
            #expect(proposal.status == .proposed && proposal.parameters == ["value": "no"])
            #expect(try await store.activeRules().revision == 0)
            // Another success does not propose twice.
            try await store.record(try resolution(.l2))
            #expect(try await store.learnedRules().count == 1)

            let active = try await store.decide(rule: proposal.id, approve: true, by: "user:a", at: Self.now)
            #expect(active.status == .active)
            await #expect(throws: StoreError.self) {
                _ = try await store.decide(rule: proposal.id, approve: false, by: "user:a", at: Self.now)
            }
            let (revision, rules) = try await store.activeRules()
            #expect(revision == 1 && rules.map(\.id) == [proposal.id])

            // Runs of the promoted rule: 1 success, then 2 failures → 2/3 > 20 % → disabled.
            try await store.record(try resolution(.promotedRule(proposal.id)))
            try await store.record(try resolution(.promotedRule(proposal.id), verified: false))
            #expect(try await store.activeRules().rules.count == 1, "two runs are too few to judge")
            try await store.record(try resolution(.promotedRule(proposal.id), verified: false))
            let after = try await store.activeRules()
            #expect(after.rules.isEmpty && after.revision == 2)
            let disabled = try #require(try await store.learnedRules().first)
            #expect(disabled.status == .disabled && disabled.runs == 3 && disabled.failures == 2)
            // Reports naming an unknown or inactive rule change nothing.
            try await store.record(try resolution(.promotedRule("rule-nope"), verified: false))
            try await store.record(try resolution(.promotedRule(proposal.id), verified: false))
            #expect(try await store.learnedRules().first?.runs == 3)
            await #expect(throws: StoreError.self) {
                _ = try await store.decide(rule: "rule-nope", approve: true, by: "user:a", at: Self.now)
            }
        }
    }
}
