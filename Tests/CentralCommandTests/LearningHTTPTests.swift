import CentralClient
import CentralCommand
import Compliance
import EvidenceCrypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import VigilAPI

/// The flywheel over HTTP: appliance reports checked against the catalogues, the signed rule
/// set, and decisions kept for the platform operator.
@Suite struct LearningHTTPTests {
    let fleet = FleetHTTPTests()

    func report(_ client: some TestClientProtocol, _ body: ResolutionReport) async throws -> TestResponse {
        try await fleet.applianceCall(client, "/api/v1/appliance/resolutions", body)
    }

    static let good = ResolutionReport(
        checkID: "linux.ssh.permit_root_login", runbook: "RB-LIN-SSH-001", parameters: ["value": "no"], source: "l2",
        verified: true)

    @Test func reportsBecomeAProposalThatThePlatformApprovesIntoASignedRuleSet() async throws {
        let token = try await fleet.seed()
        try await fleet.app().test(.router) { client in
            for _ in 0..<5 { #expect(try await report(client, Self.good).status == .noContent) }
            let overview = try #require(
                try await fleet.operatorCall(client, token, .get, "/api/v1/learning", as: LearningOverview.self))
            let proposal = try #require(overview.rules.first)
            #expect(proposal.status == "proposed")
            // A partner may not decide fleet-wide rules.
            let partner = try await TenancyHTTPTests().tenant(client, platform: token, name: "Partner MSP")
            _ = try await fleet.operatorCall(
                client, partner.token, .post, "/api/v1/learning/rules/\(proposal.id)/approve", expect: .forbidden)
            _ = try await fleet.operatorCall(client, partner.token, .get, "/api/v1/learning", expect: .forbidden)
            _ = try await fleet.operatorCall(
                client, token, .post, "/api/v1/learning/rules/\(proposal.id)/approve", as: LearningOverview.Rule.self)
            _ = try await fleet.operatorCall(
                client, token, .post, "/api/v1/learning/rules/\(proposal.id)/reject", expect: .conflict)
            _ = try await fleet.operatorCall(
                client, token, .post, "/api/v1/learning/rules/rule-nope/approve", expect: .notFound)

            let path = "/api/v1/appliance/rules"
            let response = try await client.execute(
                uri: path, method: .get,
                headers: CentralHTTPTests.signedHeaders(
                    path: path, body: [], timestamp: fleet.clock.now.millisecondsSinceEpoch / 1000, method: "GET"))
            #expect(response.status == .ok, "\(CentralHTTPTests.message(response))")
            let signed = try JSONDecoder().decode(SignedRuleSet.self, from: Data(response.body.readableBytesView))
            #expect(signed.revision == 1 && signed.rules.contains(proposal.id))
            let signature = try #require(Base64.decode(signed.signature))
            #expect(
                EvidenceIngestorTests.serverKey.verifyingKey.isValidSignature(
                    signature, for: SignedRuleSet.message(revision: signed.revision, rules: signed.rules)))
            #expect(
                !EvidenceIngestorTests.serverKey.verifyingKey.isValidSignature(
                    signature, for: SignedRuleSet.message(revision: signed.revision + 1, rules: signed.rules)))
        }
    }

    @Test func hostileReportsAreRefusedAndCountNothing() async throws {
        let token = try await fleet.seed()
        try await fleet.app().test(.router) { client in
            var cases: [(ResolutionReport, String)] = []
            var report = Self.good
            report.checkID = "linux.nonsense"
            cases.append((report, "not in the check catalogue"))
            report = Self.good
            report.runbook = "RB-LIN-NOPE-001"
            cases.append((report, "no runbook"))
            report = Self.good
            report.runbook = "RB-LIN-FILE-001"
            report.parameters = [:]
            cases.append((report, "does not heal"))
            report = Self.good
            report.parameters = ["value": "yes'; reboot"]
            cases.append((report, "parameter value"))
            report = Self.good
            report.source = "seeded"
            cases.append((report, "source must be"))
            for (body, reason) in cases {
                let response = try await self.report(client, body)
                #expect(response.status == .badRequest)
                #expect(CentralHTTPTests.message(response).contains(reason), "\(CentralHTTPTests.message(response))")
            }
            // Unsigned: refused before anything is counted.
            try await client.execute(
                uri: "/api/v1/appliance/resolutions", method: .post, body: try TenancyHTTPTests.json(Self.good)
            ) { response in #expect(response.status == .unauthorized) }
            let overview = try await fleet.operatorCall(
                client, token, .get, "/api/v1/learning", as: LearningOverview.self)
            #expect(overview?.patterns.isEmpty == true)
        }
    }
}
