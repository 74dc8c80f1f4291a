import Compliance
import EvidenceCrypto
import Foundation
import Healing
import VigilAPI

/// A fix chosen for one drift (by an L1 rule, L2 or an order), run now or waiting for the window.
struct WaitingHeal: Sendable {
    var ruleID: String
    var runbook: String
    var parameters: [String: String]
    var hostID: String
    var checkID: CheckID
    /// What the flywheel counts this fix as (nil: a built-in or custom rule, not counted).
    var source: ResolutionSource?
}

/// The key of one drift episode: a check on a host.
func driftKey(_ host: String, _ check: CheckID) -> String { host + "|" + check.rawValue }

extension ApplianceDaemon {
    /// L1 healing after a scan (PRODUCT.md §5): each failing check with a matching rule whose
    /// runbook the site enabled is fixed now, or waits for the window if the runbook needs one;
    /// a host that was changed is scanned again in the same turn.
    func heal(_ scans: [HostScan], _ turn: inout DaemonTurn) async -> [EvidenceBundle] {
        var bundles: [EvidenceBundle] = []
        let now = Date().timeIntervalSince1970
        for scan in scans where scan.problem == nil {
            guard let target = targets.first(where: { $0.hostID == scan.hostID.rawValue }) else { continue }
            var changed = false
            for result in scan.bundle.results {
                guard result.status == .fail else {
                    // Passing again: the next drift of this check starts its retries afresh.
                    for rule in engine.rules where rule.checkID == result.checkID {
                        ledger.reset(rule: rule.id, host: target.hostID)
                    }
                    escalated.remove(driftKey(target.hostID, result.checkID))
                    l2Asked.remove(driftKey(target.hostID, result.checkID))
                    continue
                }
                let drift = Drift(
                    result: result, hostID: target.hostID, hostName: target.name, platform: .linux,
                    siteID: identity.siteID.rawValue, attempts: 0)
                guard let decision = engine.decide(drift, ledger: ledger, at: now),
                    let runbook = catalogue[decision.runbook]
                else {
                    let noRule = engine.decide(drift) == nil
                    if noRule, let l2 {
                        let (planned, ran) = await plan(result, on: target, with: l2, &turn)
                        bundles.append(contentsOf: planned)
                        changed = changed || ran
                        continue
                    }
                    let why =
                        noRule
                        ? "no L1 rule heals this check and no L2 planner is configured"
                        : "the L1 rule for this check has used its retries or is cooling down"
                    await escalate(result, on: target, why: why, attempts: 0, &turn)
                    continue
                }
                guard enabledRunbooks.contains(runbook.id) else {
                    await escalate(
                        result, on: target, why: "\(runbook.id) would heal it but is not enabled for this site",
                        attempts: 0, &turn)
                    continue
                }
                if let lockout = Self.lockout(runbook, target) {
                    await escalate(result, on: target, why: lockout, attempts: 0, &turn)
                    continue
                }
                let promoted = engine.rules.first { $0.id == decision.ruleID }?.source == .promoted
                let heal = WaitingHeal(
                    ruleID: decision.ruleID, runbook: runbook.id, parameters: decision.parameters,
                    hostID: target.hostID, checkID: result.checkID,
                    source: promoted ? .promotedRule(decision.ruleID) : nil)
                if case .deferred(let reason) = healGate(runbook) {
                    let key = runbook.id + "|" + target.hostID
                    if waitingHeals[key] == nil {
                        waitingHeals[key] = heal
                        bundles.append(deferredBundle(heal, target: target, reason: reason))
                        turn.remediations.append((runbook.id, target.name, .deferred))
                    }
                    continue
                }
                let (bundle, run) = await execute(heal, runbook: runbook, target: target, why: result)
                bundles.append(bundle)
                turn.remediations.append((runbook.id, target.name, run.outcome))
                if run.outcome != .success || run.changed { logger.notice("\(run.detail)") }
                if run.outcome == .failed || run.outcome == .reverted {
                    await escalate(result, on: target, why: run.detail, attempts: 1, &turn)
                }
                changed = changed || run.changed
            }
            if changed { bundles.append(await scanner.scan(target, includePatching: false).bundle) }
        }
        return bundles
    }

