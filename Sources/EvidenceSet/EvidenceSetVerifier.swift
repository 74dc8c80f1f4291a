import Compliance
import EvidenceCrypto
public import Foundation
public import VigilAPI

/// Verifies an evidence set offline: every checkpoint signature, the hash chain, the Merkle tree
/// against every checkpoint, proofs, and per-bundle signatures wherever no checkpoint vouches for
/// a bundle (see docs/adr/0002-checkpoint-authenticated-verification.md).
///
/// Bundles stream through in windows: each window's files are read, validated, hashed (and, where
/// needed, signature-checked) on all cores, then fed in order to the chain and the Merkle
/// accumulator. Memory holds one window of files, not the set.
public struct EvidenceSetVerifier: Sendable {
    public struct Options: Sendable {
        /// A public key obtained independently of the set (PEM or base64); overrides the set's own.
        public var pinnedKeyPath: String?
        /// Also verify the detached signature of every bundle a checkpoint already vouches for.
        public var allSignatures: Bool
        /// Largest bundle file read; larger files are refused unread.
        public var maximumBundleSize: Int
        /// Worker threads for reading, hashing and signature checks.
        public var concurrency: Int
        /// Files per window.
        public var windowSize: Int

        public init(
            pinnedKeyPath: String? = nil, allSignatures: Bool = false, maximumBundleSize: Int = 16 << 20,
            concurrency: Int = ProcessInfo.processInfo.activeProcessorCount, windowSize: Int = 1024
        ) {
            self.pinnedKeyPath = pinnedKeyPath
            self.allSignatures = allSignatures
            self.maximumBundleSize = maximumBundleSize
            self.concurrency = concurrency
            self.windowSize = windowSize
        }
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    /// Verifies the set at `directory`. `progress` receives (bundle files done, total).
    public func verify(directory: String, progress: (Int, Int) -> Void = { _, _ in }) -> VerificationReport {
        let started = DispatchTime.now()
        var run = Run(directory: directory, options: options)
        run.execute(progress: progress)
        run.report.verified = run.report.failures.isEmpty
        run.report.durationSeconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        return run.report
    }
}

/// One verification run's state. Single-threaded except inside `processWindow`.
private struct Run {
    typealias Failure = VerificationReport.Failure

    let directory: String
    let options: EvidenceSetVerifier.Options
    var report: VerificationReport

    var manifest: EvidenceSetManifest?
    /// The trusted appliance keys and the sequences each signs (one key unless it was rotated).
    var keys: KeyHistory<VerifyingKey>?
    var witnesses: [NoteVerifier] = []
    /// Verified checkpoints: tree size → root and file.
    var checkpoints: [Int: (root: Hash32, file: String)] = [:]
    /// Inclusion proofs waiting for their bundle's leaf hash: sequence → proofs.
    var pendingInclusion: [Int64: [(file: String, treeSize: Int, hashes: [Hash32])]] = [:]
    /// Bundle files whose own problems are already reported (by name sequence).
    var failedSequences: Set<Int64> = []

    init(directory: String, options: EvidenceSetVerifier.Options) {
        self.directory = directory
        self.options = options
        self.report = VerificationReport(path: directory)
    }

    mutating func fail(
        _ kind: VerificationReport.FailureKind, _ file: String? = nil, sequence: Int64? = nil, _ message: String
    ) {
        report.failures.append(Failure(kind: kind, file: file, sequence: sequence, message: message))
    }

    func path(_ relative: String) -> String { "\(directory)/\(relative)" }

    mutating func execute(progress: (Int, Int) -> Void) {
        switch FileIO.kind(directory) {
        case .directory: break
        case .missing: return fail(.notAnEvidenceSet, nil, "\(directory): no such directory")
        case .file, .other:
            return fail(.notAnEvidenceSet, nil, "\(directory) is not a directory; give the evidence set's directory")
        }
        guard loadManifest(), let manifest, loadKeys(manifest) else { return }
        report.applianceID = manifest.applianceID
        guard let entries = listBundles() else { return }
        loadCheckpoints(manifest)
        loadProofs()
        streamBundles(entries, manifest: manifest, progress: progress)
    }

    // MARK: Manifest and keys

