public import Compliance
import Foundation

/// L1 rules from YAML: the built-in set shipped with Vigil and sets synced from Central Command.
/// Every rule must name a runbook of the catalogue with parameters it accepts; every condition a
/// known drift field and an operator with a well-formed operand. All or nothing.
public enum L1RuleSet {
    /// The built-in rules (`Sources/Healing/Catalogue/rules/builtin.yaml`).
    public static func builtin(catalogue: RunbookCatalogue) throws(CatalogueFailure) -> [L1Rule] {
        guard let url = Bundle.module.url(forResource: "Catalogue", withExtension: nil) else {
            throw CatalogueFailure([CatalogueProblem(file: "Catalogue", line: 0, reason: "missing from the build")])
        }
        let path = url.appendingPathComponent("rules/builtin.yaml").path
        do {
            return try parse(
                CatalogueFiles.read(path, display: "rules/builtin.yaml"), file: "rules/builtin.yaml",
                catalogue: catalogue, source: .builtin)
        } catch {
            throw CatalogueFailure([error])
        }
    }

    /// Parses a rule set: `rules:` holding a list of rules.
    public static func parse(_ text: String, file: String, catalogue: RunbookCatalogue, source: L1Rule.Source)
        throws(CatalogueProblem) -> [L1Rule]
    {
        var root = try YAMLFields(YAMLValue.parse(text, file: file), file: file, what: "a rule set")
        var rules: [L1Rule] = []
        for item in try root.list("rules") {
            let rule = try self.rule(item, file: file, catalogue: catalogue, source: source)
            guard !rules.contains(where: { $0.id == rule.id }) else {
                throw CatalogueProblem(file: file, line: item.line, reason: "rule ID \(rule.id) is used twice")
            }
            rules.append(rule)
        }
        try root.finish()
        return rules
    }

    static func rule(_ value: YAMLValue, file: String, catalogue: RunbookCatalogue, source: L1Rule.Source)
        throws(CatalogueProblem) -> L1Rule
    {
        var fields = try YAMLFields(value, file: file, what: "a rule")
        let id = try fields.string("id")
        guard (1...64).contains(id.utf8.count),
            id.unicodeScalars.allSatisfy({
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_")
            })
        else { throw fields.problem(fields.line, "rule id \(String(reflecting: id)) must be 1–64 of A–Z a–z 0–9 - _") }
        var conditions: [RuleCondition] = []
        for item in try fields.list("when") {
            var condition = try YAMLFields(item, file: file, what: "a condition")
            let field = try condition.string("field")
            guard Drift.knownFields.contains(field) else {
                throw condition.problem(
                    item.line,
                    "rule \(id): unknown field \(field); known: \(Drift.knownFields.sorted().joined(separator: ", "))"
                )
            }
            let opText = try condition.string("op")
            guard let op = RuleCondition.Operator(rawValue: opText) else {
                throw condition.problem(
                    item.line,
                    "rule \(id): operator \(opText) is not one of \(RuleCondition.Operator.allCases.map(\.rawValue).joined(separator: " "))"
                )
            }
            let single = try condition.optionalString("value")
            let list = try condition.strings("values").map(\.0)
            try condition.finish()
            do {
                conditions.append(try RuleCondition(field: field, op: op, value: single, values: list))
            } catch {
                throw condition.problem(item.line, "rule \(id): \(error.description)")
            }
        }
        guard !conditions.isEmpty else { throw fields.problem(fields.line, "rule \(id) has no conditions (when)") }
        let runbookID = try fields.string("runbook")
        guard let runbook = catalogue[runbookID] else {
            throw fields.problem(fields.line, "rule \(id): no runbook \(runbookID) in the catalogue")
        }
        var parameters: [String: String] = [:]
        if let (value, line) = fields.value("parameters") {
            guard case .map(let pairs, _) = value else { throw fields.problem(line, "parameters must be a mapping") }
            for pair in pairs {
                guard case .scalar(let text, _) = pair.value else {
                    throw fields.problem(pair.line, "parameter \(pair.key) must be text")
                }
                parameters[pair.key] = text
            }
        }
        do {
            _ = try runbook.resolve(parameters)
        } catch {
            throw fields.problem(fields.line, "rule \(id): \(error.description)")
        }
        let severityText = try fields.optionalString("min_severity") ?? "info"
        guard let severity = Severity(rawValue: severityText) else {
            throw fields.problem(
                fields.line,
                "rule \(id): min_severity must be one of \(Severity.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let rule = L1Rule(
            id: id, description: try fields.optionalString("description") ?? "", conditions: conditions,
            runbook: runbookID, parameters: parameters,
            priority: try fields.int("priority", in: 0...1000, default: 100),
            cooldownSeconds: try fields.int("cooldown_seconds", in: 0...604_800, default: 600),
            maximumRetries: try fields.int("max_retries", in: 1...100, default: 3), minimumSeverity: severity,
            source: source)
        try fields.finish()
        return rule
    }
}
