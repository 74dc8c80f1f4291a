// vigil-rules-bench: L1 decision latency (issue 5: p99 < 20 µs with 500 rules of four
// conditions each — eq, in, gt, regex; the seed system's Python engine needs ≈ 580 µs p99).
//
//   swift build -c release --product vigil-rules-bench
//   .build/release/vigil-rules-bench [--rules 500] [--decisions 200000] [--seed 42]
//
// Rules are spread over every check of the catalogue (the engine indexes them by check ID);
// each has `check_id eq`, `status in`, `attempts gt` and a `host.name regex`, with random
// operands, so about a third of the rules in a bucket reach their regex. Drifts are random
// too. Every decision is timed on its own; the built-in rule set is timed as well.
import Compliance
import Foundation
import Healing

func option(_ name: String, _ fallback: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let value = Int(arguments[index + 1])
    else { return fallback }
    return value
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.down)))]
}

func measure(_ engine: L1Engine, drifts: [Drift], decisions: Int) -> (
    p50: Double, p99: Double, max: Double, hits: Int
) {
    var samples = [Double](repeating: 0, count: decisions)
    var hits = 0
    var ledger = L1Ledger()
    ledger.record(rule: "none", host: "none", at: 0)
    for index in 0..<decisions {
        let drift = drifts[index % drifts.count]
        let start = DispatchTime.now().uptimeNanoseconds
        let decision = engine.decide(drift, ledger: ledger, at: 1_000)
        let end = DispatchTime.now().uptimeNanoseconds
        samples[index] = Double(end - start) / 1000
        if decision != nil { hits += 1 }
    }
    samples.sort()
    return (percentile(samples, 0.5), percentile(samples, 0.99), samples.last ?? 0, hits)
}

let ruleCount = option("--rules", 500)
let decisions = option("--decisions", 200_000)
var random = SplitMix64(seed: UInt64(option("--seed", 42)))
let checks = CheckCatalog.builtin.definitions.map(\.id)
let statuses = CheckStatus.allCases.map(\.rawValue)
let prefixes = ["srv", "ws", "pc", "records", "imaging", "reception", "lab", "nas"]

do {
    let catalogue = try RunbookCatalogue.builtin()
    guard let runbook = catalogue.runbooks.first else { throw RuleError.invalid("empty catalogue") }
    var rules: [L1Rule] = []
    for index in 0..<ruleCount {
        let check = checks[Int.random(in: 0..<checks.count, using: &random)]
        let prefix = prefixes[Int.random(in: 0..<prefixes.count, using: &random)]
        let conditions = [
            try RuleCondition(field: "check_id", op: .eq, value: check.rawValue, values: []),
            try RuleCondition(field: "status", op: .in, value: nil, values: ["fail", "unknown"]),
            try RuleCondition(
                field: "attempts", op: .gt, value: String(Int.random(in: 0...4, using: &random)), values: []),
            try RuleCondition(field: "host.name", op: .regex, value: "^\(prefix)-[0-9]{1,3}(\\.lan)?$", values: []),
        ]
        rules.append(
            L1Rule(
                id: "bench-\(index)", description: "", conditions: conditions, runbook: runbook.id, parameters: [:],
                priority: Int.random(in: 0...1000, using: &random), cooldownSeconds: 600, maximumRetries: 3,
                minimumSeverity: .info, source: .custom))
    }
    let engine = L1Engine(rules)
    var drifts: [Drift] = []
    for _ in 0..<4096 {
        let check = checks[Int.random(in: 0..<checks.count, using: &random)]
        let prefix = prefixes[Int.random(in: 0..<prefixes.count, using: &random)]
        let host = "\(prefix)-\(Int.random(in: 1...400, using: &random))"
        drifts.append(
            Drift(
                checkID: check, severity: .high, hostID: host,
                fields: [
                    "check_id": check.rawValue, "status": statuses[Int.random(in: 0..<statuses.count, using: &random)],
                    "severity": "high", "host.id": host, "host.name": host, "host.platform": "linux",
                    "site.id": "site-1", "attempts": String(Int.random(in: 0...5, using: &random)),
                    "observed": "yes", "expected": "no",
                ]))
    }
    // Warm up (first regex use allocates its matcher).
    _ = measure(engine, drifts: drifts, decisions: min(decisions, 20_000))
    let bench = measure(engine, drifts: drifts, decisions: decisions)
    let builtin = L1Engine(try L1RuleSet.builtin(catalogue: catalogue))
    _ = measure(builtin, drifts: drifts, decisions: min(decisions, 20_000))
    let shipped = measure(builtin, drifts: drifts, decisions: decisions)
    let line = { (name: String, count: Int, result: (p50: Double, p99: Double, max: Double, hits: Int)) in
        let numbers = String(
            format: "p50 %.2f µs, p99 %.2f µs, max %.1f µs", result.p50, result.p99, result.max)
        print("\(name): \(count) rules, \(decisions) decisions: \(numbers), \(result.hits) matched")
    }
    line("bench rules (eq, in, gt, regex)", rules.count, bench)
    line("built-in rules", builtin.rules.count, shipped)
} catch {
    print("vigil-rules-bench: \(error)")
    exit(1)
}