    mutating func loadManifest() -> Bool {
        let file = EvidenceSetLayout.manifest
        let bytes: [UInt8]
        switch FileIO.read(path(file), limit: 1 << 20) {
        case .success(let data): bytes = data
        case .failure(.tooLarge(let size)):
            fail(.tooLarge, file, "\(file) is \(size.humanBytes); a manifest is a few hundred bytes")
            return false
        case .failure(.unreadable(let reason)):
            if FileIO.kind(path(file)) == .missing {
                let empty = (try? FileIO.list(directory).get())?.isEmpty ?? false
                fail(
                    .notAnEvidenceSet, file,
                    empty
                        ? "the directory is empty: no manifest, no bundles"
                        : "\(file) is missing: this is not a Vigil evidence set")
            } else {
                fail(.unreadableFile, file, "cannot read \(file): \(reason)")
            }
            return false
        }
        do {
            _ = try JSONParser().parse(bytes)  // Strict first: duplicate keys and bad UTF-8 are refused.
            let decoded = try JSONDecoder().decode(EvidenceSetManifest.self, from: Data(bytes))
            guard [EvidenceSetManifest.formatV1, EvidenceSetManifest.formatV2].contains(decoded.format) else {
                fail(
                    .notAnEvidenceSet, file,
                    "\(file) has format \(String(reflecting: decoded.format)); expected \(EvidenceSetManifest.formatV1) or \(EvidenceSetManifest.formatV2)"
                )
                return false
            }
            guard (decoded.format == EvidenceSetManifest.formatV2) == !(decoded.keyRotations ?? []).isEmpty else {
                fail(
                    .notAnEvidenceSet, file,
                    "\(file): key_rotations belong in a \(EvidenceSetManifest.formatV2) manifest, and only there")
                return false
            }
            guard Identifier<Appliance>.isValid(decoded.applianceID),
                decoded.origin == EvidenceSetLayout.origin(applianceID: decoded.applianceID)
            else {
                fail(.notAnEvidenceSet, file, "\(file) names an invalid appliance ID or origin")
                return false
            }
            guard decoded.firstSequence >= 1, decoded.lastSequence >= decoded.firstSequence - 1 else {
                fail(
                    .notAnEvidenceSet, file,
                    "\(file) has an impossible sequence range \(decoded.firstSequence)–\(decoded.lastSequence)")
                return false
            }
            guard EvidenceSetLayout.isSafeRelativePath(decoded.publicKey),
                decoded.witnesses.allSatisfy({ EvidenceSetLayout.isSafeRelativePath($0.publicKey) })
            else {
                fail(.notAnEvidenceSet, file, "\(file) points at a key file outside the set")
                return false
            }
            manifest = decoded
            return true
        } catch let error as JSONError {
            fail(.invalidJSON, file, "\(file): \(error)")
        } catch {
            fail(.notAnEvidenceSet, file, "\(file) is not a valid manifest: \(DecodingErrorText.describe(error))")
        }
        return false
    }

    mutating func loadKeys(_ manifest: EvidenceSetManifest) -> Bool {
        let setKeyPath = path(manifest.publicKey)
        let setKey = try? VerifyingKey(contentsOf: setKeyPath)
        // The set's own history: its first key, then each rotation signed by both keys.
        var setHistory: KeyHistory<VerifyingKey>?
        if let setKey {
            setHistory = rotations(manifest, from: setKey)
            guard setHistory != nil else { return false }
        }
        if let pinned = options.pinnedKeyPath {
            do {
                let pinnedKey = try VerifyingKey(contentsOf: pinned)
                report.trustedKey = .init(fingerprint: pinnedKey.fingerprint, source: "pinned", path: pinned)
                if let setHistory, setHistory.entries.contains(where: { $0.key == pinnedKey }) {
                    // Every link is signed by both of its keys, so trust in any one key of the
                    // history carries to all of them.
                    keys = setHistory
                } else {
                    keys = KeyHistory(first: pinnedKey)
                    if let setKey {
                        report.warnings.append(
                            "the set's own key \(manifest.publicKey) (\(setKey.fingerprint)) is not the pinned key; signatures are checked against the pinned key only"
                        )
                    }
                }
            } catch {
                fail(.unreadableFile, pinned, "pinned key: \(error)")
                return false
            }
        } else {
            do {
                let setKey = try VerifyingKey(contentsOf: setKeyPath)
                keys = setHistory ?? KeyHistory(first: setKey)
                report.trustedKey = .init(
                    fingerprint: setKey.fingerprint, source: "evidence-set", path: manifest.publicKey)
            } catch {
                fail(.unreadableFile, manifest.publicKey, "appliance public key: \(error)")
                return false
            }
        }
        report.keyRotations = (keys?.entries.count ?? 1) - 1
        for witness in manifest.witnesses {
            do {
                let witnessKey = try VerifyingKey(contentsOf: path(witness.publicKey))
                witnesses.append(try NoteVerifier(name: witness.name, key: witnessKey, type: .cosignatureV1))
            } catch {
                report.warnings.append("witness \(witness.name): \(error); its cosignatures are not checked")
            }
        }
        return true
    }

