import Compliance
import Foundation
import TestSupport
import Testing

@testable import Healing

/// The catalogue shipped with Vigil, and the strict loader against broken and hostile files.
@Suite struct RunbookCatalogueTests {
    @Test func theBuiltInCatalogueLoadsAndCoversTheLinuxChecksThatCanBeFixed() throws {
        let catalogue = try RunbookCatalogue.builtin()
        let linux = catalogue.runbooks.filter { $0.platform == .linux }
        #expect(linux.count >= 16, "\(linux.map(\.id))")
        let healed = Set(linux.flatMap(\.heals).map(\.rawValue))
        for check in [
            "linux.ssh.permit_root_login", "linux.ssh.password_authentication", "linux.ssh.max_auth_tries",
            "linux.firewall.active", "linux.audit.auditd_running", "linux.audit.identity_rules",
            "linux.logging.syslog_running", "linux.services.no_telnet", "linux.patching.security_updates",
            "linux.files.shadow_permissions", "linux.files.sshd_config_permissions", "linux.files.world_writable_etc",
            "linux.accounts.password_max_days", "linux.mac.enforcing", "linux.backup.restic_age",
            "linux.antivirus.clamav",
        ] {
            #expect(healed.contains(check), "no runbook heals \(check)")
        }
        // Two audit-rule sets, a service restart; patching is disruptive and window-only.
        #expect(catalogue.runbooks(healing: try CheckID("linux.audit.identity_rules")).count == 2)
        #expect(catalogue["RB-LIN-SVC-001"] != nil)
        #expect(catalogue["RB-LIN-PATCH-001"]?.disruptive == true)
        #expect(catalogue["RB-LIN-PATCH-001"]?.requiresWindow == true)
        #expect(catalogue["RB-LIN-SSH-001"]?.requiresWindow == false)
        // Controls come from the check catalogue unless a runbook names its own.
        let root = try #require(catalogue["RB-LIN-SSH-001"])
        #expect(root.controls == CheckCatalog.builtin[try CheckID("linux.ssh.permit_root_login")]?.controls.sorted())
    }

    @Test func everyBuiltInRuleNamesARunbookWithParametersItAccepts() throws {
        let catalogue = try RunbookCatalogue.builtin()
        let rules = try L1RuleSet.builtin(catalogue: catalogue)
        #expect(rules.count >= 16)
        for rule in rules {
            let runbook = try #require(catalogue[rule.runbook])
            _ = try runbook.resolve(rule.parameters)
            #expect(rule.checkID.map { runbook.heals.contains($0) } == true, "\(rule.id)")
        }
    }

    static let good = """
        id: RB-LIN-TEST-001
        title: A test runbook
        platform: linux
        heals: [linux.ssh.permit_root_login]
        parameters:
          - name: value
            type: choice
            values: [no, prohibit-password]
            default: "no"
        detect: exit 0
        capture: cat /etc/ssh/sshd_config
        remediate: "true"
        verify: "true"
        rollback: "true"
        """

    func parse(_ text: String) -> Result<Runbook, CatalogueProblem> {
        Result { () throws(CatalogueProblem) in
            try RunbookFile.parse(text, file: "test.yaml", checks: .builtin)
        }
    }

    @Test func aGoodFileParsesAndNoStaysText() throws {
        let runbook = try parse(Self.good).get()
        #expect(runbook.parameters.first?.kind == .choice(["no", "prohibit-password"]))
        #expect(runbook.timeoutSeconds == 60 && !runbook.disruptive)
        #expect(try runbook.resolve([:]) == ["value": "no"])
    }

    static func edit(_ old: String, _ new: String) -> String { good.replacingOccurrences(of: old, with: new) }

