import CentralCommand
import Compliance
import EvidenceCrypto
import EvidenceSet
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import VigilAPI

/// "State of check C on host H at T" with proof, filtered evidence listings and framework scores,
/// over evidence ingested the real way (sealed, signed, uploaded).
@Suite struct EvidenceQueryTests {
    let store = InMemoryStore()
    static let sshRoot = (try? CheckID("linux.ssh.permit_root_login")).unsafelyUnwrapped
    static let firewall = (try? CheckID("linux.firewall.active")).unsafelyUnwrapped

    /// Three scans of host-1 an hour apart: root login passes, then fails, then passes again; the
    /// firewall is only checked in the first scan. host-2 is scanned once.
    func ingestHistory() async throws -> String {
        try await EvidenceIngestorTests().seed(store)
        var log = try EvidenceLog(applianceID: Fixtures.applianceID, key: Fixtures.applianceKey)
        let scans: [(host: String, minutes: Int64, results: [CheckResult])] = [
            (
                "host-1", 0,
                [
                    CheckResult(checkID: Self.sshRoot, status: .pass, severity: .high),
                    CheckResult(checkID: Self.firewall, status: .pass, severity: .high),
                ]
            ),
            ("host-1", 60, [CheckResult(checkID: Self.sshRoot, status: .fail, severity: .high, observed: "yes")]),
            ("host-1", 120, [CheckResult(checkID: Self.sshRoot, status: .pass, severity: .high)]),
            ("host-2", 30, [CheckResult(checkID: Self.sshRoot, status: .pass, severity: .high)]),
        ]
        var uploads: [UploadedBundle] = []
        for (index, scan) in scans.enumerated() {
            let observed = Fixtures.start.adding(milliseconds: scan.minutes * 60_000)
            let bundle = EvidenceBundle(
                bundleID: try Identifier<EvidenceBundle>("bundle-\(index + 1)"), kind: .scan,
                siteID: try Site.ID("site-main"), hostID: try ManagedHost.ID(scan.host),
                applianceID: Fixtures.applianceID, sequence: 0, previousHash: .zero, observedAt: observed,
                startedAt: observed, finishedAt: observed, softwareRevision: "test", deploymentMode: .direct,
                results: scan.results, outcome: .success)
            let sealed = try log.seal(bundle)
            uploads.append(
                UploadedBundle(
                    canonicalBytes: Base64.encode(sealed.canonicalBytes), signature: Base64.encode(sealed.signature)))
        }
        let result = try await EvidenceIngestorTests().ingestor(tenancy: store, evidence: store)
            .ingest(EvidenceUpload(bundles: uploads), from: Fixtures.applianceID)
        #expect(result.rejected.isEmpty)
        let (token, key) = APIKeyTokens.generate(partner: nil, name: "platform", at: CentralHTTPTests.now)
        try await store.create(key)
        return token
    }

    func app() -> some ApplicationProtocol {
        Application(
            router: buildRouter(
                services: CentralServices.memory(store, clock: { Fixtures.start.adding(milliseconds: 86_400_000) })))
    }

    func get<T: Decodable>(
        _ client: some TestClientProtocol, _ token: String, _ uri: String, expect status: HTTPResponse.Status = .ok,
        as type: T.Type = String.self
    ) async throws -> T? {
        try await client.execute(uri: uri, method: .get, headers: TenancyHTTPTests.auth(token)) { response in
            #expect(response.status == status, "\(uri): \(CentralHTTPTests.message(response))")
            guard response.status == .ok, T.self != String.self else { return nil }
            return try JSONDecoder().decode(T.self, from: Data(response.body.readableBytesView))
        }
    }