    /// The key history the manifest's rotations describe from `first`: each rotation must start
    /// from the key before it, later than the one before, and carry both keys' signatures over
    /// `KeyRotationStatement`. Nil (with the failure reported) when any link does not hold.
    mutating func rotations(_ manifest: EvidenceSetManifest, from first: VerifyingKey) -> KeyHistory<VerifyingKey>? {
        var history = KeyHistory(first: first)
        let file = EvidenceSetLayout.manifest
        for (index, rotation) in (manifest.keyRotations ?? []).enumerated() {
            let old = history.current
            let label = "key rotation \(index + 1) (from bundle \(rotation.fromSequence))"
            guard Base64.decode(rotation.oldKey) == old.rawRepresentation else {
                fail(.badKeyRotation, file, "\(file): \(label) does not start from the key before it")
                return nil
            }
            guard let new = try? VerifyingKey(text: rotation.newKey), Base64.decode(rotation.newKey)?.count == 32 else {
                fail(.badKeyRotation, file, "\(file): \(label) has a new key that is not base64 of 32 bytes")
                return nil
            }
            let statement = KeyRotationStatement.message(
                applianceID: manifest.applianceID, oldKey: rotation.oldKey, newKey: rotation.newKey,
                fromSequence: rotation.fromSequence)
            guard let endorsement = Base64.decode(rotation.endorsement),
                old.isValidSignature(endorsement, for: statement)
            else {
                fail(.badKeyRotation, file, "\(file): \(label) is not endorsed by the key it replaces")
                return nil
            }
            guard let proof = Base64.decode(rotation.proof), new.isValidSignature(proof, for: statement) else {
                fail(.badKeyRotation, file, "\(file): \(label) is not signed by its new key")
                return nil
            }
            do {
                try history.append(new, fromSequence: rotation.fromSequence)
            } catch {
                fail(.badKeyRotation, file, "\(file): \(label) does not start after the rotation before it")
                return nil
            }
        }
        return history
    }

    // MARK: Listing

    /// A bundle file: its sequence and, for a second copy such as `000000000042-b.json`, the
    /// suffix. Names are rebuilt on demand so that a listed bundle costs 24 bytes of memory.
    struct Entry: Comparable {
        var sequence: Int64
        var suffix: String?

        var stem: String { EvidenceSetLayout.padded(sequence) + (suffix.map { "-\($0)" } ?? "") }
        var name: String { stem + ".json" }

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            if lhs.sequence != rhs.sequence { return lhs.sequence < rhs.sequence }
            return (lhs.suffix ?? "") < (rhs.suffix ?? "")
        }
    }

