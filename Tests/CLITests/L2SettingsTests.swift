import Appliance
import Foundation
import Healing
import Logging
import TestSupport
import Testing

@testable import CLI

/// The appliance's `l2-*` settings: a working provider from file and environment, and every
/// broken combination refused with the setting named.
@Suite struct L2SettingsTests {
    func l2(_ lines: [String], environment: [String: String] = [:]) throws -> L2Configuration? {
        let directory = try TemporaryDirectory("vigil-l2-settings")
        let path = directory.appending("appliance.conf")
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return try ApplianceRun.l2(
            Settings(configPath: path, environment: environment, known: ApplianceRun.known))
    }

    @Test func aProviderIsReadWithItsKeyFromAFile() throws {
        let directory = try TemporaryDirectory("vigil-l2-key")
        let key = directory.appending("key")
        try "sk-secret\n".write(toFile: key, atomically: true, encoding: .utf8)
        let configuration = try #require(
            try l2([
                "l2-provider = anthropic", "l2-url = https://api.anthropic.example", "l2-model = claude-x",
                "l2-api-key-file = \(key)", "l2-confidence = 0.9", "l2-daily-budget = 10",
            ]))
        #expect(
            configuration.provider
                == .anthropic(
                    baseURL: try #require(URL(string: "https://api.anthropic.example")), model: "claude-x",
                    apiKey: "sk-secret"))
        #expect(configuration.confidenceThreshold == 0.9 && configuration.dailyBudget == 10)
        #expect(try l2(["server-url = http://127.0.0.1:1"]) == nil, "without l2-provider L2 is off")
    }

    @Test(arguments: [
        (["l2-provider = gpt"], "l2-url"),
        (["l2-provider = ollama", "l2-url = http://127.0.0.1:11434/v1", "l2-model = m"], "openai or anthropic"),
        (["l2-provider = openai", "l2-url = file:///etc/passwd", "l2-model = m"], "http or https"),
        (["l2-provider = openai", "l2-url = http://127.0.0.1:1/v1"], "l2-model"),
        (["l2-provider = anthropic", "l2-url = https://a.example", "l2-model = m"], "l2-api-key-file"),
        (
            ["l2-provider = openai", "l2-url = http://h/v1", "l2-model = m", "l2-api-key-file = /nonexistent"],
            "cannot be read"
        ),
        (["l2-provider = openai", "l2-url = http://h/v1", "l2-model = m", "l2-confidence = 2"], "between 0 and 1"),
        (["l2-provider = openai", "l2-url = http://h/v1", "l2-model = m", "l2-timeout = 0"], "l2-timeout"),
    ])
    func brokenSettingsAreRefusedByName(lines: [String], reason: String) {
        do {
            _ = try l2(lines)
            Issue.record("accepted \(lines)")
        } catch {
            #expect("\(error)".contains(reason), "\(error)")
        }
    }

    @Test func anApplianceWithABrokenRunbookCatalogueRefusesToStartAndSaysWhere() async throws {
        let directory = try TemporaryDirectory("vigil-bad-catalogue")
        try FileManager.default.createDirectory(
            atPath: directory.appending("runbooks"), withIntermediateDirectories: true)
        try "id: RB-LIN-X-001\ntitle: t\nplatform: linux\nheals: [linux.nope]\n".write(
            toFile: directory.appending("runbooks/broken.yaml"), atomically: true, encoding: .utf8)
        var configuration = ApplianceConfiguration(
            serverURL: try #require(URL(string: "http://127.0.0.1:1")), dataDirectory: directory.appending("data"))
        configuration.runbookDirectory = directory.appending("runbooks")
        do {
            _ = try await ApplianceDaemon.start(configuration, softwareRevision: "t", logger: .init(label: "t"))
            Issue.record("started with a broken catalogue")
        } catch {
            #expect(error.description.contains("broken.yaml:4: heals linux.nope"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appending("data")), "nothing written before refusing")
    }
}
