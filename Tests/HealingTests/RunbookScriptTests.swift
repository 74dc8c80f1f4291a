import Compliance
import Foundation
import TestSupport
import Testing

@testable import Healing

/// Parameters reach scripts as environment variables and never as shell syntax: hostile values
/// run through the real /bin/sh arrive byte for byte and execute nothing.
@Suite struct RunbookScriptTests {
    static let hostile = [
        "'; touch MARK; '", "\"; touch MARK; \"", "$(touch MARK)", "`touch MARK`", "${IFS}touch${IFS}MARK",
        "a && touch MARK", "| touch MARK", "\\'\\\"\\\\", "$HOME $PATH $$", "-rf /", "*", "é ünïcode 🚑",
        "line1\\nline2", String(repeating: "x", count: 4000),
    ]

    func runbook() throws -> Runbook {
        try RunbookFile.parse(
            """
            id: RB-LIN-TEST-001
            title: Echo the parameters
            platform: linux
            heals: [linux.ssh.permit_root_login]
            parameters:
              - {name: value, type: text, max_length: 4096}
              - {name: other, type: text, default: "plain"}
            detect: exit 0
            capture: "true"
            remediate: printf '%s' "$VIGIL_VALUE" > value.out; printf '%s' "$VIGIL_OTHER" > other.out
            verify: "true"
            rollback: cat "$VIGIL_PRESTATE" > prestate.out
            """, file: "test.yaml", checks: .builtin)
    }

    func run(_ program: String, in directory: TemporaryDirectory) throws -> Shell.Result {
        try program.write(toFile: directory.appending("program.sh"), atomically: true, encoding: .utf8)
        return try Shell.run("/bin/sh -s < program.sh", in: directory.path)
    }

    @Test(arguments: hostile)
    func hostileValuesArriveUnchangedAndRunNothing(value: String) throws {
        let runbook = try runbook()
        let resolved = try runbook.resolve(["value": value])
        let program = RunbookScript.program(runbook, step: .remediate, parameters: resolved)
        #expect(!program.contains(value), "the value itself is in the program text")
        let directory = try TemporaryDirectory("vigil-inject")
        let result = try run(program, in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let received = try String(contentsOfFile: directory.appending("value.out"), encoding: .utf8)
        #expect(received == value)
        #expect(try String(contentsOfFile: directory.appending("other.out"), encoding: .utf8) == "plain")
        #expect(!FileManager.default.fileExists(atPath: directory.appending("MARK")), "the value ran as a command")
    }

    @Test func controlCharactersNeverReachAScript() throws {
        let runbook = try runbook()
        for value in ["a\nb", "a\u{0}b", "a\rb", "\u{1B}[31m"] {
            #expect(throws: RunbookError.self) { _ = try runbook.resolve(["value": value]) }
        }
    }

    @Test func theRollbackGetsThePreStateByteForByte() throws {
        let runbook = try runbook()
        let preState: [UInt8] = Array("PermitRootLogin yes\n\n'$(touch MARK)'\n".utf8) + [0, 255, 10, 10]
        let program = RunbookScript.program(runbook, step: .rollback, parameters: [:], preState: preState)
        let directory = try TemporaryDirectory("vigil-prestate")
        let result = try run(program, in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let restored = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory.appending("prestate.out"))))
        #expect(restored == preState)
        #expect(!FileManager.default.fileExists(atPath: directory.appending("MARK")))
    }
}
