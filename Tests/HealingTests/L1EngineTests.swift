import Compliance
import Foundation
import TestSupport
import Testing

@testable import Healing

/// L1 decisions: every operator, priority, the index by check ID, cooldowns and retries, the
/// severity filter, and rule files that are broken or hostile.
@Suite struct L1EngineTests {
    static let catalogue: RunbookCatalogue = {
        (try? RunbookCatalogue.builtin()) ?? RunbookCatalogue([])
    }()

    func drift(_ check: String = "linux.ssh.permit_root_login", fields: [String: String] = [:]) throws -> Drift {
        var all = [
            "check_id": check, "status": "fail", "severity": "high", "host.id": "host-1", "host.name": "records-server",
            "host.platform": "linux", "site.id": "site-1", "attempts": "0", "observed": "yes",
        ]
        all.merge(fields) { _, new in new }
        return Drift(checkID: try CheckID(check), severity: .high, hostID: "host-1", fields: all)
    }

    func rules(_ yaml: String) throws -> [L1Rule] {
        do {
            return try L1RuleSet.parse(yaml, file: "rules.yaml", catalogue: Self.catalogue, source: .custom)
        } catch {
            throw error
        }
    }

    @Test(arguments: [
        ("{field: observed, op: eq, value: \"yes\"}", true), ("{field: observed, op: eq, value: \"no\"}", false),
        ("{field: observed, op: ne, value: \"no\"}", true),
        ("{field: observed, op: in, values: [maybe, \"yes\"]}", true),
        ("{field: observed, op: not_in, values: [\"yes\"]}", false),
        ("{field: host.name, op: contains, value: records}", true),
        ("{field: host.name, op: regex, value: \"^records-(server|pc)$\"}", true),
        ("{field: host.name, op: regex, value: \"^imaging\"}", false),
        ("{field: attempts, op: lt, value: \"1\"}", true),
        ("{field: attempts, op: gt, value: \"0\"}", false), ("{field: message, op: exists}", false),
        ("{field: observed, op: exists}", true), ("{field: expected, op: not_in, values: [x]}", true),
    ])
    func eachOperatorDecides(condition: String, matches: Bool) throws {
        let set = try rules(
            """
            rules:
              - id: r1
                when:
                  - {field: check_id, op: eq, value: linux.ssh.permit_root_login}
                  - \(condition)
                runbook: RB-LIN-SSH-001
                parameters: {value: "no"}
            """)
        let decision = L1Engine(set).decide(try drift())
        #expect((decision != nil) == matches, "\(condition)")
        if matches {
            #expect(decision == L1Decision(ruleID: "r1", runbook: "RB-LIN-SSH-001", parameters: ["value": "no"]))
        }
    }

