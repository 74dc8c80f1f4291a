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

/// L3 over HTTP: escalations from the appliance, the SLA clock, acknowledge, approve (a signed
/// order), resolve; tenancy; hostile escalations.
@Suite struct IncidentHTTPTests {
    let fleet = FleetHTTPTests()

    func makeHost(_ client: some TestClientProtocol, _ token: String, site: String = "site-main") async throws -> String
    {
        let created = try await fleet.operatorCall(
            client, token, .post, "/api/v1/sites/\(site)/hosts",
            CreateHost(name: "records-server", platform: "linux", address: "10.0.0.5:22"), expect: .created,
            as: ManagedHost.self)
        return try #require(created?.id.rawValue)
    }

    func escalate(_ client: some TestClientProtocol, _ body: EscalationRequest) async throws -> TestResponse {
        try await fleet.applianceCall(client, "/api/v1/appliance/incidents", body)
    }

    @Test func anEscalationOpensOneIncidentWithAnSLAAndRepeatsCountOnIt() async throws {
        let token = try await fleet.seed()
        try await fleet.app().test(.router) { client in
            let host = try await makeHost(client, token)
            let request = EscalationRequest(
                hostID: host, checkID: "linux.accounts.uid0_only_root", observed: "root, toor",
                context: "no L1 rule heals this check", attempts: 0)
            let first = try await escalate(client, request)
            #expect(first.status == .created, "\(CentralHTTPTests.message(first))")
            let opened = try JSONDecoder().decode(IncidentInfo.self, from: Data(first.body.readableBytesView))
            // Severity comes from the catalogue: uid0 is critical → P1, 15 minutes to acknowledge.
            #expect(opened.severity == "critical" && opened.priority == "p1" && opened.status == "open")
            #expect(opened.title == "root is the only UID-0 account: failing on records-server")
            let due = try Timestamp(parsing: opened.acknowledgeDue)
            #expect(
                due.millisecondsSinceEpoch - (try Timestamp(parsing: opened.openedAt)).millisecondsSinceEpoch == 900_000
            )

            var again = request
            again.context = "still failing"
            let second = try await escalate(client, again)
            #expect(second.status == .ok)
            let repeated = try JSONDecoder().decode(IncidentInfo.self, from: Data(second.body.readableBytesView))
            #expect(repeated.id == opened.id && repeated.occurrences == 2 && repeated.context == "still failing")

            let listed = try await fleet.operatorCall(
                client, token, .get, "/api/v1/sites/site-main/incidents?status=open", as: [IncidentInfo].self)
            #expect(listed?.map(\.id) == [opened.id])
            // The SLA is missed once the clock passes the due time.
            fleet.clock.advance(seconds: 16 * 60)
            let late = try await fleet.operatorCall(
                client, token, .get, "/api/v1/incidents/\(opened.id)", as: IncidentInfo.self)
            #expect(late?.breached == true)
            let acknowledged = try await fleet.operatorCall(
                client, token, .post, "/api/v1/incidents/\(opened.id)/acknowledge", as: IncidentInfo.self)
            #expect(acknowledged?.status == "acknowledged" && acknowledged?.acknowledgedBy != nil)
            _ = try await fleet.operatorCall(
                client, token, .post, "/api/v1/incidents/\(opened.id)/resolve", ResolveIncident(note: "  "),
                expect: .badRequest)
            let resolved = try await fleet.operatorCall(
                client, token, .post, "/api/v1/incidents/\(opened.id)/resolve",
                ResolveIncident(note: "removed the spare root account"), as: IncidentInfo.self)
            #expect(resolved?.status == "resolved" && resolved?.resolutionNote == "removed the spare root account")
            _ = try await fleet.operatorCall(
                client, token, .post, "/api/v1/incidents/\(opened.id)/resolve", ResolveIncident(note: "again"),
                expect: .conflict)
            // Resolved: the next escalation of the same problem opens a new incident.
            let reopened = try await escalate(client, request)
            #expect(reopened.status == .created)
        }
    }

    /// An incident whose L2 fix (password ageing) waits for an operator's approval.
    func raisePendingFix(_ client: some TestClientProtocol, _ token: String) async throws -> (String, IncidentInfo) {
        let host = try await makeHost(client, token)
        let action = Incident.PendingAction(
            runbook: "RB-LIN-ACCT-001", parameters: ["days": "90"], reasoning: "login.defs allows 99999 days",
            confidence: 0.62)
        let raised = try await escalate(
            client,
            EscalationRequest(
                hostID: host, checkID: "linux.accounts.password_max_days", observed: "99999",
                context: "L2 proposes a fix below the confidence threshold", attempts: 0, pendingAction: action))
        return (host, try JSONDecoder().decode(IncidentInfo.self, from: Data(raised.body.readableBytesView)))
    }

    @Test func concurrentApprovalsOfOneIncidentSignOneOrder() async throws {
        let token = try await fleet.seed()
        try await fleet.app().test(.router) { client in
            let (_, incident) = try await raisePendingFix(client, token)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await client.execute(
                            uri: "/api/v1/incidents/\(incident.id)/approve", method: .post,
                            headers: [.authorization: "Bearer \(token)"]
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == .conflict }.count == 7, "\(statuses)")
            let answer = try await fleet.checkIn(client)
            #expect(answer.orders.count == 1, "one approval, one signed order")
        }
    }

    @Test func approvingAPendingFixCreatesASignedRunbookOrderOnce() async throws {
        let token = try await fleet.seed()
        try await fleet.app().test(.router) { client in
            let (host, incident) = try await raisePendingFix(client, token)
            let approved = try await fleet.operatorCall(
                client, token, .post, "/api/v1/incidents/\(incident.id)/approve", as: IncidentInfo.self)
            let orderID = try #require(approved?.pendingAction?.orderID)
            #expect(approved?.status == "acknowledged")
            _ = try await fleet.operatorCall(
                client, token, .post, "/api/v1/incidents/\(incident.id)/approve", expect: .conflict)
            // The appliance receives it, signed, at its next check-in.
            let answer = try await fleet.checkIn(client)
            let order = try #require(answer.orders.first)
            let payload = try #require(
                ServerSignatures.verify(order, with: EvidenceIngestorTests.serverKey.verifyingKey))
            #expect(payload.orderID == orderID && payload.type == "run_runbook")
            #expect(payload.parameters == ["runbook": "RB-LIN-ACCT-001", "host": host, "days": "90"])
        }
    }

    @Test func hostileEscalationsAreRefusedWithReasons() async throws {
        let token = try await fleet.seed()
        try await fleet.app().test(.router) { client in
            let host = try await makeHost(client, token)
            let otherHost = try await makeHost(client, token, site: "site-other")
            let good = EscalationRequest(
                hostID: host, checkID: "linux.ssh.permit_root_login", observed: "yes", context: "x", attempts: 0)
            var cases: [(EscalationRequest, String)] = []
            var unknownCheck = good
            unknownCheck.checkID = "linux.nonsense"
            cases.append((unknownCheck, "not in the check catalogue"))
            var foreign = good
            foreign.hostID = otherHost
            cases.append((foreign, "not a host of this appliance's site"))
            var unknownRunbook = good
            unknownRunbook.pendingAction = .init(
                runbook: "RB-LIN-NOPE-001", parameters: [:], reasoning: "", confidence: nil)
            cases.append((unknownRunbook, "no runbook"))
            var badParameter = good
            badParameter.pendingAction = .init(
                runbook: "RB-LIN-SSH-001", parameters: ["value": "$(reboot)"], reasoning: "", confidence: nil)
            cases.append((badParameter, "parameter value"))
            var preApproved = good
            preApproved.pendingAction = .init(
                runbook: "RB-LIN-SSH-001", parameters: [:], reasoning: "", confidence: nil, orderID: "order-x")
            cases.append((preApproved, "cannot arrive approved"))
            var huge = good
            huge.context = String(repeating: "x", count: 5000)
            cases.append((huge, "at most 4000"))
            var control = good
            control.context = "a\u{1B}[31m"
            cases.append((control, "control characters"))
            var negative = good
            negative.attempts = -1
            cases.append((negative, "attempts"))
            for (body, reason) in cases {
                let response = try await escalate(client, body)
                #expect(response.status == .badRequest, "\(reason): \(response.status)")
                #expect(CentralHTTPTests.message(response).contains(reason), "\(CentralHTTPTests.message(response))")
            }
            let listed = try await fleet.operatorCall(
                client, token, .get, "/api/v1/sites/site-main/incidents", as: [IncidentInfo].self)
            #expect(listed?.isEmpty == true, "nothing half-stored")
            _ = try await fleet.operatorCall(
                client, token, .get, "/api/v1/sites/site-main/incidents?status=closed", expect: .badRequest)
        }
    }

    @Test func anotherPartnerSeesNoIncidentAndCannotTouchOne() async throws {
        let token = try await fleet.seed()
        try await fleet.app().test(.router) { client in
            let host = try await makeHost(client, token)
            let raised = try await escalate(
                client,
                EscalationRequest(
                    hostID: host, checkID: "linux.ssh.permit_root_login", observed: "yes", context: "x", attempts: 0))
            let incident = try JSONDecoder().decode(IncidentInfo.self, from: Data(raised.body.readableBytesView))
            let other = try await TenancyHTTPTests().tenant(client, platform: token, name: "Other MSP")
            for (method, uri) in [
                (HTTPRequest.Method.get, "/api/v1/incidents/\(incident.id)"),
                (.post, "/api/v1/incidents/\(incident.id)/acknowledge"),
                (.post, "/api/v1/incidents/\(incident.id)/approve"),
                (.get, "/api/v1/sites/site-main/incidents"),
            ] {
                _ = try await fleet.operatorCall(client, other.token, method, uri, expect: .notFound)
            }
            _ = try await fleet.operatorCall(
                client, other.token, .post, "/api/v1/incidents/\(incident.id)/resolve", ResolveIncident(note: "mine"),
                expect: .notFound)
            let unchanged = try await fleet.operatorCall(
                client, token, .get, "/api/v1/incidents/\(incident.id)", as: IncidentInfo.self)
            #expect(unchanged?.status == "open")
        }
    }
}
