import Appliance
import CentralClient
import Compliance
import EvidenceCrypto
import Foundation
import LabHosts
import Logging
import Synchronization
import TestSupport
import Testing
import VigilAPI

@testable import CLI

/// `rotate_key` end to end (ADR 0012): a real `vigil central`, the daemon in this process, the
/// export verified offline with the *first* key pinned, and the refusals of the rotation route.
@Suite(.serialized) struct KeyRotationTests {
    typealias World = ApplianceDaemonTests.World
    static let available = ApplianceDaemonTests.available
    static let skip = ApplianceDaemonTests.skip

    static func publicKey(in directory: String) throws -> String {
        let key = try SigningKey(contentsOf: ApplianceEnrolment.keyPath(in: directory))
        return Base64.encode(key.verifyingKey.rawRepresentation)
    }

    static func info(_ world: World, _ appliance: Appliance.ID) async throws -> ApplianceInfo {
        let all = try await world.operatorClient.get("/api/v1/sites/\(world.site)/appliances", as: [ApplianceInfo].self)
        return try #require(all.first { $0.id == appliance.rawValue })
    }

    @Test(.enabled(if: available, skip))
    func aRotatedKeySignsFromTheBoundaryAndTheWholeHistoryVerifiesWithTheFirstKey() async throws {
        let world = try await World(hosts: false)
        defer { world.stop() }
        let data = world.configuration.dataDirectory
        let daemon = try await world.daemon()
        let first = try await ApplianceDaemonTests.settledTurn(daemon)
        #expect(first.problems.isEmpty, "\(first.problems)")
        let appliance = daemon.identity.applianceID
        let oldKey = try Self.publicKey(in: data)
        let oldSigning = try SigningKey(contentsOf: ApplianceEnrolment.keyPath(in: data))
        try oldSigning.verifyingKey.pem.write(
            toFile: world.directory.appending("first-key.pem"), atomically: true, encoding: .utf8)

        let order = try await world.order("rotate_key", to: appliance.rawValue)
        let turn = await daemon.turn()
        #expect(turn.problems.isEmpty, "\(turn.problems)")
        let status = try #require(try await world.status(of: order))
        #expect(status.status == "completed", "\(status.resultDetail ?? "")")
        #expect(status.resultDetail?.contains("signs from bundle") == true)
        let newKey = try Self.publicKey(in: data)
        #expect(newKey != oldKey)
        #expect(!FileManager.default.fileExists(atPath: ApplianceEnrolment.nextKeyPath(in: data)))
        let info = try await Self.info(world, appliance)
        #expect(info.publicKey == newKey)
        let rotation = try #require(info.keyRotations.first)
        #expect(info.keyRotations.count == 1 && rotation.oldKey == oldKey && rotation.newKey == newKey)

        // After the boundary: new bundles signed by the new key are taken and receipted, and a
        // checkpoint signed by the new key is cosigned.
        let after = await daemon.turn(forceScan: true)
        #expect(after.problems.isEmpty, "\(after.problems)")
        #expect(after.cycle.upload.receipted >= 1 && after.cycle.upload.failure == nil)
        #expect(after.witnessedSize != nil)
        await daemon.close()
        let bundles = try await ApplianceDaemonTests.bundles(in: data)
        let orderBundle = try #require(bundles.first { $0.kind == .order })
        #expect(orderBundle.sequence == rotation.fromSequence, "the first bundle under the new key is the rotation's")

        // The retired key no longer signs requests.
        let retired = ApplianceClient(connection: world.server.connection, applianceID: appliance, key: oldSigning)
        await #expect(throws: CentralClientError.self) {
            _ = try await retired.checkIn(
                CheckInRequest(softwareVersion: "x", uptimeSeconds: 0, queueDepth: 0, clockOffsetMilliseconds: nil))
        }