    /// L3: tells Central Command about a failing check it could not heal, once per host and
    /// check until the check passes (Central Command counts repeats on the open incident).
    func escalate(
        _ result: CheckResult, on target: CheckInTarget, why: String, attempts: Int, _ turn: inout DaemonTurn,
        pendingAction: Incident.PendingAction? = nil
    ) async {
        let key = driftKey(target.hostID, result.checkID)
        guard !escalated.contains(key), centralReachable == true else { return }
        let context =
            "\(result.checkID) is failing on \(target.name) (observed \(result.observed ?? "nothing")): \(why)"
        let request = EscalationRequest(
            hostID: target.hostID, checkID: result.checkID.rawValue,
            observed: result.observed.map { LinuxChecks.clip(PHIScrubber.scrub($0)) },
            context: LinuxChecks.clip(PHIScrubber.scrub(context)), attempts: attempts, pendingAction: pendingAction)
        do {
            _ = try await link.escalate(request)
            escalated.insert(key)
            turn.escalations.append((target.name, result.checkID.rawValue))
        } catch {
            // Not sent: the next scan that finds the check failing tries again.
            turn.problems.append("cannot escalate \(result.checkID) on \(target.name): \(error.description)")
        }
    }

    /// L2 for a drift no L1 rule covers (once per drift episode): the guardrails' verdict runs
    /// the fix, proposes it for approval, or escalates; the consultation is recorded either way.
    /// Returns the bundles and whether the host was changed.
    func plan(_ result: CheckResult, on target: CheckInTarget, with l2: L2PlannerClient, _ turn: inout DaemonTurn)
        async -> ([EvidenceBundle], Bool)
    {
        let key = driftKey(target.hostID, result.checkID)
        guard !l2Asked.contains(key) else { return ([], false) }
        let title = CheckCatalog.builtin[result.checkID]?.title ?? result.checkID.rawValue
        let context = L2Context(
            result: result, title: title, platform: .linux, attempts: 0, catalogue: catalogue, enabled: enabledRunbooks)
        guard context.runbooks.contains(where: { $0.heals.contains(result.checkID.rawValue) }) else {
            await escalate(
                result, on: target, why: "no L1 rule and no enabled runbook heals this check (L2 not asked)",
                attempts: 0, &turn)
            return ([], false)
        }
        l2Asked.insert(key)
        let consultation = await l2.consult(
            context, check: result.checkID, catalogue: catalogue, enabled: enabledRunbooks)
        let reasoning = PHIScrubber.scrub(consultation.decision?.reasoning ?? "")
        let heal = WaitingHeal(
            ruleID: "L2:\(l2.configuration.provider.model)", runbook: "", parameters: [:], hostID: target.hostID,
            checkID: result.checkID, source: .l2)
        func record(_ outcome: Outcome, runbook: String?) -> EvidenceBundle {
            var decided = heal
            decided.runbook = runbook ?? "none"
            let now = Timestamp.now()
            return identity.bundle(
                kind: .remediation, host: (try? ManagedHost.ID(target.hostID)) ?? identity.selfHostID,
                startedAt: now, finishedAt: now, actions: [decisionStep(decided, why: result), consultation.step],
                outcome: outcome)
        }
        switch consultation.verdict {
        case .run(let id, let parameters):
            guard let runbook = catalogue[id] else { return ([], false) }
            var chosen = heal
            chosen.runbook = id
            chosen.parameters = parameters
            let (recorded, run) = await execute(
                chosen, runbook: runbook, target: target, why: result, planning: consultation.step)
            turn.remediations.append((id, target.name, run.outcome))
            logger.notice("L2: \(run.detail)")
            if run.outcome == .failed || run.outcome == .reverted {
                await escalate(
                    result, on: target, why: "L2 chose \(id): \(run.detail); reasoning: \(reasoning)", attempts: 1,
                    &turn)
            }
            return ([recorded], run.changed)
        case .needsApproval(let id, let parameters, let why):
            turn.remediations.append((id, target.name, .pendingApproval))
            await escalate(
                result, on: target, why: "L2 proposes \(id), which needs approval: \(why)", attempts: 0, &turn,
                pendingAction: Incident.PendingAction(
                    runbook: id, parameters: parameters, reasoning: LinuxChecks.clip(reasoning),
                    confidence: consultation.decision?.confidence))
            return ([record(.pendingApproval, runbook: id)], false)
        case .escalate(let why):
            await escalate(result, on: target, why: "L2: \(why)", attempts: 0, &turn)
            return ([record(.alert, runbook: nil)], false)
        }
    }

