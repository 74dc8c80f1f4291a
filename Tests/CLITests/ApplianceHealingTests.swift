import Appliance
import CentralClient
import Compliance
import EvidenceCrypto
import Foundation
import Healing
import LabHosts
import Logging
import TestSupport
import Testing
import VigilAPI

@testable import CLI

/// Healing end to end (issue 5): real `vigil central`, real sshd hosts with drift in their own
/// mount namespaces, runbooks run as root through sudo, evidence of every step.
@Suite(.serialized) struct ApplianceHealingTests {
    typealias World = ApplianceDaemonTests.World
    static let available = ApplianceDaemonTests.available && LoopbackLinuxHost.canBecomeRoot
    static let skip: Comment =
        "needs OpenSSH server, chrony, sudo and root (apt-get install openssh-server chrony sudo; .ci/run installs them)"

    static func enable(_ runbooks: [String], window: MaintenanceWindow? = nil, in world: World) async throws {
        _ = try await world.operatorClient.call(
            "PUT", "/api/v1/sites/\(world.site)/settings",
            SiteSettingsBody(ruleSetVersion: "builtin-1", enabledRunbooks: runbooks, maintenanceWindow: window),
            as: SiteSettingsBody.self)
    }

    static func host(_ world: World, _ name: String) throws -> LoopbackLinuxHost {
        try #require(world.hosts.first { $0.profile.name == name })
    }

