import ArgumentParser
import EvidenceCrypto
import Foundation

/// `vigil keys …`: Ed25519 key management.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage Ed25519 keys.", subcommands: [Generate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate an Ed25519 key pair: DIR/private-key.pem (mode 0600) and DIR/public-key.pem.")

        @Option(name: .long, help: "Directory for the key pair (created with mode 0700 if absent).")
        var out: String

        @Flag(name: .long, help: "Print the result as JSON.")
        var json = false

        func run() throws {
            try Output.ensureDirectory(out, mode: 0o700)
            let privatePath = "\(out)/private-key.pem"
            let publicPath = "\(out)/public-key.pem"
            guard FileManager.default.fileExists(atPath: publicPath) == false else {
                throw CLIError("\(publicPath) already exists; refusing to overwrite a key")
            }
            let key = SigningKey()
            do {
                try key.write(to: privatePath)
            } catch {
                throw CLIError(error.description)
            }
            do {
                try Output.writeFile(Array(key.verifyingKey.pem.utf8), to: publicPath)
            } catch {
                throw CLIError("cannot write \(publicPath): \(FileErrorText.describe(error))")
            }
            let fingerprint = key.verifyingKey.fingerprint
            if json {
                try Output.printJSON(["private_key": privatePath, "public_key": publicPath, "fingerprint": fingerprint])
            } else {
                print("Wrote \(privatePath) (mode 0600) and \(publicPath)")
                print("Public key fingerprint: \(fingerprint)")
            }
        }
    }
}
