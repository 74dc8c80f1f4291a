import CentralClient
import CentralCommand
import Compliance
import EvidenceCrypto
import EvidenceSet
import Foundation
import Logging
import SQLStorage
import TestSupport
import Testing
import VigilAPI

@Suite struct EvidenceIngestorTests {
    static let serverKey = (try? SigningKey(seed: [UInt8](repeating: 9, count: 32))).unsafelyUnwrapped
    let identity = ServerIdentity(name: "vigil.central/test", key: Self.serverKey)
    let store = InMemoryStore()
    let events = InMemorySecurityEventSink()
    let site = (try? Site.ID("site-main")).unsafelyUnwrapped

    func seed(_ tenancy: any TenancyStore) async throws {
        try await tenancy.create(Partner(id: try Partner.ID("partner-1"), name: "MSP"))
        try await tenancy.create(
            Client(id: try Client.ID("client-1"), partnerID: try Partner.ID("partner-1"), name: "Dental"))
        try await tenancy.create(Site(id: site, clientID: try Client.ID("client-1"), name: "Main", timeZone: "UTC"))
        try await tenancy.create(
            Site(id: try Site.ID("site-other"), clientID: try Client.ID("client-1"), name: "Other", timeZone: "UTC"))
        try await tenancy.create(
            Appliance(
                id: Fixtures.applianceID, siteID: site,
                publicKey: Base64.encode(Fixtures.applianceKey.verifyingKey.rawRepresentation),
                softwareRevision: "0.1.0", deploymentMode: .direct))
    }

    func ingestor(
        tenancy: (any TenancyStore)? = nil, evidence: (any EvidenceStore)? = nil, sink: (any SecurityEventSink)? = nil
    )
        -> EvidenceIngestor
    {
        EvidenceIngestor(
            tenancy: tenancy ?? store, evidence: evidence ?? store, events: sink ?? events, identity: identity,
            clock: { Fixtures.start })
    }

    /// `count` sealed bundles of the test appliance, as it would upload them.
    static func sealed(
        _ count: Int, site: String = "site-main", applianceID: Appliance.ID = Fixtures.applianceID,
        key: SigningKey = Fixtures.applianceKey, variant: String = ""
    ) throws -> [UploadedBundle] {
        var log = try EvidenceLog(applianceID: applianceID, key: key)
        return try (0..<count).map { index in
            let bundle = EvidenceBundle(
                bundleID: try Identifier<EvidenceBundle>("bundle\(variant)-\(index + 1)"), kind: .scan,
                siteID: try Site.ID(site),
                hostID: try ManagedHost.ID("host-1"), applianceID: applianceID, sequence: 0, previousHash: .zero,
                observedAt: Fixtures.start.adding(milliseconds: Int64(index) * 60_000), startedAt: Fixtures.start,
                finishedAt: Fixtures.start, softwareRevision: "test\(variant)", deploymentMode: .direct,
                outcome: .success)
            let sealed = try log.seal(bundle)
            return UploadedBundle(
                canonicalBytes: Base64.encode(sealed.canonicalBytes), signature: Base64.encode(sealed.signature))
        }
    }

    @Test func acceptsAChainAndReturnsReceiptsTheApplianceCanVerify() async throws {
        try await seed(store)
        let bundles = try Self.sealed(5)
        let result = try await ingestor().ingest(EvidenceUpload(bundles: bundles), from: Fixtures.applianceID)
        #expect(result.rejected.isEmpty)
        #expect(result.head == 5)
        #expect(result.receipts.map(\.receipt.sequence) == [1, 2, 3, 4, 5])
        #expect(result.receipts.allSatisfy { ServerSignatures.verify($0, with: Self.serverKey.verifyingKey) })
        #expect(!ServerSignatures.verify(result.receipts[0], with: Fixtures.otherKey.verifyingKey))
        let stored = try #require(try await store.bundle(appliance: Fixtures.applianceID, sequence: 3))
        #expect(Base64.encode(stored.canonicalBytes) == bundles[2].canonicalBytes)
        #expect(result.receipts[2].receipt.hash == stored.hash.hex)
    }