        // The export carries the rotation; pinned on the first key, all of it verifies offline.
        let out = world.directory.appending("export")
        let export = try Shell.vigil([
            "evidence", "export", "--server", world.server.connection.baseURL.absoluteString, "--api-key", world.token,
            "--site", world.site, "--out", out, "--json",
        ])
        #expect(export.status == 0, "\(export.stderr)")
        let verify = try Shell.vigil(["verify", out, "--key", world.directory.appending("first-key.pem"), "--json"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let report = try JSONDecoder().decode(VerificationReport.self, from: Data(verify.stdout.utf8))
        #expect(report.verified && report.keyRotations == 1)
        #expect(report.bundles == bundles.count)

        // A rotation whose endorsement was altered breaks the set.
        let manifestPath = out + "/" + "manifest.json"
        var manifest = try JSONDecoder().decode(
            EvidenceSetManifest.self, from: try Data(contentsOf: URL(fileURLWithPath: manifestPath)))
        #expect(manifest.format == EvidenceSetManifest.formatV2)
        manifest.keyRotations?[0].endorsement = Base64.encode(oldSigning.signature(for: Array("other".utf8)))
        try JSONEncoder().encode(manifest).write(to: URL(fileURLWithPath: manifestPath))
        let forged = try Shell.vigil(["verify", out, "--json"])
        #expect(forged.status != 0)
        #expect(forged.stdout.contains("bad_key_rotation"), "\(forged.stdout)")
    }

    @Test(.enabled(if: available, skip))
    func aRotationWhoseAnswerIsLostIsSettledAfterARestartWithNothingLost() async throws {
        let world = try await World(hosts: false)
        defer { world.stop() }
        let data = world.configuration.dataDirectory
        var daemon = try await world.daemon()
        _ = try await ApplianceDaemonTests.settledTurn(daemon)
        let appliance = daemon.identity.applianceID
        let oldKey = try Self.publicKey(in: data)
        await daemon.close()

        let key = try SigningKey(contentsOf: ApplianceEnrolment.keyPath(in: data))
        let losing = ApplianceDaemonTests.Tampering(
            ApplianceClient(connection: world.server.connection, applianceID: appliance, key: key), extra: [],
            losesRotationAnswer: true)
        daemon = try await world.daemon(link: losing)
        let order = try await world.order("rotate_key", to: appliance.rawValue)
        let lost = await daemon.turn()
        #expect(try await world.status(of: order)?.status == "acknowledged")
        #expect(FileManager.default.fileExists(atPath: ApplianceEnrolment.nextKeyPath(in: data)))
        #expect(try Self.publicKey(in: data) == oldKey, "the old key stays until the rotation is settled")
        #expect(lost.cycle.upload.failure == nil)
        await daemon.close()

        // Central Command unreachable while unsettled: nothing is signed with a key that may be wrong.
        var offline = world.configuration
        offline.serverURL = try #require(URL(string: "http://127.0.0.1:\(try ServerPorts.free())"))
        daemon = try await world.daemon(offline)
        let waiting = await daemon.turn(forceScan: true)
        #expect(waiting.recorded == 0 && waiting.scannedHosts == 0)
        #expect(waiting.problems.contains { $0.contains("unsettled") }, "\(waiting.problems)")
        await daemon.close()

        // A restart (as after a crash) finds the next key and asks Central Command.
        daemon = try await world.daemon()
        let settled = await daemon.turn(forceScan: true)
        #expect(settled.problems.isEmpty, "\(settled.problems)")
        await daemon.close()
        let newKey = try Self.publicKey(in: data)
        #expect(newKey != oldKey)
        #expect(!FileManager.default.fileExists(atPath: ApplianceEnrolment.nextKeyPath(in: data)))
        #expect(try await Self.info(world, appliance).publicKey == newKey)
        // Every bundle the appliance holds is receipted: nothing signed with the wrong key.
        let bundles = try await ApplianceDaemonTests.bundles(in: data)
        #expect(settled.cycle.upload.failure == nil)
        #expect(bundles.contains { $0.kind == .order && $0.outcome == .success })
        let head = try await world.operatorClient.get(
            "/api/v1/sites/\(world.site)/appliances/\(appliance)/evidence?after=0&limit=1000",
            as: [ProvingBundle].self
        ).count
        #expect(head == bundles.count, "Central Command holds every bundle the appliance sealed")
    }

    @Test(.enabled(if: available, skip))
    func theRotationRouteRefusesBrokenAndHostileRequests() async throws {
        let world = try await World(hosts: false)
        defer { world.stop() }
        let data = world.configuration.dataDirectory
        let daemon = try await world.daemon()
        _ = try await ApplianceDaemonTests.settledTurn(daemon)
        _ = await daemon.turn(forceScan: true)
        let appliance = daemon.identity.applianceID
        await daemon.close()
        let current = try SigningKey(contentsOf: ApplianceEnrolment.keyPath(in: data))
        let client = ApplianceClient(connection: world.server.connection, applianceID: appliance, key: current)
        let head = try await world.operatorClient.get(
            "/api/v1/sites/\(world.site)/appliances/\(appliance)/evidence?after=0&limit=1000",
            as: [ProvingBundle].self
        ).count
        try #require(head >= 2)
        let currentText = Base64.encode(current.verifyingKey.rawRepresentation)

        func request(
            new: SigningKey = SigningKey(), from: Int64? = nil, endorser: SigningKey? = nil, prover: SigningKey? = nil,
            newKey: String? = nil
        ) -> KeyRotationRequest {
            let from = from ?? Int64(head) + 1
            let newText = newKey ?? Base64.encode(new.verifyingKey.rawRepresentation)
            let statement = KeyRotationStatement.message(
                applianceID: appliance.rawValue, oldKey: currentText, newKey: newText, fromSequence: from)
            return KeyRotationRequest(
                newKey: newText, fromSequence: from,
                endorsement: Base64.encode((endorser ?? current).signature(for: statement)),
                proof: Base64.encode((prover ?? new).signature(for: statement)))
        }
        func status(_ body: KeyRotationRequest) async -> Int? {
            do {
                _ = try await client.rotateKey(body)
                return 200
            } catch .status(let code, _) {
                return code
            } catch {
                return nil
            }
        }
        #expect(await status(request(from: Int64(head))) == 409, "a boundary inside the stored chain")
        #expect(await status(request(from: Int64(head) + 5)) == 409, "a boundary past the stored chain")
        #expect(await status(request(from: 1)) == 400)
        #expect(await status(request(prover: SigningKey())) == 422, "no proof of the new key")
        #expect(await status(request(endorser: SigningKey())) == 422, "not endorsed by the current key")
        #expect(await status(request(newKey: "not a key")) == 400)
        #expect(await status(request(newKey: currentText)) == 409)
        // Raw hostile bodies: not JSON, wrong types.
        for body in [#"{"new_key": 1}"#, "\u{0}\u{1}garbage", #"{"from_sequence": "2"}"#] {
            let bytes = Array(body.utf8)
            let answer = try await world.server.connection.send(
                "POST", "/api/v1/appliance/key", body: Data(bytes),
                headers: client.signedHeaders("POST", "/api/v1/appliance/key", bytes))
            #expect(answer.status == 400, "\(body): \(answer.status)")
        }
        // Unsigned: 401.
        let unsigned = try await world.server.connection.send(
            "POST", "/api/v1/appliance/key", body: Data("{}".utf8), headers: [:])
        #expect(unsigned.status == 401)
        // Nothing changed; then a good rotation succeeds once and cannot be replayed.
        #expect(try await Self.info(world, appliance).keyRotations.isEmpty)
        let good = request()
        #expect(await status(good) == 200)
        #expect(await status(good) == 401, "the old key no longer signs requests")
        let rotated = try await Self.info(world, appliance)
        #expect(rotated.keyRotations.count == 1 && rotated.publicKey == good.newKey)
    }
}
