import Compliance
import EvidenceCrypto
import Foundation
import HTTPTypes
import Healing
import Hummingbird
import VigilAPI

/// The flywheel over HTTP (issue 5): appliances report real runs and fetch the signed set of
/// promoted rules; the platform operator sees patterns and proposals and approves or rejects.
/// Learned rules are fleet-wide, so only the platform operator may decide them.
struct LearningController: APIController {
    let services: CentralServices

    func registerAppliance(on appliance: RouterGroup<AppRequestContext>) {
        appliance.post("resolutions") { request, context in
            guard context.appliance != nil else { throw HTTPError(.unauthorized) }
            let body = try await JSONRequest.decode(ResolutionReport.self, from: request, context: context)
            let resolution = try resolution(body)
            try await store { try await services.learning.record(resolution) }
            return Response(status: .noContent)
        }
        appliance.get("rules") { _, context in
            guard context.appliance != nil else { throw HTTPError(.unauthorized) }
            let (revision, rules) = try await store { try await services.learning.activeRules() }
            let text = Self.ruleSet(rules)
            let signature = services.identity.key.signature(for: SignedRuleSet.message(revision: revision, rules: text))
            return try JSONResponse.make(
                SignedRuleSet(revision: revision, rules: text, signature: Base64.encode(signature)))
        }
    }

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("learning") { _, context in
            try JSONResponse.make(try await overview(context))
        }
        for (verb, approve) in [("approve", true), ("reject", false)] {
            api.post("learning/rules/:rule/\(verb)") { _, context in
                try JSONResponse.make(LearningOverview.Rule(try await decide(approve: approve, context: context)))
            }
        }
    }

    /// Patterns, proposals and promoted rules (the API and the web page alike).
    func overview(_ context: AppRequestContext) async throws -> LearningOverview {
        try platformOnly(context)
        let (revision, _) = try await store { try await services.learning.activeRules() }
        let patterns = try await store { try await services.learning.patterns() }
        let rules = try await store { try await services.learning.learnedRules() }
        return LearningOverview(revision: revision, patterns: patterns, rules: rules)
    }

    /// Approves or rejects the proposed rule the path names.
    func decide(approve: Bool, context: AppRequestContext) async throws -> LearnedRule {
        try platformOnly(context)
        guard let id = context.parameters.get("rule"), id.count <= 64 else {
            throw HTTPError(.notFound, message: "rule not found")
        }
        let actor = context.actor ?? "unknown"
        let rule = try await store {
            try await services.learning.decide(rule: id, approve: approve, by: actor, at: services.clock())
        }
        try await audit(context, "learned_rule.\(approve ? "approved" : "rejected")", target: "rule:\(id)")
        return rule
    }

    func platformOnly(_ context: AppRequestContext) throws {
        guard context.principal == .platform else {
            throw HTTPError(
                .forbidden, message: "learned rules are fleet-wide: only the platform operator decides them")
        }
    }

    /// A report checked against the catalogues: a known check, a runbook that heals it, and
    /// parameters it accepts.
    func resolution(_ body: ResolutionReport) throws -> Resolution {
        guard let check = try? CheckID(body.checkID), CheckCatalog.builtin[check] != nil else {
            throw HTTPError(
                .badRequest, message: "check_id \(String(reflecting: body.checkID)) is not in the check catalogue")
        }
        guard let runbook = services.runbooks[body.runbook] else {
            throw HTTPError(.badRequest, message: RunbookError.unknownRunbook(body.runbook).description)
        }
        guard runbook.heals.contains(check) else {
            throw HTTPError(.badRequest, message: "\(runbook.id) does not heal \(check)")
        }
        do {
            _ = try runbook.resolve(body.parameters)
        } catch {
            throw HTTPError(.badRequest, message: error.description)
        }
        guard let source = ResolutionSource(body.source) else {
            throw HTTPError(.badRequest, message: "source must be l2, human or rule:<id>")
        }
        return Resolution(
            checkID: check, runbook: runbook.id, parameters: body.parameters, source: source, verified: body.verified,
            at: services.clock())
    }

    /// The active learned rules as a rule set the appliance's strict loader reads.
    static func ruleSet(_ rules: [LearnedRule]) -> String {
        func quoted(_ text: String) -> String {
            let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        }
        if rules.isEmpty { return "rules: []\n" }
        var lines = ["rules:"]
        for rule in rules {
            lines.append("  - id: \(quoted(rule.id))")
            lines.append("    description: \(quoted("promoted by the flywheel: \(rule.note ?? "")"))")
            lines.append("    when:")
            lines.append("      - {field: check_id, op: eq, value: \(quoted(rule.checkID.rawValue))}")
            lines.append("      - {field: status, op: eq, value: fail}")
            lines.append("    runbook: \(quoted(rule.runbook))")
            if !rule.parameters.isEmpty {
                let pairs = rule.parameters.sorted { $0.key < $1.key }.map { "\(quoted($0.key)): \(quoted($0.value))" }
                lines.append("    parameters: {\(pairs.joined(separator: ", "))}")
            }
            lines.append("    priority: 150")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