    @Test func reuploadsGetTheSameReceiptsAndStoreNothingTwice() async throws {
        try await seed(store)
        let bundles = try Self.sealed(3)
        let first = try await ingestor().ingest(EvidenceUpload(bundles: bundles), from: Fixtures.applianceID)
        let again = try await ingestor().ingest(EvidenceUpload(bundles: bundles.reversed()), from: Fixtures.applianceID)
        #expect(again.receipts.sorted { $0.receipt.sequence < $1.receipt.sequence } == first.receipts)
        #expect(again.rejected.isEmpty)
        #expect(try await store.head(of: Fixtures.applianceID)?.sequence == 3)
    }

    @Test func acceptsBundlesSentOutOfOrderInOneUpload() async throws {
        try await seed(store)
        let result = try await ingestor().ingest(
            EvidenceUpload(bundles: try Self.sealed(4).reversed()), from: Fixtures.applianceID)
        #expect(result.head == 4)
        #expect(result.rejected.isEmpty)
    }

    @Test func reportsMissingRangesAndAcceptsThemLater() async throws {
        try await seed(store)
        let bundles = try Self.sealed(7)
        _ = try await ingestor().ingest(EvidenceUpload(bundles: Array(bundles[0..<3])), from: Fixtures.applianceID)
        let gap = try await ingestor().ingest(EvidenceUpload(bundles: Array(bundles[5...])), from: Fixtures.applianceID)
        #expect(gap.missing == [SequenceRange(from: 4, to: 5)])
        #expect(gap.rejected.map(\.reason) == [.outOfOrder, .outOfOrder])
        #expect(gap.receipts.isEmpty)
        let filled = try await ingestor().ingest(
            EvidenceUpload(bundles: Array(bundles[3...])), from: Fixtures.applianceID)
        #expect(filled.head == 7)
        #expect(filled.missing.isEmpty)
        let recorded = await events.events
        #expect(recorded.isEmpty)
    }

    @Test func refusesAForgedSignatureAndRecordsASecurityEvent() async throws {
        try await seed(store)
        let forged = try Self.sealed(2, key: Fixtures.otherKey)
        let result = try await ingestor().ingest(EvidenceUpload(bundles: forged), from: Fixtures.applianceID)
        #expect(result.rejected.map(\.reason) == [.badSignature, .badSignature])
        #expect(result.receipts.isEmpty)
        #expect(try await store.head(of: Fixtures.applianceID) == nil)
        let recorded = await events.events
        #expect(recorded.map(\.kind) == ["bad_signature", "bad_signature"])
    }

