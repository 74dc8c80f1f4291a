public import Compliance
import Foundation
public import Healing
public import VigilAPI

/// What one runbook run did: every step as evidence records it, and the outcome.
public struct RemediationRun: Sendable {
    public var runbookID: String
    public var outcome: Outcome
    public var steps: [ActionStep]
    /// One sentence for logs, order reports and the bundle's last excerpt.
    public var detail: String
    /// Whether the host was changed and left changed (a heal to confirm by a re-scan).
    public var changed: Bool
}

/// Runs a runbook on a Linux host over SSH (PRODUCT.md §5.4): detect → capture the pre-state →
/// remediate → verify, and on a failed remediate or verify the rollback with the captured
/// pre-state. Each step is its own SSH session running `RunbookScript`'s program as root
/// (`sudo -n` unless the account is root). The host key must already be pinned by a scan: a
/// remediation never trusts a key on first use.
public struct RunbookExecutor: Sendable {
    public static let maximumPreState = 256 << 10

    let client: SSHClient
    let pins: any HostKeyPins

    public init(client: SSHClient = SSHClient(), pins: any HostKeyPins) {
        self.client = client
        self.pins = pins
    }

    public func run(_ runbook: Runbook, parameters: [String: String], on target: CheckInTarget) async -> RemediationRun
    {
        var steps: [ActionStep] = []
        func finish(_ outcome: Outcome, _ detail: String, changed: Bool = false) -> RemediationRun {
            RemediationRun(runbookID: runbook.id, outcome: outcome, steps: steps, detail: detail, changed: changed)
        }
        let endpoint: SSHEndpoint
        let pinned: String
        do {
            endpoint = try HostScanner.endpoint(for: target)
            guard let key = try await pins.pinnedKey(of: try ManagedHost.ID(target.hostID)) else {
                return finish(
                    .failed, "the host key of \(target.name) is not pinned yet: it is healed after its first scan")
            }
            pinned = key
        } catch {
            return finish(.failed, "cannot reach \(target.name): \(error)")
        }
        let interpreter: SSHClient.Interpreter = endpoint.username == "root" ? .shell : .rootShell

        /// A step right after a remediation that reloaded sshd can meet it restarting: a refused
        /// connection (the script never started, so running it again is safe) is retried.
        func runRetryingConnect(_ program: String) async throws(SSHError) -> SSHCommandResult {
            var attempt = 0
            while true {
                do {
                    return try await client.run(
                        script: program, on: endpoint, pinnedHostKey: pinned, timeoutSeconds: runbook.timeoutSeconds,
                        interpreter: interpreter)
                } catch .connect(_) where attempt < 4 {
                    attempt += 1
                    try? await Task.sleep(for: .milliseconds(250 * attempt))
                }
            }
        }

        /// Runs one step; its record is appended; nil exit code when it could not run at all.
        func step(_ step: Runbook.Step, preState: [UInt8]? = nil) async -> (exit: Int?, stdout: [UInt8], error: String?)
        {
            let program = RunbookScript.program(runbook, step: step, parameters: parameters, preState: preState)
            let started = Date()
            var exit: Int?
            var stdout: [UInt8] = []
            var output: [UInt8] = []
            var failure: String?
            do {
                let result = try await runRetryingConnect(program)
                exit = result.exitStatus
                stdout = result.stdout
                output = result.stdout + result.stderr
                if exit == nil { failure = "\(step.rawValue) ended without an exit status (killed)" }
            } catch {
                failure = "\(step.rawValue) could not run: \(error.description)"
                output = Array(error.description.utf8)
            }
            let milliseconds = Int64(Date().timeIntervalSince(started) * 1000)
            // The pre-state may hold configuration: evidence keeps its hash and size, never its text.
            let excerpt =
                step == .capture
                ? "captured \(stdout.count) bytes of pre-state"
                : LinuxChecks.clip(failure ?? String(decoding: output, as: UTF8.self))
            steps.append(
                ActionStep(
                    step: step.rawValue, runbookID: runbook.id, exitCode: Int32(clamping: exit ?? -1),
                    durationMilliseconds: milliseconds, outputHash: HexDigest.digest(output), excerpt: excerpt))
            return (exit, stdout, failure)
        }

        /// The rollback after a failed remediate or verify: `reverted` when it succeeds.
        func rollBack(_ preState: [UInt8], because why: String) async -> RemediationRun {
            let rollback = await step(.rollback, preState: preState)
            if rollback.exit == 0 { return finish(.reverted, "\(why); the rollback restored the pre-state") }
            let reason = rollback.error ?? "the rollback exited \(rollback.exit ?? -1)"
            return finish(.failed, "\(why), and \(reason): the host may be left half-changed", changed: true)
        }

        let detect = await step(.detect)
        switch detect.exit {
        case 0: break
        case 1: return finish(.success, "nothing to do: \(runbook.id) found no drift on \(target.name)")
        default:
            return finish(
                .failed,
                detect.error ?? "detect could not tell whether \(runbook.id) applies (exit \(detect.exit ?? -1))")
        }
        let capture = await step(.capture)
        guard capture.exit == 0 else {
            return finish(.failed, capture.error ?? "capture exited \(capture.exit ?? -1); nothing was changed")
        }
        guard capture.stdout.count <= Self.maximumPreState else {
            return finish(.failed, "the pre-state is over \(Self.maximumPreState / 1024) KiB; nothing was changed")
        }
        let remediate = await step(.remediate)
        guard remediate.exit == 0 else {
            return await rollBack(
                capture.stdout, because: remediate.error ?? "remediate exited \(remediate.exit ?? -1)")
        }
        let verify = await step(.verify)
        guard verify.exit == 0 else {
            return await rollBack(capture.stdout, because: verify.error ?? "verify failed (exit \(verify.exit ?? -1))")
        }
        return finish(.success, "\(runbook.id) healed \(target.name): verify passed", changed: true)
    }
}