    mutating func listBundles() -> [Entry]? {
        let folder = EvidenceSetLayout.bundles
        var entries: [Entry] = []
        var signatures: [Entry] = []
        var unexpected: [String] = []
        // Streamed with readdir: no array of every name is ever built.
        let failure = FileIO.forEachName(in: path(folder)) { name in
            if let sequence = EvidenceSetLayout.fastBundleSequence(name, suffix: ".json") {
                entries.append(Entry(sequence: sequence, suffix: nil))
            } else if let sequence = EvidenceSetLayout.fastBundleSequence(name, suffix: ".sig") {
                signatures.append(Entry(sequence: sequence, suffix: nil))
            } else {
                let text = String(decoding: name, as: UTF8.self)
                if let (sequence, stem) = EvidenceSetLayout.parseBundleName(text) {
                    entries.append(
                        Entry(sequence: sequence, suffix: String(stem.dropFirst(EvidenceSetLayout.sequenceDigits + 1))))
                } else if text.hasSuffix(".sig"),
                    let (sequence, stem) = EvidenceSetLayout.parseBundleName(String(text.dropLast(4)) + ".json")
                {
                    signatures.append(
                        Entry(
                            sequence: sequence,
                            suffix: stem.count > EvidenceSetLayout.sequenceDigits
                                ? String(stem.dropFirst(EvidenceSetLayout.sequenceDigits + 1)) : nil))
                } else {
                    unexpected.append(text)
                }
            }
        }
        if let failure {
            if FileIO.kind(path(folder)) == .missing {
                fail(.notAnEvidenceSet, folder, "\(folder)/ is missing: the set holds no bundles")
            } else {
                fail(.unreadableFile, folder, "cannot list \(folder)/: \(failure)")
            }
            return nil
        }
        for name in unexpected.sorted() {
            fail(.unexpectedFile, "\(folder)/\(name)", "\(folder)/\(name) is not part of the evidence format")
        }
        guard !entries.isEmpty else {
            fail(.notAnEvidenceSet, folder, "\(folder)/ holds no bundles")
            return nil
        }
        entries.sort()
        signatures.sort()
        // Signatures without a bundle: walk both sorted lists once.
        var index = 0
        for signature in signatures {
            while index < entries.count && entries[index] < signature { index += 1 }
            if index == entries.count || entries[index] != signature {
                report.warnings.append("\(folder)/\(signature.stem).sig has no bundle beside it")
            }
        }
        return entries
    }

    // MARK: Checkpoints and proofs

    mutating func loadCheckpoints(_ manifest: EvidenceSetManifest) {
        let folder = EvidenceSetLayout.checkpoints
        guard FileIO.kind(path(folder)) != .missing else {
            report.warnings.append("no checkpoints: every bundle must be authenticated by its own signature")
            return
        }
        guard case .success(let names) = FileIO.list(path(folder)) else {
            return fail(.unreadableFile, folder, "cannot list \(folder)/")
        }
        guard let keys else { return }
        for name in names.sorted() {
            let file = "\(folder)/\(name)"
            guard name.hasSuffix(".note") else {
                fail(.unexpectedFile, file, "\(file) is not part of the evidence format")
                continue
            }
            report.checkpoints.found += 1
            let text: String
            switch FileIO.read(path(file), limit: SignedNote.maximumSize) {
            case .success(let bytes):
                guard let decoded = String(validating: bytes, as: UTF8.self) else {
                    fail(.badCheckpoint, file, "\(file) is not UTF-8 text")
                    continue
                }
                text = decoded
            case .failure(.tooLarge(let size)):
                fail(.tooLarge, file, "\(file) is \(size.humanBytes); a checkpoint is under 1 kB")
                continue
            case .failure(.unreadable(let reason)):
                fail(.unreadableFile, file, "cannot read \(file): \(reason)")
                continue
            }
            let note: SignedNote
            let checkpoint: Checkpoint
            do {
                note = try SignedNote(parsing: text)
                checkpoint = try Checkpoint(text: note.text)
            } catch {
                fail(.badCheckpoint, file, "\(file): \(error)")
                continue
            }
            guard checkpoint.origin == manifest.origin else {
                fail(
                    .badCheckpoint, file,
                    "\(file) is for log \(String(reflecting: checkpoint.origin)), not \(manifest.origin)")
                continue
            }
            // The key in force for the checkpoint's last bundle, or a later one, signs it.
            let verdicts = keys.keys(forCheckpointOf: Int64(checkpoint.treeSize)).map { key in
                (try? NoteVerifier(name: manifest.origin, key: key, type: .ed25519))?.verify(note) ?? .absent
            }
            if !verdicts.contains(where: { if case .valid = $0 { true } else { false } }) {
                if verdicts.contains(where: { if case .invalid = $0 { true } else { false } }) {
                    fail(.badCheckpoint, file, "\(file): bad signature by the appliance key")
                } else {
                    fail(.badCheckpoint, file, "\(file) carries no signature by the trusted appliance key")
                }
                continue
            }
            if name != "\(EvidenceSetLayout.padded(Int64(checkpoint.treeSize))).note" {
                report.warnings.append("\(file) holds the checkpoint of size \(checkpoint.treeSize)")
            }
            for witness in witnesses {
                switch witness.verify(note) {
                case .valid: report.checkpoints.cosignatures[witness.name, default: 0] += 1
                case .invalid: fail(.badCosignature, file, "\(file): bad cosignature by witness \(witness.name)")
                case .absent: break
                }
            }
            if let existing = checkpoints[checkpoint.treeSize] {
                if existing.root != checkpoint.rootHash {
                    fail(
                        .inconsistentCheckpoint, file,
                        "\(file) and \(existing.file) are both signed for \(checkpoint.treeSize) bundles but have different roots: the log forked"
                    )
                }
                continue
            }
            checkpoints[checkpoint.treeSize] = (checkpoint.rootHash, file)
            report.checkpoints.verified += 1
            report.checkpoints.largestTreeSize = max(report.checkpoints.largestTreeSize, checkpoint.treeSize)
        }
    }

