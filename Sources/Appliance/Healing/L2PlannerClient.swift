public import Compliance
import EvidenceCrypto
public import Foundation
public import Healing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// How the appliance reaches its L2 planner (docs/CONFIGURATION.md, `l2-*`).
public struct L2Configuration: Sendable {
    public var provider: L2Provider
    public var timeoutSeconds: Double = 30
    /// Calls per UTC day; past it L2 is skipped and the drift escalates.
    public var dailyBudget = 50
    /// At least this many seconds between calls (a rate limit).
    public var minimumIntervalSeconds = 2.0
    public var confidenceThreshold = 0.8

    public init(provider: L2Provider) {
        self.provider = provider
    }
}

/// What one L2 consultation came to, and its record for the evidence.
public struct L2Consultation: Sendable {
    public var verdict: L2Verdict
    public var decision: L2Decision?
    /// `plan`: model, prompt hash, latency, decision and verdict; the output hash is the model's text.
    public var step: ActionStep
}

/// Asks the configured model for a decision, then applies the guardrails. Every call is timed
/// out, budgeted and rate-limited; any failure (transport, status, timeout, malformed or
/// truncated answer, refusal) becomes an escalation, never a guess.
public actor L2PlannerClient {
    public let configuration: L2Configuration
    let session: URLSession
    var day = ""
    var callsToday = 0
    var lastCall = Date.distantPast

    public init(configuration: L2Configuration) {
        self.configuration = configuration
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.timeoutIntervalForRequest = configuration.timeoutSeconds
        sessionConfiguration.timeoutIntervalForResource = configuration.timeoutSeconds
        session = URLSession(configuration: sessionConfiguration)
    }

    public func consult(_ context: L2Context, check: CheckID, catalogue: RunbookCatalogue, enabled: Set<String>) async
        -> L2Consultation
    {
        let started = Date()
        let model = configuration.provider.model
        func record(_ verdict: L2Verdict, _ decision: L2Decision?, text: String, prompt: String, failure: String?)
            -> L2Consultation
        {
            let milliseconds = Int64(Date().timeIntervalSince(started) * 1000)
            var summary = "L2 \(model), prompt \(prompt), \(milliseconds) ms: "
            if let failure { summary += failure + "; " }
            if let decision {
                summary +=
                    "chose \(decision.runbook ?? "none") at confidence \(decision.confidence)"
                    + (decision.escalate ? ", asked for a person" : "") + "; "
            }
            switch verdict {
            case .run(let runbook, _): summary += "guardrails: run \(runbook)"
            case .needsApproval(let runbook, _, let why): summary += "guardrails: \(runbook) needs approval (\(why))"
            case .escalate(let why): summary += "guardrails: escalate (\(why))"
            }
            if let reasoning = decision?.reasoning { summary += "; reasoning: \(PHIScrubber.scrub(reasoning))" }
            let runbook: String? =
                switch verdict {
                case .run(let id, _), .needsApproval(let id, _, _): id
                case .escalate: nil
                }
            let step = ActionStep(
                step: "plan", runbookID: runbook, exitCode: failure == nil ? 0 : 1, durationMilliseconds: milliseconds,
                outputHash: HexDigest.digest(Array(text.utf8)), excerpt: LinuxChecks.clip(summary))
            return L2Consultation(verdict: verdict, decision: decision, step: step)
        }
        let request: URLRequest
        do {
            request = try configuration.provider.request(context: context)
        } catch {
            return record(.escalate(why: error.description), nil, text: "", prompt: "none", failure: error.description)
        }
        let prompt = "sha256:" + Hash32.sha256(Array(request.httpBody ?? Data())).hex.prefix(16)
        if let refusal = admit() {
            return record(
                .escalate(why: refusal.description), nil, text: "", prompt: prompt, failure: refusal.description)
        }
        let text: String
        do {
            text = try await call(request)
        } catch {
            return record(.escalate(why: error.description), nil, text: "", prompt: prompt, failure: error.description)
        }
        let decision: L2Decision
        do {
            decision = try L2Decision.parse(text)
        } catch {
            return record(
                .escalate(why: error.description), nil, text: text, prompt: prompt, failure: error.description)
        }
        let guardrails = L2Guardrails(confidenceThreshold: configuration.confidenceThreshold)
        let verdict = guardrails.judge(decision, check: check, catalogue: catalogue, enabled: enabled)
        return record(verdict, decision, text: text, prompt: prompt, failure: nil)
    }

    /// The daily budget and the rate limit; nil when a call may go out (and counts it).
    func admit() -> L2Error? {
        let now = Date()
        let today = String(Timestamp.now().description.prefix(10))
        if today != day {
            day = today
            callsToday = 0
        }
        guard callsToday < configuration.dailyBudget else {
            return .budgetExhausted("\(configuration.dailyBudget) calls used today")
        }
        guard now.timeIntervalSince(lastCall) >= configuration.minimumIntervalSeconds else {
            return .budgetExhausted("rate limit: one call per \(configuration.minimumIntervalSeconds) s")
        }
        callsToday += 1
        lastCall = now
        return nil
    }

    /// One HTTP exchange, bounded by the timeout however slowly the answer trickles in.
    func call(_ request: URLRequest) async throws(L2Error) -> String {
        let session = self.session
        let provider = configuration.provider
        let timeout = configuration.timeoutSeconds
        let result: Result<String, L2Error> = await withTaskGroup(of: Result<String, L2Error>?.self) { group in
            group.addTask {
                do {
                    let (body, response) = try await session.data(for: request)
                    let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                    guard (200..<300).contains(status) else { return .failure(.status(status)) }
                    return Result { () throws(L2Error) in try provider.text(from: body) }
                } catch let error as URLError where error.code == .timedOut {
                    return .failure(.timedOut(seconds: timeout))
                } catch {
                    return .failure(.transport(error.localizedDescription))
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(timeout))
                return Task.isCancelled ? nil : .failure(.timedOut(seconds: timeout))
            }
            var first: Result<String, L2Error> = .failure(.timedOut(seconds: timeout))
            for await outcome in group {
                if let outcome {
                    first = outcome
                    break
                }
            }
            group.cancelAll()
            return first
        }
        return try result.get()
    }
}
