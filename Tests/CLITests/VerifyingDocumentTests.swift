import EvidenceSet
import Foundation
import TestSupport
import Testing

/// Runs the standard-tools block of docs/VERIFYING.md exactly as written, so the document an
/// auditor follows cannot drift from what Vigil writes.
@Suite struct VerifyingDocumentTests {
    /// The shell block that follows `<!-- test: standard-tools -->`.
    static func documentedCommands() throws -> String {
        let document = try String(contentsOfFile: "\(Shell.packageRoot())/docs/VERIFYING.md", encoding: .utf8)
        let marker = try #require(document.range(of: "<!-- test: standard-tools -->"))
        let afterMarker = document[marker.upperBound...]
        let open = try #require(afterMarker.range(of: "```sh\n"))
        let close = try #require(afterMarker[open.upperBound...].range(of: "\n```"))
        return String(afterMarker[open.upperBound..<close.lowerBound])
    }

    @Test func documentedCommandsVerifyAGeneratedSet() throws {
        let directory = try TemporaryDirectory()
        let set = try Fixtures.sampleSet(in: directory, bundles: 1000, records: 3, checkpointEvery: 1000)
        let result = try Shell.run(try Self.documentedCommands(), in: set)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.components(separatedBy: "Signature Verified Successfully").count == 3)
        #expect(result.stdout.contains("chain link 41 -> 42 OK"))
        let fingerprint = Fixtures.applianceKey.verifyingKey.fingerprint.dropFirst("sha256:".count)
        #expect(result.stdout.contains("\(fingerprint)  -"))
        #expect(result.stdout.contains("\"host_id\""))
    }

    @Test func documentedCommandsFailOnATamperedBundle() throws {
        let directory = try TemporaryDirectory()
        let set = try Fixtures.sampleSet(in: directory, bundles: 1000, records: 3, checkpointEvery: 1000)
        let path = Fixtures.bundlePath(set, 42)
        let text = String(decoding: try Fixtures.read(path), as: UTF8.self)
        try Fixtures.write(Array(text.replacingOccurrences(of: "\"outcome\":\"", with: "\"outcome\":\"x").utf8), path)
        let result = try Shell.run(try Self.documentedCommands(), in: set)
        #expect(result.status != 0)
        #expect(
            result.stdout.contains("Signature Verification Failure")
                || result.stderr.contains("Signature Verification Failure"))
    }
}