    mutating func loadProofs() {
        let folder = EvidenceSetLayout.proofs
        guard FileIO.kind(path(folder)) != .missing else { return }
        guard case .success(let names) = FileIO.list(path(folder)) else {
            return fail(.unreadableFile, folder, "cannot list \(folder)/")
        }
        for name in names.sorted() {
            let file = "\(folder)/\(name)"
            guard name.hasSuffix(".json") else {
                fail(.unexpectedFile, file, "\(file) is not part of the evidence format")
                continue
            }
            let proof: MerkleProofFile
            let hashes: [Hash32]
            switch FileIO.read(path(file), limit: 1 << 20) {
            case .success(let bytes):
                do {
                    _ = try JSONParser().parse(bytes)
                    proof = try JSONDecoder().decode(MerkleProofFile.self, from: Data(bytes))
                } catch {
                    fail(.badProof, file, "\(file) is not a valid proof: \(DecodingErrorText.describe(error))")
                    continue
                }
                let decoded = proof.hashes.compactMap { Base64.decode($0).flatMap { Hash32(bytes: $0) } }
                guard decoded.count == proof.hashes.count, decoded.count <= 64 else {
                    fail(.badProof, file, "\(file) holds hashes that are not base64 of 32 bytes")
                    continue
                }
                hashes = decoded
            case .failure(.tooLarge(let size)):
                fail(.tooLarge, file, "\(file) is \(size.humanBytes); a proof is under 3 kB")
                continue
            case .failure(.unreadable(let reason)):
                fail(.unreadableFile, file, "cannot read \(file): \(reason)")
                continue
            }
            guard let checkpoint = checkpoints[proof.treeSize] else {
                fail(
                    .badProof, file,
                    "\(file) refers to a checkpoint of \(proof.treeSize) bundles that is absent or did not verify")
                continue
            }
            switch proof.kind {
            case .inclusion:
                guard let sequence = proof.sequence, sequence >= 1, sequence <= Int64(proof.treeSize) else {
                    fail(.badProof, file, "\(file): inclusion proof for a sequence outside the tree")
                    continue
                }
                pendingInclusion[sequence, default: []].append((file, proof.treeSize, hashes))
            case .consistency:
                guard let oldSize = proof.oldSize, let old = checkpoints[oldSize] else {
                    fail(.badProof, file, "\(file) refers to an older checkpoint that is absent or did not verify")
                    continue
                }
                if MerkleTree.verifyConsistency(
                    oldSize: oldSize, newSize: proof.treeSize, oldRoot: old.root, newRoot: checkpoint.root,
                    proof: hashes)
                {
                    report.consistencyProofs += 1
                } else {
                    fail(
                        .inconsistentCheckpoint, file,
                        "\(file): checkpoint \(oldSize) is not a prefix of checkpoint \(proof.treeSize) — history was rewritten"
                    )
                }
            }
        }
    }

    // MARK: Bundles

    struct Outcome {
        var failure: Failure?
        var sequence: Int64 = 0
        var previousHash: Hash32 = .zero
        var hash: Hash32 = .zero
        var applianceID: String = ""
        var size: Int = 0
        var signatureVerified = false
    }

    static let capturedKeys = CanonicalForm(capturing: ["appliance_id", "prev_hash", "schema", "sequence"])

