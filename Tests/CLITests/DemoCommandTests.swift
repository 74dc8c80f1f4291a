import CentralClient
import Compliance
import Foundation
import LabHosts
import TestSupport
import Testing
import VigilAPI

@testable import CLI

/// `vigil demo`, Vigil's main command, as a user runs it: real check results and verified
/// evidence within a minute, then a clean stop.
@Suite(.serialized) struct DemoCommandTests {
    /// Starts `vigil demo` in `directory` (its log in `demo.log`) and waits for its demo.json.
    static func start(in directory: TemporaryDirectory, exitAfter seconds: Int) async throws -> (
        Process, DemoCommand.DemoFile, Int
    ) {
        let data = directory.appending("demo")
        let port = try ServerPorts.free()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Shell.vigilBinary)
        process.arguments = ["demo", "--data-dir", data, "--port", String(port), "--exit-after", String(seconds)]
        let log = directory.appending("demo.log")
        FileManager.default.createFile(atPath: log, contents: nil)
        // One handle for both streams: two handles would each write from offset 0 over the other.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        var demo: DemoCommand.DemoFile?
        for _ in 0..<300 where demo == nil {
            try await Task.sleep(for: .milliseconds(100))
            demo = FileManager.default.contents(atPath: data + "/demo.json").flatMap {
                try? JSONDecoder().decode(DemoCommand.DemoFile.self, from: $0)
            }
        }
        guard let demo else {
            kill(process.processIdentifier, SIGKILL)
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw HeadlessBrowser.BrowserError("vigil demo wrote no demo.json; log:\n\(text)")
        }
        return (process, demo, port)
    }

    @Test(.enabled(if: ApplianceDaemonTests.available, ApplianceDaemonTests.skip))
    func theDemoShowsRealResultsAndVerifiedEvidenceThenStopsCleanly() async throws {
        let directory = try TemporaryDirectory("vigil-demo")
        let data = directory.appending("demo")
        let started = Date()
        let (process, file, port) = try await Self.start(in: directory, exitAfter: 30)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        #expect(file.hosts.count == 3)
        #expect(file.url == "http://127.0.0.1:\(port)")
        let attributes = try FileManager.default.attributesOfItem(atPath: data + "/demo.json")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        // Within a minute: every host has evidence, and the drifted host fails where it should.
        let client = OperatorClient(
            connection: CentralConnection(baseURL: try #require(URL(string: file.url))), token: file.apiKey)
        struct Host: Decodable {
            let id: String
            let name: String
        }
        var proof: CheckStateProof?
        while proof == nil, Date().timeIntervalSince(started) < 60 {
            let hosts = try await client.get("/api/v1/sites/\(file.siteID)/hosts", as: [Host].self)
            if let records = hosts.first(where: { $0.name == "records-server" }) {
                proof = try? await client.get(
                    "/api/v1/sites/\(file.siteID)/state?host=\(records.id)&check=linux.accounts.uid0_only_root",
                    as: CheckStateProof.self)
            }
            if proof == nil { try await Task.sleep(for: .milliseconds(500)) }
        }
        let found = try #require(proof, "no evidence within a minute")
        #expect(found.status == .fail && found.result.observed == "root, toor")
        // The same turn healed what the demo site enabled (and re-checked it), and escalated the
        // spare root account, which no runbook heals.
        let hosts = try await client.get("/api/v1/sites/\(file.siteID)/hosts", as: [Host].self)
        let records = try #require(hosts.first { $0.name == "records-server" })
        let root = try await client.get(
            "/api/v1/sites/\(file.siteID)/state?host=\(records.id)&check=linux.ssh.permit_root_login",
            as: CheckStateProof.self)
        #expect(root.status == .pass, "\(root.result.observed ?? "")")
        let incidents = try await client.get("/api/v1/sites/\(file.siteID)/incidents", as: [IncidentInfo].self)
        #expect(incidents.contains { $0.hostID == records.id && $0.checkID == "linux.accounts.uid0_only_root" })
        let scores = try await client.get("/api/v1/sites/\(file.siteID)/scores", as: [FrameworkScore].self)
        #expect(scores.count == 5)

        // The operator login printed works.
        let login = try await CentralConnection(baseURL: try #require(URL(string: file.url))).send(
            "POST", "/api/v1/auth/login",
            body: try JSONEncoder().encode(LoginRequest(email: file.username, password: file.password)), headers: [:])
        #expect(login.status == 200)

        // Exported and verified offline while the demo runs (the checkpoint may lag one turn).
        var verified = false
        for _ in 0..<20 where !verified {
            let out = directory.appending("export-\(UUID().uuidString)")
            let export = try Shell.vigil([
                "evidence", "export", "--server", file.url, "--api-key", file.apiKey, "--site", file.siteID, "--out",
                out,
            ])
            if export.status == 0, export.stdout.contains("cosigned checkpoint at size") {
                let verify = try Shell.vigil(["verify", out])
                #expect(verify.status == 0, "\(verify.stdout)")
                verified = verify.status == 0
            } else {
                try await Task.sleep(for: .seconds(1))
            }
        }
        #expect(verified)

        // --exit-after stops everything: the process exits 0, and the demo's sshd are gone.
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let pids = try FileManager.default.contentsOfDirectory(atPath: data + "/hosts").compactMap { name in
            (try? String(contentsOfFile: "\(data)/hosts/\(name)/sshd.pid", encoding: .utf8)).flatMap {
                Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        #expect(pids.count == 3)
        for pid in pids {
            let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: " ")
            // Gone, or a zombie awaiting a reaper that is not ours.
            #expect(state == nil || state?[2] == "Z", "sshd \(pid) still runs")
        }
        let output = try String(contentsOfFile: directory.appending("demo.log"), encoding: .utf8)
        #expect(output.contains("Vigil demo running.") && output.contains("Vigil demo stopped"))
        #expect(output.contains("RB-LIN-SSH-001, RB-LIN-FILE-001, RB-LIN-FILE-003, RB-LIN-ACCT-001 enabled"))
    }
}