    static func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    /// A catalogue of the built-in runbooks plus `extra` files, and a rules file.
    static func catalogue(in world: World, extra: [String: String], rules: String) throws -> (String, String) {
        let directory = world.directory.appending("runbooks")
        let builtin = Shell.packageRoot() + "/Sources/Healing/Catalogue/runbooks"
        try FileManager.default.copyItem(atPath: builtin, toPath: directory)
        for (name, text) in extra { try text.write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8) }
        let rulesFile = world.directory.appending("rules.yaml")
        try rules.write(toFile: rulesFile, atomically: true, encoding: .utf8)
        return (directory, rulesFile)
    }

    /// A loopback model (OpenAI chat-completions format) that always chooses RB-LIN-SSH-001, a
    /// catalogue whose only L1 rule is for shadow permissions (so root logins are L2's), and the
    /// world's appliance configured for both, with RB-LIN-SSH-001 enabled.
    static func withL2Model(_ world: inout World) async throws -> LoopbackReceiver {
        let (directory, rules) = try catalogue(
            in: world, extra: [:], rules: rule("linux.files.shadow_permissions", "RB-LIN-FILE-001"))
        let decision =
            #"{"runbook":"RB-LIN-SSH-001","parameters":{"value":"no"},"confidence":0.93,"reasoning":"sshd allows root","escalate":false}"#
        let model = try LoopbackReceiver(reply: { _ in
            let answer: [String: Any] = [
                "id": "chatcmpl-1", "object": "chat.completion",
                "choices": [
                    ["index": 0, "message": ["role": "assistant", "content": decision], "finish_reason": "stop"]
                ],
            ]
            return LoopbackReply(
                status: 200, body: Array((try? JSONSerialization.data(withJSONObject: answer)) ?? Data()))
        })
        world.configuration.runbookDirectory = directory
        world.configuration.rulesFile = rules
        var l2 = L2Configuration(
            provider: .openAI(
                baseURL: try #require(URL(string: "http://127.0.0.1:\(model.port)/v1")), model: "loopback-model",
                apiKey: nil))
        l2.minimumIntervalSeconds = 0
        world.configuration.l2 = l2
        try await enable(["RB-LIN-SSH-001"], in: world)
        return model
    }

    static func rule(_ check: String, _ runbook: String) -> String {
        """
        rules:
          - id: test-rule
            when:
              - {field: check_id, op: eq, value: \(check)}
              - {field: status, op: eq, value: fail}
            runbook: \(runbook)
        """
    }

    @Test(.enabled(if: available, skip))
    func l1HealsRealDriftOverSSHAndTheRescanInTheSameTurnPasses() async throws {
        let world = try await World()
        defer { world.stop() }
        try await Self.enable(
            ["RB-LIN-SSH-001", "RB-LIN-SSH-002", "RB-LIN-FILE-001", "RB-LIN-FILE-003", "RB-LIN-ACCT-001"], in: world)
        let records = try Self.host(world, "records-server")
        let daemon = try await world.daemon()
        let turn = try await ApplianceDaemonTests.settledTurn(daemon)
        await daemon.close()
        let healed = turn.remediations.map { "\($0.runbook)@\($0.host)=\($0.outcome.rawValue)" }
        for expected in [
            "RB-LIN-SSH-001@records-server=success", "RB-LIN-SSH-001@imaging-workstation=success",
            "RB-LIN-FILE-001@records-server=success", "RB-LIN-FILE-003@records-server=success",
            "RB-LIN-ACCT-001@records-server=success",
        ] {
            #expect(healed.contains(expected), "\(healed) \(turn.problems)")
        }
        // Password logins stay on where the appliance itself logs in with a password.
        #expect(!healed.contains { $0.hasPrefix("RB-LIN-SSH-002@records-server") }, "\(healed)")
        #expect(!healed.contains { $0.contains("reception-pc") }, "the hardened host needs nothing")

        // The host's files changed for real.
        let config = try String(contentsOfFile: records.directory + "/sshd_config", encoding: .utf8)
        #expect(config.hasPrefix("PermitRootLogin no\n"), "\(config.prefix(200))")
        #expect(try Self.mode(records.directory + "/shadow") == 0o640)
        #expect(try Self.mode(records.directory + "/issue") & 0o002 == 0)
        let defs = try String(contentsOfFile: records.directory + "/login.defs", encoding: .utf8)
        #expect(defs.hasSuffix("PASS_MAX_DAYS\t90\n"))

        // Central Command's latest state is the re-scan's: passing, proven by a newer bundle.
        let recordsID = try await world.hostID(named: "records-server")
        for check in ["linux.ssh.permit_root_login", "linux.files.shadow_permissions"] {
            let proof = try await world.operatorClient.get(
                "/api/v1/sites/\(world.site)/state?host=\(recordsID)&check=\(check)", as: CheckStateProof.self)
            #expect(proof.status == .pass, "\(check): \(proof.result.observed ?? "")")
        }
        // Evidence: each step of the fix, the pre-state kept out of the text.
        let bundles = try await ApplianceDaemonTests.bundles(in: world.configuration.dataDirectory)
        let fix = try #require(
            bundles.first { $0.kind == .remediation && $0.actions.contains { $0.runbookID == "RB-LIN-SSH-001" } })
        #expect(fix.outcome == .success, "\(fix.actions.map { $0.excerpt ?? "" })")
        #expect(fix.actions.map(\.step) == ["decide", "detect", "capture", "remediate", "verify"])
        #expect(fix.actions.first?.excerpt?.contains("linux.ssh.permit_root_login") == true)
        #expect(fix.actions.first { $0.step == "capture" }?.excerpt?.hasPrefix("captured ") == true)
        #expect(!(fix.actions.map { $0.excerpt ?? "" }.joined().contains("HostKey")))
    }

    /// Drift the appliance is not told about, on a host with its own network and PID namespaces:
    /// its nftables ruleset flushed and its auditd stopped. The fixes change that host's real
    /// firewall and processes, never the machine's. auditd there is the lab's stand-in (a
    /// process named auditd): the kernel refuses audit requests from outside the initial PID
    /// namespace. The firewall runbook needs the window, so the site has one open now.
    @Test(.enabled(if: available && LoopbackLinuxHost.isolationAvailable, skip))
    func aFlushedFirewallAndAStoppedAuditdStandInAreHealedOnAnIsolatedHost() async throws {
        let machineRules = try LoopbackLinuxHost.run("/usr/sbin/nft", ["list", "ruleset"])
        let world = try await World(profiles: [LinuxHostProfile(name: "billing-pc", isolated: true)])
        defer { world.stop() }
        try await Self.enable(
            ["RB-LIN-FW-001", "RB-LIN-AUDIT-001"],
            window: ApplianceDaemonTests.window(days: MaintenanceWindow.dayNames), in: world)
        let host = try Self.host(world, "billing-pc")
        let billing = try await world.hostID(named: "billing-pc")
        func status(_ check: String) async throws -> CheckStatus {
            try await world.operatorClient.get(
                "/api/v1/sites/\(world.site)/state?host=\(billing)&check=\(check)", as: CheckStateProof.self
            ).status
        }
        let daemon = try await world.daemon()
        let first = try await ApplianceDaemonTests.settledTurn(daemon)
        #expect(first.problems.isEmpty, "\(first.problems)")
        #expect(first.remediations.isEmpty, "the host starts hardened: \(first.remediations)")
        #expect(try await status("linux.firewall.active") == .pass)
        #expect(try await status("linux.audit.auditd_running") == .pass)

        try host.inside("nft flush ruleset; pkill -x auditd")
        #expect(try host.inside("nft list ruleset").isEmpty)
        let drifted = await daemon.turn(forceScan: true)
        await daemon.close()
        let healed = drifted.remediations.map { "\($0.runbook)=\($0.outcome.rawValue)" }
        #expect(Set(healed) == ["RB-LIN-FW-001=success", "RB-LIN-AUDIT-001=success"], "\(drifted.problems)")

        // The host's own firewall is back (SSH still open) and an auditd runs there again.
        let rules = try host.inside("nft list ruleset")
        #expect(rules.contains("policy drop") && rules.contains("tcp dport \(host.port) accept"), "\(rules)")
        #expect(!(try host.inside("pgrep -x auditd")).isEmpty)
        // The re-scan in the same turn proved it to Central Command.
        #expect(try await status("linux.firewall.active") == .pass)
        #expect(try await status("linux.audit.auditd_running") == .pass)
        // Evidence of each step, the empty ruleset captured before the fix.
        let bundles = try await ApplianceDaemonTests.bundles(in: world.configuration.dataDirectory)
        let fix = try #require(
            bundles.first { $0.kind == .remediation && $0.actions.contains { $0.runbookID == "RB-LIN-FW-001" } })
        #expect(fix.outcome == .success)
        #expect(fix.actions.map(\.step) == ["decide", "detect", "capture", "remediate", "verify"])
        #expect(fix.actions.first { $0.step == "detect" }?.excerpt?.contains("nftables has no ruleset") == true)
        // The machine's own firewall was never touched.
        #expect(try LoopbackLinuxHost.run("/usr/sbin/nft", ["list", "ruleset"]) == machineRules)
    }

    @Test(.enabled(if: available, skip))
    func aFixWhoseVerifyFailsIsRolledBackByteForByte() async throws {
        var world = try await World()
        defer { world.stop() }
        let builtin = Shell.packageRoot() + "/Sources/Healing/Catalogue/runbooks/linux/ssh-permitrootlogin.yaml"
        let broken = try String(contentsOfFile: builtin, encoding: .utf8)
            .replacingOccurrences(of: "id: RB-LIN-SSH-001", with: "id: RB-LIN-TEST-001")
            .replacingOccurrences(
                of: "verify: |\n", with: "verify: |\n  echo \"this verify always fails\"; exit 1\n")
        let (directory, rules) = try Self.catalogue(
            in: world, extra: ["linux/test-broken.yaml": broken],
            rules: Self.rule("linux.ssh.permit_root_login", "RB-LIN-TEST-001"))
        world.configuration.runbookDirectory = directory
        world.configuration.rulesFile = rules
        try await Self.enable(["RB-LIN-TEST-001"], in: world)
        let records = try Self.host(world, "records-server")
        let before = try Data(contentsOf: URL(fileURLWithPath: records.directory + "/sshd_config"))
        let daemon = try await world.daemon()
        let turn = try await ApplianceDaemonTests.settledTurn(daemon)
        await daemon.close()
        #expect(
            turn.remediations.contains { $0.host == "records-server" && $0.outcome == .reverted },
            "\(turn.remediations)")
        let after = try Data(contentsOf: URL(fileURLWithPath: records.directory + "/sshd_config"))
        #expect(after == before, "the rollback restores the file byte for byte")
        let bundles = try await ApplianceDaemonTests.bundles(in: world.configuration.dataDirectory)
        let fix = try #require(bundles.first { $0.kind == .remediation && $0.outcome == .reverted })
        #expect(fix.actions.map(\.step) == ["decide", "detect", "capture", "remediate", "verify", "rollback"])
        #expect(fix.actions.first { $0.step == "verify" }?.exitCode == 1)
        #expect(fix.actions.first { $0.step == "rollback" }?.exitCode == 0)
    }

    @Test(.enabled(if: available, skip))
    func aFixThatNeedsTheWindowIsDeferredThenRunsInsideIt() async throws {
        var world = try await World()
        defer { world.stop() }
        let builtin = Shell.packageRoot() + "/Sources/Healing/Catalogue/runbooks/linux/file-shadow-permissions.yaml"
        let windowed = try String(contentsOfFile: builtin, encoding: .utf8)
            .replacingOccurrences(of: "id: RB-LIN-FILE-001", with: "id: RB-LIN-TEST-002")
            .replacingOccurrences(of: "timeout_seconds: 30", with: "timeout_seconds: 30\nneeds_window: true")
        let (directory, rules) = try Self.catalogue(
            in: world, extra: ["linux/test-windowed.yaml": windowed],
            rules: Self.rule("linux.files.shadow_permissions", "RB-LIN-TEST-002"))
        world.configuration.runbookDirectory = directory
        world.configuration.rulesFile = rules
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let otherDay = MaintenanceWindow.dayNames[(calendar.component(.weekday, from: Date()) + 7) % 7]
        try await Self.enable(["RB-LIN-TEST-002"], window: ApplianceDaemonTests.window(days: [otherDay]), in: world)
        let records = try Self.host(world, "records-server")
        let daemon = try await world.daemon()
        let first = try await ApplianceDaemonTests.settledTurn(daemon)
        #expect(first.remediations.map(\.outcome) == [.deferred], "\(first.remediations)")
        #expect(try Self.mode(records.directory + "/shadow") == 0o644)
        let again = await daemon.turn(forceScan: true)
        #expect(again.remediations.isEmpty, "deferred once, not at every scan")

        try await Self.enable(
            ["RB-LIN-TEST-002"], window: ApplianceDaemonTests.window(days: MaintenanceWindow.dayNames), in: world)
        let open = await daemon.turn()
        await daemon.close()
        #expect(open.remediations.map(\.outcome) == [.success], "\(open.remediations) \(open.problems)")
        #expect(try Self.mode(records.directory + "/shadow") == 0o640)
        let bundles = try await ApplianceDaemonTests.bundles(in: world.configuration.dataDirectory)
        let outcomes = bundles.filter { $0.kind == .remediation }.map(\.outcome)
        #expect(outcomes == [.deferred, .success])
    }

    @Test(.enabled(if: available, skip))
    func anOperatorsRunbookOrderRunsWithItsParametersAndHostileOnesAreRefused() async throws {
        let world = try await World()
        defer { world.stop() }
        let records = try Self.host(world, "records-server")
        let recordsID = try await world.hostID(named: "records-server")
        let daemon = try await world.daemon()
        _ = try await ApplianceDaemonTests.settledTurn(daemon)
        // Enabled after the first scan, so that L1 does not heal the drift before the order.
        try await Self.enable(["RB-LIN-ACCT-001"], in: world)
        let appliance = daemon.identity.applianceID.rawValue
        let hostile = try await world.order(
            "run_runbook", to: appliance,
            parameters: ["runbook": "RB-LIN-ACCT-001", "host": recordsID, "days": "60; touch /tmp/pwned"])
        let unknown = try await world.order(
            "run_runbook", to: appliance, parameters: ["runbook": "RB-LIN-NOPE-001", "host": recordsID])
        let disabled = try await world.order(
            "run_runbook", to: appliance, parameters: ["runbook": "RB-LIN-FILE-001", "host": recordsID])
        let good = try await world.order(
            "run_runbook", to: appliance, parameters: ["runbook": "RB-LIN-ACCT-001", "host": recordsID, "days": "60"])
        _ = await daemon.turn()
        await daemon.close()
        #expect(try await world.status(of: hostile)?.resultDetail?.contains("a whole number") == true)
        #expect(try await world.status(of: hostile)?.status == "failed")
        let unknownDetail = try await world.status(of: unknown)?.resultDetail
        #expect(unknownDetail?.contains("no runbook") == true, "\(unknownDetail ?? "")")
        #expect(try await world.status(of: disabled)?.resultDetail?.contains("not enabled") == true)
        let done = try await world.status(of: good)
        #expect(done?.status == "completed", "\(done?.resultDetail ?? "") \(done?.status ?? "")")
        let defs = try String(contentsOfFile: records.directory + "/login.defs", encoding: .utf8)
        #expect(defs.hasSuffix("PASS_MAX_DAYS\t60\n"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/pwned"))
    }

    @Test(.enabled(if: available, skip))
    func driftNobodyHealsBecomesAnIncidentThroughTheAPIOnce() async throws {
        let world = try await World()
        defer { world.stop() }
        let daemon = try await world.daemon()
        let first = try await ApplianceDaemonTests.settledTurn(daemon)
        let second = await daemon.turn(forceScan: true)
        await daemon.close()
        #expect(first.escalations.contains { $0 == ("records-server", "linux.accounts.uid0_only_root") })
        #expect(second.escalations.isEmpty, "escalated once per run; Central Command counts repeats")
        let incidents = try await world.operatorClient.get(
            "/api/v1/sites/\(world.site)/incidents?status=open", as: [IncidentInfo].self)
        let recordsID = try await world.hostID(named: "records-server")
        // No runbook heals a second UID-0 account: an incident, P1 (critical), with the reason.
        let uid0 = try #require(
            incidents.first { $0.hostID == recordsID && $0.checkID == "linux.accounts.uid0_only_root" })
        #expect(uid0.priority == "p1" && uid0.context.contains("no L1 rule heals this check"), "\(uid0.context)")
        #expect(uid0.observed?.contains("toor") == true)
        // A rule exists but the site has not enabled its runbook: the incident says so.
        let root = try #require(
            incidents.first { $0.hostID == recordsID && $0.checkID == "linux.ssh.permit_root_login" })
        #expect(root.context.contains("RB-LIN-SSH-001 would heal it but is not enabled"), "\(root.context)")
        let receptionID = try await world.hostID(named: "reception-pc")
        #expect(!incidents.contains { $0.hostID == receptionID && $0.checkID.hasPrefix("linux.ssh.") })
    }

    @Test(.enabled(if: available, skip))
    func l2ThroughALoopbackModelPicksARunbookThatHealsRealDrift() async throws {
        var world = try await World()
        defer { world.stop() }
        // No L1 rule for root logins: only L2 can choose RB-LIN-SSH-001.
        let model = try await Self.withL2Model(&world)
        defer { model.stop() }
        let records = try Self.host(world, "records-server")
        let daemon = try await world.daemon()
        let turn = try await ApplianceDaemonTests.settledTurn(daemon)
        await daemon.close()
        let healed = turn.remediations.map { "\($0.runbook)@\($0.host)=\($0.outcome.rawValue)" }
        #expect(healed.contains("RB-LIN-SSH-001@records-server=success"), "\(healed) \(turn.problems)")
        #expect(model.connections.count == 2, "asked once per drifted host (records-server, imaging-workstation)")
        let config = try String(contentsOfFile: records.directory + "/sshd_config", encoding: .utf8)
        #expect(config.hasPrefix("PermitRootLogin no\n"))
        let bundles = try await ApplianceDaemonTests.bundles(in: world.configuration.dataDirectory)
        let fix = try #require(
            bundles.first {
                $0.kind == .remediation && $0.actions.contains { $0.step == "plan" } && $0.outcome == .success
            })
        #expect(fix.actions.map(\.step) == ["decide", "plan", "detect", "capture", "remediate", "verify"])
        #expect(fix.actions[1].excerpt?.contains("loopback-model") == true)
        #expect(fix.actions[0].excerpt?.hasPrefix("L2:loopback-model") == true)
    }

    @Test(.enabled(if: available, skip))
    func theFlywheelPromotesARuleFromRealL2FixesAndDisablesItAfterRealFailures() async throws {
        var world = try await World()
        defer { world.stop() }
        let model = try await Self.withL2Model(&world)
        defer { model.stop() }
        let records = try Self.host(world, "records-server")
        let daemon = try await world.daemon()
        let appliance = daemon.identity.applianceID.rawValue

        // Five real L2 fixes: two hosts at the first scan, then records-server drifts three times.
        _ = try await ApplianceDaemonTests.settledTurn(daemon)
        for _ in 0..<3 {
            try records.driftSSHD(["PermitRootLogin yes"])
            let turn = await daemon.turn(forceScan: true)
            #expect(
                turn.remediations.contains { $0.host == "records-server" && $0.outcome == .success },
                "\(turn.remediations)")
        }
        #expect(model.connections.count == 5)
        var learning = try await world.operatorClient.get("/api/v1/learning", as: LearningOverview.self)
        let pattern = try #require(learning.patterns.first { $0.checkID == "linux.ssh.permit_root_login" })
        #expect(pattern.occurrences == 5 && pattern.verified == 5 && pattern.runbook == "RB-LIN-SSH-001")
        let proposal = try #require(learning.rules.first)
        #expect(proposal.status == "proposed" && proposal.parameters == ["value": "no"])

        // Approved, signed, synced: the next drift is healed by L1 without asking the model.
        let approved = try await world.operatorClient.post(
            "/api/v1/learning/rules/\(proposal.id)/approve", String?.none, as: LearningOverview.Rule.self)
        #expect(approved.status == "active")
        _ = try await world.order("sync_rules", to: appliance)
        try records.driftSSHD(["PermitRootLogin yes"])
        let promoted = await daemon.turn(forceScan: true)
        #expect(promoted.remediations.contains { $0.host == "records-server" && $0.outcome == .success })
        #expect(model.connections.count == 5, "the promoted rule healed it, not L2")
        let bundles = try await ApplianceDaemonTests.bundles(in: world.configuration.dataDirectory)
        #expect(bundles.last { $0.kind == .remediation }?.actions.first?.excerpt?.hasPrefix(proposal.id) == true)

        // Real failures: sshd_config that sshd itself refuses on the two other hosts.
        for name in ["imaging-workstation", "reception-pc"] {
            try Self.host(world, name).driftSSHD(["PermitRootLogin yes", "NotAnSSHDKeyword yes"])
        }
        let failing = await daemon.turn(forceScan: true)
        #expect(failing.remediations.filter { $0.outcome == .failed }.count == 2, "\(failing.remediations)")
        learning = try await world.operatorClient.get("/api/v1/learning", as: LearningOverview.self)
        let disabled = try #require(learning.rules.first { $0.id == proposal.id })
        #expect(disabled.status == "disabled" && disabled.runs == 3 && disabled.failures == 2, "\(disabled)")
        #expect(disabled.note?.contains("disabled") == true)

        // Synced again: the rule is gone from the appliance; the drift goes back to L2.
        _ = try await world.order("sync_rules", to: appliance)
        try records.driftSSHD(["PermitRootLogin yes"])
        _ = await daemon.turn(forceScan: true)
        await daemon.close()
        #expect(model.connections.count > 5, "without the promoted rule, L2 is asked again")
    }

    @Test(.enabled(if: available, skip))
    func aRuleSetNotSignedByCentralCommandOrNotValidIsRefused() async throws {
        let world = try await World(hosts: false)
        defer { world.stop() }
        let plain = try await world.daemon()
        _ = try await ApplianceDaemonTests.settledTurn(plain)
        let identity = plain.identity
        await plain.close()
        let key = try SigningKey(contentsOf: ApplianceEnrolment.keyPath(in: world.configuration.dataDirectory))
        let serverKey = try SigningKey(contentsOf: world.directory.appending("data/server-key.pem"))
        let link = ApplianceDaemonTests.Tampering(
            ApplianceClient(connection: world.server.connection, applianceID: identity.applianceID, key: key), extra: []
        )
        let rules = """
            rules:
              - id: rogue
                when: [{field: check_id, op: eq, value: linux.ssh.permit_root_login}]
                runbook: RB-LIN-SSH-001
                parameters: {value: prohibit-password}
            """
        func sign(_ text: String, with signer: SigningKey, revision: Int64 = 7) -> SignedRuleSet {
            SignedRuleSet(
                revision: revision, rules: text,
                signature: Base64.encode(signer.signature(for: SignedRuleSet.message(revision: revision, rules: text))))
        }
        let cases: [(SignedRuleSet, String)] = [
            (sign(rules, with: SigningKey()), "not signed by Central Command"),
            (SignedRuleSet(revision: 7, rules: rules, signature: "not base64!"), "not signed by Central Command"),
            (
                sign(
                    "rules:\n  - id: x\n    when: [{field: nope, op: eq, value: y}]\n    runbook: RB-LIN-SSH-001",
                    with: serverKey), "unknown field nope"
            ),
            (sign("rules: [", with: serverKey), "not valid YAML"),
        ]
        let daemon = try await world.daemon(link: link)
        for (forged, reason) in cases {
            link.rules.withLock { $0 = forged }
            let order = try await world.order("sync_rules", to: identity.applianceID.rawValue)
            _ = await daemon.turn()
            let answer = try await world.status(of: order)
            #expect(answer?.status == "failed")
            let detail = answer?.resultDetail ?? ""
            #expect(detail.contains(reason) && detail.contains("rules unchanged"), "\(detail)")
        }
        // A genuine set is taken.
        link.rules.withLock { $0 = sign(rules, with: serverKey) }
        let good = try await world.order("sync_rules", to: identity.applianceID.rawValue)
        _ = await daemon.turn()
        await daemon.close()
        let taken = try await world.status(of: good)
        #expect(
            taken?.status == "completed" && taken?.resultDetail?.contains("1 promoted rule(s) at revision 7") == true)
    }
}