    @Test func answersTheStateAtATimeWithTheBundleThatProvesIt() async throws {
        let token = try await ingestHistory()
        try await app().test(.router) { client in
            let base = "/api/v1/sites/site-main/state?host=host-1&check=linux.ssh.permit_root_login&at="
            let expectations: [(Int64, CheckStatus, String)] = [
                (59, .pass, "bundle-1"), (60, .fail, "bundle-2"), (119, .fail, "bundle-2"), (500, .pass, "bundle-3"),
            ]
            for (minutes, status, bundleID) in expectations {
                let at = Fixtures.start.adding(milliseconds: minutes * 60_000).description
                let proof = try #require(try await get(client, token, base + at, as: CheckStateProof.self))
                #expect(proof.status == status, "at +\(minutes) min")
                #expect(proof.bundle.bundleID == bundleID)
                // The proof verifies offline: the signature over the canonical bytes with the
                // appliance's key, and the bytes say what the answer says.
                let bytes = try #require(Base64.decode(proof.bundle.canonicalBytes))
                let signature = try #require(Base64.decode(proof.bundle.signature))
                let key = try VerifyingKey(text: proof.appliancePublicKey)
                #expect(key.isValidSignature(signature, for: bytes))
                #expect(Hash32.sha256(bytes).hex == proof.bundle.hash)
                let bundle = try JSONDecoder().decode(EvidenceBundle.self, from: Data(bytes))
                #expect(bundle.results.first { $0.checkID == Self.sshRoot }?.status == status)
            }
            // The firewall was last checked in the first scan; later scans without it do not hide it.
            let firewall = try await get(
                client, token, "/api/v1/sites/site-main/state?host=host-1&check=linux.firewall.active",
                as: CheckStateProof.self)
            #expect(firewall?.bundle.bundleID == "bundle-1")
            let before = Fixtures.start.adding(milliseconds: -1).description
            _ = try await get(client, token, base + before, expect: .notFound)
            _ = try await get(
                client, token, "/api/v1/sites/site-main/state?host=host-9&check=linux.ssh.permit_root_login",
                expect: .notFound)
            for bad in [
                "/api/v1/sites/site-main/state?host=host-1", "/api/v1/sites/site-main/state?check=linux.ssh.x",
                base + "yesterday", "/api/v1/sites/site-main/state?host=host-1&check=not%20a%20check",
                "/api/v1/sites/site-main/state?host=..%2F..&check=linux.ssh.permit_root_login",
            ] {
                _ = try await get(client, token, bad, expect: .badRequest)
            }
        }
    }

    @Test func listsEvidenceByHostAndCheck() async throws {
        let token = try await ingestHistory()
        try await app().test(.router) { client in
            let byHost = try await get(
                client, token, "/api/v1/sites/site-main/evidence?host=host-1", as: [EvidenceSummary].self)
            #expect(byHost?.map(\.bundleID) == ["bundle-1", "bundle-2", "bundle-3"])
            let byCheck = try await get(
                client, token, "/api/v1/sites/site-main/evidence?check=linux.firewall.active",
                as: [EvidenceSummary].self)
            #expect(byCheck?.map(\.bundleID) == ["bundle-1"])
            let window = try await get(
                client, token,
                "/api/v1/sites/site-main/evidence?host=host-1&from=\(Fixtures.start.adding(milliseconds: 1).description)",
                as: [EvidenceSummary].self)
            #expect(window?.map(\.bundleID) == ["bundle-2", "bundle-3"])
        }
    }

