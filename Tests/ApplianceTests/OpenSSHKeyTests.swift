import Appliance
import Foundation
import TestSupport
import Testing

/// Private keys as `ssh-keygen` writes them, and keys that must be refused with a reason.
@Suite struct OpenSSHKeyTests {
    static let keygen = "/usr/bin/ssh-keygen"
    static let available = FileManager.default.isExecutableFile(atPath: keygen)

    /// A fresh key from ssh-keygen: the private file and the public line.
    func generate(_ arguments: [String], passphrase: String = "") throws -> (String, String) {
        let directory = try TemporaryDirectory("vigil-keys")
        let path = directory.appending("key")
        let result = try Shell.execute(Self.keygen, ["-q", "-N", passphrase, "-f", path] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return (
            try String(contentsOfFile: path, encoding: .utf8),
            try String(contentsOfFile: path + ".pub", encoding: .utf8)
        )
    }

    @Test(
        .enabled(if: available, "needs ssh-keygen (apt-get install openssh-client)"),
        arguments: [
            ["-t", "ed25519"], ["-t", "ecdsa", "-b", "256"], ["-t", "ecdsa", "-b", "384"],
            ["-t", "ecdsa", "-b", "521"],
        ])
    func readsKeysSSHKeygenWritesAndDerivesTheSamePublicKey(_ type: [String]) throws {
        let (privateText, publicLine) = try generate(type)
        let key = try OpenSSHPrivateKey.parse(privateText)
        // "type base64 comment": the key we read must be the key ssh-keygen published.
        let expected = publicLine.split(separator: " ").prefix(2).joined(separator: " ")
        #expect(key.publicKey.openSSHString == expected)
    }

    @Test(.enabled(if: available, "needs ssh-keygen (apt-get install openssh-client)"))
    func fingerprintsMatchSSHKeygen() throws {
        let directory = try TemporaryDirectory("vigil-keys")
        let path = directory.appending("key")
        _ = try Shell.execute(Self.keygen, ["-q", "-N", "", "-t", "ed25519", "-f", path])
        let key = try OpenSSHPrivateKey.parse(try String(contentsOfFile: path, encoding: .utf8))
        let listed = try Shell.execute(Self.keygen, ["-l", "-E", "sha256", "-f", path + ".pub"]).stdout
        #expect(listed.contains(key.publicKey.fingerprint), "\(listed) vs \(key.publicKey.fingerprint)")
    }

    @Test(.enabled(if: available, "needs ssh-keygen (apt-get install openssh-client)"))
    func refusesPassphraseProtectedAndRSAKeysWithAReason() throws {
        let (encrypted, _) = try generate(["-t", "ed25519"], passphrase: "correct horse")
        #expect(throws: SSHKeyError.self) { try OpenSSHPrivateKey.parse(encrypted) }
        do {
            _ = try OpenSSHPrivateKey.parse(encrypted)
        } catch {
            #expect(error.description.contains("passphrase-protected"))
        }
        let (rsa, _) = try generate(["-t", "rsa", "-b", "1024"])
        do {
            _ = try OpenSSHPrivateKey.parse(rsa)
            Issue.record("an RSA key was accepted")
        } catch {
            #expect(error.description.contains("RSA"), "\(error.description)")
        }
    }

    @Test(.enabled(if: available, "needs ssh-keygen (apt-get install openssh-client)"))
    func refusesTruncatedAndDamagedKeysWithoutCrashing() throws {
        let (text, _) = try generate(["-t", "ed25519"])
        let lines = text.split(separator: "\n").map(String.init)
        let body = lines.dropFirst().dropLast().joined()
        let damaged =
            [
                "",
                "not a key",
                "-----BEGIN OPENSSH PRIVATE KEY-----\n!!!!\n-----END OPENSSH PRIVATE KEY-----",
                // Cut short at every few characters of the body: each must be refused cleanly.
            ]
            + stride(from: 0, to: body.count, by: 17).map { cut in
                "-----BEGIN OPENSSH PRIVATE KEY-----\n\(body.prefix(cut))\n-----END OPENSSH PRIVATE KEY-----"
            }
        for sample in damaged {
            #expect(throws: SSHKeyError.self, "\(sample.prefix(80))") { try OpenSSHPrivateKey.parse(sample) }
        }
        // A body whose length fields claim more than there is.
        var bytes = [UInt8](Data(base64Encoded: body) ?? Data())
        if bytes.count > 40 { bytes.replaceSubrange(15..<19, with: [0xFF, 0xFF, 0xFF, 0xF0]) }
        let lying =
            "-----BEGIN OPENSSH PRIVATE KEY-----\n\(Data(bytes).base64EncodedString())\n-----END OPENSSH PRIVATE KEY-----"
        #expect(throws: SSHKeyError.self) { try OpenSSHPrivateKey.parse(lying) }
    }
}
