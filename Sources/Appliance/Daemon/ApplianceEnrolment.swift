public import CentralClient
public import Compliance
public import EvidenceCrypto
public import Foundation
import VigilAPI

/// What enrolment gave the appliance, kept in `DATA/enrolment.json` (mode 0600): its ID, its
/// site, and Central Command's public key, pinned for receipts and orders.
public struct ApplianceEnrolment: Codable, Equatable, Sendable {
    public var applianceID: String
    public var siteID: String
    public var serverPublicKey: String
    public var serverKeyName: String
    public var serverURL: String
    public var enrolledAt: String

    enum CodingKeys: String, CodingKey {
        case applianceID = "appliance_id"
        case siteID = "site_id"
        case serverPublicKey = "server_public_key"
        case serverKeyName = "server_key_name"
        case serverURL = "server_url"
        case enrolledAt = "enrolled_at"
    }

    public static func keyPath(in directory: String) -> String { directory + "/appliance-key.pem" }
    /// A key being rotated in (ADR 0012): present only between writing it and Central Command's answer.
    public static func nextKeyPath(in directory: String) -> String { directory + "/appliance-key.next.pem" }
    public static func recordPath(in directory: String) -> String { directory + "/enrolment.json" }
    public static func databasePath(in directory: String) -> String { directory + "/appliance.sqlite" }

    /// The appliance's key and enrolment, enrolling with `claimCode` on the first run. A key
    /// written by a run that crashed before enrolling is reused, so the claim code still works.
    public static func loadOrEnrol(
        directory: String, serverURL: URL, claimCode: String?, softwareRevision: String
    ) async throws(ApplianceError) -> (SigningKey, ApplianceEnrolment) {
        try makeDirectory(directory)
        let keyPath = keyPath(in: directory)
        let key: SigningKey
        if FileManager.default.fileExists(atPath: keyPath) {
            do {
                key = try SigningKey(contentsOf: keyPath)
            } catch {
                throw .configuration("cannot read the appliance key \(keyPath): \(error.description)")
            }
        } else {
            key = SigningKey()
            do {
                try key.write(to: keyPath)
            } catch {
                throw .configuration("cannot write the appliance key \(keyPath): \(error.description)")
            }
        }
        let recordPath = recordPath(in: directory)
        if let data = FileManager.default.contents(atPath: recordPath) {
            let record: ApplianceEnrolment
            do {
                record = try JSONDecoder().decode(ApplianceEnrolment.self, from: data)
            } catch {
                throw .configuration(
                    "\(recordPath) is unreadable (\(error)); restore it or enrol afresh in a new data-dir")
            }
            return (key, record)
        }
        guard let claimCode, !claimCode.isEmpty else {
            throw .configuration(
                "this appliance is not enrolled: give it a claim code (claim-code in the configuration or VIGIL_CLAIM_CODE)"
            )
        }
        let answer: EnrolmentResponse
        do {
            answer = try await ApplianceClient.enrol(
                connection: CentralConnection(baseURL: serverURL), claimCode: claimCode, key: key,
                softwareRevision: softwareRevision)
        } catch {
            throw .enrolment(error.description)
        }
        let record = ApplianceEnrolment(
            applianceID: answer.applianceID, siteID: answer.siteID, serverPublicKey: answer.serverPublicKey,
            serverKeyName: answer.serverKeyName, serverURL: serverURL.absoluteString,
            enrolledAt: Timestamp.now().description)
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try KeyFiles.writeExclusive(
                path: recordPath, contents: String(decoding: try encoder.encode(record), as: UTF8.self) + "\n",
                mode: 0o600)
        } catch {
            throw .configuration("enrolled as \(answer.applianceID) but cannot write \(recordPath): \(error)")
        }
        return (key, record)
    }

    static func makeDirectory(_ path: String) throws(ApplianceError) {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .configuration("cannot create data-dir \(path): \(error.localizedDescription)")
        }
    }
}

/// Why the appliance cannot start or go on.
public enum ApplianceError: Error, Equatable, CustomStringConvertible {
    case configuration(String)
    case enrolment(String)
    case storage(String)

    public var description: String {
        switch self {
        case .configuration(let why): why
        case .enrolment(let why): "enrolment failed: \(why)"
        case .storage(let why): "appliance storage: \(why)"
        }
    }
}