    @Test func scoresCountMissingEvidenceAsUnknownNeverAsPassing() async throws {
        let token = try await ingestHistory()
        try await app().test(.router) { client in
            let all = try #require(
                try await get(client, token, "/api/v1/sites/site-main/scores", as: [FrameworkScore].self))
            #expect(all.map(\.framework) == Framework.allCases)
            let hipaa = try #require(
                try await get(client, token, "/api/v1/sites/site-main/scores/hipaa", as: FrameworkScore.self))
            let controls = try #require(hipaa.controls)
            #expect(hipaa.passing + hipaa.warning + hipaa.failing + hipaa.unknown == controls.count)
            #expect(hipaa.unknown > 0)
            #expect(hipaa.score == hipaa.passing * 100 / controls.count)
            #expect(hipaa.score < 100)
            // Controls no check reported on are unknown and cite no evidence.
            #expect(controls.filter { $0.status == .unknown }.allSatisfy { $0.evidence.isEmpty })
            // At +90 min root login was failing on host-1: every control it maps to fails.
            let during = Fixtures.start.adding(milliseconds: 90 * 60_000).description
            let failing = try #require(
                try await get(
                    client, token, "/api/v1/sites/site-main/scores/hipaa?at=\(during)", as: FrameworkScore.self))
            let rootControls = Set(
                CheckCatalog.builtin[Self.sshRoot]?.controls.filter { $0.framework == .hipaa }.map(\.control) ?? [])
            #expect(!rootControls.isEmpty)
            for control in failing.controls ?? [] where rootControls.contains(control.control) {
                #expect(control.status == .fail, "\(control.control)")
                #expect(control.evidence.contains("bundle-2"))
            }
            #expect(failing.score <= hipaa.score)
            let empty = try #require(
                try await get(
                    client, token,
                    "/api/v1/sites/site-main/scores/hipaa?at=\(Fixtures.start.adding(milliseconds: -1).description)",
                    as: FrameworkScore.self))
            #expect(empty.score == 0)
            #expect(empty.unknown == empty.controls?.count)
            _ = try await get(client, token, "/api/v1/sites/site-main/scores/iso27001", expect: .notFound)
            let frameworks = try #require(try await get(client, token, "/api/v1/frameworks", as: [FrameworkInfo].self))
            #expect(frameworks.count == Framework.allCases.count)
            #expect(
                frameworks.first { $0.framework == .hipaa }?.controls.contains {
                    $0.checks.contains(Self.sshRoot.rawValue)
                } == true)
        }
    }

    @Test func otherTenantsGet404ForEveryEvidenceQuery() async throws {
        let platform = try await ingestHistory()
        try await app().test(.router) { client in
            let stranger = try await TenancyHTTPTests().tenant(client, platform: platform, name: "Stranger MSP")
            for uri in [
                "/api/v1/sites/site-main/evidence?host=host-1",
                "/api/v1/sites/site-main/state?host=host-1&check=linux.ssh.permit_root_login",
                "/api/v1/sites/site-main/scores", "/api/v1/sites/site-main/scores/hipaa",
            ] {
                _ = try await get(client, stranger.token, uri, expect: .notFound)
            }
        }
    }

    /// The one formula, directly: unknown controls count against the score.
    @Test func scoreFormula() throws {
        let results = [
            ObservedResult(
                hostID: try ManagedHost.ID("h"),
                result: CheckResult(checkID: Self.sshRoot, status: .pass, severity: .high),
                bundleID: try Identifier<EvidenceBundle>("b1"), observedAt: Fixtures.start)
        ]
        let score = ComplianceScore(framework: .hipaa, platforms: [.linux], latest: results)
        #expect(score.count(.pass) >= 1)
        #expect(score.count(.unknown) == score.controls.count - score.count(.pass))
        #expect(score.score == score.count(.pass) * 100 / score.controls.count)
        let none = ComplianceScore(framework: .hipaa, platforms: [.linux], latest: [])
        #expect(none.score == 0 && none.count(.unknown) == none.controls.count)
        let warned = ComplianceScore(
            framework: .hipaa, platforms: [.linux],
            latest: [
                ObservedResult(
                    hostID: try ManagedHost.ID("h"),
                    result: CheckResult(checkID: Self.sshRoot, status: .warn, severity: .high),
                    bundleID: try Identifier<EvidenceBundle>("b1"), observedAt: Fixtures.start),
                ObservedResult(
                    hostID: try ManagedHost.ID("h2"),
                    result: CheckResult(checkID: Self.sshRoot, status: .error, severity: .high),
                    bundleID: try Identifier<EvidenceBundle>("b2"), observedAt: Fixtures.start),
            ])
        #expect(warned.count(.pass) == 0)
        #expect(warned.count(.fail) >= 1)
    }
}
