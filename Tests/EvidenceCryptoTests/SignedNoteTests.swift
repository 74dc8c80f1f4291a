import EvidenceCrypto
import TestSupport
import Testing

@Suite struct SignedNoteTests {
    /// The published example of golang.org/x/mod/sumdb/note (the signed-note reference
    /// implementation): verifier key, note text and signature line.
    @Test func verifiesThePublishedReferenceNote() throws {
        let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        let parts = vkey.split(separator: "+")
        let encoded = try #require(Base64.decode(parts[2]))
        #expect(encoded.first == NoteSignatureType.ed25519.rawValue)
        let verifier = try NoteVerifier(
            name: String(parts[0]), key: VerifyingKey(rawRepresentation: encoded.dropFirst()), type: .ed25519)
        #expect(String(verifier.keyID, radix: 16) == "c74f20a3")
        let note = try SignedNote(
            parsing: """
                If you think cryptography is the answer to your problem,
                then you don't know what your problem is.

                — PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=

                """)
        #expect(verifier.verify(note) == .valid(timestamp: nil))
        var altered = note
        altered.text = altered.text.replacingOccurrences(of: "answer", with: "solution")
        #expect(verifier.verify(altered) == .invalid)
    }

    @Test func signsAndVerifiesCheckpointsAndCosignatures() throws {
        let appliance = try NoteSigner(name: "vigil.appliance/a1", key: Fixtures.applianceKey, type: .ed25519)
        let witness = try NoteSigner(name: "vigil.central/witness", key: Fixtures.witnessKey, type: .cosignatureV1)
        let checkpoint = Checkpoint(origin: "vigil.appliance/a1", treeSize: 42, rootHash: MerkleTree.emptyRoot)
        let note = SignedNote(
            text: checkpoint.text,
            signatures: [
                appliance.sign(text: checkpoint.text), witness.sign(text: checkpoint.text, time: 1_763_780_000),
            ])
        let parsed = try SignedNote(parsing: note.serialized)
        #expect(parsed == note)
        #expect(try Checkpoint(text: parsed.text) == checkpoint)
        #expect(appliance.verifier.verify(parsed) == .valid(timestamp: nil))
        #expect(witness.verifier.verify(parsed) == .valid(timestamp: 1_763_780_000))
        // A witness key used as a plain note key has a different key ID: its line is not found.
        let confused = try NoteVerifier(name: witness.name, key: Fixtures.witnessKey.verifyingKey, type: .ed25519)
        #expect(confused.verify(parsed) == .absent)
    }

    @Test func cosignatureTimestampIsBoundIntoTheSignature() throws {
        let witness = try NoteSigner(name: "w", key: Fixtures.witnessKey, type: .cosignatureV1)
        let text = Checkpoint(origin: "o", treeSize: 1, rootHash: MerkleTree.emptyRoot).text
        var signature = witness.sign(text: text, time: 100)
        signature.payload[7] = 101
        #expect(witness.verifier.verify(SignedNote(text: text, signatures: [signature])) == .invalid)
    }

    @Test func otherKeysSignaturesAreInvalid() throws {
        let real = try NoteSigner(name: "vigil.appliance/a1", key: Fixtures.applianceKey, type: .ed25519)
        let forger = try NoteSigner(name: "vigil.appliance/a1", key: Fixtures.otherKey, type: .ed25519)
        let text = Checkpoint(origin: "vigil.appliance/a1", treeSize: 5, rootHash: MerkleTree.emptyRoot).text
        var forged = forger.sign(text: text)
        forged.keyID = real.verifier.keyID  // Claim the real key's ID.
        #expect(real.verifier.verify(SignedNote(text: text, signatures: [forged])) == .invalid)
        #expect(real.verifier.verify(SignedNote(text: text, signatures: [forger.sign(text: text)])) == .absent)
    }

