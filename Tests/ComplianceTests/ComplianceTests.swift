import Foundation
import Testing

@testable import Compliance

@Suite struct IdentifierTests {
    @Test func acceptsSafeIdentifiers() throws {
        #expect(try Site.ID("site-main_office.1:a").rawValue == "site-main_office.1:a")
    }

    @Test(arguments: ["", "has space", "../etc", "semi;colon", "quote'", "é", String(repeating: "a", count: 129)])
    func refusesUnsafeIdentifiers(text: String) {
        #expect(throws: DomainError.invalidIdentifier(text)) { try Site.ID(text) }
    }

    @Test func decodingRefusesUnsafeIdentifiers() {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Site.ID].self, from: Data(#"["a b"]"#.utf8)) }
    }

    @Test func randomIdentifiersAreValidAndDistinct() {
        let first = Appliance.ID.random(prefix: "appliance")
        #expect(Appliance.ID.isValid(first.rawValue))
        #expect(first != Appliance.ID.random(prefix: "appliance"))
    }
}

@Suite struct CheckIDTests {
    @Test func parsesPlatformAndFamily() throws {
        let id = try CheckID("linux.ssh.permit_root_login")
        #expect(id.platform == .linux)
        #expect(id.family == "ssh")
    }

    @Test(arguments: ["linux.ssh", "macos.ssh.x", "Linux.ssh.x", "linux..x", "linux.ssh.x-y", "linux.ssh.x ", ""])
    func refusesMalformedCheckIDs(text: String) {
        #expect(throws: DomainError.self) { try CheckID(text) }
    }
}

@Suite struct CheckCatalogTests {
    @Test func everyBuiltinCheckSaysWhyItMattersAndNoRationaleIsOrphaned() {
        let catalog = CheckCatalog.builtin
        for definition in catalog.definitions {
            #expect(definition.rationale.count > 20, "\(definition.id) has no plain-English rationale")
        }
        let known = Set(catalog.definitions.map(\.id.rawValue))
        #expect(Set(CheckCatalog.rationales.keys).subtracting(known).isEmpty)
    }

    @Test func definitionsAreFoundByIDAndUnknownOrMalformedIDsAreErrors() throws {
        #expect(try CheckCatalog.builtin.definition("appliance.disk.free_space").severity == .medium)
        #expect(throws: DomainError.self) { try CheckCatalog.builtin.definition("appliance.disk.nonexistent") }
        #expect(throws: DomainError.self) { try CheckCatalog.builtin.definition("not an id") }
    }

    @Test func everyBuiltinCheckMapsToControlsOfKnownFrameworks() {
        let catalog = CheckCatalog.builtin
        #expect(catalog.definitions.count >= 28)
        for definition in catalog.definitions {
            #expect(!definition.controls.isEmpty, "\(definition.id) supports no control")
            #expect(!definition.title.isEmpty)
        }
        let frameworks = Set(catalog.definitions.flatMap(\.controls).map(\.framework))
        #expect(frameworks == Set(Framework.allCases))
    }

    @Test func coversEveryPlatform() {
        for platform in Platform.allCases {
            #expect(!CheckCatalog.builtin.checks(for: platform).isEmpty)
        }
    }

    @Test func findsChecksByControl() throws {
        let audit = try ControlReference(parsing: "hipaa:164.312(b)")
        let checks = CheckCatalog.builtin.checks(supporting: audit).map(\.id.rawValue)
        #expect(checks.contains("linux.audit.auditd_running"))
        #expect(CheckCatalog.builtin[try CheckID("linux.ssh.permit_root_login")]?.severity == .high)
    }

    @Test func refusesDuplicateChecks() throws {
        let definition = try #require(CheckCatalog.builtin.definitions.first)
        #expect(throws: DomainError.self) { try CheckCatalog(definitions: [definition, definition]) }
    }
}

@Suite struct ControlReferenceTests {
    @Test func parsesFrameworkAndControl() throws {
        let reference = try ControlReference(parsing: "pci_dss:10.2.1")
        #expect(reference.framework == .pciDSS)
        #expect(reference.control == "10.2.1")
        #expect(reference.description == "pci_dss:10.2.1")
    }

    @Test(arguments: ["hipaa", "iso:1", "hipaa:", "hipaa:a b", "hipaa:\n"])
    func refusesMalformedReferences(text: String) {
        #expect(throws: DomainError.self) { try ControlReference(parsing: text) }
    }
}

@Suite struct TimestampTests {
    @Test func formatsWithMillisecondsInUTC() {
        #expect(Timestamp(millisecondsSinceEpoch: 0).description == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(millisecondsSinceEpoch: 1_795_317_116_123).description == "2026-11-22T03:11:56.123Z")
        #expect(Timestamp(millisecondsSinceEpoch: 951_782_400_000).description == "2000-02-29T00:00:00.000Z")
    }

