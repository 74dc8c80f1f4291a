import EvidenceCrypto
import Foundation
import TestSupport
import Testing

@Suite struct Ed25519Tests {
    /// RFC 8032 §7.1, tests 1–3.
    @Test(arguments: [
        (
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        ),
        (
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
        ),
        (
            "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
            "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"
        ),
    ])
    func matchesRFC8032Vectors(secret: String, publicKey: String, message: String, signature: String) throws {
        let key = try SigningKey(seed: Fixtures.hex(secret))
        #expect(key.verifyingKey.rawRepresentation == Fixtures.hex(publicKey))
        #expect(key.signature(for: Fixtures.hex(message)) == Fixtures.hex(signature))
        let verifier = try VerifyingKey(rawRepresentation: Fixtures.hex(publicKey))
        #expect(verifier.isValidSignature(Fixtures.hex(signature), for: Fixtures.hex(message)))
        var altered = Fixtures.hex(signature)
        altered[10] ^= 0x01
        #expect(!verifier.isValidSignature(altered, for: Fixtures.hex(message)))
        #expect(!verifier.isValidSignature(Fixtures.hex(signature), for: Fixtures.hex(message) + [0]))
    }

    @Test func writesPrivateKeysWithMode0600AndReadsThemBack() throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("private-key.pem")
        let key = SigningKey()
        try key.write(to: path)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)
        #expect(mode.intValue == 0o600)
        let loaded = try SigningKey(contentsOf: path)
        #expect(loaded.verifyingKey == key.verifyingKey)
    }

    @Test func refusesToOverwriteAKey() throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("private-key.pem")
        try SigningKey().write(to: path)
        #expect(throws: KeyError.exists(path: path)) { try SigningKey().write(to: path) }
    }

    @Test func publicKeysRoundTripThroughPEMAndBase64() throws {
        let key = Fixtures.applianceKey.verifyingKey
        #expect(try VerifyingKey(text: key.pem) == key)
        #expect(try VerifyingKey(text: Base64.encode(key.rawRepresentation)) == key)
        #expect(key.pem.hasPrefix("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA"))
    }

    @Test func refusesMalformedKeyFiles() throws {
        let directory = try TemporaryDirectory()
        let cases: [(String, String)] = [
            ("empty.pem", ""),
            ("garbage.pem", "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n"),
            (
                "rsa.pem",
                "-----BEGIN PUBLIC KEY-----\nMFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf\n-----END PUBLIC KEY-----\n"
            ),
            ("short.b64", Base64.encode([UInt8](repeating: 1, count: 31))),
        ]
        for (name, contents) in cases {
            let path = directory.appending(name)
            try contents.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(throws: KeyError.self, "\(name)") { try VerifyingKey(contentsOf: path) }
        }
        #expect(throws: KeyError.self) { try VerifyingKey(contentsOf: directory.appending("absent.pem")) }
        #expect(throws: KeyError.self) { try SigningKey(contentsOf: directory.appending("garbage.pem")) }
    }

    @Test func opensslReadsOurKeysAndVerifiesOurSignatures() throws {
        let directory = try TemporaryDirectory()
        let key = SigningKey()
        try key.write(to: directory.appending("private-key.pem"))
        try key.verifyingKey.pem.write(toFile: directory.appending("public-key.pem"), atomically: true, encoding: .utf8)
        let message = Array("canonical bytes".utf8)
        try Fixtures.write(message, directory.appending("message"))
        try Fixtures.write(key.signature(for: message), directory.appending("message.sig"))
        let verify = try Shell.run(
            "openssl pkeyutl -verify -pubin -inkey public-key.pem -rawin -in message -sigfile message.sig",
            in: directory.path)
        #expect(verify.status == 0, "\(verify.stderr)")
        let derived = try Shell.run("openssl pkey -in private-key.pem -pubout", in: directory.path)
        #expect(derived.stdout == key.verifyingKey.pem)
    }
}
