import EvidenceCrypto
import Foundation
import Testing
import VigilAPI

@testable import CentralCommand

/// The check-in answer's JSON, filled into a per-snapshot template, must decode to exactly the
/// response, whatever the snapshot holds (strings that look like the template's holes included).
@Suite struct CheckInAnswerTests {
    static let hostile = [
        #"plain"#, #"x","orders":[],"server_time":"y"#, #"\"orders\":[]"#, "line\nbreak", #"back\slash\"#,
        "\u{0}nul", "emoji 🩺 and ünïcödé", #""server_time":"#, "",
    ]

    func response(targets: [String], orders: Int, window: MaintenanceWindow?) -> CheckInResponse {
        CheckInResponse(
            serverTime: "2026-11-22T09:00:00.123Z", ruleSetVersion: targets.first ?? "builtin-1",
            enabledRunbooks: targets,
            maintenanceWindow: window,
            orders: (0..<orders).map { SignedOrder(payload: "cGF5bG9hZA\($0)==", signature: "c2ln/+\($0)") },
            targets: targets.enumerated().map { index, text in
                CheckInTarget(
                    hostID: "host-\(index)", name: text, platform: "linux",
                    address: index.isMultiple(of: 2) ? text : nil,
                    credential: index.isMultiple(of: 3)
                        ? nil : TargetCredential(kind: "password", username: text, secret: text))
            },
            nextCheckInSeconds: 60)
    }

    @Test(arguments: [0, 1, 3])
    func filledTemplateDecodesToTheWholeResponse(orders: Int) throws {
        let window = MaintenanceWindow(days: ["sat"], start: "22:00", end: "04:00", timeZone: "America/Chicago")
        for targets in [[], Self.hostile, [Self.hostile[1]]] {
            for maintenance in [nil, window] {
                let full = response(targets: targets, orders: orders, window: maintenance)
                let template = try #require(CheckInAnswer.Template(full))
                let filled = try template.fill(serverTime: full.serverTime, orders: full.orders)
                // Strict JSON (no duplicate members), and it decodes to exactly the response.
                _ = try JSONParser(maximumDepth: 64, maximumSize: 1 << 20).parse(filled)
                #expect(try JSONDecoder().decode(CheckInResponse.self, from: Data(filled)) == full)
                let whole = try CheckInAnswer(response: full, template: nil).json()
                #expect(try JSONDecoder().decode(CheckInResponse.self, from: Data(whole)) == full)
                let answered = try CheckInAnswer(response: full, template: template).json()
                #expect(try JSONDecoder().decode(CheckInResponse.self, from: Data(answered)) == full)
            }
        }
    }
}