    @Test func refusesBytesAlteredAfterSigning() async throws {
        try await seed(store)
        var bundles = try Self.sealed(1)
        let bytes = try #require(Base64.decode(bundles[0].canonicalBytes))
        let altered = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"success\"", with: "\"failed\"")
        bundles[0].canonicalBytes = Base64.encode(Array(altered.utf8))
        let result = try await ingestor().ingest(EvidenceUpload(bundles: bundles), from: Fixtures.applianceID)
        #expect(result.rejected.first?.reason == .badSignature)
    }

    @Test func refusesABundleNamingAnotherApplianceOrSite() async throws {
        try await seed(store)
        let foreign = try Self.sealed(1, applianceID: try Appliance.ID("appliance-elsewhere"))
        let elsewhere = try Self.sealed(1, site: "site-other", variant: "x")
        let result = try await ingestor().ingest(
            EvidenceUpload(bundles: foreign + elsewhere), from: Fixtures.applianceID)
        #expect(result.rejected.map(\.reason) == [.foreignAppliance, .wrongSite])
        let recorded = await events.events
        #expect(recorded.count == 2)
    }

    @Test func detectsAForkAgainstTheStoredChain() async throws {
        try await seed(store)
        _ = try await ingestor().ingest(EvidenceUpload(bundles: try Self.sealed(3)), from: Fixtures.applianceID)
        let other = try Self.sealed(3, variant: "-fork")
        let result = try await ingestor().ingest(EvidenceUpload(bundles: [other[1]]), from: Fixtures.applianceID)
        #expect(result.rejected.map(\.reason) == [.fork])
        let recorded = await events.events
        #expect(recorded.map(\.kind) == ["fork"])
    }

    @Test func refusesMalformedAndNonCanonicalInputAndStoresNothing() async throws {
        try await seed(store)
        let good = try Self.sealed(1)[0]
        let bytes = try #require(Base64.decode(good.canonicalBytes))
        let value = try JSONSerialization.jsonObject(with: Data(bytes))
        let pretty = [UInt8](try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted]))
        let cases = [
            UploadedBundle(canonicalBytes: "not base64!", signature: good.signature),
            UploadedBundle(canonicalBytes: good.canonicalBytes, signature: "AAAA"),
            UploadedBundle(
                canonicalBytes: Base64.encode(pretty),
                signature: Base64.encode(Fixtures.applianceKey.signature(for: pretty))),
            UploadedBundle(
                canonicalBytes: Base64.encode(Array(#"{"a":1}"#.utf8)),
                signature: Base64.encode(Fixtures.applianceKey.signature(for: Array(#"{"a":1}"#.utf8)))),
            UploadedBundle(
                canonicalBytes: Base64.encode(Array(#"{"a":1,"a":2}"#.utf8)),
                signature: Base64.encode(Fixtures.applianceKey.signature(for: Array(#"{"a":1,"a":2}"#.utf8)))),
        ]
        let result = try await ingestor().ingest(EvidenceUpload(bundles: cases), from: Fixtures.applianceID)
        #expect(result.rejected.map(\.reason) == [.malformed, .malformed, .notCanonical, .malformed, .notCanonical])
        #expect(result.receipts.isEmpty)
        #expect(try await store.head(of: Fixtures.applianceID) == nil)
    }

    @Test func refusesUnknownAppliancesAndOversizedUploads() async throws {
        try await seed(store)
        await #expect(throws: IngestError.unknownAppliance("appliance-ghost")) {
            try await ingestor().ingest(EvidenceUpload(bundles: []), from: try Appliance.ID("appliance-ghost"))
        }
        let many = Array(
            repeating: UploadedBundle(canonicalBytes: "", signature: ""),
            count: EvidenceIngestor.maximumBundlesPerUpload + 1)
        await #expect(throws: IngestError.tooManyBundles(limit: EvidenceIngestor.maximumBundlesPerUpload)) {
            try await ingestor().ingest(EvidenceUpload(bundles: many), from: Fixtures.applianceID)
        }
    }

    @Test func ingestsIntoSQLiteAndKeepsSecurityEventsInTheAuditLog() async throws {
        let directory = try TemporaryDirectory("vigil-ingest")
        var logger = Logger(label: "vigil.tests.ingest")
        logger.logLevel = .error
        let database = try await VigilDatabase.open(.sqlite(path: directory.appending("vigil.sqlite")), logger: logger)
        try await database.migrate()
        let tenancy = SQLTenancyStore(database: database)
        let evidence = SQLEvidenceStore(database: database)
        let audit = SQLAuditLog(database: database)
        try await seed(tenancy)
        let subject = ingestor(tenancy: tenancy, evidence: evidence, sink: audit)
        let result = try await subject.ingest(
            EvidenceUpload(bundles: try Self.sealed(4) + Self.sealed(1, key: Fixtures.otherKey, variant: "-forged")),
            from: Fixtures.applianceID)
        #expect(result.head == 4)
        #expect(result.rejected.map(\.reason) == [.badSignature])
        let recorded = try await audit.securityEvents(limit: 10)
        #expect(recorded.map(\.kind) == ["bad_signature"])
        #expect(recorded.first?.applianceID == Fixtures.applianceID)
        await database.close()
    }
}