    /// Fixes that waited for the window run once the gate allows them (detect runs first, so a
    /// drift healed meanwhile is left alone).
    func runWaitingHeals(_ turn: inout DaemonTurn) async -> [EvidenceBundle] {
        var bundles: [EvidenceBundle] = []
        for (key, heal) in waitingHeals.sorted(by: { $0.key < $1.key }) {
            guard let runbook = catalogue[heal.runbook], enabledRunbooks.contains(runbook.id),
                let target = targets.first(where: { $0.hostID == heal.hostID })
            else {
                waitingHeals[key] = nil
                continue
            }
            guard healGate(runbook) == .run else { continue }
            waitingHeals[key] = nil
            let (bundle, run) = await execute(heal, runbook: runbook, target: target, why: nil)
            bundles.append(bundle)
            turn.remediations.append((runbook.id, target.name, run.outcome))
            logger.notice("\(run.detail)")
            if run.changed { bundles.append(await scanner.scan(target, includePatching: false).bundle) }
        }
        return bundles
    }

    /// Why running `runbook` on `target` would cut the appliance off the host, or nil: turning
    /// password logins off on a host the appliance reaches with a password.
    static func lockout(_ runbook: Runbook, _ target: CheckInTarget) -> String? {
        guard runbook.heals.contains(where: { $0.rawValue == "linux.ssh.password_authentication" }),
            target.credential?.kind == StoredCredential.Kind.password.rawValue
        else { return nil }
        return
            "\(runbook.id) would lock the appliance out of \(target.name), which it reaches with a password; give it an SSH key first"
    }

    /// Runbooks that need the window run only inside it and with a trustworthy clock.
    func healGate(_ runbook: Runbook) -> ActionDecision {
        guard runbook.requiresWindow else { return .run }
        return ActionGate.decide(
            disruptive: true, clockTrusted: clock?.trustworthy ?? false, window: window, at: Date())
    }

    /// Runs one fix and records it: a `remediation` bundle whose first step says why (followed
    /// by L2's `plan` step when L2 chose it).
    func execute(
        _ heal: WaitingHeal, runbook: Runbook, target: CheckInTarget, why result: CheckResult?,
        planning: ActionStep? = nil
    ) async -> (EvidenceBundle, RemediationRun) {
        ledger.record(rule: heal.ruleID, host: heal.hostID, at: Date().timeIntervalSince1970)
        let started = Timestamp.now()
        let parameters: [String: String]
        do {
            parameters = try runbook.resolve(heal.parameters)
        } catch {
            let run = RemediationRun(
                runbookID: runbook.id, outcome: .failed, steps: [], detail: error.description, changed: false)
            return (
                remediationBundle(heal, target: target, run: run, started: started, why: result, planning: planning),
                run
            )
        }
        let run = await executor.run(runbook, parameters: parameters, on: target)
        var resolved = heal
        resolved.parameters = parameters
        await reportResolution(resolved, run: run)
        if run.outcome == .success && run.changed {
            // Healed: the next drift of this check starts afresh (retries, escalation, L2).
            let key = driftKey(heal.hostID, heal.checkID)
            escalated.remove(key)
            l2Asked.remove(key)
            ledger.reset(rule: heal.ruleID, host: heal.hostID)
        }
        return (
            remediationBundle(heal, target: target, run: run, started: started, why: result, planning: planning), run
        )
    }

    func decisionStep(_ heal: WaitingHeal, why result: CheckResult?) -> ActionStep {
        let observed = result?.observed.map { " observed \(String(reflecting: $0))" } ?? ""
        let text = "\(heal.ruleID): \(heal.checkID)\(observed) → \(heal.runbook)"
        return ActionStep(
            step: "decide", runbookID: heal.runbook, exitCode: 0, durationMilliseconds: 0,
            outputHash: HexDigest.digest(Array(text.utf8)), excerpt: LinuxChecks.clip(text))
    }

    func remediationBundle(
        _ heal: WaitingHeal, target: CheckInTarget, run: RemediationRun, started: Timestamp, why result: CheckResult?,
        planning: ActionStep? = nil
    ) -> EvidenceBundle {
        let host = (try? ManagedHost.ID(target.hostID)) ?? identity.selfHostID
        return identity.bundle(
            kind: .remediation, host: host, startedAt: started, finishedAt: Timestamp.now(),
            actions: [decisionStep(heal, why: result)] + (planning.map { [$0] } ?? []) + run.steps,
            outcome: run.outcome)
    }

