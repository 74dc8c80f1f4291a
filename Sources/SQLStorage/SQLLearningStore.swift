public import Compliance
import Foundation
import SQLKit

/// `LearningStore` on SQL: patterns, learned rules and the revision of the active set, changed
/// together in one transaction per report or decision.
public struct SQLLearningStore: LearningStore {
    let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    public func record(_ resolution: Resolution) async throws(StoreError) {
        let forUpdate = database.forUpdate
        let key = Flywheel.key(
            check: resolution.checkID, runbook: resolution.runbook, parameters: resolution.parameters)
        try await database.transaction { sql in
            // The state row first: every writer of the flywheel serialises on it.
            _ = try await sql.raw("SELECT revision FROM learning_state WHERE id = 1\(unsafeRaw: forUpdate)").first()
            var pattern: ResolutionPattern?
            let rule: LearnedRule?
            if case .promotedRule(let id) = resolution.source {
                rule = try await sql.raw("SELECT * FROM learned_rules WHERE id = \(bind: id)").first().map(Self.rule)
            } else {
                pattern = try await sql.raw(
                    "SELECT * FROM learning_patterns WHERE pattern_key = \(bind: key)"
                ).first().map(Self.pattern)
                rule = try await sql.raw(
                    "SELECT * FROM learned_rules WHERE pattern_key = \(bind: key)"
                ).first().map(Self.rule)
            }
            let change = Flywheel.apply(
                resolution, pattern: pattern, rule: rule,
                newRuleID: Identifier<LearnedRuleTag>.random(prefix: "rule").rawValue)
            if let updated = change.pattern {
                let parameters = try SQLFleetStore.encode(updated.parameters)
                try await sql.raw(
                    """
                    INSERT INTO learning_patterns
                        (pattern_key, check_id, runbook, parameters, occurrences, verified, first_seen, last_seen)
                    VALUES (\(bind: updated.key), \(bind: updated.checkID.rawValue), \(bind: updated.runbook),
                        \(bind: parameters), \(bind: Int64(updated.occurrences)), \(bind: Int64(updated.verified)),
                        \(bind: updated.firstSeen.millisecondsSinceEpoch), \(bind: updated.lastSeen.millisecondsSinceEpoch))
                    ON CONFLICT (pattern_key) DO UPDATE SET occurrences = excluded.occurrences,
                        verified = excluded.verified, last_seen = excluded.last_seen
                    """
                ).run()
            }
            if let updated = change.rule { try await Self.store(updated, sql) }
            if change.activeChanged { try await Self.bump(sql) }
        }
    }

    public func patterns() async throws(StoreError) -> [ResolutionPattern] {
        try await database.read { sql in
            try await sql.raw("SELECT * FROM learning_patterns ORDER BY last_seen DESC LIMIT 1000").all().map(
                Self.pattern)
        }
    }

    public func learnedRules() async throws(StoreError) -> [LearnedRule] {
        try await database.read { sql in
            try await sql.raw("SELECT * FROM learned_rules ORDER BY proposed_at DESC, id LIMIT 1000").all().map(
                Self.rule)
        }
    }

    public func decide(rule id: String, approve: Bool, by actor: String, at: Timestamp) async throws(StoreError)
        -> LearnedRule
    {
        let forUpdate = database.forUpdate
        return try await database.transaction { sql in
            _ = try await sql.raw("SELECT revision FROM learning_state WHERE id = 1\(unsafeRaw: forUpdate)").first()
            guard
                var rule = try await sql.raw("SELECT * FROM learned_rules WHERE id = \(bind: id)").first().map(
                    Self.rule)
            else { throw StoreError.notFound("rule \(id)") }
            try Flywheel.decide(&rule, approve: approve, by: actor, at: at)
            try await Self.store(rule, sql)
            if approve { try await Self.bump(sql) }
            return rule
        }
    }

    public func activeRules() async throws(StoreError) -> (revision: Int64, rules: [LearnedRule]) {
        try await database.read { sql in
            let revision =
                try await sql.raw("SELECT revision FROM learning_state WHERE id = 1").first()?.decode(
                    column: "revision", as: Int64.self) ?? 0
            let rules = try await sql.raw(
                "SELECT * FROM learned_rules WHERE status = 'active' ORDER BY id"
            ).all().map(Self.rule)
            return (revision, rules)
        }
    }

    static func bump(_ sql: any SQLDatabase) async throws {
        try await sql.raw("UPDATE learning_state SET revision = revision + 1 WHERE id = 1").run()
    }

    static func store(_ rule: LearnedRule, _ sql: any SQLDatabase) async throws {
        let parameters = try SQLFleetStore.encode(rule.parameters)
        try await sql.raw(
            """
            INSERT INTO learned_rules (id, pattern_key, check_id, runbook, parameters, status, runs, failures,
                proposed_at, decided_at, decided_by, note)
            VALUES (\(bind: rule.id), \(bind: rule.patternKey), \(bind: rule.checkID.rawValue), \(bind: rule.runbook),
                \(bind: parameters), \(bind: rule.status.rawValue), \(bind: Int64(rule.runs)), \(bind: Int64(rule.failures)),
                \(bind: rule.proposedAt.millisecondsSinceEpoch), \(bind: rule.decidedAt?.millisecondsSinceEpoch),
                \(bind: rule.decidedBy), \(bind: rule.note))
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, runs = excluded.runs, failures = excluded.failures,
                decided_at = excluded.decided_at, decided_by = excluded.decided_by, note = excluded.note
            """
        ).run()
    }

    static func pattern(_ row: any SQLRow) throws -> ResolutionPattern {
        ResolutionPattern(
            key: try row.decode(column: "pattern_key", as: String.self),
            checkID: try CheckID(row.decode(column: "check_id", as: String.self)),
            runbook: try row.decode(column: "runbook", as: String.self),
            parameters: try SQLFleetStore.decode(
                [String: String].self, row.decode(column: "parameters", as: String.self)),
            occurrences: Int(try row.decode(column: "occurrences", as: Int64.self)),
            verified: Int(try row.decode(column: "verified", as: Int64.self)),
            firstSeen: Timestamp(millisecondsSinceEpoch: try row.decode(column: "first_seen", as: Int64.self)),
            lastSeen: Timestamp(millisecondsSinceEpoch: try row.decode(column: "last_seen", as: Int64.self)))
    }

    static func rule(_ row: any SQLRow) throws -> LearnedRule {
        let statusText = try row.decode(column: "status", as: String.self)
        guard let status = LearnedRule.Status(rawValue: statusText) else {
            throw StoreError.invalid("learned rule with unknown status \(statusText)")
        }
        return LearnedRule(
            id: try row.decode(column: "id", as: String.self),
            patternKey: try row.decode(column: "pattern_key", as: String.self),
            checkID: try CheckID(row.decode(column: "check_id", as: String.self)),
            runbook: try row.decode(column: "runbook", as: String.self),
            parameters: try SQLFleetStore.decode(
                [String: String].self, row.decode(column: "parameters", as: String.self)),
            status: status, runs: Int(try row.decode(column: "runs", as: Int64.self)),
            failures: Int(try row.decode(column: "failures", as: Int64.self)),
            proposedAt: Timestamp(millisecondsSinceEpoch: try row.decode(column: "proposed_at", as: Int64.self)),
            decidedAt: try row.decode(column: "decided_at", as: Int64?.self).map {
                Timestamp(millisecondsSinceEpoch: $0)
            },
            decidedBy: try row.decode(column: "decided_by", as: String?.self),
            note: try row.decode(column: "note", as: String?.self))
    }
}