    @Test(arguments: [
        ("no final newline", "a\n1\nAAAA\n\n— k AAAAAAAA"),
        ("no blank line", "a\n— k AAAAAAAA\n"),
        ("no signatures", "a\n\n"),
        ("bad dash", "a\n\n- k AAAAAAAAAAAA\n"),
        ("bad base64", "a\n\n— k !!!!\n"),
        ("control character", "a\u{07}\n\n— k AAAAAAAAAAAA\n"),
        ("too short a signature", "a\n\n— k AAAA\n"),
    ])
    func refusesMalformedNotes(what: String, text: String) {
        #expect(throws: NoteError.self, "\(what)") { try SignedNote(parsing: text) }
    }

    @Test(arguments: [
        ("two lines", "origin\n5\n"),
        ("leading zero size", "origin\n05\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"),
        ("negative size", "origin\n-5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"),
        ("hex size", "origin\n0x5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"),
        ("short root", "origin\n5\nAAAA\n"),
        ("empty origin", "\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"),
        ("empty extension", "origin\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n"),
    ])
    func refusesMalformedCheckpoints(what: String, text: String) {
        #expect(throws: NoteError.self, "\(what)") { try Checkpoint(text: text) }
    }
}

@Suite struct HashChainTests {
    func link(_ sequence: Int64, _ previous: Hash32, appliance: String = "a1", tag: UInt8 = 0) -> HashChainVerifier.Link
    {
        HashChainVerifier.Link(
            sequence: sequence, previousHash: previous, hash: Hash32.sha256([UInt8(sequence & 0xFF), tag]),
            applianceID: appliance, source: "b\(sequence)")
    }

    /// A valid chain of `count` links.
    func chain(_ count: Int64) -> [HashChainVerifier.Link] {
        var links: [HashChainVerifier.Link] = []
        var previous = Hash32.zero
        for sequence in 1...count {
            let next = link(sequence, previous)
            links.append(next)
            previous = next.hash
        }
        return links
    }

    func issues(_ links: [HashChainVerifier.Link]) -> [HashChainVerifier.Issue] {
        var verifier = HashChainVerifier(applianceID: "a1")
        return links.flatMap { verifier.append($0).issues }
    }

    @Test func acceptsAnIntactChain() {
        #expect(issues(chain(10)).isEmpty)
    }

    @Test func detectsAGap() {
        var links = chain(10)
        links.removeSubrange(3...5)
        #expect(issues(links) == [.missing(from: 4, to: 6)])
    }

    @Test func detectsABrokenLink() {
        var links = chain(5)
        links[2].previousHash = Hash32.sha256([9])
        #expect(issues(links) == [.brokenLink(sequence: 3, source: "b3")])
    }

    @Test func detectsAFork() {
        var links = chain(5)
        links.insert(link(3, links[1].hash, tag: 1), at: 3)
        #expect(issues(links) == [.fork(sequence: 3, sources: ["b3", "b3"])])
    }

    @Test func detectsADuplicate() {
        var links = chain(5)
        links.insert(links[2], at: 3)
        #expect(issues(links) == [.duplicate(sequence: 3, sources: ["b3", "b3"])])
    }

    @Test func detectsReordering() {
        var links = chain(5)
        links.swapAt(2, 3)
        let found = issues(links)
        #expect(found.contains(.outOfOrder(sequence: 3, after: 4, source: "b3")))
        #expect(found.contains(.missing(from: 3, to: 3)))
    }

    @Test func detectsABundleFromAnotherAppliance() {
        var links = chain(5)
        links[2].applianceID = "a2"
        let found = issues(links)
        #expect(found.first == .foreignAppliance(sequence: 3, applianceID: "a2", source: "b3"))
    }

    @Test func detectsABadGenesis() {
        var links = chain(3)
        links[0].previousHash = Hash32.sha256([1])
        #expect(issues(links) == [.badGenesis(source: "b1")])
    }

    @Test func partialChainsStartWhereTheyAreToldTo() {
        var verifier = HashChainVerifier(applianceID: "a1", firstSequence: 4)
        let links = chain(8)
        let found = links.dropFirst(3).flatMap { verifier.append($0).issues }
        #expect(found.isEmpty)
        #expect(verifier.head == 8)
    }
}