    func deferredBundle(_ heal: WaitingHeal, target: CheckInTarget, reason: String) -> EvidenceBundle {
        let now = Timestamp.now()
        let host = (try? ManagedHost.ID(target.hostID)) ?? identity.selfHostID
        let text = "\(heal.runbook) waits for the maintenance window: \(reason)"
        let wait = ActionStep(
            step: "defer", runbookID: heal.runbook, exitCode: 0, durationMilliseconds: 0,
            outputHash: HexDigest.digest(Array(text.utf8)), excerpt: LinuxChecks.clip(text))
        return identity.bundle(
            kind: .remediation, host: host, startedAt: now, finishedAt: now,
            actions: [decisionStep(heal, why: nil), wait], outcome: .deferred)
    }

    // MARK: The flywheel

    /// Fetches the promoted rules Central Command signed and, when the revision is new and the
    /// signature verifies with the pinned server key and every rule loads strictly against the
    /// catalogue, merges them with the base rules. Anything else keeps the rules in force.
    /// Returns the problem, or nil.
    func syncRules() async -> String? {
        nextRuleSync = Date().addingTimeInterval(600)
        let signed: SignedRuleSet
        do {
            signed = try await link.fetchRules()
        } catch {
            return "rule sync: \(error.description)"
        }
        guard signed.revision != promotedRevision else { return nil }
        guard let signature = Base64.decode(signed.signature),
            serverKey.isValidSignature(
                signature, for: SignedRuleSet.message(revision: signed.revision, rules: signed.rules))
        else { return "rule sync: revision \(signed.revision) is not signed by Central Command's key; rules unchanged" }
        let promoted: [L1Rule]
        do {
            promoted = try L1RuleSet.parse(
                signed.rules, file: "promoted rules r\(signed.revision)", catalogue: catalogue, source: .promoted)
        } catch {
            return "rule sync: \(error.description); rules unchanged"
        }
        let baseIDs = Set(baseRules.map(\.id))
        engine = L1Engine(baseRules + promoted.filter { !baseIDs.contains($0.id) })
        promotedRevision = signed.revision
        logger.notice("L1 rules: \(promoted.count) promoted rule(s) at revision \(signed.revision)")
        return nil
    }

    /// Tells Central Command about a real run, for the flywheel: L2's and people's fixes count
    /// towards proposals, promoted rules' runs towards their failure rate. Runs that changed
    /// nothing are not reported. Best effort: a report that cannot be sent is dropped.
    func reportResolution(_ heal: WaitingHeal, run: RemediationRun) async {
        guard let source = heal.source, run.changed || run.outcome == .failed || run.outcome == .reverted,
            centralReachable == true
        else { return }
        let report = ResolutionReport(
            checkID: heal.checkID.rawValue, runbook: heal.runbook, parameters: heal.parameters, source: source.text,
            verified: run.outcome == .success)
        do {
            try await link.report(resolution: report)
        } catch {
            logger.warning("cannot report the resolution of \(heal.checkID) to the flywheel: \(error.description)")
        }
    }

    /// A `run_runbook` order: parameters `runbook` and `host`, the rest for the runbook.
    func runOrderedRunbook(_ payload: OrderPayload, scanNow: inout Bool) async -> (OrderStatus, String, EvidenceBundle?)
    {
        var parameters = payload.parameters
        let runbookID = parameters.removeValue(forKey: "runbook") ?? ""
        let hostID = parameters.removeValue(forKey: "host") ?? ""
        guard let runbook = catalogue[runbookID] else {
            return (.failed, RunbookError.unknownRunbook(runbookID).description, nil)
        }
        guard enabledRunbooks.contains(runbook.id) else {
            return (.failed, "\(runbook.id) is not enabled for this site", nil)
        }
        guard let target = targets.first(where: { $0.hostID == hostID }) else {
            return (.failed, "host \(String(reflecting: hostID)) is not one of this site's hosts", nil)
        }
        if let lockout = Self.lockout(runbook, target) { return (.failed, lockout, nil) }
        guard target.platform == runbook.platform.rawValue else {
            return (
                .failed,
                "\(runbook.id) is a \(runbook.platform.rawValue) runbook; \(target.name) is \(target.platform)", nil
            )
        }
        do {
            _ = try runbook.resolve(parameters)
        } catch {
            return (.failed, error.description, nil)
        }
        // An order names no check: the flywheel counts it only when the runbook heals just one.
        let heal = WaitingHeal(
            ruleID: "order:\(payload.orderID)", runbook: runbook.id, parameters: parameters, hostID: hostID,
            checkID: runbook.heals[0], source: runbook.heals.count == 1 ? .human : nil)
        let (bundle, run) = await execute(heal, runbook: runbook, target: target, why: nil)
        if run.changed { scanNow = true }
        return (run.outcome == .success ? .completed : .failed, run.detail, bundle)
    }
}