    mutating func streamBundles(_ entries: [Entry], manifest: EvidenceSetManifest, progress: (Int, Int) -> Void) {
        guard let keys else { return }
        let fullSet = manifest.firstSequence == 1
        // Bundles up to the largest signed checkpoint are vouched for by its Merkle root (once the
        // recomputed root matches); only bundles beyond it need their own signature checked.
        let coveredLimit = fullSet ? Int64(report.checkpoints.largestTreeSize) : 0
        var chain = HashChainVerifier(applianceID: manifest.applianceID, firstSequence: manifest.firstSequence)
        var tree = MerkleAccumulator()
        var treeIntact = fullSet
        var authenticatedThrough: Int64 = 0
        var leafForInclusion: [Int64: Hash32] = [:]
        var signatureCheckedInStream: Int = 0
        let windowSize = max(1, options.windowSize)
        var start = 0
        while start < entries.count {
            let window = entries[start..<min(start + windowSize, entries.count)]
            let outcomes = processWindow(
                window, keys: keys, applianceID: manifest.applianceID, coveredLimit: coveredLimit)
            for (entry, outcome) in zip(window, outcomes) {
                let file = "\(EvidenceSetLayout.bundles)/\(entry.name)"
                report.bundles += 1
                report.bytes += Int64(outcome.size)
                if let failure = outcome.failure {
                    report.failures.append(failure)
                    failedSequences.insert(entry.sequence)
                    continue
                }
                if outcome.sequence != entry.sequence {
                    fail(
                        .reordered, file, sequence: entry.sequence,
                        "\(file) holds bundle \(outcome.sequence): bundles were reordered or renamed")
                    failedSequences.insert(entry.sequence)
                    continue
                }
                let link = HashChainVerifier.Link(
                    sequence: outcome.sequence, previousHash: outcome.previousHash, hash: outcome.hash,
                    applianceID: outcome.applianceID, source: file)
                let (accepted, issues) = chain.append(link)
                for issue in issues { record(issue, file: file) }
                guard accepted else {
                    failedSequences.insert(entry.sequence)
                    continue
                }
                if outcome.signatureVerified { signatureCheckedInStream += 1 }
                let leaf = MerkleTree.leafHash(bundleHash: outcome.hash)
                if pendingInclusion[outcome.sequence] != nil { leafForInclusion[outcome.sequence] = leaf }
                guard treeIntact, outcome.sequence == Int64(tree.size) + 1 else {
                    treeIntact = false
                    continue
                }
                tree.append(leafHash: leaf)
                if let checkpoint = checkpoints[tree.size] {
                    if tree.root == checkpoint.root {
                        authenticatedThrough = Int64(tree.size)
                    } else {
                        fail(
                            .inconsistentCheckpoint, checkpoint.file,
                            "\(checkpoint.file): its signed root does not match bundles 1–\(tree.size): a bundle in that range was altered, replaced or removed"
                        )
                    }
                }
            }
            start += window.count
            progress(start, entries.count)
        }
        report.firstSequence = entries.first?.sequence
        report.lastSequence = chain.head
        if let head = chain.head, manifest.lastSequence > head {
            fail(
                .missingBundle, sequence: head + 1,
                "the manifest lists bundles up to \(manifest.lastSequence) but the set ends at \(head)")
        }
        for (size, checkpoint) in checkpoints.sorted(by: { $0.key < $1.key }) where size > tree.size {
            if !treeIntact, fullSet, let head = chain.head, Int64(size) <= head {
                report.warnings.append(
                    "\(checkpoint.file) could not be recomputed: earlier bundles are missing or invalid")
            } else if Int64(size) > (chain.head ?? 0) {
                fail(
                    .missingBundle, checkpoint.file, sequence: (chain.head ?? 0) + 1,
                    "\(checkpoint.file) is signed for \(size) bundles but the set ends at \(chain.head ?? 0): bundles \((chain.head ?? 0) + 1)–\(size) are missing"
                )
            }
        }
        report.authenticatedByCheckpoint = Int(authenticatedThrough)
        report.authenticatedBySignature = signatureCheckedInStream
        // Bundles a checkpoint should have vouched for but did not (a root mismatch, a gap):
        // check their own signatures now, to name exactly which bundle is bad.
        let unvouched = entries.filter {
            $0.sequence > authenticatedThrough && $0.sequence <= coveredLimit && !failedSequences.contains($0.sequence)
        }
        // With --all-signatures the stream already checked them all.
        if !unvouched.isEmpty && !options.allSignatures {
            for outcome in processWindow(unvouched[...], keys: keys, applianceID: manifest.applianceID, coveredLimit: 0)
            {
                if let failure = outcome.failure {
                    report.failures.append(failure)
                } else if outcome.signatureVerified {
                    report.authenticatedBySignature += 1
                }
            }
        }
        for (sequence, proofs) in pendingInclusion.sorted(by: { $0.key < $1.key }) {
            for proof in proofs {
                guard let leaf = leafForInclusion[sequence] else {
                    fail(
                        .badProof, proof.file, sequence: sequence, "\(proof.file): bundle \(sequence) is not in the set"
                    )
                    continue
                }
                guard let root = checkpoints[proof.treeSize]?.root,
                    MerkleTree.verifyInclusion(
                        leafHash: leaf, index: Int(sequence - 1), treeSize: proof.treeSize, proof: proof.hashes,
                        root: root)
                else {
                    fail(
                        .badProof, proof.file, sequence: sequence,
                        "\(proof.file): bundle \(sequence) is not included in checkpoint \(proof.treeSize)")
                    continue
                }
                report.inclusionProofs += 1
            }
        }
    }