    @Test func priorityGeneralRulesAndTheSeverityFilter() throws {
        let engine = L1Engine(
            try rules(
                """
                rules:
                  - id: low-priority
                    when: [{field: check_id, op: eq, value: linux.ssh.permit_root_login}]
                    runbook: RB-LIN-SSH-001
                    priority: 10
                  - id: high-priority
                    when: [{field: check_id, op: eq, value: linux.ssh.permit_root_login}]
                    runbook: RB-LIN-SSH-001
                    parameters: {value: prohibit-password}
                    priority: 900
                  - id: any-failing-shadow
                    when: [{field: observed, op: regex, value: "^0[0-7][0-7][4-7]$"}]
                    runbook: RB-LIN-FILE-001
                    priority: 500
                  - id: critical-only
                    when: [{field: check_id, op: eq, value: linux.ssh.password_authentication}]
                    runbook: RB-LIN-SSH-002
                    min_severity: critical
                """))
        #expect(engine.decide(try drift())?.ruleID == "high-priority")
        // A rule pinning no check is tried for every drift.
        #expect(
            engine.decide(try drift("linux.files.shadow_permissions", fields: ["observed": "0644"]))?.ruleID
                == "any-failing-shadow")
        #expect(engine.decide(try drift("linux.files.shadow_permissions", fields: ["observed": "0640"])) == nil)
        // High severity is below the filter.
        #expect(engine.decide(try drift("linux.ssh.password_authentication")) == nil)
    }

    @Test func cooldownAndRetriesPerRuleAndHost() throws {
        let engine = L1Engine(
            try rules(
                """
                rules:
                  - id: root
                    when: [{field: check_id, op: eq, value: linux.ssh.permit_root_login}]
                    runbook: RB-LIN-SSH-001
                    cooldown_seconds: 600
                    max_retries: 2
                """))
        var ledger = L1Ledger()
        let drift = try drift()
        #expect(engine.decide(drift, ledger: ledger, at: 1000) != nil)
        ledger.record(rule: "root", host: "host-1", at: 1000)
        #expect(engine.decide(drift, ledger: ledger, at: 1300) == nil, "in the cooldown")
        var other = drift
        other.hostID = "host-2"
        #expect(engine.decide(other, ledger: ledger, at: 1300) != nil, "another host has its own cooldown")
        #expect(engine.decide(drift, ledger: ledger, at: 1600) != nil)
        ledger.record(rule: "root", host: "host-1", at: 1600)
        #expect(engine.decide(drift, ledger: ledger, at: 9000) == nil, "two attempts used")
        ledger.reset(rule: "root", host: "host-1")
        #expect(engine.decide(drift, ledger: ledger, at: 9000) != nil, "healed: retries count again")
    }

    static let brokenRules: [(yaml: String, reason: String)] = [
        (
            "rules:\n  - id: r\n    when: [{field: nonsense, op: eq, value: x}]\n    runbook: RB-LIN-SSH-001",
            "unknown field nonsense"
        ),
        (
            "rules:\n  - id: r\n    when: [{field: observed, op: like, value: x}]\n    runbook: RB-LIN-SSH-001",
            "operator like"
        ),
        (
            "rules:\n  - id: r\n    when: [{field: observed, op: regex, value: \"(\"}]\n    runbook: RB-LIN-SSH-001",
            "does not compile"
        ),
        (
            "rules:\n  - id: r\n    when: [{field: attempts, op: gt, value: many}]\n    runbook: RB-LIN-SSH-001",
            "not one"
        ),
        (
            "rules:\n  - id: r\n    when: [{field: observed, op: in, value: x}]\n    runbook: RB-LIN-SSH-001",
            "takes values"
        ),
        (
            "rules:\n  - id: r\n    when: [{field: observed, op: eq, value: x}]\n    runbook: RB-LIN-NOPE-001",
            "no runbook"
        ),
        (
            "rules:\n  - id: r\n    when: [{field: observed, op: eq, value: x}]\n    runbook: RB-LIN-SSH-001\n    parameters: {value: \"yes\"}",
            "parameter value"
        ),
        ("rules:\n  - id: r\n    runbook: RB-LIN-SSH-001", "no conditions"),
        (
            "rules:\n  - id: r\n    when: [{field: observed, op: eq, value: x}]\n    runbook: RB-LIN-SSH-001\n    min_severity: urgent",
            "min_severity"
        ),
        (
            "rules:\n  - id: \"$(reboot)\"\n    when: [{field: observed, op: eq, value: x}]\n    runbook: RB-LIN-SSH-001",
            "rule id"
        ),
        (
            "rules:\n  - id: r\n    when: [{field: observed, op: eq, value: x}]\n    runbook: RB-LIN-SSH-001\n  - id: r\n    when: [{field: observed, op: eq, value: x}]\n    runbook: RB-LIN-SSH-001",
            "used twice"
        ),
        ("rule: []", "unknown key rule"),
    ]

    @Test(arguments: brokenRules)
    func brokenRuleFilesAreRefused(yaml: String, reason: String) {
        do {
            _ = try L1RuleSet.parse(yaml, file: "rules.yaml", catalogue: Self.catalogue, source: .custom)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.reason.contains(reason), "\(error)")
            #expect(error.line >= 1, "\(error)")
        }
    }
}
