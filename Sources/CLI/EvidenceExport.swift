import ArgumentParser
import CentralClient
import Compliance
import EvidenceCrypto
import EvidenceSet
import Foundation
import VigilAPI

/// `vigil evidence export`: a site's evidence from Central Command as evidence sets that
/// `vigil verify` checks offline.
struct EvidenceExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a site's evidence from Central Command as evidence sets for `vigil verify`.",
        discussion: """
            Writes each appliance's chain exactly as signed (bundles/, one .json and .sig per \
            bundle), the appliance's public key, the latest checkpoint Central Command cosigned and \
            the witness key, and a manifest. A site with one appliance is exported into --out; with \
            several, into --out/<appliance-id>/. The API key comes from --api-key, --token-file or \
            VIGIL_API_KEY (a flag shows in process lists; prefer the others on shared machines).
            """)

    @Option(name: .long, help: "Central Command's URL (default: $VIGIL_URL or http://127.0.0.1:8420).")
    var server: String?

    @Option(name: .long, help: "API key (see the discussion for safer ways).")
    var apiKey: String?

    @Option(name: .long, help: "A file holding the API key.")
    var tokenFile: String?

    @Option(name: .long, help: "Site ID.")
    var site: String

    @Option(name: .long, help: "Only this appliance (default: every appliance of the site).")
    var appliance: String?

    @Option(name: .long, help: "Output directory (must be absent or empty).")
    var out: String

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    struct Exported: Encodable {
        var applianceID: String
        var directory: String
        var bundles: Int
        var firstSequence: Int64?
        var lastSequence: Int64?
        var checkpointSize: Int64?

        enum CodingKeys: String, CodingKey {
            case directory, bundles
            case applianceID = "appliance_id"
            case firstSequence = "first_sequence"
            case lastSequence = "last_sequence"
            case checkpointSize = "checkpoint_size"
        }
    }

    func validate() throws {
        _ = try pathSegment(site, "--site")
        if let appliance { _ = try pathSegment(appliance, "--appliance") }
    }

    func client() throws -> OperatorClient {
        if let apiKey {
            guard !apiKey.isEmpty else { throw ValidationError("--api-key is empty") }
            return OperatorClient(
                connection: CentralConnection(baseURL: try AdminOptions.baseURL(server, flag: "--server")),
                token: apiKey)
        }
        var arguments: [String] = []
        if let server { arguments += ["--url", server] }
        if let tokenFile { arguments += ["--token-file", tokenFile] }
        return try AdminOptions.parse(arguments).client()
    }

    func run() async throws {
        let client = try client()
        let site = try pathSegment(site, "--site")
        let appliances: [ApplianceInfo]
        do {
            appliances = try await client.get("/api/v1/sites/\(site)/appliances", as: [ApplianceInfo].self)
        } catch {
            throw CLIError(error.description)
        }
        let chosen = appliances.filter { appliance == nil || $0.id == appliance }
        guard !chosen.isEmpty else {
            throw CLIError(
                appliance.map { "site \(site) has no appliance \($0)" }
                    ?? "site \(site) has no appliance: nothing to export")
        }
        var results: [Exported] = []
        for info in chosen {
            let directory = chosen.count == 1 ? out : "\(out)/\(info.id)"
            results.append(try await export(info, site: site, to: directory, client: client))
        }
        if json {
            try Output.printJSON(results)
        } else {
            for result in results {
                let range = result.firstSequence.map { "\($0)–\(result.lastSequence ?? $0)" } ?? "none"
                let witnessed =
                    result.checkpointSize.map { "cosigned checkpoint at size \($0)" } ?? "no cosigned checkpoint yet"
                print(
                    "Exported \(result.bundles) bundles (sequences \(range)) of \(result.applianceID) to \(result.directory); \(witnessed)"
                )
                print("Verify with: vigil verify \(result.directory)")
            }
        }
    }

    /// Writes one appliance's set, checking every bundle's hash on the way.
    func export(_ info: ApplianceInfo, site: String, to directory: String, client: OperatorClient) async throws
        -> Exported
    {
        // The set names the first key; rotations (signed by both keys) lead to the current one.
        let key: VerifyingKey
        do {
            key = try VerifyingKey(text: info.keyRotations.first?.oldKey ?? info.publicKey)
        } catch {
            throw CLIError("appliance \(info.id) has an unreadable public key: \(error.description)")
        }
        let writer: EvidenceSetWriter
        do {
            writer = try EvidenceSetWriter(directory: directory)
        } catch {
            throw CLIError(error.description)
        }
        let progress = Progress(label: "exporting \(info.id)", total: nil, enabled: !json)
        var after: Int64 = 0
        var first: Int64?
        var count = 0
        while true {
            let page: [ProvingBundle]
            do {
                page = try await client.get(
                    "/api/v1/sites/\(site)/appliances/\(info.id)/evidence?after=\(after)&limit=1000",
                    as: [ProvingBundle].self)
            } catch {
                progress.finish()
                throw CLIError(error.description)
            }
            for bundle in page {
                let bytes = Base64.decode(bundle.canonicalBytes)
                let hash = bytes.map { Hash32.sha256($0) }
                guard let bytes, let hash, let signature = Base64.decode(bundle.signature), hash.hex == bundle.hash,
                    bundle.sequence > after
                else {
                    progress.finish()
                    throw CLIError(
                        "bundle \(bundle.sequence) of \(info.id) arrived damaged or out of order; export stopped")
                }
                do {
                    try writer.write(
                        SealedBundle(
                            sequence: bundle.sequence, canonicalBytes: bytes, signature: signature, hash: hash))
                } catch {
                    progress.finish()
                    throw CLIError(error.description)
                }
                first = first ?? bundle.sequence
                after = bundle.sequence
                count += 1
            }
            progress.update(count)
            if page.count < 1000 { break }
        }
        progress.finish()
        var witnesses: [EvidenceSetManifest.Witness] = []
        var checkpointSize: Int64?
        do {
            try writer.write(publicKey: key, at: EvidenceSetLayout.appliancePublicKey)
            if let cosigned = try await latestCheckpoint(info, site: site, client: client), cosigned.treeSize <= after {
                let note = try SignedNote(parsing: cosigned.note)
                try writer.write(checkpoint: note, treeSize: Int(cosigned.treeSize))
                let witnessKey = try VerifyingKey(text: cosigned.witnessKey)
                let file = "\(EvidenceSetLayout.witnesses)/central-witness.pub.pem"
                try writer.write(publicKey: witnessKey, at: file)
                witnesses.append(.init(name: cosigned.witnessName, publicKey: file))
                checkpointSize = cosigned.treeSize
            }
            try writer.write(
                manifest: EvidenceSetManifest(
                    applianceID: info.id, origin: EvidenceSetLayout.origin(applianceID: info.id),
                    publicKey: EvidenceSetLayout.appliancePublicKey, firstSequence: first ?? 0, lastSequence: after,
                    createdAt: Timestamp.now().description, witnesses: witnesses, keyRotations: info.keyRotations))
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("\(error)")
        }
        return Exported(
            applianceID: info.id, directory: directory, bundles: count, firstSequence: first,
            lastSequence: first == nil ? nil : after, checkpointSize: checkpointSize)
    }

    /// The latest cosigned checkpoint, or nil when there is none yet (404).
    func latestCheckpoint(_ info: ApplianceInfo, site: String, client: OperatorClient) async throws
        -> CosignedCheckpoint?
    {
        do {
            return try await client.get(
                "/api/v1/sites/\(site)/appliances/\(info.id)/checkpoint", as: CosignedCheckpoint.self)
        } catch .status(404, _) {
            return nil
        } catch {
            throw CLIError(error.description)
        }
    }
}
