import ArgumentParser
import Compliance
import EvidenceCrypto
import EvidenceSet
import Foundation

/// `vigil evidence …`: produce and handle evidence sets.
struct EvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence", abstract: "Produce and handle evidence sets.",
        subcommands: [Sample.self, EvidenceExport.self])

    struct Sample: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a valid signed, chained, checkpointed evidence set of realistic host scans.",
            discussion: """
                The set goes through the same sealing code an appliance uses. Without --key a fresh \
                appliance key is generated and only its public half is kept (in the set). A witness \
                key cosigns every checkpoint as Central Command does.
                """)

        @Option(name: .long, help: "Number of bundles (host scans).")
        var bundles: Int

        @Option(name: .long, help: "Check records per bundle.")
        var records: Int

        @Option(name: .long, help: "Output directory (must be absent or empty).")
        var out: String

        @Option(name: .long, help: "Write a signed checkpoint after every N bundles.")
        var checkpointEvery = 1000

        @Option(name: .long, help: "Appliance private key (PEM, from `vigil keys generate`). Default: a fresh key.")
        var key: String?

        @Option(name: .long, help: "Appliance ID recorded in the bundles.")
        var applianceID = "appliance-sample-01"

        @Option(name: .long, help: "Seed for the simulated observations.")
        var seed: UInt64 = 1

        @Option(name: .long, help: "Time of the first scan (RFC 3339 UTC). Default: so the last scan is now.")
        var start: String?

        @Flag(name: .long, help: "Do not cosign checkpoints with a witness key.")
        var noWitness = false

        @Flag(name: .long, help: "Print the result as JSON.")
        var json = false

        func validate() throws {
            guard bundles >= 1 else { throw ValidationError("--bundles must be at least 1") }
            guard bundles <= 100_000_000 else { throw ValidationError("--bundles must be at most 100,000,000") }
            guard records >= 1 else { throw ValidationError("--records must be at least 1") }
            guard checkpointEvery >= 1 else { throw ValidationError("--checkpoint-every must be at least 1") }
            guard Identifier<Appliance>.isValid(applianceID) else {
                throw ValidationError("--appliance-id: use 1–128 characters from A–Z a–z 0–9 . _ : -")
            }
        }

        func run() throws {
            let applianceKey: SigningKey
            do {
                applianceKey = try key.map { path throws(KeyError) in try SigningKey(contentsOf: path) } ?? SigningKey()
            } catch {
                throw CLIError(error.description)
            }
            let firstScan: Timestamp
            if let start {
                do {
                    firstScan = try Timestamp(parsing: start)
                } catch {
                    throw ValidationError("--start: \(error.description)")
                }
            } else {
                firstScan = Timestamp.now().adding(milliseconds: -Int64(bundles - 1) * SampleEvidence.scanInterval)
            }
            let sample = SampleEvidence(
                bundles: bundles, recordsPerBundle: records, checkpointEvery: checkpointEvery,
                applianceID: try Identifier<Appliance>(applianceID), applianceKey: applianceKey,
                witnessKey: noWitness ? nil : SigningKey(), seed: seed, start: firstScan)
            let progress = Progress(label: "writing bundles", total: bundles, enabled: !json)
            let clock = ContinuousClock.now
            do {
                try sample.write(to: out) { progress.update($0) }
            } catch {
                progress.finish()
                throw CLIError(error.description)
            }
            progress.finish()
            let seconds =
                Double((ContinuousClock.now - clock).components.attoseconds) / 1e18
                + Double((ContinuousClock.now - clock).components.seconds)
            let checkpoints = bundles / checkpointEvery
            if json {
                try Output.printJSON(
                    SampleSummary(
                        directory: out, bundles: bundles, records: bundles * records, checkpoints: checkpoints,
                        applianceID: applianceID, publicKeyFingerprint: applianceKey.verifyingKey.fingerprint,
                        seconds: seconds))
            } else {
                print(
                    "Wrote \(bundles) bundles (\(bundles * records) check records) and \(checkpoints) signed checkpoints to \(out)"
                )
                print("Appliance \(applianceID), key \(applianceKey.verifyingKey.fingerprint)")
                print("Verify with: vigil verify \(out)")
            }
        }
    }

    struct SampleSummary: Encodable {
        var directory: String
        var bundles: Int
        var records: Int
        var checkpoints: Int
        var applianceID: String
        var publicKeyFingerprint: String
        var seconds: Double

        enum CodingKeys: String, CodingKey {
            case directory, bundles, records, checkpoints, seconds
            case applianceID = "appliance_id"
            case publicKeyFingerprint = "public_key_fingerprint"
        }
    }
}
