import EvidenceCrypto
import EvidenceSet
import Foundation
import TestSupport
import Testing
import VigilAPI

/// The `vigil` executable as users and scripts run it: arguments, output, exit status.
@Suite struct CLICommandTests {
    @Test func keysGenerateWritesAPrivateKeyReadableOnlyByItsOwner() throws {
        let directory = try TemporaryDirectory()
        let out = directory.appending("keys")
        let result = try Shell.vigil(["keys", "generate", "--out", out, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try JSONDecoder().decode([String: String].self, from: Data(result.stdout.utf8))
        let mode =
            try FileManager.default.attributesOfItem(atPath: "\(out)/private-key.pem")[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        let key = try VerifyingKey(contentsOf: "\(out)/public-key.pem")
        #expect(summary["fingerprint"] == key.fingerprint)
        #expect(try SigningKey(contentsOf: "\(out)/private-key.pem").verifyingKey == key)
        let again = try Shell.vigil(["keys", "generate", "--out", out])
        #expect(again.status != 0)
        #expect(again.stderr.contains("already exists"))
    }

    @Test func sampleThenVerifySucceedsAndSaysWhichKeyItTrusted() throws {
        let directory = try TemporaryDirectory()
        let set = directory.appending("set")
        let sample = try Shell.vigil([
            "evidence", "sample", "--bundles", "30", "--records", "5", "--out", set, "--checkpoint-every", "8",
        ])
        #expect(sample.status == 0, "\(sample.stderr)")
        let verify = try Shell.vigil(["verify", set])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("VERIFIED"))
        #expect(verify.stdout.contains("from the evidence set (appliance.pub.pem)"))
        #expect(verify.stdout.contains("24 by signed checkpoints, 6 by their own signatures"))
    }

    @Test func verifyJSONIsTheFullReport() throws {
        let directory = try TemporaryDirectory()
        let set = try Fixtures.sampleSet(in: directory)
        let result = try Shell.vigil(["verify", set, "--json"])
        #expect(result.status == 0)
        let report = try JSONDecoder().decode(VerificationReport.self, from: Data(result.stdout.utf8))
        #expect(report.verified)
        #expect(report.bundles == 25)
    }

    @Test func verifyFailsWithStatusOneAndNamesTheBadBundle() throws {
        let directory = try TemporaryDirectory()
        let set = try Fixtures.sampleSet(in: directory)
        try Fixtures.write(Fixtures.otherKey.signature(for: [1]), Fixtures.signaturePath(set, 22))
        let result = try Shell.vigil(["verify", set])
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAILED: 1 problem"))
        #expect(result.stdout.contains("[bad_signature] bundles/000000000022.json: bad signature"))
    }

    @Test func verifyWithAPinnedKeyThatDidNotSign() throws {
        let directory = try TemporaryDirectory()
        let set = try Fixtures.sampleSet(in: directory)
        let keyFile = directory.appending("auditor.pem")
        try Fixtures.otherKey.verifyingKey.pem.write(toFile: keyFile, atomically: true, encoding: .utf8)
        let result = try Shell.vigil(["verify", set, "--key", keyFile])
        #expect(result.status == 1)
        #expect(result.stdout.contains("pinned with --key \(keyFile)"))
        #expect(result.stdout.contains("not the pinned key"))
    }

    @Test func verifyAnEmptyDirectory() throws {
        let directory = try TemporaryDirectory()
        let result = try Shell.vigil(["verify", directory.path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("the directory is empty"))
    }

    @Test func verifyAFileInsteadOfADirectory() throws {
        let directory = try TemporaryDirectory()
        try Fixtures.write([1, 2, 3], directory.appending("file"))
        let result = try Shell.vigil(["verify", directory.appending("file")])
        #expect(result.status == 1)
        #expect(result.stdout.contains("is not a directory"))
    }

    /// Root ignores permission bits, so the check runs without the capabilities that let it.
    @Test func verifyAFileItMayNotRead() throws {
        let directory = try TemporaryDirectory()
        let set = try Fixtures.sampleSet(in: directory)
        let bundle = Fixtures.bundlePath(set, 6)
        #expect(chmod(bundle, 0) == 0)
        let command =
            geteuid() == 0
            ? "setpriv --inh-caps=-all --bounding-set=-dac_override,-dac_read_search '\(Shell.vigilBinary)' verify '\(set)'"
            : "'\(Shell.vigilBinary)' verify '\(set)'"
        let result = try Shell.run(command + " || echo \"exit=$?\"")
        #expect(result.stdout.contains("exit=1"), "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("[unreadable_file] cannot read bundles/000000000006.json: Permission denied"))
    }

    @Test func usageErrorsExitWith64AndExplain() throws {
        let missing = try Shell.vigil(["verify"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("Missing expected argument"))
        let directory = try TemporaryDirectory()
        let zero = try Shell.vigil([
            "evidence", "sample", "--bundles", "0", "--records", "5", "--out", directory.appending("x"),
        ])
        #expect(zero.status == 64)
        #expect(zero.stderr.contains("--bundles must be at least 1"))
        let badID = try Shell.vigil([
            "evidence", "sample", "--bundles", "1", "--records", "1", "--out", directory.appending("y"),
            "--appliance-id", "../../etc",
        ])
        #expect(badID.status == 64)
    }

    @Test func sampleRefusesANonEmptyDirectory() throws {
        let directory = try TemporaryDirectory()
        try Fixtures.write([1], directory.appending("precious"))
        let result = try Shell.vigil([
            "evidence", "sample", "--bundles", "2", "--records", "2", "--out", directory.path,
        ])
        #expect(result.status != 0)
        #expect(result.stderr.contains("not empty"))
        #expect(FileManager.default.fileExists(atPath: directory.appending("precious")))
    }
}