    @Test func parsesWhatItFormatsAndShorterFractions() throws {
        for millis: Int64 in [0, 1, 999, 951_782_400_000, 1_795_317_116_123, 4_102_444_799_999] {
            let stamp = Timestamp(millisecondsSinceEpoch: millis)
            #expect(try Timestamp(parsing: stamp.description) == stamp)
        }
        #expect(try Timestamp(parsing: "2026-11-22T03:11:56Z").millisecondsSinceEpoch == 1_795_317_116_000)
        #expect(try Timestamp(parsing: "2026-11-22T03:11:56.5Z").millisecondsSinceEpoch == 1_795_317_116_500)
        #expect(try Timestamp(parsing: "2026-11-22T03:11:56.123456Z").millisecondsSinceEpoch == 1_795_317_116_123)
    }

    @Test(arguments: [
        "2026-11-22", "2026-11-22T03:11:56", "2026-11-22T03:11:56+01:00", "2026-13-01T00:00:00Z",
        "2026-02-29T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T03:11:60Z", "2026-11-22T03:11:56.Z",
        "2026-11-22 03:11:56Z", "x026-11-22T03:11:56Z",
    ])
    func refusesOtherSpellings(text: String) {
        #expect(throws: DomainError.self) { try Timestamp(parsing: text) }
    }
}

@Suite struct EvidenceBundleTests {
    func bundle() throws -> EvidenceBundle {
        let now = try Timestamp(parsing: "2026-11-22T03:00:00Z")
        return EvidenceBundle(
            bundleID: try Identifier<EvidenceBundle>("bundle-1"), kind: .scan, siteID: try Site.ID("site-1"),
            hostID: try ManagedHost.ID("host-1"), applianceID: try Appliance.ID("appliance-1"), sequence: 1,
            previousHash: .zero, observedAt: now, startedAt: now, finishedAt: now.adding(milliseconds: 10),
            softwareRevision: "vigil 0.1.0", deploymentMode: .direct,
            results: [
                CheckResult(
                    checkID: try CheckID("linux.ssh.permit_root_login"), status: .fail, severity: .high,
                    observed: "yes", expected: "no")
            ], outcome: .alert)
    }

    @Test func encodesEveryFieldInSnakeCase() throws {
        var value = try bundle()
        value.reseller = "Acme Reseller"
        value.deploymentMode = .reseller
        value.preState = ["linux.ssh.permit_root_login": "yes"]
        value.postState = ["linux.ssh.permit_root_login": "no"]
        value.policyHash = try HexDigest(hex: String(repeating: "a", count: 64))
        value.rulesetHash = value.policyHash
        value.partnerID = try Partner.ID("partner-1")
        value.clientID = try Client.ID("client-1")
        value.controls = [try ControlReference(parsing: "hipaa:164.312(a)(1)")]
        value.actions = [
            ActionStep(
                step: "remediate", runbookID: "RB-LIN-SSH-001", exitCode: 0, durationMilliseconds: 12, outputHash: .zero
            )
        ]
        let json = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(value)) as? [String: Any]
        let keys = Set(try #require(json).keys)
        #expect(
            keys == [
                "schema", "bundle_id", "kind", "partner_id", "client_id", "site_id", "host_id", "appliance_id",
                "sequence", "prev_hash", "observed_at", "started_at", "finished_at", "policy_hash", "ruleset_hash",
                "software_revision", "deployment_mode", "reseller", "controls", "pre_state", "post_state", "actions",
                "results", "outcome",
            ])
        #expect(json?["schema"] as? String == "vigil.evidence/v1")
        let decoded = try JSONDecoder().decode(EvidenceBundle.self, from: try JSONEncoder().encode(value))
        #expect(decoded == value)
    }

    @Test func validatesChainPositionTimesAndReseller() throws {
        try bundle().validate()
        var late = try bundle()
        late.finishedAt = late.startedAt.adding(milliseconds: -1)
        #expect(throws: DomainError.self) { try late.validate() }
        var genesis = try bundle()
        genesis.previousHash = try HexDigest(hex: String(repeating: "1", count: 64))
        #expect(throws: DomainError.self) { try genesis.validate() }
        var reseller = try bundle()
        reseller.deploymentMode = .reseller
        #expect(throws: DomainError.self) { try reseller.validate() }
        var zero = try bundle()
        zero.sequence = 0
        #expect(throws: DomainError.self) { try zero.validate() }
    }

    @Test func refusesMalformedDigests() {
        #expect(throws: DomainError.self) { try HexDigest(hex: String(repeating: "A", count: 64)) }
        #expect(throws: DomainError.self) { try HexDigest(hex: "abc") }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([HexDigest].self, from: Data(#"["zz"]"#.utf8)) }
    }

    @Test func severitiesAreOrdered() {
        #expect(Severity.critical > .high)
        #expect(Severity.allCases.sorted() == [.info, .low, .medium, .high, .critical])
    }
}

@Suite struct ApplianceStatusTests {
    @Test func thresholds() throws {
        let now = try Timestamp(parsing: "2026-03-01T08:00:00Z")
        func status(_ secondsAgo: Int64?) -> ApplianceStatus {
            ApplianceStatus(lastCheckIn: secondsAgo.map { now.adding(milliseconds: -$0 * 1000) }, now: now)
        }
        #expect(status(nil) == .never)
        #expect(status(0) == .online)
        #expect(status(180) == .online)
        #expect(status(181) == .stale)
        #expect(status(1800) == .stale)
        #expect(status(1801) == .offline)
    }
}