    mutating func record(_ issue: HashChainVerifier.Issue, file: String) {
        switch issue {
        case .missing(let from, let to):
            // Files already reported as unreadable or invalid are not "missing" a second time:
            // report the runs between them, without walking long gaps.
            var start = from
            for failed in failedSequences.filter({ (from...to).contains($0) }).sorted() + [to + 1] {
                if failed > start {
                    fail(
                        .missingBundle, sequence: start,
                        HashChainVerifier.Issue.missing(from: start, to: failed - 1).description)
                }
                start = failed + 1
            }
        case .brokenLink(let sequence, _):
            if failedSequences.contains(sequence - 1) { return }
            fail(.chainBroken, file, sequence: sequence, issue.description)
        case .badGenesis:
            fail(.chainBroken, file, sequence: 1, issue.description)
        case .fork(let sequence, _):
            fail(.fork, file, sequence: sequence, issue.description)
        case .duplicate(let sequence, _):
            fail(.duplicate, file, sequence: sequence, issue.description)
        case .outOfOrder(let sequence, _, _):
            fail(.reordered, file, sequence: sequence, issue.description)
        case .foreignAppliance(let sequence, _, _):
            fail(.foreignAppliance, file, sequence: sequence, issue.description)
        }
    }

    /// Reads, validates and hashes a window of bundle files on all cores.
    func processWindow(
        _ window: ArraySlice<Run.Entry>, keys: KeyHistory<VerifyingKey>, applianceID: String, coveredLimit: Int64
    )
        -> [Outcome]
    {
        let entries = Array(window)
        var outcomes = [Outcome](repeating: Outcome(), count: entries.count)
        let directory = self.directory
        let options = self.options
        outcomes.withUnsafeMutableBufferPointer { buffer in
            let results = DisjointSlots(buffer: buffer)
            let chunks = min(max(1, options.concurrency), entries.count)
            // Each worker writes only the indices i ≡ worker (mod chunks): disjoint slots.
            DispatchQueue.concurrentPerform(iterations: chunks) { worker in
                var index = worker
                while index < entries.count {
                    results.buffer[index] = Self.examine(
                        entries[index], directory: directory, key: keys.key(for: entries[index].sequence),
                        applianceID: applianceID,
                        coveredLimit: coveredLimit, options: options)
                    index += chunks
                }
            }
        }
        return outcomes
    }