    static let broken: [(text: String, line: Int, reason: String)] = [
        ("id: RB-LIN-TEST-001\n\ttitle: x", 2, "not valid YAML"),
        (edit("title: A test runbook", "title: A\ntitle: B"), 2, "duplicate key title"),
        (good + "\nretries: 3", 15, "unknown key retries"),
        (edit("id: RB-LIN-TEST-001", "id: rb-1"), 1, "is not of the form"),
        (edit("platform: linux", "platform: windows"), 1, "RB-WIN-"),
        (edit("linux.ssh.permit_root_login]", "linux.ssh.nonsense]"), 4, "not a check"),
        (edit("linux.ssh.permit_root_login]", "appliance.disk.free_space]"), 4, "a appliance check"),
        (edit("default: \"no\"", "default: maybe"), 6, "default"),
        (edit("type: choice", "type: float"), 6, "type must be"),
        (edit("detect: exit 0", "detect: \"  \""), 1, "detect must not be empty"),
        (edit("detect: exit 0\n", ""), 1, "missing required key detect"),
        (good + "\ndisruptive: yes", 15, "disruptive must be true or false"),
        (good + "\ntimeout_seconds: 99999", 15, "timeout_seconds must be"),
        (edit("heals: [linux.ssh.permit_root_login]", "heals: &a [linux.ssh.permit_root_login]"), 4, "anchors"),
        (edit("title: A test runbook", "title: [a, list]"), 2, "title must be text"),
        (good + "\n---\nid: second", 0, "more than one YAML document"),
        ("- just\n- a list", 1, "must be a mapping"),
        ("", 0, "is empty"),
        (edit("- name: value", "- name: Value"), 6, "parameter name"),
    ]

    @Test(arguments: broken)
    func brokenFilesAreRefusedWithLineAndReason(text: String, line: Int, reason: String) {
        guard case .failure(let problem) = parse(text) else {
            Issue.record("accepted: \(text)")
            return
        }
        #expect(problem.reason.contains(reason), "\(problem)")
        #expect(problem.line == line, "\(problem)")
        #expect(problem.description.hasPrefix("test.yaml"))
    }

    @Test func hostileFilesAreRefusedWithoutCrashing() {
        let huge = "id: " + String(repeating: "x", count: 300 << 10)
        let bomb = "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n"
        for text in [huge, bomb, "id: \u{0}", String(repeating: "[", count: 10_000), "{", "key: 'unterminated"] {
            guard case .failure = parse(text) else {
                Issue.record("accepted hostile input of \(text.utf8.count) bytes")
                continue
            }
        }
    }

    @Test func aDirectoryWithOneBadFileLoadsNothingAndNamesEveryProblem() throws {
        let directory = try TemporaryDirectory("vigil-runbooks")
        try Self.good.write(toFile: directory.appending("good.yaml"), atomically: true, encoding: .utf8)
        try Self.good.write(toFile: directory.appending("copy.yaml"), atomically: true, encoding: .utf8)
        try "id: [".write(toFile: directory.appending("broken.yaml"), atomically: true, encoding: .utf8)
        try "ignored".write(toFile: directory.appending("notes.txt"), atomically: true, encoding: .utf8)
        #expect(throws: CatalogueFailure.self) { _ = try RunbookCatalogue.load(directory: directory.path) }
        do {
            _ = try RunbookCatalogue.load(directory: directory.path)
        } catch {
            let text = error.description
            #expect(text.contains("broken.yaml:2: not valid YAML"), "\(text)")
            #expect(text.contains("RB-LIN-TEST-001 is used by"), "\(text)")
            #expect(error.problems.count == 2)
        }
        #expect(throws: CatalogueFailure.self) { _ = try RunbookCatalogue.load(directory: directory.appending("none")) }
    }

    @Test func parametersAreValidatedByType() throws {
        let text = RunbookParameter(name: "t", kind: .text(maximumLength: 5), defaultValue: nil, description: "")
        #expect(text.problem(with: "hello") == nil)
        #expect(text.problem(with: "toolong") != nil)
        #expect(text.problem(with: "a\nb") != nil)
        #expect(text.problem(with: "a\u{0}") != nil)
        let number = RunbookParameter(name: "n", kind: .integer(1...10), defaultValue: nil, description: "")
        #expect(number.problem(with: "10") == nil)
        #expect(number.problem(with: "11") != nil && number.problem(with: "1; rm -rf /") != nil)
        let path = RunbookParameter(name: "p", kind: .path, defaultValue: nil, description: "")
        #expect(path.problem(with: "/etc/ssh/sshd_config") == nil)
        #expect(path.problem(with: "/etc/../root") != nil && path.problem(with: "relative") != nil)
        let runbook = try parse(Self.good).get()
        #expect(throws: RunbookError.self) { _ = try runbook.resolve(["value": "yes"]) }
        #expect(throws: RunbookError.self) { _ = try runbook.resolve(["other": "no"]) }
    }
}
