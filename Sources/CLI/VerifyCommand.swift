import ArgumentParser
import EvidenceSet
import Foundation
import VigilAPI

/// `vigil verify PATH`: the auditor's command.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify an evidence set offline: signatures, hash chain, checkpoints and proofs.",
        discussion: """
            Exit status: 0 when everything verifies, 1 when anything does not (every failing bundle \
            or file is named), 64 for a usage error. The appliance key comes from the set unless \
            --key pins one obtained independently; the output says which key was trusted.
            """)

    @Argument(help: "The evidence set directory.")
    var path: String

    @Option(name: .long, help: "Pin the appliance public key (PEM file, or a file with base64 of the 32 raw bytes).")
    var key: String?

    @Flag(name: .long, help: "Also verify the detached signature of every bundle a checkpoint already vouches for.")
    var allSignatures = false

    @Flag(name: .long, help: "Print the full report as JSON.")
    var json = false

    func run() throws {
        let verifier = EvidenceSetVerifier(options: .init(pinnedKeyPath: key, allSignatures: allSignatures))
        let progress = Progress(label: "verifying bundles", total: nil, enabled: !json)
        let report = verifier.verify(directory: path) { done, total in progress.update(done, total: total) }
        progress.finish()
        if json {
            try Output.printJSON(report)
        } else {
            print(Self.summary(report), terminator: "")
        }
        if !report.verified { throw ExitCode(1) }
    }

    /// The human summary: what was trusted, what was checked, and every failure.
    static func summary(_ report: VerificationReport, failureLimit: Int = 1000) -> String {
        var out = "Evidence set \(report.path)"
        if let appliance = report.applianceID { out += " (appliance \(appliance))" }
        out += "\n"
        if let key = report.trustedKey {
            let origin =
                key.source == "pinned"
                ? "pinned with --key \(key.path)"
                : "from the evidence set (\(key.path)); pin an independently obtained key with --key"
            out += "Trusted key: \(key.fingerprint), \(origin)\n"
        }
        if report.keyRotations > 0 {
            out +=
                "Key rotations: \(report.keyRotations), each signed by the key it replaces and by its successor\n"
        }
        if report.bundles > 0 {
            let range =
                report.firstSequence.map { first in "sequences \(first)–\(report.lastSequence ?? first), " } ?? ""
            out += "Bundles: \(report.bundles) (\(range)\(report.bytes.humanBytes))\n"
            out +=
                "Authenticated: \(report.authenticatedByCheckpoint) by signed checkpoints, \(report.authenticatedBySignature) by their own signatures\n"
            let cosigned = report.checkpoints.cosignatures.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }
            out +=
                "Checkpoints: \(report.checkpoints.verified) of \(report.checkpoints.found) with a valid appliance signature, largest covers \(report.checkpoints.largestTreeSize) bundles"
            out += cosigned.isEmpty ? "\n" : "; cosigned by \(cosigned.joined(separator: ", "))\n"
            out += "Proofs: \(report.inclusionProofs) inclusion, \(report.consistencyProofs) consistency verified\n"
        }
        for warning in report.warnings { out += "Warning: \(warning)\n" }
        if report.verified {
            out += String(format: "VERIFIED in %.2f s\n", report.durationSeconds)
        } else {
            out += "FAILED: \(report.failures.count) problem\(report.failures.count == 1 ? "" : "s")\n"
            // Set-level problems first, then bundle problems in sequence order.
            let ordered = report.failures.enumerated().sorted {
                ($0.element.sequence ?? -1, $0.offset) < ($1.element.sequence ?? -1, $1.offset)
            }.map(\.element)
            for failure in ordered.prefix(failureLimit) {
                out += "  [\(failure.kind.rawValue)] \(failure.message)\n"
            }
            if report.failures.count > failureLimit {
                out += "  … and \(report.failures.count - failureLimit) more (--json lists them all)\n"
            }
        }
        return out
    }
}