    static func examine(
        _ entry: Entry, directory: String, key: VerifyingKey, applianceID expectedAppliance: String,
        coveredLimit: Int64, options: EvidenceSetVerifier.Options
    ) -> Outcome {
        let file = "\(EvidenceSetLayout.bundles)/\(entry.name)"
        var outcome = Outcome()
        func failed(_ kind: VerificationReport.FailureKind, _ message: String) -> Outcome {
            outcome.failure = Failure(kind: kind, file: file, sequence: entry.sequence, message: message)
            return outcome
        }
        let bytes: [UInt8]
        switch FileIO.read("\(directory)/\(file)", limit: options.maximumBundleSize) {
        case .success(let data): bytes = data
        case .failure(.tooLarge(let size)):
            return failed(
                .tooLarge,
                "\(file) is \(size.humanBytes); bundles over \(Int64(options.maximumBundleSize).humanBytes) are refused unread"
            )
        case .failure(.unreadable(let reason)):
            return failed(.unreadableFile, "cannot read \(file): \(reason)")
        }
        outcome.size = bytes.count
        guard !bytes.isEmpty else { return failed(.invalidJSON, "\(file) is empty (truncated?)") }
        return bytes.withUnsafeBytes { raw -> Outcome in
            let ranges: [Range<Int>?]
            do throws(JSONError) {
                ranges = try capturedKeys.validate(raw)
            } catch {
                switch error.reason {
                case .notCanonical: return failed(.notCanonical, "\(file): \(error)")
                case .duplicateKey: return failed(.notCanonical, "\(file): \(error)")
                default: return failed(.invalidJSON, "\(file): \(error)")
                }
            }
            func text(_ index: Int) -> Substring? {
                guard let range = ranges[index] else { return nil }
                return Substring(String(decoding: UnsafeRawBufferPointer(rebasing: raw[range]), as: UTF8.self))
            }
            guard let schema = text(2), schema == "\"\(EvidenceBundle.schemaV1)\"" else {
                return failed(
                    .invalidBundle,
                    "\(file): schema is \(text(2).map(String.init) ?? "missing"); expected \"\(EvidenceBundle.schemaV1)\""
                )
            }
            guard let sequenceText = text(3), let sequence = Int64(sequenceText), sequence >= 1 else {
                return failed(.invalidBundle, "\(file): sequence is missing or not a positive integer")
            }
            guard let previousRange = ranges[1], previousRange.count == 66,
                raw[previousRange.lowerBound + 1..<previousRange.upperBound - 1].allSatisfy({
                    ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                        || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f"))
                }),
                let previous = Hash32(
                    hex: UnsafeRawBufferPointer(
                        rebasing: raw[previousRange.lowerBound + 1..<previousRange.upperBound - 1]))
            else {
                return failed(.invalidBundle, "\(file): prev_hash is missing or not 64 lowercase hex digits")
            }
            guard let applianceText = text(0), applianceText.count >= 3,
                Identifier<Appliance>.isValid(String(applianceText.dropFirst().dropLast()))
            else {
                return failed(.invalidBundle, "\(file): appliance_id is missing or invalid")
            }
            outcome.sequence = sequence
            outcome.previousHash = previous
            outcome.applianceID = String(applianceText.dropFirst().dropLast())
            outcome.hash = Hash32.sha256(raw)
            guard outcome.applianceID == expectedAppliance else {
                return failed(
                    .foreignAppliance,
                    "\(file) belongs to appliance \(outcome.applianceID), not \(expectedAppliance): it does not belong in this chain"
                )
            }
            if options.allSignatures || entry.sequence > coveredLimit {
                let signatureFile = "\(EvidenceSetLayout.bundles)/\(entry.stem).sig"
                switch FileIO.read("\(directory)/\(signatureFile)", limit: 1024) {
                case .success(let signature):
                    guard signature.count == 64 else {
                        return failed(
                            .badSignature, "\(signatureFile) is \(signature.count) bytes; an Ed25519 signature is 64")
                    }
                    guard key.isValidSignature(signature, for: raw) else {
                        return failed(
                            .badSignature,
                            "\(file): bad signature (not signed by the trusted key, or altered after signing)")
                    }
                    outcome.signatureVerified = true
                case .failure(let failure):
                    if FileIO.kind("\(directory)/\(signatureFile)") == .missing {
                        return failed(.missingSignature, "\(file) has no signature file \(signatureFile)")
                    }
                    return failed(.unreadableFile, "cannot read \(signatureFile): \(failure)")
                }
            }
            return outcome
        }
    }
}

/// Lets worker threads fill distinct slots of one buffer.
///
/// Safe because (1) each worker writes only indices ≡ its number modulo the worker count, so no
/// slot is touched by two threads, (2) nothing reads the buffer until `concurrentPerform` has
/// returned, which happens after every worker finished, and (3) the buffer outlives the workers:
/// it is only used inside `withUnsafeMutableBufferPointer`, which encloses `concurrentPerform`.
private struct DisjointSlots<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
}
